// A 28×28 image drawn as printed, ink dark on white: the mistakes' images and what the pad's
// network reads.
import { IMAGE_SIDE } from './sketch.js';

/** Paint `intensities` (28×28 values 0–255, row-major; 255 full ink) into `canvas` (28×28). */
export function paintDigit(canvas: HTMLCanvasElement, intensities: ArrayLike<number>): void {
  const ctx = canvas.getContext('2d')!;
  const picture = ctx.createImageData(IMAGE_SIDE, IMAGE_SIDE);
  for (let i = 0; i < IMAGE_SIDE * IMAGE_SIDE; i++) {
    const v = 255 - intensities[i]!;
    picture.data.set([v, v, v, 255], 4 * i);
  }
  ctx.putImageData(picture, 0, 0);
}
