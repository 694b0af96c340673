import { readFileSync, writeFileSync } from 'node:fs';
import { TraceWriter } from '../src/trace/writer.ts';
import { readTraceRecords } from '../src/trace/reader.ts';
const header: any = { type: 'header', format: 'repltap-trace', version: 1, tool: 'repltap', toolVersion: '0.0.0-test', startedAt: 1_700_000_000_000, source: 'proxy', master: '127.0.0.1:6379', listen: '127.0.0.1:7000', record: 'full', maxArgBytes: 256, maxArgs: 64, recordSecrets: false };
const w = new TraceWriter('/tmp/x.rtrace', header);
for (let i = 0; i < 50; i++) w.append({ type: 'command', t: 1_700_000_000_000 + i, link: 1 + (i % 3), pos: i * 40, offset: 1000 + i * 40, size: 40, name: 'set', argc: 3, args: [Buffer.from(`key:${i}`), Buffer.from([0, 255, i & 255])], db: i % 16 } as any);
w.close();
const full = readFileSync('/tmp/x.rtrace');
let prev = -1;
for (let size = 8; size < full.length; size++) {
  writeFileSync('/tmp/y.rtrace', full.subarray(0, size));
  try { const r = readTraceRecords('/tmp/y.rtrace'); if (r.records.length < prev || false) console.log(size, r.records.length, r.warnings); prev = r.records.length; } catch (e) { console.log(size, 'ERR', (e as Error).message); }
}
