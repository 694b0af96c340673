import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LinkDecoder } from '../../src/link/link-decoder.js';
import { HOLD_LIMIT, RawRedactor, type RawPiece } from '../../src/link/raw-redactor.js';
import { encodeCommand, type RespArg } from '../../src/resp/encode.js';

/** A replica's byte stream, built frame by frame, with where its passwords lie. */
class ReplicaStream {
  private readonly parts: Buffer[] = [];
  length = 0;
  readonly secrets: [number, number][] = [];

  command(args: RespArg[]): this {
    return this.add(encodeCommand(args));
  }

  /** A multibulk AUTH: the password is the last bulk's content, before the final CRLF. */
  auth(...args: string[]): this {
    const frame = encodeCommand(['AUTH', ...args]);
    const end = this.length + frame.length;
    this.secrets.push([end - 2 - Buffer.byteLength(args.at(-1)!), end - 2]);
    return this.add(frame);
  }

  /** An inline AUTH: hidden from its second byte to its newline. */
  inlineAuth(password: string): this {
    const line = Buffer.from(`AUTH ${password}\r\n`);
    this.secrets.push([this.length + 1, this.length + line.length - 1]);
    return this.add(line);
  }

  /** A HELLO with AUTH: hidden but for its first and last bytes. */
  hello(...args: string[]): this {
    const frame = encodeCommand(['HELLO', ...args]);
    this.secrets.push([this.length + 1, this.length + frame.length - 1]);
    return this.add(frame);
  }

  raw(text: string): this {
    return this.add(Buffer.from(text));
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }

  /** The bytes as they should be recorded: every password byte a '*'. */
  masked(): Buffer {
    const out = this.bytes();
    for (const [a, b] of this.secrets) out.fill('*', a, b);
    return out;
  }

  private add(bytes: Buffer): this {
    this.parts.push(bytes);
    this.length += bytes.length;
    return this;
  }
}

/** Feeds `bytes` as the replica's side of a link in chunks ending at `cuts`; returns what would be recorded. */
function record(bytes: Buffer, cuts: number[], recordSecrets = false): RawPiece[] {
  const decoder = new LinkDecoder({ link: 1, args: true, rdb: 'none', recordSecrets });
  const redactor = new RawRedactor();
  const pieces: RawPiece[] = [];
  let from = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b).concat(bytes.length)) {
    if (cut <= from) continue;
    const chunk = Buffer.from(bytes.subarray(from, cut));
    decoder.feed('r2m', chunk, 0);
    const piece = redactor.take(chunk, from, decoder.secretRanges, decoder.secretFrom);
    if (piece !== null) pieces.push({ pos: piece.pos, data: Buffer.from(piece.data) });
    from = cut;
  }
  const last = redactor.finish();
  if (last !== null) pieces.push(last);
  return pieces;
}

/** The pieces laid end to end; fails unless each starts where the one before ended. */
function joined(pieces: RawPiece[]): Buffer {
  let at = 0;
  for (const piece of pieces) {
    expect(piece.pos).toBe(at);
    at += piece.data.length;
  }
  return Buffer.concat(pieces.map((p) => p.data));
}

const handshake = new ReplicaStream()
  .command(['PING'])
  .auth('Sup3rSecret')
  .auth('default', 'an-ACL-password')
  // Longer than the 256 bytes of an argument the decoder keeps: its length comes from the frame.
  .auth('p'.repeat(1000) + 'long-tail')
  .inlineAuth('inline-secret')
  .hello('3', 'AUTH', 'default', 'hello-secret', 'SETNAME', 'r1')
  .command(['REPLCONF', 'listening-port', 6380])
  .command(['REPLCONF', 'capa', 'eof', 'capa', 'psync2'])
  .command(['PSYNC', '?', -1])
  .raw('\n')
  .command(['REPLCONF', 'ACK', 0])
  .auth('late-secret')
  .command(['REPLCONF', 'ACK', 120]);

