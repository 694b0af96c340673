/** One thing a scenario checked, with what it saw. */
export interface Check {
  name: string;
  passed: boolean;
  detail: string;
}

/** A scenario's outcome: passed when every check passed; the evidence is what the checks read. */
export interface Verdict {
  scenario: string;
  passed: boolean;
  /** One sentence: what happened and why. */
  summary: string;
  checks: Check[];
  evidence: Record<string, unknown>;
  durationMs: number;
  /** The trace of the run, when kept. */
  trace: string | null;
}

export interface ScenarioOptions {
  /** The redis-server binary (default: redis-server from PATH). */
  redisServer?: string;
  /** Keep the run's trace at this path (otherwise it is written to a temp dir and removed). */
  trace?: string;
  /** Progress lines for people, as the run goes. */
  progress?: (line: string) => void;
}

export interface Scenario {
  name: string;
  /** What it reproduces, for `scenario list`. */
  description: string;
  run(options: ScenarioOptions): Promise<Verdict>;
}
