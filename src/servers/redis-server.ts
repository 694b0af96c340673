import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvironmentError } from '../errors.js';
import { RedisClient } from './redis-client.js';
import { sleep, waitFor } from './wait.js';

export interface RedisServerOptions {
  /** The redis-server binary; defaults to `redis-server` from PATH. */
  binary?: string;
  /** Extra configuration, passed as `--name value` arguments. */
  config?: Record<string, string | number>;
  /** A name for the temp directory and logs. */
  name?: string;
}

/** Every server started by this process, so that an abrupt exit still stops them. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Asks the OS for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A redis-server process on a free loopback port in its own temp directory, with the debug command
 * enabled (for DEBUG DIGEST) and persistence off unless configured.
 */
export class RedisServer {
  private stopped = false;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly child: ChildProcess,
    readonly client: RedisClient,
  ) {}

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    let lastError: Error | null = null;
    // The port is free when chosen but another process may take it first: try a few.
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        return await RedisServer.startOnce(options);
      } catch (error) {
        if (error instanceof EnvironmentError && !PORT_TAKEN.test(error.message)) throw error;
        lastError = error as Error;
      }
    }
    throw lastError ?? new Error('redis-server did not start');
  }

  private static async startOnce(options: RedisServerOptions): Promise<RedisServer> {
    const binary = options.binary ?? 'redis-server';
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), `repltap-${options.name ?? 'redis'}-`));
    const config: Record<string, string | number> = {
      port,
      bind: '127.0.0.1',
      dir,
      logfile: 'redis.log',
      save: '',
      appendonly: 'no',
      'enable-debug-command': 'local',
      'protected-mode': 'no',
      ...options.config,
    };
    const args = Object.entries(config).flatMap(([key, value]) => [`--${key}`, String(value)]);
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(child);
    let exited: string | null = null;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error: NodeJS.ErrnoException) => {
        running.delete(child);
        reject(
          error.code === 'ENOENT'
            ? new EnvironmentError(`${binary} was not found. Install it (Debian: apt-get install redis-server) or pass --redis-server /path/to/redis-server.`)
            : error,
        );
      });
    });
    // 'close', not 'exit': by then all it wrote to stderr has been read.
    child.once('close', (code, signal) => {
      running.delete(child);
      exited = `exited with ${signal ?? `code ${code}`}`;
    });
    await spawned;
    try {
      const ready = await waitFor(`redis-server on port ${port}`, 10_000, async () => {
        if (exited !== null) return { exited };
        const c = await RedisClient.connect(port);
        if (config.requirepass) await c.call('AUTH', String(config.requirepass));
        await c.call('PING');
        return { client: c };
      });
      if ('exited' in ready) {
        const said = stderr.trim() || tail(join(dir, 'redis.log'));
        throw new EnvironmentError(`${binary} ${ready.exited} before it served port ${port}: ${said || '(it printed nothing)'}; is it redis-server, and does it start by hand?`);
      }
      return new RedisServer(port, dir, child, ready.client);
    } catch (error) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The server's log so far (to check what it said about the link). */
  log(): string {
    try {
      return readFileSync(join(this.dir, 'redis.log'), 'utf8');
    } catch {
      return '';
    }
  }

  info(section = 'replication'): Promise<Record<string, string>> {
    return this.client.info(section);
  }

  async digest(): Promise<string> {
    return String(await this.client.call('DEBUG', 'DIGEST'));
  }

  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its directory. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.client.close();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      const killed = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!killed) {
        this.child.kill('SIGKILL');
        await exited;
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What redis-server logs when the port it was given was taken after it was chosen. */
const PORT_TAKEN = /Address already in use/;

/** The last lines of a server's log, or '' when it wrote none. */
function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    return '';
  }
}
