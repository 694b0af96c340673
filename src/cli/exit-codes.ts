/** Exit statuses of every repltap command (documented in the README and `repltap --help`). */
export const EXIT = {
  ok: 0,
  /** A check answered no: `diff` found differences, a scenario's verdict failed. */
  negative: 1,
  /** A usage or input error: bad option, unreadable or corrupt trace or RDB file. */
  usage: 2,
  /** Something needed is missing on this machine (redis-server) or a server would not start. */
  environment: 3,
  /** An internal error in repltap (a bug): please report it. */
  internal: 70,
} as const;
