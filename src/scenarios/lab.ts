import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fault } from '../faults/spec.js';
import type { FaultEvent, LinkEvent } from '../link/events.js';
import { RedisServer } from '../servers/redis-server.js';
import { waitCaughtUp } from '../servers/caught-up.js';
import { startTap, type Tap } from '../tap/tap.js';
import type { Check, ScenarioOptions, Verdict } from './scenario.js';

/** Replication counters of a server, from INFO stats and INFO replication. */
export interface SyncCounters {
  syncFull: number;
  syncPartialOk: number;
  syncPartialErr: number;
  masterReplOffset: number;
}

/**
 * The bench a scenario runs on: a master, a replica pointed at a tap in front of the master, the
 * tap's events and trace, and the checks that make up the verdict. Always stopped by `finish`.
 */
export class Lab {
  readonly events: LinkEvent[] = [];
  private readonly checks: Check[] = [];
  private readonly started = Date.now();
  private readonly dir: string;
  readonly tracePath: string;

  private constructor(
    readonly name: string,
    readonly master: RedisServer,
    readonly replica: RedisServer,
    readonly tap: Tap,
    private readonly options: ScenarioOptions,
    dir: string,
    tracePath: string,
  ) {
    this.dir = dir;
    this.tracePath = tracePath;
    tap.on('event', (event) => this.events.push(event));
  }

  static async start(name: string, options: ScenarioOptions, config: { master?: Record<string, string | number>; replica?: Record<string, string | number> } = {}): Promise<Lab> {
    const dir = mkdtempSync(join(tmpdir(), `repltap-scenario-${name}-`));
    const tracePath = options.trace ?? join(dir, `${name}.rtrace`);
    const master = await RedisServer.start({ binary: options.redisServer, name: `${name}-master`, config: { 'repl-diskless-sync-delay': 0, ...config.master } });
    let replica: RedisServer | null = null;
    try {
      replica = await RedisServer.start({ binary: options.redisServer, name: `${name}-replica`, config: config.replica });
      const tap = await startTap({ master: master.address, trace: tracePath });
      return new Lab(name, master, replica, tap, options, dir, tracePath);
    } catch (error) {
      await replica?.stop();
      await master.stop();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  say(line: string): void {
    this.options.progress?.(line);
  }

  addFault(spec: unknown): Fault {
    const fault = this.tap.addFault(spec);
    this.say(`fault ${fault.id}: ${JSON.stringify(spec)}`);
    return fault;
  }

  /** REPLICAOF the tap. */
  async replicate(): Promise<void> {
    this.say(`REPLICAOF ${this.tap.address.host} ${this.tap.address.port} (the tap, in front of master ${this.master.address})`);
    await this.replica.client.call('REPLICAOF', this.tap.address.host, this.tap.address.port);
  }

  /** REPLICAOF the tap and wait until the replica streams, caught up: writes after this are in the backlog. */
  async streaming(): Promise<number> {
    await this.replicate();
    return this.caughtUp();
  }

  /** Waits until the replica holds the master's offset and its ACK of it went through the tap. */
  caughtUp(timeoutMs = 60_000): Promise<number> {
    return waitCaughtUp(this.master, this.replica, this.tap, timeoutMs);
  }


  async counters(server: RedisServer): Promise<SyncCounters> {
    const stats = await server.info('stats');
    const replication = await server.info('replication');
    return {
      syncFull: Number(stats.sync_full ?? 0),
      syncPartialOk: Number(stats.sync_partial_ok ?? 0),
      syncPartialErr: Number(stats.sync_partial_err ?? 0),
      masterReplOffset: Number(replication.master_repl_offset ?? 0),
    };
  }

  /** Log lines of a server that match, for evidence. */
  logLines(server: RedisServer, pattern: RegExp): string[] {
    return server
      .log()
      .split('\n')
      .filter((line) => pattern.test(line))
      .map((line) => line.replace(/^\d+:[A-Z] /, ''));
  }

  ofType<T extends LinkEvent['type']>(type: T, link?: number): Extract<LinkEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<LinkEvent, { type: T }> => e.type === type && (link === undefined || e.link === link));
  }

  faultEvents(): FaultEvent[] {
    return this.ofType('fault');
  }

  check(name: string, passed: boolean, detail: string): boolean {
    this.checks.push({ name, passed, detail });
    this.say(`${passed ? 'ok  ' : 'FAIL'} ${name}: ${detail}`);
    return passed;
  }

  /** Removes every fault, waits for the link to settle and compares DEBUG DIGEST on both servers. */
  async settleAndCompare(): Promise<{ master: string; replica: string }> {
    this.tap.resetFaults();
    await this.caughtUp();
    const digests = { master: await this.master.digest(), replica: await this.replica.digest() };
    this.check('data intact', digests.master === digests.replica, `DEBUG DIGEST master ${digests.master}, replica ${digests.replica}`);
    return digests;
  }

  /** Stops everything and returns the verdict; a thrown error becomes a failed check. */
  async finish(summary: string, evidence: Record<string, unknown>, error?: unknown): Promise<Verdict> {
    if (error !== undefined) this.check('ran to the end', false, error instanceof Error ? error.message : String(error));
    await this.tap.close();
    await this.replica.stop();
    await this.master.stop();
    if (this.options.trace === undefined) rmSync(this.dir, { recursive: true, force: true });
    const passed = this.checks.length > 0 && this.checks.every((c) => c.passed);
    return { scenario: this.name, passed, summary, checks: this.checks, evidence, durationMs: Date.now() - this.started, trace: this.options.trace ?? null };
  }
}

/** Runs a scenario body on a fresh lab; whatever happens, the servers are stopped and a verdict returned. */
export async function inLab(
  name: string,
  options: ScenarioOptions,
  config: Parameters<typeof Lab.start>[2],
  body: (lab: Lab, evidence: Record<string, unknown>) => Promise<string>,
): Promise<Verdict> {
  const lab = await Lab.start(name, options, config);
  const evidence: Record<string, unknown> = {};
  try {
    const summary = await body(lab, evidence);
    return await lab.finish(summary, evidence);
  } catch (error) {
    return lab.finish(`${name} did not run to the end`, evidence, error);
  }
}
