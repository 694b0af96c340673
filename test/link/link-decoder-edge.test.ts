import { describe, expect, it } from 'vitest';
import { LinkDecoder } from '../../src/link/link-decoder.js';
import type { LinkEvent } from '../../src/link/events.js';
import { encodeCommand } from '../../src/resp/encode.js';
import { bytewise, decodeChunks, m2r, r2m, type Chunk } from '../support/decode.js';

const REPLID = 'b3bb99b5899e4202b09258ebe17e7cb109f25a1a';
const MARK = 'b7c194454c2cf0887e296d393ce51c629a8b61d5';
const RDB = Buffer.concat([Buffer.from('REDIS0009'), Buffer.from([0xff, 1, 2, 3, 4, 5, 6, 7, 8])]);

function brief(events: LinkEvent[]): string[] {
  return events.map((e) => {
    switch (e.type) {
      case 'handshake':
        return `handshake ${e.dir === 'r2m' ? e.command : e.reply}`;
      case 'command':
        return `command ${e.name}@${e.offset}${e.db === null ? '' : ` db${e.db}`}${e.tx ? ' tx' : ''}`;
      case 'ping':
      case 'getack':
        return `${e.type}@${e.offset}`;
      case 'ack':
        return `ack ${e.offset}${e.fack === undefined ? '' : ` fack ${e.fack}`}`;
      case 'psync':
        return `psync ${e.replid} ${e.offset}`;
      case 'fullresync':
        return `fullresync ${e.offset}`;
      case 'continue':
        return `continue ${e.replid} ${e.offset}`;
      case 'rdb-begin':
        return `rdb-begin ${e.framing} ${e.length}`;
      case 'rdb-end':
        return `rdb-end ${e.bytes} v${e.rdbVersion}`;
      case 'keepalive':
        return `keepalive ${e.dir}`;
      case 'decode-error':
        return `decode-error ${e.dir} @${e.at}: ${e.message}`;
      default:
        return e.type;
    }
  });
}

/** Decodes whole, then byte by byte, and checks both agree. */
function decode(chunks: Chunk[]): string[] {
  const whole = decodeChunks(chunks);
  expect(decodeChunks(bytewise(chunks))).toEqual(whole);
  return brief(whole);
}

