// A digit drawn with the pointer, made into the 28×28 image an MNIST network reads. MNIST's
// digits were size-normalised to fit a 20×20 box (keeping their aspect ratio, grey where a pixel
// is partly covered) and placed in the 28×28 field with their centre of mass on its middle pixel; a
// drawing is prepared the same way, or a network would see a digit far larger, thinner or off
// centre than any it learnt from. No DOM here: the page hands in the canvas's ink.

/** The side of an MNIST image. */
export const IMAGE_SIDE = 28;
/** The side of the box MNIST fits each digit into (inside its 28×28 field). */
export const DIGIT_BOX = 20;
/** Samples a side per image pixel when resampling the drawing: 16 a pixel, so partly inked pixels come out grey. */
const SAMPLES = 4;

/**
 * Ink in [0, 1] a pixel of a `width` × `height` raster, row-major (a canvas's alpha / 255).
 * Returns the MNIST-style 28×28 image of the drawing as bytes (0 blank, 255 full ink), or null
 * where nothing is drawn.
 */
export function sketchImage(ink: ArrayLike<number>, width: number, height: number): Uint8Array | null {
  if (ink.length !== width * height) throw new Error(`sketchImage: ${ink.length} ink values for a ${width}×${height} raster`);
  const box = inkBounds(ink, width, height);
  if (!box) return null;
  // Fit the drawing's longer side to the 20-pixel box; the shorter keeps the aspect ratio.
  const scale = DIGIT_BOX / Math.max(box.width, box.height);
  const fitted = { width: Math.max(1, Math.round(box.width * scale)), height: Math.max(1, Math.round(box.height * scale)) };
  const digit = new Float64Array(fitted.width * fitted.height);
  for (let y = 0; y < fitted.height; y++) {
    for (let x = 0; x < fitted.width; x++) {
      // The mean ink over SAMPLES² points spread over the pixel's square of the drawing.
      let sum = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        const source = Math.min(height - 1, Math.floor(box.top + (y + (sy + 0.5) / SAMPLES) / scale));
        for (let sx = 0; sx < SAMPLES; sx++) sum += ink[source * width + Math.min(width - 1, Math.floor(box.left + (x + (sx + 0.5) / SAMPLES) / scale))]!;
      }
      digit[y * fitted.width + x] = sum / (SAMPLES * SAMPLES);
    }
  }
  // Place it so its centre of mass falls on pixel (14, 14), as near as whole pixels go: where
  // MNIST puts it (the mean over its 60,000 training images, in pixel indices: 14.0 across and down).
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < fitted.height; y++) {
    for (let x = 0; x < fitted.width; x++) {
      const v = digit[y * fitted.width + x]!;
      mass += v;
      mx += v * x;
      my += v * y;
    }
  }
  // Sampling may miss ink thinner than a sample's spacing: then nothing reached the image.
  if (mass === 0) return null;
  const left = Math.round(IMAGE_SIDE / 2 - mx / mass);
  const top = Math.round(IMAGE_SIDE / 2 - my / mass);
  const image = new Uint8Array(IMAGE_SIDE * IMAGE_SIDE);
  for (let y = 0; y < fitted.height; y++) {
    const row = top + y;
    if (row < 0 || row >= IMAGE_SIDE) continue;
    for (let x = 0; x < fitted.width; x++) {
      const column = left + x;
      if (column >= 0 && column < IMAGE_SIDE) image[row * IMAGE_SIDE + column] = Math.round(255 * Math.min(1, Math.max(0, digit[y * fitted.width + x]!)));
    }
  }
  return image;
}

/** The smallest rectangle holding every inked pixel of the raster, or null where none is. */
function inkBounds(ink: ArrayLike<number>, width: number, height: number): { left: number; top: number; width: number; height: number } | null {
  let left = width;
  let right = -1;
  let top = height;
  let bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x]! <= 0) continue;
      left = Math.min(left, x);
      right = Math.max(right, x);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
    }
  }
  return right < 0 ? null : { left, top, width: right - left + 1, height: bottom - top + 1 };
}
