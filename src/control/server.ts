import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { UsageError } from '../errors.js';
import { FaultSpecError } from '../faults/errors.js';
import { formatHostPort, parseHostPort, type HostPort } from '../tap/address.js';
import { listenOn } from '../tap/listen.js';
import type { Tap } from '../tap/tap.js';

/** Largest request body accepted (a fault spec is a few hundred bytes). */
const MAX_BODY_BYTES = 64 * 1024;

export interface ControlOptions {
  listen: string | HostPort;
  /** Bearer token every request must carry; required for a non-loopback address. */
  token?: string | null;
}

/** A running control API (see docs/control-api.md). */
export interface ControlServer {
  address: HostPort;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Serves the tap's links and faults as JSON over HTTP: `GET /health`, `GET /links`, `GET /faults`,
 * `POST /faults`, `DELETE /faults/:id`, `POST /reset`.
 */
export async function startControl(tap: Tap, options: ControlOptions): Promise<ControlServer> {
  const listen = typeof options.listen === 'string' ? parseHostPort(options.listen, '--control') : options.listen;
  const token = options.token ?? null;
  if (token === null && !isLoopback(listen.host)) {
    throw new UsageError(`--control ${formatHostPort(listen)} is not a loopback address: anyone who reaches it could cut your replication links; give --control-token (or REPLTAP_CONTROL_TOKEN), or listen on 127.0.0.1`);
  }
  const startedAt = Date.now();
  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      const body: Record<string, unknown> = { error: error instanceof Error ? error.message : String(error) };
      if (error instanceof HttpError && error.field !== undefined) body.field = error.field;
      send(response, status, body);
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (token !== null && !authorized(request.headers.authorization, token)) {
      response.setHeader('www-authenticate', 'Bearer');
      throw new HttpError(401, 'missing or wrong bearer token (Authorization: Bearer <token>)');
    }
    const url = new URL(request.url ?? '/', 'http://control');
    const route = `${request.method ?? 'GET'} ${url.pathname.replace(/\/+$/, '') || '/'}`;
    const faultPath = /^\/faults\/([^/]+)$/.exec(url.pathname);
    if (route === 'GET /health') return send(response, 200, { ok: true, listen: formatHostPort(tap.address), master: formatHostPort(tap.master), links: tap.links().length, faults: tap.faults().length, uptimeMs: Date.now() - startedAt });
    if (route === 'GET /links') return send(response, 200, tap.links());
    if (route === 'GET /faults') return send(response, 200, tap.faults());
    if (route === 'POST /faults') {
      const spec = await readJson(request);
      try {
        return send(response, 201, tap.addFault(spec));
      } catch (error) {
        if (error instanceof FaultSpecError) throw new HttpError(400, error.message, error.field);
        throw error;
      }
    }
    if (request.method === 'DELETE' && faultPath) {
      const id = decodeURIComponent(faultPath[1]!);
      if (!tap.removeFault(id)) throw new HttpError(404, `no fault with id ${JSON.stringify(id)} (GET /faults lists them)`);
      response.writeHead(204).end();
      return;
    }
    if (route === 'POST /reset') {
      const removed = tap.faults().length;
      tap.resetFaults();
      return send(response, 200, { removed });
    }
    const known = ['/health', '/links', '/faults', '/reset'].includes(url.pathname) || faultPath !== null;
    throw new HttpError(known ? 405 : 404, known ? `${request.method} is not allowed on ${url.pathname}` : `no such endpoint ${url.pathname}; try GET /health, /links, /faults`);
  }

  const address = await listenOn(server, listen).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'EADDRINUSE' ? new UsageError(`cannot serve the control API on ${formatHostPort(listen)}: the address is in use; pick another with --control`) : error;
  });
  return { address, close: () => closeServer(server) };
}

function authorized(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(400, `the body is not JSON: ${(error as Error).message}`);
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