describe('LinkDecoder on hand-made links', () => {
  it('Redis <= 4.0: inline handshake, PSYNC v1 +FULLRESYNC, $<len> RDB glued to uppercase PING', () => {
    expect(
      decode([
        r2m('PING\r\n'),
        m2r('+PONG\r\n'),
        r2m('REPLCONF listening-port 6380\r\n'),
        m2r('+OK\r\n'),
        r2m('PSYNC ? -1\r\n'),
        m2r(`\n+FULLRESYNC ${REPLID} 100\r\n\n\n$${RDB.length}\r\n`),
        m2r(Buffer.concat([RDB, encodeCommand(['PING']), encodeCommand(['SELECT', '2']), encodeCommand(['SET', 'a', 'b'])])),
        r2m(encodeCommand(['REPLCONF', 'ACK', '114'])),
      ]),
    ).toEqual([
      'handshake PING',
      'handshake +PONG',
      'handshake REPLCONF listening-port 6380',
      'handshake +OK',
      'handshake PSYNC ? -1',
      'psync ? -1',
      'keepalive m2r',
      'fullresync 100',
      'keepalive m2r',
      'keepalive m2r',
      `rdb-begin length ${RDB.length}`,
      `rdb-end ${RDB.length} v9`,
      'ping@114',
      'command select@137 db2',
      'command set@164 db2',
      'ack 114',
    ]);
  });

  it('PSYNC v1 partial resync: +CONTINUE without a replid resumes at the PSYNC offset - 1', () => {
    expect(decode([r2m(`PSYNC ${REPLID} 501\r\n`), m2r('+CONTINUE\r\n'), m2r(encodeCommand(['DEL', 'k']))])).toEqual([
      `handshake PSYNC ${REPLID} 501`,
      `psync ${REPLID} 501`,
      'continue null 500',
      'command del@520',
    ]);
  });

  it('an error to PSYNC then the SYNC fallback: bare RDB, offsets counted from 0', () => {
    expect(
      decode([
        r2m(encodeCommand(['PSYNC', '?', '-1'])),
        m2r('-ERR unknown command\r\n'),
        r2m('SYNC\r\n'),
        m2r(`$${RDB.length}\r\n`),
        m2r(Buffer.concat([RDB, encodeCommand(['SET', 'x', '1'])])),
      ]),
    ).toEqual(['handshake PSYNC ? -1', 'psync ? -1', 'handshake -ERR unknown command', 'handshake SYNC', 'sync', `rdb-begin length ${RDB.length}`, `rdb-end ${RDB.length} v9`, 'command set@27']);
  });

  it('diskless $EOF: payload ends at the mark; the stream waits for the first ACK', () => {
    const events = decode([
      r2m(encodeCommand(['PSYNC', '?', '-1'])),
      m2r(`+FULLRESYNC ${REPLID} 0\r\n$EOF:${MARK}\r\n`),
      m2r(Buffer.concat([RDB, Buffer.from(MARK)])),
      r2m(encodeCommand(['REPLCONF', 'ACK', '0', 'FACK', '0'])),
      m2r(encodeCommand(['ping'])),
      r2m('\n'),
    ]);
    expect(events).toEqual(['handshake PSYNC ? -1', 'psync ? -1', 'fullresync 0', 'rdb-begin eof null', `rdb-end ${RDB.length} v9`, 'ack 0 fack 0', 'ping@14', 'keepalive r2m']);
  });

  it('MULTI/EXEC: every frame of the block is marked, db follows SELECT inside the block', () => {
    const stream = Buffer.concat(
      [['MULTI'], ['SELECT', '3'], ['SET', 'a', '1'], ['INCR', 'c'], ['EXEC'], ['SET', 'b', '2']].map((c) => encodeCommand(c)),
    );
    const events = decode([r2m(encodeCommand(['PSYNC', REPLID, '11'])), m2r(`+CONTINUE ${REPLID}\r\n`), m2r(stream)]);
    expect(events.filter((e) => e.startsWith('command'))).toEqual([
      'command multi@25 tx',
      'command select@48 db3 tx',
      'command set@75 db3 tx',
      'command incr@96 db3 tx',
      'command exec@110 db3 tx',
      'command set@137 db3',
    ]);
  });

  it("REPLCONF GETACK counts in the offset and the replica's answer excludes it", () => {
    const getack = encodeCommand(['REPLCONF', 'GETACK', '*']);
    const events = decode([
      r2m(encodeCommand(['PSYNC', REPLID, '1'])),
      m2r(`+CONTINUE ${REPLID}\r\n`),
      m2r(Buffer.concat([encodeCommand(['SET', 'w', '1']), getack])),
      r2m(encodeCommand(['REPLCONF', 'ACK', '27'])),
    ]);
    expect(events.slice(-3)).toEqual(['command set@27', `getack@${27 + getack.length}`, 'ack 27']);
  });

  it('Valkey dual-channel RDB channel: $ENDOFF then $EOF:', () => {
    const events = decode([
      r2m(encodeCommand(['REPLCONF', 'capa', 'eof', 'rdb-only', '1', 'rdb-channel', '1', 'listening-port', '6380'])),
      m2r('+OK\r\n'),
      r2m('SYNC\r\n'),
      m2r(`\n$ENDOFF:1234 ${REPLID} 0 17\r\n$EOF:${MARK}\r\n`),
      m2r(Buffer.concat([RDB, Buffer.from(MARK)])),
    ]);
    expect(events).toEqual([
      'handshake REPLCONF capa eof rdb-only 1 rdb-channel 1 listening-port 6380',
      'handshake +OK',
      'handshake SYNC',
      'sync',
      'keepalive m2r',
      'endoff',
      'rdb-begin eof null',
      `rdb-end ${RDB.length} v9`,
    ]);
  });
});

