import { describe, expect, it } from 'vitest';
import { counted } from '../src/counted.js';

describe('counted', () => {
  it('is singular for one, plural for any other count, and says when the count is unknown', () => {
    expect([0, 1, 2, null].map((n) => counted(n, 'byte'))).toEqual(['0 bytes', '1 byte', '2 bytes', '? bytes']);
  });
});
