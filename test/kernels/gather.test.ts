import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { submitDispatches } from '../../src/kernels/dispatch.js';
import { GATHER_SLOTS_PER_BUFFER, gatherEpoch, type GatherSlot } from '../../src/kernels/gather.js';
import { byteColumnsRef } from '../../src/reference/sparse.js';
import { useHarness } from '../helpers/harness.js';

const h = useHarness();
const runtime = h.runtime;

/** CPU reference of the gather kernels: rows `order[start…start+rows)` of the source. */
function gatherRef(source: ArrayLike<number>, features: number, order: Uint32Array, start: number, rows: number, scale: number): Float64Array {
  const out = new Float64Array(rows * features);
  for (let r = 0; r < rows; r++) for (let c = 0; c < features; c++) out[r * features + c] = source[order[start + r]! * features + c]! * scale;
  return out;
}

/** The dispatches of a gather of u8 rows (`rowWords` words each) in `order`, scale 1/255, into `out`, with a mode's options. */
async function u8Gather(features: number, rowWords: number, source: Uint32Array, order: Uint32Array, slots: GatherSlot[], out: GPUBuffer, mode: { packed?: boolean; at?: { indices: GPUBuffer; count: number } } = {}) {
  const { dispatches } = await gatherEpoch(h.rec, { source: 'u8', features, rowWords, scale: 1 / 255, ...mode, slots, order: h.input(order), data: h.input(source), out });
  return dispatches;
}

