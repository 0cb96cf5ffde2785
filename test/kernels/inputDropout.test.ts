import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { submitDispatches } from '../../src/kernels/dispatch.js';
import { dropoutScale } from '../../src/kernels/dropout.js';
import { gatherEpoch } from '../../src/kernels/gather.js';
import { dropoutMaskRef } from '../../src/reference/dropout.js';
import { byteColumnsRef } from '../../src/reference/sparse.js';
import { useHarness } from '../helpers/harness.js';

// Input dropout in the gathers (shaders/gather.wgsl, DROP): every form a batch of inputs is
// stored in drops the inputs that dropout.wgsl's mask of the input level drops, drawn over the
// batch's rows × the level's width whatever part of a row the form stores. Each form against
// the CPU mask (src/reference/dropout.ts) bit for bit: tolerance 0, relative error 0.

const h = useHarness();
const runtime = h.runtime;

const TOTAL = 40;
const START = 5;
const SEED = 11;
const LEVEL = 0;

/** Random non-zero bytes of TOTAL rows (so a 0 in a batch is a dropped input), rows padded with 0 bytes to whole words. */
function u8Rows(features: number, rng: Random) {
  const rowWords = Math.ceil(features / 4);
  const bytes = Uint8Array.from({ length: TOTAL * features }, () => 1 + rng.int(255));
  const padded = new Uint8Array(TOTAL * rowWords * 4);
  for (let r = 0; r < TOTAL; r++) padded.set(bytes.subarray(r * features, (r + 1) * features), r * rowWords * 4);
  return { bytes, rowWords, source: new Uint32Array(padded.buffer) };
}

/** The batch's bytes (rows × features) as the gather picks them, the dropped ones 0, and the mask. */
function droppedBatch(bytes: Uint8Array, features: number, order: Uint32Array, rows: number, rate: number, step: number) {
  const mask = dropoutMaskRef(rows * features, rate, SEED, LEVEL, step);
  const batch = new Uint8Array(rows * features);
  for (let r = 0; r < rows; r++) for (let f = 0; f < features; f++) batch[r * features + f] = bytes[order[START + r]! * features + f]! * mask[r * features + f]!;
  return { batch, mask };
}

/** Bytes of rows × width packed 4 to a word (low byte first), rows padded to whole words with 0. */
function packRows(batch: Uint8Array, rows: number, width: number): number[] {
  const words = Math.ceil(width / 4);
  const out = new Uint8Array(rows * words * 4);
  for (let r = 0; r < rows; r++) out.set(batch.subarray(r * width, (r + 1) * width), r * words * 4);
  return Array.from(new Uint32Array(out.buffer));
}

function masks(rate: number, step: number) {
  return { rate, seed: SEED, level: LEVEL, counter: h.input(new Float32Array([step, 0, 0, 0])) };
}

