import { expect } from 'vitest';
import type { Random } from '../../src/data/random.js';
import type { LayerWeights } from '../../src/graph/network.js';

/** Every layer's weights then bias, layer after layer, in one array (as a plain network's parameters lie). */
export function flattenWeights(weights: LayerWeights[]): Float64Array {
  return Float64Array.from(weights.flatMap((w) => [...w.weights, ...w.bias]));
}

/** Random floats in [lo, hi). */
export function randomArray(rng: Random, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

/**
 * Largest |got − want| relative to the largest |want| (a scale-aware error that does not
 * blow up near zero entries), and the largest absolute error.
 */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): { relative: number; absolute: number } {
  if (got.length !== want.length) throw new Error(`length ${got.length} vs ${want.length}`);
  let absolute = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    absolute = Math.max(absolute, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return { relative: absolute / Math.max(scale, 1e-30), absolute };
}

/** Logs a kernel's relative error against its reference, with the tolerance, and asserts it. */
export function report(name: string, err: { relative: number }, tol: number): void {
  console.info(`${name}: relative error ${err.relative.toExponential(2)} (tolerance ${tol})`);
  expect(err.relative).toBeLessThanOrEqual(tol);
}