describe('gather kernels (shaders/gather.wgsl)', () => {
  // 13 features: rows padded to 4 words, the last word's padding bytes never stored (gather_u8);
  // 12 and 20: a word's 4 values stored as one vec4 (gather_u8_vec4); 16 and 784: 16 bytes a
  // load (gather_u8_x16).
  for (const features of [12, 13, 16, 20, 784]) {
    it(`gather_u8 unpacks bytes of shuffled rows, with scale (exact), ${features} features`, async () => {
      const rows = 50;
      const rowWords = Math.ceil(features / 4);
      const rng = new Random(1);
      const bytes = Uint8Array.from({ length: rows * features }, () => rng.int(256));
      const padded = new Uint8Array(rows * rowWords * 4).fill(7);
      for (let r = 0; r < rows; r++) padded.set(bytes.subarray(r * features, (r + 1) * features), r * rowWords * 4);
      const order = rng.permutation(rows);
      const out = h.output(16 * features + 4);
      const slots = [
        { rows: 16, start: 0 },
        { rows: 16, start: 32 },
      ];
      const dispatches = await u8Gather(features, rowWords, new Uint32Array(padded.buffer), order, slots, out);
      submitDispatches(runtime().gpu.device, [dispatches[1]!]);
      const got = await h.read(out, 16 * features + 4);
      const want = gatherRef(bytes, features, order, 32, 16, 1 / 255);
      for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 6);
      // Nothing is written past the batch (the padding of the last row's word included).
      expect(Array.from(got.slice(16 * features))).toEqual([0, 0, 0, 0]);
    });
  }

  it('gather_f32 and gather_u32 copy whole rows in permutation order (exact)', async () => {
    const [rows, features] = [40, 3];
    const rng = new Random(2);
    const x = Float32Array.from({ length: rows * features }, () => rng.normal());
    const labels = Uint32Array.from({ length: rows }, () => rng.int(10));
    const order = rng.permutation(rows);
    const outX = h.output(rows * features);
    const outY = h.output(rows);
    const slots = [{ rows: 7, start: 5 }];
    const gx = await gatherEpoch(h.rec, { source: 'f32', features, rowWords: features, slots, order: h.input(order), data: h.input(x), out: outX });
    const gy = await gatherEpoch(h.rec, { source: 'u32', features: 1, rowWords: 1, slots, order: h.input(order), data: h.input(labels), out: outY });
    submitDispatches(runtime().gpu.device, [...gx.dispatches, ...gy.dispatches]);
    expect(Array.from(await h.read(outX, 7 * features))).toEqual(Array.from(gatherRef(x, features, order, 5, 7, 1)));
    const gotY = new Uint32Array((await h.read(outY, 7)).buffer);
    expect(Array.from(gotY)).toEqual(Array.from(order.subarray(5, 12), (i) => labels[i]!));
  });

  it('an epoch of more batches than one uniform buffer holds takes several; each batch gathers its own rows (exact)', async () => {
    // 135,536 batches of one label each (more than a spread argument list holds): three uniform
    // buffers (65,536 slots twice and 4,464), the batches on either side of each cut read from both.
    const rows = 1000;
    const rng = new Random(5);
    const labels = Uint32Array.from({ length: rows }, () => rng.int(1 << 30));
    const order = rng.permutation(rows);
    const count = 2 * GATHER_SLOTS_PER_BUFFER + 4464;
    const slots = Array.from({ length: count }, (_, i) => ({ rows: 1, start: (i * 7) % rows }));
    const out = h.output(1);
    const g = await gatherEpoch(h.rec, { source: 'u32', features: 1, rowWords: 1, slots, order: h.input(order), data: h.input(labels), out });
    expect(g.dispatches).toHaveLength(count);
    expect(g.uniforms.map((u) => u.buffer.size)).toEqual([GATHER_SLOTS_PER_BUFFER * 256, GATHER_SLOTS_PER_BUFFER * 256, 4464 * 256]);
    for (const i of [0, GATHER_SLOTS_PER_BUFFER - 1, GATHER_SLOTS_PER_BUFFER, 2 * GATHER_SLOTS_PER_BUFFER, count - 1]) {
      submitDispatches(runtime().gpu.device, [g.dispatches[i]!]);
      const got = new Uint32Array((await h.read(out, 1)).buffer);
      expect(got[0], `batch ${i}`).toBe(labels[order[slots[i]!.start]!]);
    }
  });

  // 784 and 13 features: rows of 196 and 4 words, 4 words an invocation (gather_words_x4); 20: 5
  // words, a word an invocation (gather_u32 over words).
  for (const features of [784, 13, 20]) {
    it(`packed u8 rows are copied as words in permutation order (exact), ${features} features`, async () => {
      const rows = 30;
      const rowWords = Math.ceil(features / 4);
      const rng = new Random(features);
      const source = Uint32Array.from({ length: rows * rowWords }, () => rng.int(2 ** 31) * 2 + rng.int(2));
      const order = rng.permutation(rows);
      const out = h.output(9 * rowWords + 4);
      const dispatches = await u8Gather(features, rowWords, source, order, [{ rows: 9, start: 11 }], out, { packed: true });
      submitDispatches(runtime().gpu.device, dispatches);
      const got = new Uint32Array((await h.read(out, 9 * rowWords + 4)).buffer);
      const want = Array.from(order.subarray(11, 20)).flatMap((row) => Array.from(source.subarray(row * rowWords, (row + 1) * rowWords)));
      expect(Array.from(got.subarray(0, 9 * rowWords))).toEqual(want);
      expect(Array.from(got.subarray(9 * rowWords))).toEqual([0, 0, 0, 0]);
    });
  }

  // A split's ε block out of MNIST's pixels (155 of 784 sources), and 7 of 13 (a last word of
  // 3 bytes, spare bytes 0).
  for (const [features, count] of [[784, 155], [13, 7]] as const) {
    it(`picked u8 features are packed 4 to a word in the order listed, rows in permutation order (exact), ${count} of ${features}`, async () => {
      const rows = 30;
      const rowWords = Math.ceil(features / 4);
      const rng = new Random(count);
      const bytes = Uint8Array.from({ length: rows * rowWords * 4 }, () => rng.int(256));
      const picked = Uint32Array.from(rng.permutation(features).subarray(0, count)).sort();
      const order = rng.permutation(rows);
      const words = Math.ceil(count / 4);
      const out = h.output(9 * words + 4);
      const dispatches = await u8Gather(features, rowWords, new Uint32Array(bytes.buffer), order, [{ rows: 9, start: 11 }], out, { at: { indices: h.input(picked), count } });
      submitDispatches(runtime().gpu.device, dispatches);
      const got = new Uint8Array((await h.read(out, 9 * words + 4)).buffer);
      const want = new Uint8Array(9 * words * 4);
      for (let r = 0; r < 9; r++) picked.forEach((f, t) => (want[r * words * 4 + t] = bytes[order[11 + r]! * rowWords * 4 + f]!));
      expect(Array.from(got.subarray(0, 9 * words * 4))).toEqual(Array.from(want));
      // Nothing is written past the batch.
      expect(Array.from(got.subarray(9 * words * 4))).toEqual(new Array(16).fill(0));
    });
  }

  // 784 features (196 words: 4 words an invocation, gather_columns16, with the packed rows copied
  // on the way), 13 (4 words, the last word's padding bytes not stored), 20 (5 words: a word an
  // invocation); batches of 9 (a last word of 1 row), 16 and 21 rows.
  for (const [features, rows] of [[784, 9], [784, 21], [13, 16], [20, 9]] as const) {
    it(`gather_columns turns ${rows} shuffled u8 rows into byte columns (exact), ${features} features`, async () => {
      const total = 30;
      const rowWords = Math.ceil(features / 4);
      const rng = new Random(features + rows);
      const bytes = Uint8Array.from({ length: total * features }, () => rng.int(256));
      const padded = new Uint8Array(total * rowWords * 4).fill(9);
      for (let r = 0; r < total; r++) padded.set(bytes.subarray(r * features, (r + 1) * features), r * rowWords * 4);
      const order = rng.permutation(total);
      const words = 8;
      const out = h.output(features * words);
      const source = new Uint32Array(padded.buffer);
      const rowsToo = rowWords % 4 === 0;
      const rowsOut = h.output(rows * rowWords + 4);
      const { dispatches } = await gatherEpoch(h.rec, {
        source: 'u8',
        features,
        rowWords,
        scale: 1 / 255,
        columnWords: words,
        ...(rowsToo ? { rowsOut } : {}),
        slots: [{ rows, start: 5 }],
        order: h.input(order),
        data: h.input(source),
        out,
      });
      submitDispatches(runtime().gpu.device, dispatches);
      const got = new Uint32Array((await h.read(out, features * words)).buffer);
      const picked = Array.from(order.subarray(5, 5 + rows));
      const batch = Uint8Array.from(picked.flatMap((row) => Array.from(bytes.subarray(row * features, (row + 1) * features))));
      // Words past the batch's last are not written (the output starts zeroed).
      expect(Array.from(got)).toEqual(Array.from(byteColumnsRef(batch, rows, features, words)));
      if (rowsToo) {
        // The packed rows as gather_words_x4 copies them, and nothing past the batch.
        const copied = new Uint32Array((await h.read(rowsOut, rows * rowWords + 4)).buffer);
        expect(Array.from(copied.subarray(0, rows * rowWords))).toEqual(picked.flatMap((row) => Array.from(source.subarray(row * rowWords, (row + 1) * rowWords))));
        expect(Array.from(copied.subarray(rows * rowWords))).toEqual([0, 0, 0, 0]);
      }
    });
  }

  it('copying the packed rows needs byte columns of whole vec4 rows', async () => {
    const one = h.input(new Uint32Array(8));
    const slots = [{ rows: 4, start: 0 }];
    await expect(gatherEpoch(h.rec, { source: 'u8', features: 20, rowWords: 5, columnWords: 4, rowsOut: h.output(20), slots, order: one, data: one, out: h.output(80) })).rejects.toThrow(/multiple of 4 words/);
  });

  it('byte columns too short for a batch are refused', async () => {
    const slots = [{ rows: 17, start: 0 }];
    const order = h.input(new Uint32Array(17));
    await expect(gatherEpoch(h.rec, { source: 'u8', features: 4, rowWords: 1, columnWords: 4, slots, order, data: order, out: h.output(16) })).rejects.toThrow(/cannot hold 17 rows/);
  });
});
