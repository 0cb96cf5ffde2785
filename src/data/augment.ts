import { describe, objectArg, positiveInteger } from '../args.js';
import { ConfigError } from '../errors.js';
import type { Dataset } from './dataset.js';
import { derivedRandom } from './random.js';

// Random translations of training images (FitOptions.augment): which way each row moves in an
// epoch, and the move itself on the CPU. shaders/augment.wgsl makes the same moves on the GPU;
// rows written a part at a time (FitOptions.maxUploadBytes) are moved here as they are
// packed, so both ways train to the same bits.

/** The shape of the images a dataset's rows hold: `height × width` pixels, row-major, `channels` values a pixel (innermost). */
export interface ImageShape {
  width: number;
  height: number;
  /** Default 1. */
  channels?: number;
}

/** Data augmentation for {@link FitOptions.augment}. */
export interface AugmentOptions {
  /**
   * Move each training image by a whole number of pixels in each direction, drawn uniformly
   * from −shift … shift afresh for every row and epoch (from the fit's seed and the epoch's
   * place in the network's history, so runs repeat and a resumed run moves its rows as the
   * uninterrupted one); pixels moved in from outside are 0. 0 moves nothing.
   */
  shift: number;
  /** The rows' image shape (default: a square one-channel image, MNIST's 28 × 28). */
  image?: ImageShape;
}

/** {@link AugmentOptions} checked against a dataset, every default applied. */
export interface ResolvedAugment {
  shift: number;
  width: number;
  height: number;
  channels: number;
}

/** The side of a square one-channel image of `values` pixels, or null where `values` is not a square. */
export function squareSide(values: number): number | null {
  const side = Math.round(Math.sqrt(values));
  return side * side === values ? side : null;
}

/**
 * `options` checked against `data`'s rows (ConfigErrors naming the field): null where nothing
 * moves (no options, or a shift of 0).
 */
export function resolveAugment(options: AugmentOptions | undefined, data: Dataset): ResolvedAugment | null {
  if (options === undefined) return null;
  objectArg('augment', options);
  const shift = options.shift;
  if (typeof shift !== 'number' || !Number.isInteger(shift) || shift < 0) throw new ConfigError(`augment.shift must be a whole number of pixels ≥ 0, got ${describe(shift)}`);
  let width: number, height: number, channels: number;
  if (options.image !== undefined) {
    objectArg('augment.image', options.image);
    width = positiveInteger('augment.image.width', options.image.width);
    height = positiveInteger('augment.image.height', options.image.height);
    channels = options.image.channels === undefined ? 1 : positiveInteger('augment.image.channels', options.image.channels);
    if (width * height * channels !== data.features) {
      throw new ConfigError(`augment.image ${width}×${height}×${channels} holds ${width * height * channels} values; ${data.name} has ${data.features} inputs a row`);
    }
  } else {
    const side = squareSide(data.features);
    if (side === null) throw new ConfigError(`augment: ${data.name}'s ${data.features} inputs are not a square one-channel image; give augment.image`);
    [width, height, channels] = [side, side, 1];
  }
  if (shift >= width || shift >= height) throw new ConfigError(`augment.shift ${shift} would move a ${width}×${height} image out of its frame; at most ${Math.min(width, height) - 1}`);
  return shift === 0 ? null : { shift, width, height, channels };
}

/** PCG's output permutation of one LCG step, as shaders/augment.wgsl's `pcg`: a well-mixed u32 from a u32. */
export function pcgHash(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** Apart from the epoch's shuffle, which draws from the same seed and epoch. */
const AUGMENT_STREAM = 0x5eed5417;

/** The key of epoch `epoch` (its place in the network's history, from 1) of a fit seeded `seed`: every row's move that epoch follows from it. */
export function epochKey(seed: number, epoch: number): number {
  return pcgHash(derivedRandom(seed, epoch).nextUint32() ^ AUGMENT_STREAM);
}

/** Row `row`'s move `[dx, dy]` under `key`, each in [−shift, shift] (as shaders/augment.wgsl's `row_shift`). */
export function rowShift(key: number, row: number, shift: number): [number, number] {
  const n = 2 * shift + 1;
  const h = pcgHash((row ^ key) >>> 0);
  return [(h % n) - shift, (Math.floor(h / n) % n) - shift];
}

/**
 * Write image `source` (one row, `a.width × a.height × a.channels` values) moved by `[dx, dy]`
 * into `out` from index `at`: output pixel (x, y) holds source pixel (x − dx, y − dy), 0 outside.
 */
export function shiftImage(source: ArrayLike<number>, out: Uint8Array | Float32Array, at: number, a: ResolvedAugment, [dx, dy]: readonly [number, number]): void {
  const { width, height, channels } = a;
  for (let y = 0; y < height; y++) {
    const sy = y - dy;
    for (let x = 0; x < width; x++) {
      const sx = x - dx;
      const inside = sx >= 0 && sy >= 0 && sx < width && sy < height;
      const to = at + (y * width + x) * channels;
      const from = (sy * width + sx) * channels;
      for (let c = 0; c < channels; c++) out[to + c] = inside ? source[from + c]! : 0;
    }
  }
}
