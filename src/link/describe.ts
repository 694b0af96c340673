import { printable, printableCommand } from '../resp/printable.js';
import type { LinkEvent } from './events.js';
import { counted } from '../counted.js';

const ARROW = { m2r: 'master → replica', r2m: 'replica → master' } as const;

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

/** One line of human text for an event, as the timeline and the logs show it. */
export function describeEvent(event: LinkEvent): string {
  switch (event.type) {
    case 'link-open':
      return `replica ${event.replica} connected; tap connects to master ${event.master}`;
    case 'handshake':
      return event.dir === 'r2m' ? `replica → ${event.command}` : `master → ${event.reply}`;
    case 'psync':
      return event.replid === '?' ? 'PSYNC ? -1: the replica asks for a full sync' : `PSYNC ${event.replid} ${event.offset}: the replica asks to continue from offset ${event.offset}`;
    case 'sync':
      return 'SYNC: legacy full sync (no offsets, no ACKs)';
    case 'fullresync':
      return `+FULLRESYNC ${event.replid} ${event.offset}: full sync, stream resumes at offset ${event.offset + 1}`;
    case 'continue':
      return `+CONTINUE${event.replid ? ` ${event.replid}` : ''}: partial resync from offset ${event.offset ?? '?'}`;
    case 'endoff':
      return `$ENDOFF offset ${event.offset} replid ${event.replid} client ${event.clientId} (Valkey dual-channel RDB channel)`;
    case 'rdb-begin':
      return event.framing === 'length' ? `RDB begins: ${bytes(event.length ?? 0)} announced ($<length> framing, disk-based)` : 'RDB begins: $EOF: framing (diskless)';
    case 'rdb-end': {
      const keys = event.keys === null ? '' : `, ${counted(event.keys, 'key')}, checksum ${event.checksum}`;
      return `RDB complete: ${bytes(event.bytes)}, RDB version ${event.rdbVersion ?? '?'}${keys}`;
    }
    case 'rdb-aux':
      return `RDB aux ${event.key} = ${event.value}`;
    case 'rdb-key':
      return `RDB key db${event.db} ${printable(event.key)} ${event.valueType}/${event.encoding}, ${counted(event.length, 'element')}${event.expiry === null ? '' : `, expires ${new Date(event.expiry).toISOString()}`}`;
    case 'command': {
      const args = event.args ? printableCommand(event.args) : '';
      const more = event.args && event.argc - 1 > event.args.length ? ` ... (${event.argc - 1} args)` : '';
      return `@${event.offset} ${event.db === null ? '' : `db${event.db} `}${event.name}${args ? ` ${args}` : ''}${more}`;
    }
    case 'ping':
      return `@${event.offset} ping`;
    case 'getack':
      return `@${event.offset} REPLCONF GETACK *`;
    case 'ack':
      return `ACK ${event.offset}${event.fack === undefined ? '' : ` FACK ${event.fack}`}${event.lag === null ? '' : ` (lag ${event.lag} B)`}`;
    case 'keepalive':
      return `keep-alive newline, ${ARROW[event.dir]}`;
    case 'decode-error':
      return `decode error ${ARROW[event.dir]} at byte ${event.at}: ${event.message} (bytes still forwarded, not decoded)`;
    case 'fault':
      return `fault ${event.id} (${event.action}) ${event.detail}${event.offset === null ? '' : ` at offset ${event.offset}`}`;
    case 'link-close':
      return `link closed: ${event.reason} (phase ${event.phase}; ${bytes(event.bytes.m2r)} master → replica, ${bytes(event.bytes.r2m)} replica → master)`;
  }
}

export { bytes as formatBytes };
