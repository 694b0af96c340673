import { Packr, Unpackr } from 'msgpackr';
const p = new Packr({ useRecords: false, variableMapSize: true });
const u = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });
const rec = { type: 'command', t: 1.5, link: 1, args: [Buffer.from('key:1')], db: 2 };
const one = Buffer.from(p.pack(rec)); const two = Buffer.concat([one, one]);
for (let n = one.length - 3; n <= one.length + 5; n++) {
  const got: unknown[] = [];
  try { u.unpackMultiple(two.subarray(0, n), (v: unknown) => { got.push(v); }); } catch (e) { got.push('ERR ' + (e as Error).message); }
  console.log(n, one.length, JSON.stringify(got).slice(0, 150));
}
