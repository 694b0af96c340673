/** Why a master refused, in words and what to do, with a short name to count it by. */
export interface Refusal {
  kind: string;
  text: string;
}

/** A master's error reply, read for what it means and what to do; in the order they are tried. */
const REFUSALS: [RegExp, string, (authRefused: boolean) => string][] = [
  [/^-(WRONGPASS|ERR invalid (username-)?password)/, 'wrong password', () => "the master refused the replica's password: check masterauth (and masteruser, for an ACL user) on the replica"],
  [
    /^-NOAUTH/,
    'no password',
    (authRefused) =>
      authRefused
        ? "the master refused the replica's password earlier in the handshake: check masterauth (and masteruser, for an ACL user) on the replica"
        : 'the master requires a password and the replica sent none: set masterauth (and masteruser, for an ACL user) on the replica',
  ],
  [/^-NOPERM/, 'user without permission', () => "the replica's user (masteruser) lacks a permission it needs: grant it +psync +sync +replconf +ping on the master"],
  [/^-LOADING/, 'master loading', () => 'the master is still loading its dataset into memory; the replica tries again'],
  [/^-NOMASTERLINK|^-ERR Can't SYNC while not connected/, 'master without its master', () => 'the master is itself a replica with no link to its own master (chained replication); the replica tries again'],
  [/^-MASTERDOWN/, 'master down', () => "the master is itself a replica whose link is down, with replica-serve-stale-data no"],
  [/^-ERR unknown command/i, 'command unknown to the master', () => 'the master does not know this command (PSYNC needs Redis 2.8 or later; a replica then falls back to SYNC)'],
];

/**
 * Why a master refused a replica, from its error reply: what it means and what to do, or null when
 * the reply is not one of those known. `authRefused`: the replica's AUTH was answered with an error.
 */
export function refusalCause(reply: string, authRefused: boolean): Refusal | null {
  for (const [pattern, kind, text] of REFUSALS) if (pattern.test(reply)) return { kind, text: text(authRefused) };
  return null;
}
