import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { buildCsr, type CsrBlock } from '../../src/graph/csr.js';
import { poolBuffers, poolForward, poolGrad } from '../../src/kernels/pool.js';
import {
  columnWords,
  csrBuffers,
  edgeGradParts,
  edgeGradParts32,
  laneGroups,
  partFloats32,
  spmm,
  spmmTranspose,
  spmmTransposeColumns,
  weightsBySource,
} from '../../src/kernels/sparse.js';
import { activate } from '../../src/reference/dense.js';
import { poolGradRef, poolRef } from '../../src/reference/pool.js';
import { edgeGradRef, floatColumnsRef, spmmRef, spmmTRef } from '../../src/reference/sparse.js';
import { useHarness } from '../helpers/harness.js';
import { randomArray, relativeError, report } from '../helpers/numeric.js';

// The kernels whose invocations take a few batch rows of one neuron (8 × 8 a workgroup: the
// sparse products and the pooling kernels) have a grid row per 8 neurons. Past the 65,535
// workgroups a dimension every adapter allows along y, 524,280 neurons, the rows go on along z
// (laneGroups; fn lane in the shaders). These levels of 530,000 neurons need z = 2: every
// neuron is written (outputs start as NaN, which no comparison passes) with the reference's values.

// f32 sums of a handful of products against float64.
const TOL = 1e-5;
const WIDE = 530_000;
const NARROW = 3;
const ROWS = 3;

const h = useHarness();
const nan = (floats: number) => h.input(new Float32Array(floats).fill(Number.NaN));
const upload = (block: CsrBlock) => csrBuffers(block, (_, values) => h.input(values));

