import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { localConnections } from '../../src/graph/connections.js';
import { buildCsr, type CsrBlock, sharedDestinationGroup, sharedSourceGroup } from '../../src/graph/csr.js';
import { ConfigError } from '../../src/errors.js';
import { ACTIVATIONS } from '../../src/kernels/activation.js';
import { matmul } from '../../src/kernels/dense.js';
import {
  type CsrBuffers,
  columnWords,
  csrBuffers,
  edgeChunks,
  edgeGrad,
  edgeGradParts,
  edgeGradParts32,
  edgePartFloats,
  partFloats32,
  spmm,
  spmmTranspose,
  spmmTransposeColumns,
  toColumns,
  weightsBySource,
} from '../../src/kernels/sparse.js';
import { activate } from '../../src/reference/dense.js';
import { byteColumnsRef, edgeGradRef, floatColumnsRef, spmmRef, spmmTRef } from '../../src/reference/sparse.js';
import { randomEdges } from '../helpers/edges.js';
import { centralDifferences } from '../helpers/finiteDifference.js';
import { useHarness } from '../helpers/harness.js';
import { randomArray, relativeError, report } from '../helpers/numeric.js';

// f32 sums of at most a few hundred products against float64.
const TOL = 1e-5;
const FD_TOL = 1e-3;

const h = useHarness();

function upload(b: CsrBlock): CsrBuffers {
  return csrBuffers(b, (_, values) => h.input(values));
}


// (rows, dst, src, density): ragged sizes, an empty destination row likely at low density.
const CASES: [number, number, number, number][] = [
  [1, 1, 1, 1],
  [70, 13, 29, 0.1],
  [130, 40, 64, 0.5],
  [65, 10, 200, 1],
];

