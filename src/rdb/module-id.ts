const CHARSET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A module type id: 9 characters of 6 bits in the high 54 bits, the encoding version in the low 10. */
export function moduleName(id: bigint): { name: string; version: number } {
  const version = Number(id & 1023n);
  let name = '';
  for (let k = 0; k < 9; k++) name += CHARSET[Number((id >> BigInt(64 - 6 * (k + 1))) & 63n)];
  return { name, version };
}
