const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Renders bytes as readable text the way redis-cli does: printable ASCII as is, anything else as
 * `\xNN`, and the whole quoted when it holds a blank, a quote or an escape.
 */
export function printable(bytes: Uint8Array): string {
  let plain = bytes.length > 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b <= SPACE || b >= 0x7f || b === QUOTE || b === BACKSLASH) {
      plain = false;
      break;
    }
  }
  if (plain) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  let out = '"';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === QUOTE || b === BACKSLASH) out += `\\${String.fromCharCode(b)}`;
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b >= SPACE && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

/** Renders a command: its arguments as `printable` text separated by single spaces. */
export function printableCommand(args: readonly Uint8Array[]): string {
  return args.map(printable).join(' ');
}
