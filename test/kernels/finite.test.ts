import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { ShapeError } from '../../src/errors.js';
import { countNonFinite } from '../../src/kernels/finite.js';
import { countNonFiniteRef } from '../../src/reference/finite.js';
import { useHarness } from '../helpers/harness.js';
import { relativeError, report } from '../helpers/numeric.js';

const h = useHarness();

/** Bits of values a float32 buffer may hold that are not finite: quiet and signalling NaNs of either sign and payload, ±∞. */
const NON_FINITE = [0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fffffff, 0x7fa00000, 0x7f800000, 0xff800000];
/** Finite edge cases: ±the largest float32, ±the smallest subnormal, ±0, the smallest normal. */
const EDGES = [0x7f7fffff, 0xff7fffff, 0x00000001, 0x80000001, 0x00000000, 0x80000000, 0x00800000];

/** `n` float32s as bits: random finite values, the finite edge cases, and non-finite values with probability `share`. */
function randomBits(rng: Random, n: number, share: number): Uint32Array {
  const floats = new Float32Array(n);
  const bits = new Uint32Array(floats.buffer);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform(0, 1);
    if (u < share) bits[i] = NON_FINITE[rng.int(NON_FINITE.length)]!;
    else if (u < share + 0.05) bits[i] = EDGES[rng.int(EDGES.length)]!;
    else floats[i] = rng.uniform(-1e3, 1e3);
  }
  return bits;
}

describe('finite kernel (shaders/finite.wgsl) against the CPU reference', () => {
  for (const [n, share] of [
    [4, 0.5],
    [1_000, 0],
    [1_000, 0.01],
    [20_000, 0.3],
    [400_000, 0.001], // more than one workgroup row of 256 invocations many times over
    [4_096, 1],
  ] as const) {
    it(`${n} values, ${share * 100}% not finite: the count equals the reference's, exactly`, async () => {
      const rng = new Random(n + Math.round(share * 1000));
      // 8 values past `count`, every one NaN: the kernel must not look at them.
      const bits = new Uint32Array(n + 8).fill(0x7fc00000);
      bits.set(randomBits(rng, n, share));
      const values = new Float32Array(bits.buffer);
      const result = h.input(new Uint32Array([7, 11, 13]));
      h.run(await countNonFinite(h.rec, { count: n, values: h.input(bits), result, slot: 1 }));
      const got = new Uint32Array((await h.read(result, 3)).buffer);
      const want = countNonFiniteRef(values.subarray(0, n));
      // An integer count: exact (tolerance 0); the other slots untouched.
      report(`finite (${n} values, ${want} not finite)`, relativeError([got[1]! - 11], [want]), 0);
      expect(Array.from(got)).toEqual([7, 11 + want, 13]);
      if (share === 0) expect(want).toBe(0);
      if (share === 1) expect(want).toBe(n);
    });
  }

  it('adds to the counter: two dispatches count twice', async () => {
    const values = new Float32Array([1, Number.NaN, Number.POSITIVE_INFINITY, -2, Number.NEGATIVE_INFINITY, 0, 3.4e38, 1e-45]);
    const result = h.input(new Uint32Array([0]));
    const d = await countNonFinite(h.rec, { count: 8, values: h.input(values), result });
    h.run([d, d]);
    expect(new Uint32Array((await h.read(result, 1)).buffer)[0]).toBe(2 * countNonFiniteRef(values));
    expect(countNonFiniteRef(values)).toBe(3);
  });

  it('a count that is not whole vec4s, or more than the values binding holds, or a slot past the result, is refused with a ShapeError', async () => {
    const buffer = h.input(new Float32Array(8));
    for (const count of [3, 6, -4, 2.5]) await expect(countNonFinite(h.rec, { count, values: buffer, result: buffer })).rejects.toThrow(/count must be a non-negative multiple of 4/);
    await expect(countNonFinite(h.rec, { count: 12, values: buffer, result: buffer })).rejects.toThrow(/countNonFinite: values binds 32 bytes, fewer than the 48 of count floats = 12/);
    await expect(countNonFinite(h.rec, { count: 8, values: { buffer, offset: 0, size: 16 }, result: buffer })).rejects.toThrow(ShapeError);
    await expect(countNonFinite(h.rec, { count: 4, values: buffer, result: buffer, slot: 8 })).rejects.toThrow(/countNonFinite: result binds 32 bytes, fewer than the 36 of slot \+ 1 u32s = 9/);
    await expect(countNonFinite(h.rec, { count: 4, values: buffer, result: buffer, slot: -1 })).rejects.toThrow(/countNonFinite: slot must be a non-negative integer, got -1/);
    // The whole buffer, and its exact range, are enough.
    await expect(countNonFinite(h.rec, { count: 8, values: { buffer, offset: 0, size: 32 }, result: buffer, slot: 7 })).resolves.toBeDefined();
  });
});
