import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';

describe('Random', () => {
  it('fillUniform writes the numbers uniform() would, in order, and leaves the stream where they would', () => {
    const a = new Random(42);
    const b = new Random(42);
    const filled = new Float32Array(20).fill(-7);
    a.fillUniform(filled, 0.5, 2, 3, 17);
    const want = Float32Array.from({ length: 14 }, () => b.uniform(0.5, 2));
    expect(Array.from(filled.subarray(3, 17))).toEqual(Array.from(want));
    // Outside [from, to) nothing is written.
    expect([...filled.subarray(0, 3), ...filled.subarray(17)]).toEqual([-7, -7, -7, -7, -7, -7]);
    expect(a.next()).toBe(b.next());
    for (const v of want) expect(v >= 0.5 && v < 2).toBe(true);
  });
});
