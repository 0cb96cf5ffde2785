import { describe, expect, it } from 'vitest';
import { epochKey, type ResolvedAugment, rowShift, shiftImage } from '../../src/data/augment.js';
import { Random } from '../../src/data/random.js';
import { shiftImages } from '../../src/kernels/augment.js';
import { shiftImagesRef } from '../../src/reference/augment.js';
import { useHarness } from '../helpers/harness.js';
import { relativeError, report } from '../helpers/numeric.js';

const h = useHarness();

/** The first index where `a` and `b` hold other bits, or −1 (vitest's deep equality of 17 MB arrays ran out of memory). */
function firstDifference(a: Uint8Array | Float32Array, b: Uint8Array | Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const [x, y] = [new Uint8Array(a.buffer, a.byteOffset, a.byteLength), new Uint8Array(b.buffer, b.byteOffset, b.byteLength)];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

describe('augment kernels (shaders/augment.wgsl) against the CPU reference', () => {
  const cases: [string, ResolvedAugment, number][] = [
    // One channel and lines of whole words: each word masked whole (the fast path).
    ['MNIST-sized 28×28, shift 2', { width: 28, height: 28, channels: 1, shift: 2 }, 300],
    ['12×9, shift 5 (moves past a word in either direction)', { width: 12, height: 9, channels: 1, shift: 5 }, 400],
    ['4×3, shift 3', { width: 4, height: 3, channels: 1, shift: 3 }, 300],
    // Byte by byte: lines that end inside a word, or pixels of several values.
    ['an odd 13×1 strip (a padded last word), shift 3', { width: 13, height: 1, channels: 1, shift: 3 }, 200],
    ['5×4 pixels of 3 channels, shift 1', { width: 5, height: 4, channels: 3, shift: 1 }, 500],
    // 22,000 rows × 196 words: more workgroups than one grid row holds (65,535 × 64 invocations).
    ['28×28 over 22,000 rows (a two-dimensional grid), shift 1', { width: 28, height: 28, channels: 1, shift: 1 }, 22_000],
  ];
  for (const [name, augment, rows] of cases) {
    const features = augment.width * augment.height * augment.channels;
    it(`shift_u8, ${name}: the reference's bytes exactly, padding bytes 0`, async () => {
      const rng = new Random(rows);
      const stride = Math.ceil(features / 4) * 4;
      // Padding bytes of 255: the kernel must neither read them as pixels nor copy them.
      const x = new Uint8Array(rows * stride).fill(255);
      for (let r = 0; r < rows; r++) for (let f = 0; f < features; f++) x[r * stride + f] = rng.int(256);
      const key = epochKey(7, 3);
      const out = h.output(x.length / 4);
      const shifts = await shiftImages(h.rec, { source: 'u8', rows, features, rowWords: stride / 4, augment, data: h.input(new Uint32Array(x.buffer)), out });
      shifts.setKey(key);
      h.run(shifts.dispatch);
      const got = new Uint8Array((await h.read(out, x.length / 4)).buffer);
      const want = shiftImagesRef(x, rows, features, stride, augment, key);
      report(`shift_u8 (${name})`, relativeError(got, want), 0);
      expect(firstDifference(got, want)).toBe(-1);
    });
  }

  it('shift_f32, 6×5 pixels of 2 channels, shift 2: the reference exactly; a new key, new moves', async () => {
    const augment: ResolvedAugment = { width: 6, height: 5, channels: 2, shift: 2 };
    const [rows, features] = [400, 60];
    const rng = new Random(4);
    const x = Float32Array.from({ length: rows * features }, () => rng.normal());
    const out = h.output(x.length);
    const shifts = await shiftImages(h.rec, { source: 'f32', rows, features, rowWords: features, augment, data: h.input(x), out });
    for (const key of [epochKey(0, 1), epochKey(0, 2)]) {
      shifts.setKey(key);
      h.run(shifts.dispatch);
      const got = await h.read(out, x.length);
      const want = shiftImagesRef(x, rows, features, features, augment, key);
      report('shift_f32', relativeError(got, want), 0);
      expect(firstDifference(got, want)).toBe(-1);
    }
  });
});

describe('the moves (src/data/augment.ts)', () => {
  it('draw every (dx, dy) of the range about equally often, none outside it, and differ from epoch to epoch', () => {
    const shift = 2;
    const counts = new Map<string, number>();
    const key = epochKey(0, 1);
    const rows = 25_000;
    for (let r = 0; r < rows; r++) {
      const [dx, dy] = rowShift(key, r, shift);
      expect(Math.abs(dx) <= shift && Math.abs(dy) <= shift).toBe(true);
      counts.set(`${dx},${dy}`, (counts.get(`${dx},${dy}`) ?? 0) + 1);
    }
    // 25 moves, 1,000 rows each expected: a binomial's standard deviation is ~31.
    expect(counts.size).toBe(25);
    for (const n of counts.values()) expect(Math.abs(n - rows / 25)).toBeLessThan(150);
    const other = epochKey(0, 2);
    let same = 0;
    for (let r = 0; r < 1000; r++) if (rowShift(other, r, shift).join() === rowShift(key, r, shift).join()) same++;
    // Independent draws agree on 1 row in 25.
    expect(same).toBeLessThan(80);
    expect(epochKey(1, 1)).not.toBe(key);
  });

  it('move a lit pixel by (dx, dy) and fill what comes in from outside with 0', () => {
    const augment: ResolvedAugment = { width: 7, height: 6, channels: 2, shift: 2 };
    for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) {
      const lit = new Float32Array(84);
      lit[(3 * 7 + 4) * 2 + 1] = 5; // (x 4, y 3), channel 1
      const moved = new Float32Array(84).fill(NaN);
      shiftImage(lit, moved, 0, augment, [dx, dy]);
      expect(moved[((3 + dy) * 7 + 4 + dx) * 2 + 1]).toBe(5);
      expect(moved.reduce((s, v) => s + v, 0)).toBe(5);
      const ones = new Float32Array(84);
      shiftImage(new Float32Array(84).fill(1), ones, 0, augment, [dx, dy]);
      // (7 − |dx|) × (6 − |dy|) pixels still come from the image, 2 values each; the rest are 0.
      expect(ones.reduce((s, v) => s + v, 0)).toBe((7 - Math.abs(dx)) * (6 - Math.abs(dy)) * 2);
    }
  });
});
