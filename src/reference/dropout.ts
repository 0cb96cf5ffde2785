/** CPU reference of shaders/dropout.wgsl. */
import { dropoutScale, dropoutThreshold } from '../kernels/dropout.js';

/** Chris Wellons' lowbias32 integer hash, as `mix` in shaders/dropout.wgsl. */
function mix(v: number): number {
  let x = v >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * Which of a level's `count` values (rows × size, row-major) dropout keeps at `step`: 1 kept, 0
 * dropped. Value i takes 16 bits of hash mix(prefix + ⌊i / 2⌋), the low ones for even i.
 */
export function dropoutMaskRef(count: number, rate: number, seed: number, level: number, step: number): Uint8Array {
  const threshold = dropoutThreshold(rate);
  const prefix = mix(level + mix(step + mix(seed)));
  const mask = new Uint8Array(count);
  for (let i = 0; i < count; i += 2) {
    const h = mix(prefix + i / 2);
    mask[i] = (h & 0xffff) >= threshold ? 1 : 0;
    if (i + 1 < count) mask[i + 1] = h >>> 16 >= threshold ? 1 : 0;
  }
  return mask;
}

/** `values` after inverted dropout at `step`: each times its factor as float32, 1 / (1 − rate) kept, 0 dropped (−0 for a negative value, as the kernel's product). */
export function dropoutRef(values: ArrayLike<number>, rate: number, seed: number, level: number, step: number): Float32Array {
  const mask = dropoutMaskRef(values.length, rate, seed, level, step);
  const scale = dropoutScale(rate);
  return Float32Array.from(mask, (keep, i) => Math.fround(values[i]! * (keep ? scale : 0)));
}
