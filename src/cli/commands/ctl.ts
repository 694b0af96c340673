import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { Fault } from '../../faults/spec.js';
import { formatHostPort, parseHostPort } from '../../tap/address.js';
import type { LinkInfo } from '../../tap/link-info.js';
import { writeOut } from '../output.js';
import { formatClockTime, formatDuration } from '../time-format.js';
import { counted } from '../../counted.js';
import { unforwarded } from '../../link/unforwarded.js';

interface CtlOptions {
  control: string;
  token?: string;
  json?: boolean;
}

export function registerCtl(program: Command): void {
  const ctl = program
    .command('ctl')
    .description("talk to a running tap's control API (repltap proxy --control)")
    .requiredOption('--control <host:port>', 'the control API address')
    .option('--token <token>', 'bearer token, when the tap was started with --control-token', process.env.REPLTAP_CONTROL_TOKEN)
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', '\nExit 2 when the API cannot be reached or refuses the request (the message says why).');
  ctl
    .command('health')
    .description('is the tap up: its addresses, links and faults')
    .action(async (_o, cmd: Command) => {
      const answer = (await call(options(cmd), 'GET', '/health')) as Record<string, unknown>;
      await show(options(cmd), answer, () => `ok: tap ${String(answer.listen)} → master ${String(answer.master)}, ${counted(Number(answer.links), 'link')}, ${counted(Number(answer.faults), 'fault')}\n`);
    });
  ctl
    .command('links')
    .description('the live links with their phase, offsets, and how far and since when each replica is behind')
    .action(async (_o, cmd: Command) => {
      const links = (await call(options(cmd), 'GET', '/links')) as LinkInfo[];
      const now = Date.now();
      await show(options(cmd), links, () => (links.length === 0 ? 'no links\n' : links.map((link) => describeLink(link, now)).join('')));
    });
  const faults = ctl.command('faults').description('list, add or remove faults');
  faults
    .command('list')
    .description('the faults in force and how often each has acted')
    .action(async (_o, cmd: Command) => {
      const list = (await call(options(cmd), 'GET', '/faults')) as (Fault & { acts: number })[];
      await show(options(cmd), list, () => (list.length === 0 ? 'no faults\n' : list.map(describeFault).join('')));
    });
  faults
    .command('add <json>')
    .description('add a fault (JSON, see docs/faults.md); prints it with its id')
    .action(async (json: string, _o, cmd: Command) => {
      let spec: unknown;
      try {
        spec = JSON.parse(json) as unknown;
      } catch (error) {
        throw new UsageError(`the fault is not valid JSON: ${(error as Error).message}`);
      }
      const fault = (await call(options(cmd), 'POST', '/faults', spec)) as Fault & { acts?: number };
      await show(options(cmd), fault, () => `added ${describeFault({ ...fault, acts: 0 })}`);
    });
  faults
    .command('remove <id>')
    .description('remove a fault (bytes a freeze held go on)')
    .action(async (id: string, _o, cmd: Command) => {
      await call(options(cmd), 'DELETE', `/faults/${encodeURIComponent(id)}`);
      await show(options(cmd), { removed: id }, () => `removed ${id}\n`);
    });
  ctl
    .command('reset')
    .description('remove every fault')
    .action(async (_o, cmd: Command) => {
      const answer = (await call(options(cmd), 'POST', '/reset')) as { removed: number };
      await show(options(cmd), answer, () => `removed ${counted(answer.removed, 'fault')}\n`);
    });
}

function options(cmd: Command): CtlOptions {
  return cmd.optsWithGlobals<CtlOptions>();
}

async function call(options: CtlOptions, method: string, path: string, body?: unknown): Promise<unknown> {
  const address = formatHostPort(parseHostPort(options.control, '--control'));
  let response: Response;
  try {
    response = await fetch(`http://${address}${path}`, {
      method,
      headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new UsageError(`cannot reach the control API at ${address}: ${cause}; is repltap proxy running with --control ${address}?`);
  }
  const text = await response.text();
  const answer = text === '' ? null : (JSON.parse(text) as unknown);
  if (!response.ok) throw new UsageError(`the control API refused ${method} ${path} (HTTP ${response.status}): ${(answer as { error?: string } | null)?.error ?? text}`);
  return answer;
}

async function show(options: CtlOptions, data: unknown, human: () => string): Promise<void> {
  await writeOut(options.json ? `${JSON.stringify(data)}\n` : human());
}

function describeLink(link: LinkInfo, now: number): string {
  const ago = (t: number): string => `${formatDuration(Math.max(0, now - t))} ago`;
  const since = link.unconfirmedSince === null ? '' : ` since ${formatClockTime(link.unconfirmedSince)} UTC, ${ago(link.unconfirmedSince)}`;
  const heard = link.lastAckAt === null ? '' : `; last ACK ${ago(link.lastAckAt)}`;
  const lag = link.ackOffset !== null && link.masterOffset !== null ? `, ack ${link.ackOffset} (${link.masterOffset - link.ackOffset} B behind${since}${heard})` : '';
  const offset = link.masterOffset === null ? '' : `, offset ${link.masterOffset}`;
  const held = unforwarded(link.bytes, link.forwarded);
  const holding = held.m2r > 0 || held.r2m > 0 ? `; faults holding ${held.m2r} B m2r, ${held.r2m} B r2m` : '';
  return `link ${link.id}: replica ${link.replica} → master ${link.master}, phase ${link.phase}${offset}${lag}, ${link.bytes.m2r} B m2r, ${link.bytes.r2m} B r2m${holding}\n`;
}

function describeFault(fault: Fault & { acts: number }): string {
  const when = Object.keys(fault.when).length === 0 ? '' : ` when ${JSON.stringify(fault.when)}`;
  const params = Object.keys(fault.params).length === 0 ? '' : ` ${JSON.stringify(fault.params)}`;
  return `${fault.id}: ${fault.action} ${fault.direction}${params}${when}, acted ${fault.times === null ? counted(fault.acts, 'time') : `${fault.acts}/${fault.times} times`}\n`;
}
