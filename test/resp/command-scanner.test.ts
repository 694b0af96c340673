import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandScanner, type CommandFrame } from '../../src/resp/command-scanner.js';
import type { DecodeError } from '../../src/resp/decode-error.js';
import { encodeCommand } from '../../src/resp/encode.js';

interface Scanned {
  frames: { kind: string; start: number; size: number; argc: number; args: string[]; cut: number[] | null }[];
  error: DecodeError | null;
}

/** Feeds `bytes` split at `cuts` and collects frames with their arguments copied out. */
function scan(bytes: Buffer, cuts: number[] = [], options = {}): Scanned {
  const scanner = new CommandScanner(options);
  const frames: Scanned['frames'] = [];
  const onFrame = (f: CommandFrame): void => {
    const args = f.args.map((a) => Buffer.from(a).toString('latin1'));
    frames.push({ kind: f.kind, start: f.start, size: f.size, argc: f.argc, args: f.name === null ? args : [f.name.spelling, ...args], cut: f.cut });
  };
  let from = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    const error = scanner.scan(bytes.subarray(from, cut), 0, cut - from, onFrame);
    if (error) return { frames, error };
    from = cut;
  }
  return { frames, error: null };
}

describe('CommandScanner', () => {
  it('frames RESP arrays with exact sizes and positions', () => {
    const a = encodeCommand(['SET', 'key', 'value']);
    const b = encodeCommand(['ping']);
    const { frames, error } = scan(Buffer.concat([a, b]));
    expect(error).toBeNull();
    expect(frames).toEqual([
      { kind: 'array', start: 0, size: a.length, argc: 3, args: ['SET', 'key', 'value'], cut: null },
      { kind: 'array', start: a.length, size: 14, argc: 1, args: ['ping'], cut: null },
    ]);
  });

  it('frames inline commands and bare newlines', () => {
    const { frames } = scan(Buffer.from('PING\r\nREPLCONF listening-port 6380\r\n\n\nSYNC\r\n'));
    expect(frames.map((f) => [f.kind, f.size, f.args.join(' ')])).toEqual([
      ['inline', 6, 'PING'],
      ['inline', 30, 'REPLCONF listening-port 6380'],
      ['newline', 1, ''],
      ['newline', 1, ''],
      ['inline', 6, 'SYNC'],
    ]);
  });

  it('counts *0 and *-1 as bytes without a command', () => {
    const { frames } = scan(Buffer.from('*0\r\n*-1\r\n'));
    expect(frames.map((f) => [f.kind, f.size])).toEqual([
      ['empty', 4],
      ['empty', 5],
    ]);
  });

  it('keeps a capped prefix of long arguments and their full length', () => {
    const long = 'v'.repeat(1000);
    const { frames } = scan(encodeCommand(['SET', 'k', long]), [30, 500], { maxArgBytes: 64 });
    expect(frames[0]!.args[2]).toBe('v'.repeat(64));
    expect(frames[0]!.cut).toEqual([1, 1000]);
    expect(frames[0]!.size).toBe(encodeCommand(['SET', 'k', long]).length);
  });

  it('keeps only the first maxArgs arguments but counts them all', () => {
    const args = ['SADD', 's', ...Array.from({ length: 100 }, (_, i) => `m${i}`)];
    const { frames } = scan(encodeCommand(args), [], { maxArgs: 5 });
    expect(frames[0]!.argc).toBe(102);
    expect(frames[0]!.args).toEqual(['SADD', 's', 'm0', 'm1', 'm2']);
  });

  it.each([
    ['$99999999999 bulk length', '*1\r\n$99999999999\r\n', 'exceeds the limit'],
    ['negative bulk length', '*1\r\n$-1\r\n', 'invalid bulk length'],
    ['a letter in a count', '*1x\r\n', "unexpected byte 'x'"],
    ['a missing $', '*1\r\n+OK\r\n', "expected '$'"],
    ['a bad CRLF after data', '*1\r\n$2\r\nabcd', 'expected CRLF'],
    ['a huge digit run', `*${'9'.repeat(30)}\r\n`, 'more than 15 digits'],
  ])('reports %s as an error with its position', (_name, input, message) => {
    const { error } = scan(Buffer.from(input));
    expect(error).not.toBeNull();
    expect(error!.message).toContain(message);
    expect(error!.at).toBeGreaterThanOrEqual(0);
    expect(error!.at).toBeLessThan(input.length);
  });

  it('refuses an inline line longer than 64 KiB without holding more', () => {
    const { error } = scan(Buffer.alloc(70_000, 0x61), [1000, 30_000, 65_000]);
    expect(error?.message).toContain('inline command longer than 65536 bytes');
  });

  it('gives the same frames for every chunking (property)', () => {
    const arg = fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u));
    const command = fc.array(arg, { minLength: 1, maxLength: 6 }).map((args) => encodeCommand(args));
    const frame = fc.oneof(command, command, fc.constant(Buffer.from('\n')), fc.constant(Buffer.from('PING\r\n')));
    fc.assert(
      fc.property(fc.array(frame, { minLength: 1, maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), (frames, cuts) => {
        const bytes = Buffer.concat(frames);
        const whole = scan(bytes);
        const split = scan(bytes, cuts.map((c) => c % (bytes.length + 1)));
        expect(whole.error).toBeNull();
        expect(split).toEqual(whole);
        expect(whole.frames.reduce((n, f) => n + f.size, 0)).toBe(bytes.length);
      }),
    );
  });

  it('never throws on corrupted input and stops at a position inside it (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 10 }), (noise, cuts) => {
        const bytes = Buffer.concat([encodeCommand(['SET', 'a', 'b']), Buffer.from(noise)]);
        const result = scan(bytes, cuts.map((c) => c % bytes.length));
        const consumed = result.frames.reduce((n, f) => n + f.size, 0);
        expect(consumed).toBeLessThanOrEqual(bytes.length);
        if (result.error) expect(result.error.at).toBeLessThan(bytes.length);
      }),
    );
  });
});