describe('LinkDecoder on bad input', () => {
  it('garbage from the master before the RDB: a decode-error with its position, then nothing more', () => {
    const decoder = new LinkDecoder({ link: 1, args: true, rdb: 'keys', recordSecrets: false });
    const events = [...decoder.feed('m2r', Buffer.from('+PONG\r\nhello there\r\n'), 0), ...decoder.feed('m2r', Buffer.from('*1\r\n$4\r\nping\r\n'), 0)];
    expect(brief(events)).toEqual(['handshake +PONG', 'decode-error m2r @7: unexpected line from the master: "hello there"']);
    expect(decoder.opaque('m2r')).toBe(true);
    expect(decoder.state.bytes.m2r).toBe(20 + 14);
  });

  it('an RDB that does not start with the magic is a decode-error', () => {
    expect(decode([m2r(`+FULLRESYNC ${REPLID} 0\r\n$20\r\n`), m2r('NOTANRDBFILE-------')])).toEqual(['fullresync 0', 'rdb-begin length 20', 'decode-error m2r @61: RDB payload does not start with REDIS or VALKEY magic: "NOTANRDBF"']);
  });

  it('$99999999999 from the master is counted, never allocated', () => {
    const decoder = new LinkDecoder({ link: 1, args: true, rdb: 'keys', recordSecrets: false });
    const events = decoder.feed('m2r', Buffer.from('$99999999999\r\nREDIS0010abc'), 0);
    // The content is not an RDB past its magic: that fault stops the content decoding only.
    expect(brief(events)).toEqual(['rdb-begin length 99999999999', 'decode-error m2r @23: RDB content: unknown RDB type or opcode 0x61 (the payload is still framed and forwarded)']);
    expect(decoder.opaque('m2r')).toBe(false);
    expect(decoder.rdbBytes).toBe(12);
    expect(decoder.rdbRemaining).toBe(99999999999 - 12);
  });

  it('$99999999999 from the replica is a decode-error; later bytes are counted, not decoded', () => {
    const decoder = new LinkDecoder({ link: 1, args: true, rdb: 'keys', recordSecrets: false });
    const events = [...decoder.feed('r2m', Buffer.from('*1\r\n$99999999999\r\n'), 0), ...decoder.feed('r2m', encodeCommand(['PING']), 0)];
    expect(brief(events)).toEqual(['decode-error r2m @17: bulk length 99999999999 exceeds the limit of 536870912 bytes']);
    expect(decoder.state.bytes.r2m).toBe(18 + 14);
  });

  it('random bytes never throw, and decoding stops at the first error of a direction', () => {
    let seed = 42;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let run = 0; run < 200; run++) {
      const decoder = new LinkDecoder({ link: 1, args: true, rdb: 'keys', recordSecrets: false });
      const events: LinkEvent[] = [];
      for (let i = 0; i < 20; i++) {
        const chunk = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 200) }, () => Math.floor(random() * 256)));
        events.push(...decoder.feed(random() < 0.5 ? 'm2r' : 'r2m', chunk, 0));
      }
      expect(events.filter((e) => e.type === 'decode-error' && e.dir === 'm2r').length).toBeLessThanOrEqual(1);
      expect(events.filter((e) => e.type === 'decode-error' && e.dir === 'r2m').length).toBeLessThanOrEqual(1);
    }
  });

  it.each([
    ['in the middle of a length-framed RDB', [m2r(`+FULLRESYNC ${REPLID} 0\r\n$200\r\n`), m2r(Buffer.concat([Buffer.from('REDIS0010'), Buffer.alloc(41)]))], 'm2r', 'the connection ended 50 bytes into an RDB payload of 200 (25.0%)'],
    ['before the mark of a diskless RDB', [m2r(`+FULLRESYNC ${REPLID} 0\r\n$EOF:${MARK}\r\n`), m2r(Buffer.concat([RDB, Buffer.from(MARK.slice(0, 10))]))], 'm2r', `the connection ended ${RDB.length + 10} bytes into a diskless RDB payload, before its end mark`],
    ['inside a command from the master', [r2m(encodeCommand(['PSYNC', REPLID, '1'])), m2r(`+CONTINUE ${REPLID}\r\n*3\r\n$3\r\nSET`)], 'm2r', 'the connection ended 11 bytes into a command frame'],
    ['inside a command from the replica', [r2m('*3\r\n$8\r\nREPLCONF\r\n$3\r\nAC')], 'r2m', 'the connection ended 24 bytes into a command frame'],
    ['inside a reply line', [m2r('+FULLRES')], 'm2r', 'the connection ended inside a reply line (8 bytes without a newline)'],
    ['one byte into a command from the master', [r2m(encodeCommand(['PSYNC', REPLID, '1'])), m2r(`+CONTINUE ${REPLID}\r\n*`)], 'm2r', 'the connection ended 1 byte into a command frame'],
    ['one byte into a length-framed RDB', [m2r(`+FULLRESYNC ${REPLID} 0\r\n$200\r\nR`)], 'm2r', 'the connection ended 1 byte into an RDB payload of 200 (0.5%)'],
  ])('a link closed %s reports what was cut short', (_name, chunks, dir, message) => {
    const decoder = new LinkDecoder({ link: 1, args: true, rdb: 'keys', recordSecrets: false });
    for (const c of chunks as Chunk[]) decoder.feed(c.dir, c.data, 0);
    const events = decoder.close(0, 'master closed the connection');
    expect(events.map((e) => e.type)).toEqual(['decode-error', 'link-close']);
    expect(events[0]).toMatchObject({ dir, at: decoder.state.bytes[dir as 'm2r' | 'r2m'], message });
  });

  it('a link closed on a frame boundary reports nothing but the close', () => {
    const decoder = new LinkDecoder({ link: 1, args: true, rdb: 'keys', recordSecrets: false });
    decoder.feed('r2m', encodeCommand(['PING']), 0);
    decoder.feed('m2r', Buffer.from('+PONG\r\n'), 0);
    expect(decoder.close(5, 'replica closed the connection')).toEqual([{ type: 'link-close', t: 5, link: 1, reason: 'replica closed the connection', phase: 'handshake', bytes: { m2r: 7, r2m: 14 } }]);
  });
});