describe('sparse kernels (shaders/sparse.wgsl) against the CPU reference', () => {
  for (const [rows, dst, src, density] of CASES) {
    const label = `${rows} rows, ${src}→${dst}, density ${density}`;
    const rng = new Random(rows + dst + src);
    const { d, s } = randomEdges(rng, dst, src, Math.max(1, Math.round(dst * src * density)));
    const { block } = buildCsr(dst, src, d, s);
    const edges = block.srcOf.length;
    const w = randomArray(rng, edges);
    const x = randomArray(rng, rows * src);
    const bias = randomArray(rng, dst);
    const dz = randomArray(rng, rows * dst);

    for (const activation of ACTIVATIONS) {
      it(`spmm with bias + ${activation}, ${label}`, async () => {
        const out = h.output(rows * dst);
        h.run(await spmm(h.rec, { rows, block: upload(block), weight: h.input(w), input: h.input(x), out, bias: h.input(bias), activation }));
        report(`spmm ${activation} ${label}`, relativeError(await h.read(out, rows * dst), spmmRef(block, w, x, rows, bias, activation)), TOL);
      });
    }

    it(`spmm_t with × relu' and edge_grad, ${label}`, async () => {
      const aux = Float32Array.from(randomArray(rng, rows * src), (z) => activate('relu', z));
      const out = h.output(rows * src);
      const buffers = upload(block);
      h.run(await spmmTranspose(h.rec, { rows, block: buffers, weight: h.input(w), grad: h.input(dz), out, aux: h.input(aux), activation: 'relu' }));
      report(`spmm_t ${label}`, relativeError(await h.read(out, rows * src), spmmTRef(block, w, dz, rows, aux, 'relu')), TOL);

      const wgrad = h.output(edges);
      h.run(await edgeGrad(h.rec, { rows, block: buffers, grad: h.input(dz), input: h.input(x), wgrad }));
      report(`edge_grad ${label}`, relativeError(await h.read(wgrad, edges), edgeGradRef(block, dz, x, rows)), TOL);
    });

    for (const accumulate of [false, true]) {
      it(`spmm_t with weight parts${accumulate ? ', accumulating' : ''}, then edge_grad_parts, ${label}`, async () => {
        const aux = Float32Array.from(randomArray(rng, rows * src), (z) => activate('relu', z));
        const before = randomArray(rng, rows * src);
        const out = h.input(before);
        const buffers = upload(block);
        const partials = h.output(edgePartFloats(rows, edges));
        // The source level's activations are both the derivative's and the parts' input.
        const act = h.input(aux);
        h.run(await spmmTranspose(h.rec, { rows, block: buffers, weight: h.input(w), grad: h.input(dz), out, aux: act, activation: 'relu', accumulate, weightParts: { input: act, partials } }));
        // The input gradient as without parts.
        const part = spmmTRef(block, w, dz, rows, aux, 'relu');
        report(`spmm_t with parts ${label}`, relativeError(await h.read(out, rows * src), accumulate ? part.map((v, i) => v + before[i]!) : part), TOL);
        const wgrad = h.output(edges);
        h.run(await edgeGradParts(h.rec, { rows, block: buffers, partials, wgrad }));
        report(`edge_grad_parts ${label}`, relativeError(await h.read(wgrad, edges), edgeGradRef(block, dz, aux, rows)), TOL);
      });
    }
  }

  it('spmm_t refuses an aux and a weightParts.input that differ: one binding holds the source level\'s activations for both', async () => {
    const buffers = upload(buildCsr(4, 3, [0, 1, 2, 3], [0, 1, 2, 0]).block);
    const [a, b] = [h.input(new Float32Array(16 * 3)), h.input(new Float32Array(16 * 3))];
    const args = { rows: 16, block: buffers, weight: h.input(new Float32Array(4)), grad: h.input(new Float32Array(16 * 4)), out: h.output(16 * 3), activation: 'relu' as const };
    const partials = h.output(edgePartFloats(16, 4));
    await expect(spmmTranspose(h.rec, { ...args, aux: a, weightParts: { input: b, partials } })).rejects.toThrow(
      new ConfigError("spmmTranspose: aux and weightParts.input are both the source level's activations and share a binding: pass the same buffer"),
    );
    await expect(spmmTranspose(h.rec, { ...args, aux: a, weightParts: { input: a, partials } })).resolves.toBeDefined();
  });

  // Ragged batches (a last word of 1–3 rows, a last 16-row group part full), in-degrees of 1–13
  // (every edge_grad branch), a source with no edges; scale 1/255 (unpack4x8unorm) and another;
  // a factor (BYTE_FACTOR, input dropout's 1 / (1 − rate)) multiplying every value.
  const COLUMN_CASES = [
    [37, 12, 29, 0.3, 1 / 255, 1],
    [16, 5, 784, 0.02, 1 / 255, 1],
    [130, 40, 64, 0.1, 0.01, 1],
    [3, 2, 5, 1, 1 / 255, 1],
    [37, 12, 29, 0.3, 1 / 255, 1 / 0.8],
    [130, 40, 64, 0.1, 0.01, 2],
  ] as const;
  for (const [rows, dst, src, density, byteScale, factor] of COLUMN_CASES) {
    it(`byte columns give the f32 input's results bit for bit: spmm and edge_grad, ${rows} rows, ${src}→${dst}, density ${density}, scale ${byteScale.toPrecision(3)}${factor === 1 ? '' : `, factor ${factor}`}`, async () => {
      const rng = new Random(rows * 7 + src);
      const { d, s } = randomEdges(rng, dst, src, Math.max(1, Math.round(dst * src * density)));
      const { block } = buildCsr(dst, src, d, s);
      const edges = block.srcOf.length;
      const w = randomArray(rng, edges);
      const bias = randomArray(rng, dst);
      const dz = randomArray(rng, rows * dst);
      const bytes = Uint8Array.from({ length: rows * src }, () => (rng.next() < 0.5 ? 0 : rng.int(256)));
      const scale = Math.fround(byteScale);
      // What the f32 gather stores: f32(byte) · f32(scale), rounded once (times the factor, rounded again).
      const x = Float32Array.from(bytes, (b) => Math.fround(Math.fround(b * scale) * Math.fround(factor)));
      // Spare words past the batch's last 16-row group, and columns of stale rows: never read as rows of the batch.
      const words = columnWords(rows) + 4;
      const columns = byteColumnsRef(bytes, rows, src, words);
      for (let f = 0; f < src; f++) for (let p = Math.ceil(rows / 4); p < words; p++) columns[f * words + p] = 0xdeadbeef;
      const inputColumns = { buffer: h.input(columns), words, scale, factor };
      const buffers = upload(block);
      const outs = [h.output(rows * dst), h.output(rows * dst)];
      const wgrads = [h.output(edges), h.output(edges)];
      const input = h.input(x);
      for (const [k, cols] of [undefined, inputColumns].entries()) {
        const byColumns = cols ? { inputColumns: cols } : {};
        h.run([
          await spmm(h.rec, { rows, block: buffers, weight: h.input(w), input, ...byColumns, out: outs[k]!, bias: h.input(bias), activation: 'relu' }),
          await edgeGrad(h.rec, { rows, block: buffers, grad: h.input(dz), input, ...byColumns, wgrad: wgrads[k]! }),
        ]);
      }
      const [forwardF32, forwardColumns] = await Promise.all(outs.map((o) => h.read(o, rows * dst)));
      report(`spmm byte columns ${rows}×${src}→${dst}`, relativeError(forwardColumns!, spmmRef(block, w, x, rows, bias, 'relu')), TOL);
      expect(Array.from(forwardColumns!)).toEqual(Array.from(forwardF32!));
      const [gradF32, gradColumns] = await Promise.all(wgrads.map((g) => h.read(g, edges)));
      report(`edge_grad byte columns ${rows}×${src}→${dst}`, relativeError(gradColumns!, edgeGradRef(block, dz, x, rows)), TOL);
      expect(Array.from(gradColumns!)).toEqual(Array.from(gradF32!));
      // Training's form: 32-row parts (edge_grad_parts32), then their sums (edge_grad_parts);
      // over byte columns and over f32 rows alike to the bit. Parts prefilled with NaN: every
      // one is written.
      const parts32 = [];
      for (const cols of [undefined, inputColumns]) {
        const partials = h.input(new Float32Array(partFloats32(rows, edges)).fill(Number.NaN));
        const wgrad = h.output(edges);
        h.run([
          await edgeGradParts32(h.rec, { rows, block: buffers, grad: h.input(dz), input, ...(cols ? { inputColumns: cols } : {}), partials }),
          await edgeGradParts(h.rec, { rows, block: buffers, partials, wgrad, partRows: 32 }),
        ]);
        parts32.push(await h.read(wgrad, edges));
      }
      report(`edge_grad_parts32 byte columns ${rows}×${src}→${dst}`, relativeError(parts32[1]!, edgeGradRef(block, dz, x, rows)), TOL);
      expect(Array.from(parts32[1]!)).toEqual(Array.from(parts32[0]!));
    });
  }

  // Ragged batches (a last quad of 1–3 rows, a last 16-row group part full), empty sources and
  // destinations at low density, spare vec4s past the batch's quads.
  const FLOAT_COLUMN_CASES = [
    [37, 12, 29, 0.3],
    [130, 40, 64, 0.1],
    [16, 5, 200, 0.05],
    [3, 2, 5, 1],
  ] as const;
  for (const [rows, dst, src, density] of FLOAT_COLUMN_CASES) {
    for (const accumulate of [false, true]) {
      it(`f32 columns give the batch-major results bit for bit: to_columns, spmm, spmm_t_columns with parts${accumulate ? ' (accumulating)' : ''}, edge_grad_parts by source, ${rows} rows, ${src}→${dst}, density ${density}`, async () => {
        const rng = new Random(rows * 11 + src + (accumulate ? 1 : 0));
        const { d, s } = randomEdges(rng, dst, src, Math.max(1, Math.round(dst * src * density)));
        const { block } = buildCsr(dst, src, d, s);
        const edges = block.srcOf.length;
        const [w, bias, dz] = [randomArray(rng, edges), randomArray(rng, dst), randomArray(rng, rows * dst)];
        // The source level's activations: the block's input and act''s argument alike.
        const x = Float32Array.from(randomArray(rng, rows * src), (z) => activate('relu', z));
        const aux = x;
        const before = randomArray(rng, rows * src);
        const quads = columnWords(rows) + 4;
        const buffers = upload(block);
        const [weight, input, grad] = [h.input(w), h.input(x), h.input(dz)];
        // Column buffers holding garbage: to_columns writes every vec4, zeros past the batch.
        const garbage = (n: number) => Float32Array.from({ length: n * quads * 4 }, () => Number.NaN);
        const inputColumns = { buffer: h.input(garbage(src)), quads };
        const gradColumns = { buffer: h.input(garbage(dst)), quads };
        const bySource = h.output(edges);
        h.run([
          await toColumns(h.rec, { rows, width: src, input, out: inputColumns }),
          await toColumns(h.rec, { rows, width: dst, input: grad, out: gradColumns }),
          await weightsBySource(h.rec, { block: buffers, weight, out: bySource }),
        ]);
        expect(Array.from(await h.read(inputColumns.buffer, src * quads * 4))).toEqual(Array.from(floatColumnsRef(x, rows, src, quads)));
        expect(Array.from(await h.read(gradColumns.buffer, dst * quads * 4))).toEqual(Array.from(floatColumnsRef(dz, rows, dst, quads)));
        expect(Array.from(await h.read(bySource, edges))).toEqual(Array.from(block.srcEdges, (e) => w[e]!));

        const forward = [h.output(rows * dst), h.output(rows * dst)];
        const backward = [h.input(before), h.input(before)];
        const partials = [h.output(edgePartFloats(rows, edges)), h.output(edgePartFloats(rows, edges))];
        const wgrad = [h.output(edges), h.output(edges)];
        const finish = { aux: input, activation: 'relu' as const, accumulate };
        h.run([
          await spmm(h.rec, { rows, block: buffers, weight, input, out: forward[0]!, bias: h.input(bias), activation: 'tanh' }),
          await spmm(h.rec, { rows, block: buffers, weight, input, inputFloatColumns: inputColumns, out: forward[1]!, bias: h.input(bias), activation: 'tanh' }),
          await spmmTranspose(h.rec, { rows, block: buffers, weight, grad, out: backward[0]!, ...finish, weightParts: { input, partials: partials[0]! } }),
          await spmmTransposeColumns(h.rec, { rows, block: buffers, weightBySource: bySource, gradColumns, out: backward[1]!, ...finish, weightParts: { inputColumns, partials: partials[1]! } }),
          await edgeGradParts(h.rec, { rows, block: buffers, partials: partials[0]!, wgrad: wgrad[0]! }),
          await edgeGradParts(h.rec, { rows, block: buffers, partials: partials[1]!, wgrad: wgrad[1]!, bySource: true }),
        ]);
        const read = (pair: GPUBuffer[], n: number) => Promise.all(pair.map((b) => h.read(b, n)));
        const [fRows, fColumns] = await read(forward, rows * dst);
        report(`spmm f32 columns ${rows}×${src}→${dst}`, relativeError(fColumns!, spmmRef(block, w, x, rows, bias, 'tanh')), TOL);
        expect(Array.from(fColumns!)).toEqual(Array.from(fRows!));
        const [bRows, bColumns] = await read(backward, rows * src);
        const part = spmmTRef(block, w, dz, rows, aux, 'relu');
        report(`spmm_t_columns ${rows}×${src}→${dst}`, relativeError(bColumns!, accumulate ? part.map((v, i) => v + before[i]!) : part), TOL);
        expect(Array.from(bColumns!)).toEqual(Array.from(bRows!));
        const [gRows, gColumns] = await read(wgrad, edges);
        report(`edge_grad_parts by source ${rows}×${src}→${dst}`, relativeError(gColumns!, edgeGradRef(block, dz, x, rows)), TOL);
        expect(Array.from(gColumns!)).toEqual(Array.from(gRows!));
      });
    }
  }

  // Destinations in fours with the same sources (a locally connected layer's filters): spmm over
  // columns takes the four in one invocation (GROUP 4), the same bits as one at a time.
  const GROUP_CASES = [
    [37, 8, 29, 0.3],
    [256, 24, 784, 0.05],
    [5, 4, 6, 1],
  ] as const;
  for (const [rows, dst, src, density] of GROUP_CASES) {
    it(`spmm over columns and edge_grad_parts32 with sources shared in fours: the CPU reference's results, bit for bit those of one destination an invocation, ${rows} rows, ${src}→${dst}`, async () => {
      const rng = new Random(rows + dst + src);
      const d: number[] = [];
      const s: number[] = [];
      for (let g = 0; g < dst; g += 4) {
        const sources = Array.from({ length: src }, (_, j) => j).filter(() => rng.next() < density);
        for (let i = g; i < g + 4; i++) for (const j of sources) (d.push(i), s.push(j));
      }
      const { block } = buildCsr(dst, src, d, s);
      expect(sharedSourceGroup(block)).toBe(4);
      const edges = block.srcOf.length;
      const [w, bias] = [randomArray(rng, edges), randomArray(rng, dst)];
      const bytes = Uint8Array.from({ length: rows * src }, () => rng.int(256));
      const scale = Math.fround(1 / 255);
      const x = Float32Array.from(bytes, (b) => b * scale);
      const words = columnWords(rows);
      const byteColumns = { inputColumns: { buffer: h.input(byteColumnsRef(bytes, rows, src, words)), words, scale } };
      const floatColumns = { inputFloatColumns: { buffer: h.input(floatColumnsRef(x, rows, src, words)), quads: words } };
      const grouped = upload(block);
      const single: CsrBuffers = { ...grouped, sourceGroup: 1 };
      const [weight, input, b] = [h.input(w), h.input(x), h.input(bias)];
      const want = spmmRef(block, w, x, rows, bias, 'relu');
      for (const [name, columns] of [['byte', byteColumns], ['f32', floatColumns]] as const) {
        const outs = [h.output(rows * dst), h.output(rows * dst)];
        h.run([
          await spmm(h.rec, { rows, block: grouped, weight, input, ...columns, out: outs[0]!, bias: b, activation: 'relu' }),
          await spmm(h.rec, { rows, block: single, weight, input, ...columns, out: outs[1]!, bias: b, activation: 'relu' }),
        ]);
        const [byGroup, byOne] = await Promise.all(outs.map((o) => h.read(o, rows * dst)));
        report(`spmm ${name} columns, sources shared in fours, ${rows}×${src}→${dst}`, relativeError(byGroup!, want), TOL);
        expect(Array.from(byGroup!)).toEqual(Array.from(byOne!));
      }
      // The weight gradient in 32-row parts (edge_grad_parts32, then edge_grad_parts), over byte
      // columns and over f32 rows: the four at once as one at a time, to the bit.
      const dz = randomArray(rng, rows * dst);
      const grads: Float32Array[] = [];
      for (const [block, cols] of [[grouped, byteColumns], [single, byteColumns], [grouped, {}], [single, {}]] as const) {
        const partials = h.input(new Float32Array(partFloats32(rows, edges)).fill(Number.NaN));
        const wgrad = h.output(edges);
        h.run([
          await edgeGradParts32(h.rec, { rows, block, grad: h.input(dz), input, ...cols, partials }),
          await edgeGradParts(h.rec, { rows, block, partials, wgrad, partRows: 32 }),
        ]);
        grads.push(await h.read(wgrad, edges));
      }
      report(`edge_grad_parts32 byte columns, sources shared in fours, ${rows}×${src}→${dst}`, relativeError(grads[0]!, edgeGradRef(block, dz, x, rows)), TOL);
      for (const g of grads.slice(1)) expect(Array.from(g)).toEqual(Array.from(grads[0]!));
    });
  }

  // Sources in fours with the same destinations (the 4 channels of each pixel of a local layer's
  // input image): spmm_t_columns takes the four in one invocation (GROUP 4), the same bits.
  for (const rows of [37, 256]) {
    it(`spmm_t_columns with its weight parts, sources sharing destinations in fours: the CPU reference's results, bit for bit those of one source an invocation, ${rows} rows`, async () => {
      const local = localConnections({ width: 5, height: 4, channels: 4, kernel: 3, filters: 3 });
      const src = 5 * 4 * 4;
      const { block } = buildCsr(local.size, src, local.destinations, local.sources);
      expect(sharedDestinationGroup(block)).toBe(4);
      const edges = block.srcOf.length;
      const rng = new Random(rows);
      const [w, x, dz] = [randomArray(rng, edges), randomArray(rng, rows * src), randomArray(rng, rows * local.size)];
      const aux = Float32Array.from(randomArray(rng, rows * src), (z) => activate('relu', z));
      const quads = columnWords(rows);
      const grouped = upload(block);
      const single: CsrBuffers = { ...grouped, destinationGroup: 1 };
      const inputColumns = { buffer: h.input(floatColumnsRef(x, rows, src, quads)), quads };
      const gradColumns = { buffer: h.input(floatColumnsRef(dz, rows, local.size, quads)), quads };
      const bySource = h.input(Float32Array.from(block.srcEdges, (e) => w[e]!));
      const results: Float32Array[][] = [];
      for (const b of [grouped, single]) {
        const [dx, partials, wgrad] = [h.output(rows * src), h.input(new Float32Array(edgePartFloats(rows, edges)).fill(Number.NaN)), h.output(edges)];
        h.run([
          await spmmTransposeColumns(h.rec, { rows, block: b, weightBySource: bySource, gradColumns, out: dx, aux: h.input(aux), activation: 'relu', weightParts: { inputColumns, partials } }),
          await edgeGradParts(h.rec, { rows, block: b, partials, wgrad, bySource: true }),
        ]);
        results.push([await h.read(dx, rows * src), await h.read(wgrad, edges)]);
      }
      const [[dxGroup, wgGroup], [dxOne, wgOne]] = results as [[Float32Array, Float32Array], [Float32Array, Float32Array]];
      report(`spmm_t_columns, sources sharing destinations in fours, ${rows} rows`, relativeError(dxGroup, spmmTRef(block, w, dz, rows, aux, 'relu')), TOL);
      report(`edge_grad_parts by source, sources sharing destinations in fours, ${rows} rows`, relativeError(wgGroup, edgeGradRef(block, dz, x, rows)), TOL);
      expect(Array.from(dxGroup)).toEqual(Array.from(dxOne));
      expect(Array.from(wgGroup)).toEqual(Array.from(wgOne));
    });
  }

  it('sharedSourceGroup and sharedDestinationGroup find fours of neurons with the same sources or destinations only', () => {
    const local = localConnections({ width: 6, height: 6, kernel: 3, filters: 4 });
    expect(sharedSourceGroup(buildCsr(local.size, 36, local.destinations, local.sources).block)).toBe(4);
    const two = localConnections({ width: 6, height: 6, kernel: 3, filters: 2 });
    expect(sharedSourceGroup(buildCsr(two.size, 36, two.destinations, two.sources).block)).toBe(1);
    // One edge fewer in the last four: no longer shared.
    const cut = buildCsr(local.size, 36, Array.from(local.destinations).slice(0, -1), Array.from(local.sources).slice(0, -1)).block;
    expect(sharedSourceGroup(cut)).toBe(1);
    expect(sharedSourceGroup(buildCsr(6, 3, [0, 1, 2, 3, 4, 5], [0, 0, 0, 0, 1, 1]).block)).toBe(1);
    // By source: the one-channel image's pixels do not share destinations; four channels do.
    expect(sharedDestinationGroup(buildCsr(local.size, 36, local.destinations, local.sources).block)).toBe(1);
    const rgba = localConnections({ width: 3, height: 3, channels: 4, kernel: 2, filters: 2 });
    expect(sharedDestinationGroup(buildCsr(rgba.size, 36, rgba.destinations, rgba.sources).block)).toBe(4);
  });

  it('f32 columns too short for the batch are refused', async () => {
    const { block } = buildCsr(1, 1, [0], [0]);
    const one = h.input(new Float32Array(4));
    const short = { buffer: h.input(new Float32Array(16)), quads: 4 };
    await expect(toColumns(h.rec, { rows: 17, width: 1, input: one, out: short })).rejects.toThrow(/toColumns: f32 columns of 4 vec4s cannot hold 17 rows \(8 needed\)/);
    await expect(spmm(h.rec, { rows: 17, block: upload(block), weight: one, input: one, inputFloatColumns: short, out: h.output(17) })).rejects.toThrow(/spmm: f32 columns of 4 vec4s cannot hold 17 rows \(8 needed\)/);
    const bytes = { buffer: h.input(new Uint32Array(16)), words: 16, scale: 1 };
    await expect(spmm(h.rec, { rows: 17, block: upload(block), weight: one, input: one, inputColumns: bytes, inputFloatColumns: short, out: h.output(17) })).rejects.toThrow(/not both/);
  });

  it('byte columns too short for the batch are refused', async () => {
    const { block } = buildCsr(1, 1, [0], [0]);
    const one = h.input(new Float32Array(1));
    const short = { buffer: h.input(new Uint32Array(4)), words: 4, scale: 1 };
    await expect(spmm(h.rec, { rows: 17, block: upload(block), weight: one, input: one, inputColumns: short, out: h.output(17) })).rejects.toThrow(/spmm: byte columns of 4 words cannot hold 17 rows/);
    // spmm reads a column's words as vec4s: its length must be a multiple of 4.
    const ragged = { buffer: h.input(new Uint32Array(18)), words: 18, scale: 1 };
    await expect(spmm(h.rec, { rows: 17, block: upload(block), weight: one, input: one, inputColumns: ragged, out: h.output(17) })).rejects.toThrow(/byte columns of 18 words: a column's words must be a multiple of 4/);
  });

  it('a fully dense block gives the same results as the dense matmul kernel', async () => {
    const [rows, dst, src] = [45, 12, 37];
    const rng = new Random(77);
    const d: number[] = [];
    const s: number[] = [];
    for (let i = 0; i < dst; i++) for (let j = 0; j < src; j++) d.push(i), s.push(j);
    const { block } = buildCsr(dst, src, d, s);
    // Dense weights are stored src × dst; CSR edge (i, j) is dense entry [j, i].
    const dense = randomArray(rng, src * dst);
    const w = Float32Array.from({ length: dst * src }, (_, e) => dense[block.srcOf[e]! * dst + block.dstOf[e]!]!);
    const x = randomArray(rng, rows * src);
    const a = h.output(rows * dst);
    const b = h.output(rows * dst);
    h.run([
      await spmm(h.rec, { rows, block: upload(block), weight: h.input(w), input: h.input(x), out: a }),
      await matmul(h.rec, { m: rows, n: dst, k: src, lhs: h.input(x), rhs: h.input(dense), out: b }),
    ]);
    report('sparse (density 1) vs dense', relativeError(await h.read(a, rows * dst), await h.read(b, rows * dst)), TOL);
  });

  it('accumulate sums two blocks into one level', async () => {
    const rng = new Random(5);
    const rows = 20;
    const e1 = randomEdges(rng, 6, 8, 20);
    const e2 = randomEdges(rng, 6, 5, 12);
    const one = buildCsr(6, 8, e1.d, e1.s).block;
    const two = buildCsr(6, 5, e2.d, e2.s).block;
    const [w1, w2, x1, x2, bias] = [randomArray(rng, 20), randomArray(rng, 12), randomArray(rng, rows * 8), randomArray(rng, rows * 5), randomArray(rng, 6)];
    const out = h.output(rows * 6);
    h.run([
      await spmm(h.rec, { rows, block: upload(one), weight: h.input(w1), input: h.input(x1), out }),
      await spmm(h.rec, { rows, block: upload(two), weight: h.input(w2), input: h.input(x2), out, accumulate: true, bias: h.input(bias), activation: 'tanh' }),
    ]);
    const a = spmmRef(one, w1, x1, rows);
    const b = spmmRef(two, w2, x2, rows);
    const want = a.map((v, i) => Math.tanh(v + b[i]! + bias[i % 6]!));
    report('two blocks accumulated', relativeError(await h.read(out, rows * 6), want), TOL);
  });
});

describe('edge_grad work list', () => {
  it('cuts each destination\'s edges into chunks of ≤ 8 listed by falling count, covering every edge once, and edge_grad agrees with the reference on mixed in-degrees', async () => {
    const rng = new Random(41);
    const degrees = [1, 2, 3, 4, 5, 8, 9, 13, 1, 1, 0, 6];
    const [rows, src] = [37, 20];
    const d: number[] = [];
    const s: number[] = [];
    degrees.forEach((degree, i) => {
      for (let k = 0; k < degree; k++) d.push(i), s.push(k);
    });
    const { block } = buildCsr(degrees.length, src, d, s);
    const chunks = edgeChunks(block.dstPtr, block.dst);
    const counts = Array.from({ length: chunks.length / 2 }, (_, c) => chunks[2 * c + 1]!);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(Math.max(...counts)).toBeLessThanOrEqual(8);
    const covered = new Array<number>(d.length).fill(0);
    for (let c = 0; c < counts.length; c++) {
      const first = chunks[2 * c]!;
      for (let e = first; e < first + counts[c]!; e++) {
        covered[e]!++;
        expect(block.dstOf[e]).toBe(block.dstOf[first]); // a chunk stays within one destination
      }
    }
    expect(covered.every((n) => n === 1)).toBe(true);

    const x = randomArray(rng, rows * src);
    const dz = randomArray(rng, rows * degrees.length);
    const wgrad = h.output(d.length);
    h.run(await edgeGrad(h.rec, { rows, block: upload(block), grad: h.input(dz), input: h.input(x), wgrad }));
    report('edge_grad mixed in-degrees', relativeError(await h.read(wgrad, d.length), edgeGradRef(block, dz, x, rows)), TOL);
  });
});

describe('input gradients of a level fed to several blocks', () => {
  it('spmm_t accumulating adds (grad · Wᵀ) ⊙ act\'(a) to its active sources only and leaves the others as they were', async () => {
    const rng = new Random(31);
    const [rows, dst, src] = [70, 9, 40];
    // Edges from 6 of the 40 sources only.
    const d: number[] = [];
    const s: number[] = [];
    for (const j of [3, 4, 17, 18, 30, 39]) for (let i = 0; i < dst; i += 2) d.push(i), s.push(j);
    const { block } = buildCsr(dst, src, d, s);
    const buffers = upload(block);
    expect(buffers.activeSourceCount).toBe(6);
    const w = randomArray(rng, d.length);
    const dz = randomArray(rng, rows * dst);
    const aux = Float32Array.from(randomArray(rng, rows * src, -2, 2), (z) => activate('tanh', z));
    const before = randomArray(rng, rows * src);
    const out = h.input(before);
    h.run(await spmmTranspose(h.rec, { rows, block: buffers, weight: h.input(w), grad: h.input(dz), out, accumulate: true, aux: h.input(aux), activation: 'tanh' }));
    const part = spmmTRef(block, w, dz, rows, aux, 'tanh');
    const got = await h.read(out, rows * src);
    report('spmm_t accumulate (active sources)', relativeError(got, part.map((v, i) => v + before[i]!)), TOL);
    const untouched = Array.from(got).filter((v, i) => ![3, 4, 17, 18, 30, 39].includes(i % src) && v !== before[i]);
    expect(untouched).toEqual([]);
  });

  it('a sparse and a dense block sum to the gradient of Σ R ⊙ (x·W₁ + spmm(x, W₂)) through tanh, in either order', async () => {
    const rng = new Random(32);
    const [rows, src, dense1, sparse2] = [33, 11, 7, 5];
    const { d, s } = randomEdges(rng, sparse2, src, 15);
    const { block } = buildCsr(sparse2, src, d, s);
    const w1 = randomArray(rng, src * dense1);
    const w2 = randomArray(rng, 15);
    const z = randomArray(rng, rows * src, -1.5, 1.5);
    const a = Float32Array.from(z, (v) => activate('tanh', v));
    const dz1 = randomArray(rng, rows * dense1);
    const dz2 = randomArray(rng, rows * sparse2);
    const denseGrad = (accumulate: boolean, out: ReturnType<typeof h.output>) =>
      matmul(h.rec, { m: rows, n: src, k: dense1, lhs: h.input(dz1), rhs: h.input(w1), transRhs: true, aux: h.input(a), out, epilogue: 'activation-grad', activation: 'tanh', accumulate });
    const sparseGrad = (accumulate: boolean, out: ReturnType<typeof h.output>) =>
      spmmTranspose(h.rec, { rows, block: upload(block), weight: h.input(w2), grad: h.input(dz2), out, aux: h.input(a), activation: 'tanh', accumulate });
    // The derivative of Σ dz1 ⊙ (a·W₁) + Σ dz2 ⊙ spmm(a, W₂) with respect to z, a = tanh(z).
    const fd = centralDifferences((zz) => {
      const act = zz.map((v) => activate('tanh', v));
      let total = 0;
      for (let r = 0; r < rows; r++) for (let i = 0; i < dense1; i++) for (let j = 0; j < src; j++) total += dz1[r * dense1 + i]! * act[r * src + j]! * w1[j * dense1 + i]!;
      return total + spmmRef(block, w2, act, rows).reduce((acc, v, i) => acc + v * dz2[i]!, 0);
    }, z);
    for (const order of ['dense first', 'sparse first'] as const) {
      const out = h.output(rows * src);
      h.run(order === 'dense first' ? [await denseGrad(false, out), await sparseGrad(true, out)] : [await sparseGrad(false, out), await denseGrad(true, out)]);
      report(`level gradient, ${order}`, relativeError(await h.read(out, rows * src), fd), FD_TOL);
    }
  });
});

describe('sparse backward kernels against finite differences of the CPU forward', () => {
  it('edge_grad and spmm_t are the derivatives of Σ R ⊙ tanh(spmm(x) + b)', async () => {
    const [rows, dst, src] = [5, 4, 7];
    const rng = new Random(21);
    const { d, s } = randomEdges(rng, dst, src, 14);
    const { block } = buildCsr(dst, src, d, s);
    const w = randomArray(rng, 14);
    const x = randomArray(rng, rows * src);
    const bias = randomArray(rng, dst);
    const r = randomArray(rng, rows * dst);
    const scalar = (ww: ArrayLike<number>, xx: ArrayLike<number>) => spmmRef(block, ww, xx, rows, bias, 'tanh').reduce((acc, a, i) => acc + a * r[i]!, 0);
    const a = spmmRef(block, w, x, rows, bias, 'tanh');
    const dz = Float32Array.from(a, (v, i) => r[i]! * (1 - v * v));
    const buffers = upload(block);
    const wgrad = h.output(14);
    const dx = h.output(rows * src);
    h.run([
      await edgeGrad(h.rec, { rows, block: buffers, grad: h.input(dz), input: h.input(x), wgrad }),
      await spmmTranspose(h.rec, { rows, block: buffers, weight: h.input(w), grad: h.input(dz), out: dx }),
    ]);
    const fdW = centralDifferences((ww) => scalar(ww, x), w);
    report('FD edge_grad', relativeError(await h.read(wgrad, 14), fdW), FD_TOL);
    report('FD spmm_t', relativeError(await h.read(dx, rows * src), centralDifferences((xx) => scalar(w, xx), x)), FD_TOL);
    // The weight gradient by parts, from spmm_t.
    const partials = h.output(edgePartFloats(rows, 14));
    const byParts = h.output(14);
    h.run([
      await spmmTranspose(h.rec, { rows, block: buffers, weight: h.input(w), grad: h.input(dz), out: dx, weightParts: { input: h.input(x), partials } }),
      await edgeGradParts(h.rec, { rows, block: buffers, partials, wgrad: byParts }),
    ]);
    report('FD spmm_t weight parts + edge_grad_parts', relativeError(await h.read(byParts, 14), fdW), FD_TOL);
    // Over f32 columns: the input and weight gradients of spmm_t_columns and edge_grad_parts by source.
    const quads = columnWords(rows);
    const [inputColumns, gradColumns] = [{ buffer: h.output(src * quads * 4), quads }, { buffer: h.output(dst * quads * 4), quads }];
    const bySource = h.output(14);
    const [dxColumns, wgradColumns] = [h.output(rows * src), h.output(14)];
    h.run([
      await toColumns(h.rec, { rows, width: src, input: h.input(x), out: inputColumns }),
      await toColumns(h.rec, { rows, width: dst, input: h.input(dz), out: gradColumns }),
      await weightsBySource(h.rec, { block: buffers, weight: h.input(w), out: bySource }),
      await spmmTransposeColumns(h.rec, { rows, block: buffers, weightBySource: bySource, gradColumns, out: dxColumns, weightParts: { inputColumns, partials } }),
      await edgeGradParts(h.rec, { rows, block: buffers, partials, wgrad: wgradColumns, bySource: true }),
    ]);
    report('FD spmm_t_columns', relativeError(await h.read(dxColumns, rows * src), centralDifferences((xx) => scalar(w, xx), x)), FD_TOL);
    report('FD spmm_t_columns weight parts + edge_grad_parts by source', relativeError(await h.read(wgradColumns, 14), fdW), FD_TOL);
    // A block out of the input level, as training takes it: 32-row parts, then their sums.
    const parts32 = h.output(partFloats32(rows, 14));
    const wgrad32 = h.output(14);
    h.run([
      await edgeGradParts32(h.rec, { rows, block: buffers, grad: h.input(dz), input: h.input(x), partials: parts32 }),
      await edgeGradParts(h.rec, { rows, block: buffers, partials: parts32, wgrad: wgrad32, partRows: 32 }),
    ]);
    report('FD edge_grad_parts32 + edge_grad_parts', relativeError(await h.read(wgrad32, 14), fdW), FD_TOL);
  });
});
