import type { Random } from '../../src/data/random.js';

/** A random set of `count` distinct edges in a dst × src block, as parallel endpoint arrays. */
export function randomEdges(rng: Random, dst: number, src: number, count: number): { d: number[]; s: number[] } {
  const chosen = rng.permutation(dst * src).subarray(0, count);
  return { d: Array.from(chosen, (k) => Math.floor(k / src)), s: Array.from(chosen, (k) => k % src) };
}
