import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { ConfigError, ShapeError } from '../../src/errors.js';
import { dropout, dropoutScale, dropoutThreshold } from '../../src/kernels/dropout.js';
import { dropoutMaskRef, dropoutRef } from '../../src/reference/dropout.js';
import { useHarness } from '../helpers/harness.js';
import { randomArray, relativeError, report } from '../helpers/numeric.js';

const h = useHarness();

/** A counter buffer as the optimizer's: the step in its first float. */
const counterAt = (step: number) => h.input(new Float32Array([step, 0, 0, 0]));

// The kernel against the CPU reference: the same mask and the same float32 products, so
// tolerance 0 (relative error reported); the mask's statistics; one mask for both passes.
describe('dropout kernel (shaders/dropout.wgsl) against the CPU reference', () => {
  for (const [count, rate, seed, level, step] of [
    [7, 0.5, 0, 1, 0],
    [1_000, 0.1, 3, 4, 17],
    [256 * 344, 0.3, 12345, 2, 999],
    [70_001, 0.9, 0xffffffff, 0xffffffff, 2 ** 24 - 1],
    [120_000, 0, 9, 3, 5], // rate 0 keeps every value as it was
  ] as const) {
    it(`${count} values at rate ${rate}, seed ${seed}, level ${level}, step ${step}: the reference's bits`, async () => {
      const values = randomArray(new Random(count), count + 8, -3, 3);
      const buffer = h.input(values);
      h.run(await dropout(h.rec, { count, rate, seed, level, values: buffer, counter: counterAt(step) }));
      const got = await h.read(buffer, count + 8);
      const want = dropoutRef(values.subarray(0, count), rate, seed, level, step);
      report(`dropout (${count} values, rate ${rate})`, relativeError(got.subarray(0, count), want), 0);
      expect(got.subarray(0, count)).toEqual(want);
      // Past count: untouched.
      expect(got.subarray(count)).toEqual(values.subarray(count));
      const dropped = want.reduce((n, v, i) => n + (v === 0 && values[i] !== 0 ? 1 : 0), 0) / count;
      // Binomial: within 5 standard deviations of the rate (and exactly none at 0).
      const sd = Math.sqrt((rate * (1 - rate)) / count);
      expect(Math.abs(dropped - rate)).toBeLessThanOrEqual(5 * sd + 1e-12);
    });
  }

  it('draws a new mask for another step, level or seed, and the same one for the same (the forward and the backward pass)', () => {
    const mask = (seed: number, level: number, step: number) => dropoutMaskRef(4096, 0.5, seed, level, step);
    const base = mask(1, 2, 3);
    expect(mask(1, 2, 3)).toEqual(base);
    for (const other of [mask(1, 2, 4), mask(1, 3, 3), mask(2, 2, 3)]) {
      const agree = other.reduce((n, v, i) => n + (v === base[i] ? 1 : 0), 0) / base.length;
      // Independent masks agree about half the time.
      expect(agree).toBeGreaterThan(0.45);
      expect(agree).toBeLessThan(0.55);
    }
  });

  it('scales the kept values by 1 / (1 − rate) as float32, and drops with probability ⌊rate · 2¹⁶⌋ / 2¹⁶', () => {
    expect(dropoutScale(0.5)).toBe(2);
    expect(dropoutScale(0.1)).toBe(Math.fround(1 / 0.9));
    expect(dropoutThreshold(0)).toBe(0);
    expect(dropoutThreshold(0.5)).toBe(2 ** 15);
    expect(dropoutThreshold(1 - 2 ** -40)).toBe(0xffff);
  });

  it('without a mask (a ReLU level\'s backward) multiplies every value by the scale, exactly', async () => {
    const values = randomArray(new Random(5), 1_001, -3, 3);
    const buffer = h.input(values);
    h.run(await dropout(h.rec, { count: 1_001, rate: 0.3, seed: 1, level: 2, values: buffer, counter: counterAt(4), mask: false }));
    const want = values.map((v) => Math.fround(v * dropoutScale(0.3)));
    const got = await h.read(buffer, 1_001);
    report('dropout without a mask', relativeError(got, want), 0);
    expect(got).toEqual(want);
  });

  it('refuses a rate outside [0, 1), a count its buffer does not hold, or a counter with no step, naming them', async () => {
    const values = h.input(new Float32Array(8));
    const counter = counterAt(0);
    await expect(dropout(h.rec, { count: 8, rate: 1, seed: 0, level: 1, values, counter })).rejects.toThrow(ConfigError);
    await expect(dropout(h.rec, { count: 8, rate: Number.NaN, seed: 0, level: 1, values, counter })).rejects.toThrow(/dropout: rate must be a number in \[0, 1\).*got NaN/);
    await expect(dropout(h.rec, { count: 9, rate: 0.5, seed: 0, level: 1, values, counter })).rejects.toThrow(/dropout: values binds 32 bytes, fewer than the 36 of count floats = 9/);
    await expect(dropout(h.rec, { count: 8, rate: 0.5, seed: -1, level: 1, values, counter })).rejects.toThrow(ShapeError);
  });
});