describe('recording the replica side without its secrets', () => {
  it('records every byte at its position, every password byte as *, however the bytes are cut into chunks', () => {
    const bytes = handshake.bytes();
    const expected = handshake.masked();
    expect(expected.toString('latin1')).not.toMatch(/Sup3rSecret|an-ACL-password|long-tail|inline-secret|hello-secret|late-secret/);
    expect(expected.length).toBe(bytes.length);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
        expect(joined(record(bytes, cuts))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
    // Byte by byte: every frame arrives split.
    expect(joined(record(bytes, Array.from({ length: bytes.length }, (_, i) => i)))).toEqual(expected);
  });

  it('shows the handshake with every password redacted', () => {
    const decoder = new LinkDecoder({ link: 1, args: true, rdb: 'none', recordSecrets: false });
    const commands = decoder.feed('r2m', handshake.bytes(), 0).flatMap((e) => (e.type === 'handshake' && e.dir === 'r2m' ? [e.command] : []));
    expect(commands.filter((c) => /^(AUTH|HELLO)/.test(c))).toEqual([
      'AUTH (redacted)',
      'AUTH default (redacted)',
      'AUTH (redacted)',
      'AUTH (redacted)',
      'HELLO 3 AUTH default (redacted) SETNAME r1',
      'AUTH (redacted)',
    ]);
  });

  it('passes chunks with no password and nothing held on as they are, without a copy', () => {
    const decoder = new LinkDecoder({ link: 1, args: true, rdb: 'none', recordSecrets: false });
    const redactor = new RawRedactor();
    const chunk = encodeCommand(['REPLCONF', 'ACK', 42]);
    decoder.feed('r2m', chunk, 0);
    expect(redactor.take(chunk, 0, decoder.secretRanges, decoder.secretFrom)?.data).toBe(chunk);
  });

  it('holds at most HOLD_LIMIT bytes of an AUTH still arriving, then masks it whole as it comes', () => {
    const password = 'S'.repeat(3 * HOLD_LIMIT);
    const stream = new ReplicaStream().command(['PING']).auth(password).command(['REPLCONF', 'ACK', 7]);
    const bytes = stream.bytes();
    const cuts = Array.from({ length: Math.ceil(bytes.length / 4096) }, (_, i) => i * 4096);
    const pieces = record(bytes, cuts);
    // Recorded before the frame ended: not all of it waited in memory.
    const frameEnd = stream.secrets[0]![1] + 2;
    expect(pieces.filter((p) => p.pos + p.data.length < frameEnd).reduce((n, p) => n + p.data.length, 0)).toBeGreaterThan(HOLD_LIMIT);
    const recorded = joined(pieces);
    expect(recorded.length).toBe(bytes.length);
    const [a, b] = stream.secrets[0]!;
    expect(recorded.subarray(a, b).every((byte) => byte === 0x2a)).toBe(true);
    // The frames around it are recorded as they are.
    expect(recorded.subarray(0, 14)).toEqual(encodeCommand(['PING']));
    expect(recorded.subarray(b + 2)).toEqual(encodeCommand(['REPLCONF', 'ACK', 7]));
  });

  it('records an AUTH the connection cut short masked, as far as it went', () => {
    const stream = new ReplicaStream().command(['PING']).auth('never-finished');
    const bytes = stream.bytes().subarray(0, stream.length - 6);
    const recorded = joined(record(bytes, [5, 20]));
    expect(recorded.length).toBe(bytes.length);
    expect(recorded.subarray(0, 14)).toEqual(encodeCommand(['PING']));
    expect(recorded.subarray(14).every((byte) => byte === 0x2a)).toBe(true);
  });

  it('finds no secret when secrets are recorded (--record-secrets)', () => {
    const bytes = handshake.bytes();
    expect(joined(record(bytes, [3, 50, 200], true))).toEqual(bytes);
  });
});
