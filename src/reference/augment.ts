/** CPU reference of shaders/augment.wgsl. */
import { type ResolvedAugment, rowShift, shiftImage } from '../data/augment.js';

/**
 * `rows` images of `features` values, each row `stride` values apart in `x` (u8 rows padded to
 * whole words on the GPU; f32 rows: `stride` = features), every row moved by its draw under
 * `key` as the kernel moves it, in the same layout (padding 0).
 */
export function shiftImagesRef<T extends Uint8Array | Float32Array>(x: T, rows: number, features: number, stride: number, augment: ResolvedAugment, key: number): T {
  const out = new (x.constructor as { new (length: number): T })(rows * stride);
  for (let r = 0; r < rows; r++) shiftImage(x.subarray(r * stride, r * stride + features), out, r * stride, augment, rowShift(key, r, augment.shift));
  return out;
}
