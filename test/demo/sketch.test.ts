import { describe, expect, it } from 'vitest';
import { DIGIT_BOX, IMAGE_SIDE, sketchImage } from '../../demo/sketch.js';
import { loadMnist } from '../../src/node/datasets.js';

const PIXELS = IMAGE_SIDE * IMAGE_SIDE;

/** `image` (28×28 bytes) drawn `zoom` times larger into a `width` × `height` raster of ink in [0, 1], its top left at (left, top). */
function drawn(image: Uint8Array, zoom: number, left: number, top: number, width = 400, height = 360): Float32Array {
  const ink = new Float32Array(width * height);
  for (let y = 0; y < IMAGE_SIDE * zoom; y++) {
    for (let x = 0; x < IMAGE_SIDE * zoom; x++) ink[(top + y) * width + left + x] = image[Math.floor(y / zoom) * IMAGE_SIDE + Math.floor(x / zoom)]! / 255;
  }
  return ink;
}

/** The ink's centre of mass (x, y) in pixel indices and its bounding box's width and height. */
function shape(image: Uint8Array): { cx: number; cy: number; width: number; height: number } {
  let mass = 0, mx = 0, my = 0, left = IMAGE_SIDE, right = -1, top = IMAGE_SIDE, bottom = -1;
  for (let i = 0; i < PIXELS; i++) {
    const v = image[i]!;
    if (v === 0) continue;
    const x = i % IMAGE_SIDE, y = Math.floor(i / IMAGE_SIDE);
    mass += v; mx += v * x; my += v * y;
    left = Math.min(left, x); right = Math.max(right, x); top = Math.min(top, y); bottom = Math.max(bottom, y);
  }
  return { cx: mx / mass, cy: my / mass, width: right - left + 1, height: bottom - top + 1 };
}

/** Pearson correlation of two images' pixels. */
function correlation(a: Uint8Array, b: Uint8Array): number {
  const mean = (v: Uint8Array) => v.reduce((s, x) => s + x, 0) / v.length;
  const [ma, mb] = [mean(a), mean(b)];
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb); aa += (a[i]! - ma) ** 2; bb += (b[i]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

describe('a drawn digit as an MNIST image (demo/sketch.ts)', () => {
  const test = loadMnist().test;
  const digit = (row: number) => (test.x as Uint8Array).subarray(row * PIXELS, (row + 1) * PIXELS);

  it('an MNIST digit drawn ten times larger anywhere on the pad comes back as itself, byte for byte', () => {
    // MNIST's own preparation (fit to 20×20, centre of mass on pixel (14, 14)) is what
    // sketchImage does, so a test image redrawn large comes back as it was: 200 images.
    let same = 0;
    let offCentre = 0;
    for (let row = 0; row < 200; row++) {
      const original = digit(row);
      const back = sketchImage(drawn(original, 10, 60 + (row % 7) * 5, 30 + (row % 5) * 7), 400, 360)!;
      if (back.every((v, i) => v === original[i])) same++;
      const s = shape(back);
      offCentre = Math.max(offCentre, Math.abs(s.cx - 14), Math.abs(s.cy - 14));
    }
    console.info(`MNIST test digits redrawn at 10x: ${same} of 200 the same bytes, centre of mass at most ${offCentre.toFixed(2)} px off pixel (14, 14)`);
    expect(same).toBe(200);
    expect(offCentre).toBeLessThanOrEqual(0.5 + 1e-9);
  });

  it('the image does not depend on where or how large the digit is drawn', () => {
    const original = digit(0);
    const here = sketchImage(drawn(original, 8, 0, 0), 400, 360)!;
    const there = sketchImage(drawn(original, 8, 150, 101), 400, 360)!;
    expect(Array.from(there)).toEqual(Array.from(here));
    const larger = sketchImage(drawn(original, 12, 20, 10), 400, 360)!;
    expect(correlation(here, larger)).toBeGreaterThan(0.97);
  });

  it('fits the longer side to the 20-pixel box and keeps the aspect ratio: a tall stroke stays narrow', () => {
    // A "1": a bar 16 wide and 200 tall on a 300×300 pad.
    const ink = new Float32Array(300 * 300);
    for (let y = 40; y < 240; y++) for (let x = 100; x < 116; x++) ink[y * 300 + x] = 1;
    const image = sketchImage(ink, 300, 300)!;
    const s = shape(image);
    expect([s.width, s.height]).toEqual([2, DIGIT_BOX]);
    expect(Math.max(...image)).toBe(255);
    expect(Math.abs(s.cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(s.cy - 14)).toBeLessThanOrEqual(0.5);
  });

  it('a blank pad is no image, and a raster of the wrong size is refused', () => {
    expect(sketchImage(new Float32Array(100 * 80), 100, 80)).toBeNull();
    expect(() => sketchImage(new Float32Array(10), 4, 4)).toThrow('sketchImage: 10 ink values for a 4×4 raster');
  });
});
