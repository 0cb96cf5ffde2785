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

/** Which of a level's `count` values (rows × size, row-major) dropout keeps at `step`: 1 kept, 0 dropped. */
export function dropoutMaskRef(count: number, rate: number, seed: number, level: number, step: number): Uint8Array {
  const threshold = dropoutThreshold(rate);
  const prefix = mix(level + mix(step + mix(seed)));
  return Uint8Array.from({ length: count }, (_, i) => (mix(i + prefix) >= threshold ? 1 : 0));
}

/** `values` after inverted dropout at `step`: kept ones times 1 / (1 − rate) as float32, dropped ones 0. */
export function dropoutRef(values: ArrayLike<number>, rate: number, seed: number, level: number, step: number): Float32Array {
  const mask = dropoutMaskRef(values.length, rate, seed, level, step);
  const scale = dropoutScale(rate);
  return Float32Array.from(mask, (keep, i) => (keep ? Math.fround(values[i]! * scale) : 0));
}