describe('input dropout in the gathers (shaders/gather.wgsl DROP)', () => {
  // 13 features: gather_u8; 12: gather_u8_vec4; 784: gather_u8_x16.
  for (const [features, rate, step] of [[13, 0.2, 0], [12, 0.5, 3], [784, 0.2, 7]] as const) {
    it(`unpacked u8 batches: kept bytes × scale × 1 / (1 − rate), dropped 0, ${features} features, rate ${rate}, step ${step} (exact)`, async () => {
      const rows = 21;
      const rng = new Random(features);
      const { bytes, rowWords, source } = u8Rows(features, rng);
      const order = rng.permutation(TOTAL);
      const out = h.output(rows * features + 4);
      const { dispatches } = await gatherEpoch(h.rec, { source: 'u8', features, rowWords, scale: 1 / 255, drop: { ...masks(rate, step), width: features }, slots: [{ rows, start: START }], order: h.input(order), data: h.input(source), out });
      submitDispatches(runtime().gpu.device, dispatches);
      const got = await h.read(out, rows * features + 4);
      const { batch, mask } = droppedBatch(bytes, features, order, rows, rate, step);
      // As a gathered value times the factor, in float32: the bits the kernels reading bytes compute.
      expect(Array.from(got.subarray(0, rows * features))).toEqual(Array.from(batch, (b) => Math.fround(Math.fround(b * Math.fround(1 / 255)) * dropoutScale(rate))));
      expect(Array.from(got.subarray(rows * features))).toEqual([0, 0, 0, 0]);
      // The masks drop inputs at about the rate (the CPU mask's share, 5 sd).
      const dropped = mask.length - mask.reduce((s, k) => s + k, 0);
      expect(Math.abs(dropped / mask.length - rate)).toBeLessThan(5 * Math.sqrt((rate * (1 - rate)) / mask.length));
    });
  }

  // 784 and 16 features: 4 words an invocation (gather_words_x4); 20: 5 words, a word an invocation (gather_u32).
  for (const features of [784, 16, 20]) {
    it(`packed u8 rows: the dropped bytes 0, ${features} features (exact)`, async () => {
      const rows = 9;
      const rng = new Random(100 + features);
      const { bytes, rowWords, source } = u8Rows(features, rng);
      const order = rng.permutation(TOTAL);
      const out = h.output(rows * rowWords + 4);
      const { dispatches } = await gatherEpoch(h.rec, { source: 'u8', features, rowWords, packed: true, drop: { ...masks(0.3, 2), width: features }, slots: [{ rows, start: START }], order: h.input(order), data: h.input(source), out });
      submitDispatches(runtime().gpu.device, dispatches);
      const got = new Uint32Array((await h.read(out, rows * rowWords + 4)).buffer);
      const { batch } = droppedBatch(bytes, features, order, rows, 0.3, 2);
      expect(Array.from(got.subarray(0, rows * rowWords))).toEqual(packRows(batch, rows, features));
      expect(Array.from(got.subarray(rows * rowWords))).toEqual([0, 0, 0, 0]);
    });
  }

  it('picked u8 features: each byte by its source feature\'s mask, 155 of 784 (exact)', async () => {
    const [features, count, rows] = [784, 155, 9];
    const rng = new Random(155);
    const { bytes, rowWords, source } = u8Rows(features, rng);
    const picked = Uint32Array.from(rng.permutation(features).subarray(0, count)).sort();
    const order = rng.permutation(TOTAL);
    const words = Math.ceil(count / 4);
    const out = h.output(rows * words + 4);
    const { dispatches } = await gatherEpoch(h.rec, { source: 'u8', features, rowWords, at: { indices: h.input(picked), count }, drop: { ...masks(0.5, 1), width: features }, slots: [{ rows, start: START }], order: h.input(order), data: h.input(source), out });
    submitDispatches(runtime().gpu.device, dispatches);
    const got = new Uint32Array((await h.read(out, rows * words + 4)).buffer);
    const { batch } = droppedBatch(bytes, features, order, rows, 0.5, 1);
    const pickedBatch = Uint8Array.from({ length: rows * count }, (_, i) => batch[Math.floor(i / count) * features + picked[i % count]!]!);
    expect(Array.from(got.subarray(0, rows * words))).toEqual(packRows(pickedBatch, rows, count));
    expect(Array.from(got.subarray(rows * words))).toEqual([0, 0, 0, 0]);
  });

  // 784 features with the packed rows copied on the way (gather_columns16, ROWS_TOO); 20 (gather_columns).
  for (const [features, rows] of [[784, 21], [20, 9]] as const) {
    it(`byte columns: the dropped bytes 0, ${rows} rows of ${features} features (exact)`, async () => {
      const rng = new Random(200 + features);
      const { bytes, rowWords, source } = u8Rows(features, rng);
      const order = rng.permutation(TOTAL);
      const words = 8;
      const out = h.output(features * words);
      const rowsToo = rowWords % 4 === 0;
      const rowsOut = h.output(rows * rowWords);
      const { dispatches } = await gatherEpoch(h.rec, {
        source: 'u8',
        features,
        rowWords,
        columnWords: words,
        ...(rowsToo ? { rowsOut } : {}),
        drop: { ...masks(0.2, 5), width: features },
        slots: [{ rows, start: START }],
        order: h.input(order),
        data: h.input(source),
        out,
      });
      submitDispatches(runtime().gpu.device, dispatches);
      const { batch } = droppedBatch(bytes, features, order, rows, 0.2, 5);
      const got = new Uint32Array((await h.read(out, features * words)).buffer);
      expect(Array.from(got)).toEqual(Array.from(byteColumnsRef(batch, rows, features, words)));
      if (rowsToo) expect(Array.from(new Uint32Array((await h.read(rowsOut, rows * rowWords)).buffer))).toEqual(packRows(batch, rows, features));
    });
  }

  it('f32 batches: kept values × 1 / (1 − rate), dropped 0 (exact)', async () => {
    const [features, rows] = [7, 11];
    const rng = new Random(7);
    const x = Float32Array.from({ length: TOTAL * features }, () => rng.normal());
    const order = rng.permutation(TOTAL);
    const out = h.output(rows * features);
    const { dispatches } = await gatherEpoch(h.rec, { source: 'f32', features, rowWords: features, drop: { ...masks(0.4, 9), width: features }, slots: [{ rows, start: START }], order: h.input(order), data: h.input(x), out });
    submitDispatches(runtime().gpu.device, dispatches);
    const mask = dropoutMaskRef(rows * features, 0.4, SEED, LEVEL, 9);
    const want = Array.from({ length: rows * features }, (_, i) => (mask[i] ? Math.fround(x[order[START + Math.floor(i / features)]! * features + (i % features)]! * dropoutScale(0.4)) : 0));
    expect(Array.from(await h.read(out, rows * features))).toEqual(want);
  });

  it('each step draws its own mask; rate 0 gathers as without dropout', async () => {
    const features = 16;
    const rng = new Random(3);
    const { rowWords, source } = u8Rows(features, rng);
    const order = rng.permutation(TOTAL);
    const run = async (drop?: ReturnType<typeof masks>) => {
      const out = h.output(8 * rowWords);
      const { dispatches } = await gatherEpoch(h.rec, { source: 'u8', features, rowWords, packed: true, ...(drop ? { drop: { ...drop, width: features } } : {}), slots: [{ rows: 8, start: 0 }], order: h.input(order), data: h.input(source), out });
      submitDispatches(runtime().gpu.device, dispatches);
      return Array.from(new Uint32Array((await h.read(out, 8 * rowWords)).buffer));
    };
    const [plain, none, step0, step1] = [await run(), await run(masks(0, 0)), await run(masks(0.5, 0)), await run(masks(0.5, 1))];
    expect(none).toEqual(plain);
    expect(step0).not.toEqual(step1);
    expect(step0).not.toEqual(plain);
  });

  it('refuses dropout of labels and a width narrower than a row', async () => {
    const one = h.input(new Uint32Array(16));
    const slots = [{ rows: 4, start: 0 }];
    await expect(gatherEpoch(h.rec, { source: 'u32', features: 1, rowWords: 1, drop: { ...masks(0.2, 0), width: 1 }, slots, order: one, data: one, out: h.output(4) })).rejects.toThrow(/not u32 labels/);
    await expect(gatherEpoch(h.rec, { source: 'f32', features: 4, rowWords: 4, drop: { ...masks(0.2, 0), width: 3 }, slots, order: one, data: one, out: h.output(16) })).rejects.toThrow(/drop.width 3/);
    await expect(gatherEpoch(h.rec, { source: 'f32', features: 4, rowWords: 4, drop: { ...masks(1, 0), width: 4 }, slots, order: one, data: one, out: h.output(16) })).rejects.toThrow(/drop.rate must be a number in \[0, 1\)/);
  });
});