describe("the lane kernels' grid goes on along z for levels wider than 524,280 neurons", () => {
  const rng = new Random(53);
  // Each wide neuron has one or two edges to the narrow level.
  const wide: number[] = [];
  const narrow: number[] = [];
  for (let i = 0; i < WIDE; i++) {
    wide.push(i), narrow.push(i % NARROW);
    if (i % 7 === 0) wide.push(i), narrow.push((i + 1) % NARROW);
  }
  const fanOut = buildCsr(WIDE, NARROW, wide, narrow).block;
  const fanIn = buildCsr(NARROW, WIDE, narrow, wide).block;

  it('laneGroups folds the rows past 65,535 workgroups into z, covering every neuron', () => {
    expect(laneGroups(ROWS, 16, 524_280)).toEqual([1, 65_535, 1]);
    expect(laneGroups(ROWS, 16, 524_281)).toEqual([1, 32_768, 2]);
    const [, y, z] = laneGroups(ROWS, 16, WIDE);
    expect([y, z]).toEqual([33_125, 2]);
    expect(8 * y * z).toBeGreaterThanOrEqual(WIDE);
  });

  it('spmm over rows and over f32 columns, and edge_grad_parts32, into 530,000 destinations', async () => {
    const edges = fanOut.srcOf.length;
    const [w, x, bias, dz] = [randomArray(rng, edges), randomArray(rng, ROWS * NARROW), randomArray(rng, WIDE), randomArray(rng, ROWS * WIDE)];
    const block = upload(fanOut);
    expect(block.sourceGroup).toBe(1);
    const quads = columnWords(ROWS);
    const inputFloatColumns = { buffer: h.input(floatColumnsRef(x, ROWS, NARROW, quads)), quads };
    const [weight, input, b] = [h.input(w), h.input(x), h.input(bias)];
    const outs = [nan(ROWS * WIDE), nan(ROWS * WIDE)];
    const partials = nan(partFloats32(ROWS, edges));
    const wgrad = nan(edges);
    h.run([
      await spmm(h.rec, { rows: ROWS, block, weight, input, out: outs[0]!, bias: b, activation: 'tanh' }),
      await spmm(h.rec, { rows: ROWS, block, weight, input, inputFloatColumns, out: outs[1]!, bias: b, activation: 'tanh' }),
      await edgeGradParts32(h.rec, { rows: ROWS, block, grad: h.input(dz), input, partials }),
      await edgeGradParts(h.rec, { rows: ROWS, block, partials, wgrad, partRows: 32 }),
    ]);
    const want = spmmRef(fanOut, w, x, ROWS, bias, 'tanh');
    report('spmm over rows, 3→530,000', relativeError(await h.read(outs[0]!, ROWS * WIDE), want), TOL);
    report('spmm over f32 columns, 3→530,000', relativeError(await h.read(outs[1]!, ROWS * WIDE), want), TOL);
    report('edge_grad_parts32, 3→530,000', relativeError(await h.read(wgrad, edges), edgeGradRef(fanOut, dz, x, ROWS)), TOL);
  });

  it("spmm_t over every source and over the sources with edges, and spmm_t_columns, out of 530,000 sources", async () => {
    const edges = fanIn.srcOf.length;
    const [w, dz] = [randomArray(rng, edges), randomArray(rng, ROWS * NARROW)];
    const aux = Float32Array.from(randomArray(rng, ROWS * WIDE), (z) => activate('relu', z));
    const block = upload(fanIn);
    expect(block.activeSourceCount).toBe(WIDE);
    const quads = columnWords(ROWS);
    const gradColumns = { buffer: h.input(floatColumnsRef(dz, ROWS, NARROW, quads)), quads };
    const [weight, grad, auxBuffer] = [h.input(w), h.input(dz), h.input(aux)];
    const weightBySource = h.output(edges);
    const outs = [nan(ROWS * WIDE), h.output(ROWS * WIDE), nan(ROWS * WIDE)];
    const finish = { aux: auxBuffer, activation: 'relu' as const };
    h.run([
      await weightsBySource(h.rec, { block, weight, out: weightBySource }),
      await spmmTranspose(h.rec, { rows: ROWS, block, weight, grad, out: outs[0]!, ...finish }),
      // Accumulating onto zeros: the grid walks the sources with edges (all of them here).
      await spmmTranspose(h.rec, { rows: ROWS, block, weight, grad, out: outs[1]!, ...finish, accumulate: true }),
      await spmmTransposeColumns(h.rec, { rows: ROWS, block, weightBySource, gradColumns, out: outs[2]!, ...finish }),
    ]);
    const want = spmmTRef(fanIn, w, dz, ROWS, aux, 'relu');
    for (const [name, out] of [['spmm_t', outs[0]!], ['spmm_t accumulating', outs[1]!], ['spmm_t_columns', outs[2]!]] as const) {
      report(`${name}, 530,000→3`, relativeError(await h.read(out, ROWS * WIDE), want), TOL);
    }
  });

  it('max pooling of 530,000 windows, overlapping (the gradient by source) and a partition (by window)', async () => {
    // Window i over sources i and i + 1, or over 2i and 2i + 1.
    const windowsOf = (step: number) => {
      const dst = Array.from({ length: 2 * WIDE }, (_, e) => e >> 1);
      return buildCsr(WIDE, step * WIDE + (step === 1 ? 1 : 0), dst, dst.map((i, e) => step * i + (e & 1))).block;
    };
    for (const windows of [windowsOf(1), windowsOf(2)]) {
      const csr = poolBuffers(windows, (_, values) => h.input(values));
      const way = csr.partition ? 'a partition, by window' : 'overlapping, by source';
      const input = randomArray(rng, ROWS * windows.src);
      const grad = randomArray(rng, ROWS * WIDE);
      const [out, argmax, dx] = [nan(ROWS * WIDE), h.output(ROWS * WIDE), nan(ROWS * windows.src)];
      const x = h.input(input);
      h.run([
        await poolForward(h.rec, { rows: ROWS, kind: 'max', windows: csr, input: x, out, argmax }),
        await poolGrad(h.rec, { rows: ROWS, kind: 'max', windows: csr, argmax, grad: h.input(grad), aux: x, activation: 'identity', out: dx }),
      ]);
      const want = poolRef(windows, input, ROWS);
      // A maximum is one of the inputs: equal bit for bit (counted here: a deep equality of 1.6 million values is slow).
      const pooled = await h.read(out, ROWS * WIDE);
      expect(pooled.filter((v, k) => v !== Math.fround(want.out[k]!)).length, `pool_forward, ${way}: values unequal`).toBe(0);
      report(`pool_grad, ${way}, 530,000 windows`, relativeError(await h.read(dx, ROWS * windows.src), poolGradRef(windows, want.argmax, grad, input, 'identity', ROWS)), 1e-6);
    }
  });
});
