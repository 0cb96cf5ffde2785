import { describe, expect, it } from 'vitest';
import { ConfigError, ShapeError } from '../../src/errors.js';
import { buildCsr, type CsrBlock } from '../../src/graph/csr.js';
import type { BindingResource } from '../../src/kernels/kernel.js';
import { shiftImages } from '../../src/kernels/augment.js';
import { activationGrad, biasGrad, matmul } from '../../src/kernels/dense.js';
import type { Dispatch, Recorder } from '../../src/kernels/dispatch.js';
import { countNonFinite } from '../../src/kernels/finite.js';
import { gatherEpoch } from '../../src/kernels/gather.js';
import { graphBackward, graphEdgeGrad, type GraphTables } from '../../src/kernels/graph.js';
import { loss } from '../../src/kernels/loss.js';
import { narrowBackward } from '../../src/kernels/narrow.js';
import { advanceStep, beginSchedule, update, clipScale, gradNormParts } from '../../src/kernels/optimizer.js';
import { poolForward, poolGrad, type PoolKind } from '../../src/kernels/pool.js';
import { rewrite } from '../../src/kernels/rewrite.js';
import { accumulateStatistics, scoreBlock, scoreBounds, selectScores } from '../../src/kernels/score.js';
import {
  columnWords,
  csrBuffers,
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
import { tieGradients } from '../../src/kernels/tie.js';
import { useHarness } from '../helpers/harness.js';

const h = useHarness();

/**
 * The buffers of one call: every checked binding exactly as large as its need, except the one
 * named `short`, bound 4 bytes short of it. Records the checked bindings' names, sizes and,
 * for those of a fixed WGSL type (checked by `Kernel.bindGroup` rather than the wrapper), the
 * kernel that refuses them.
 */
class Sizes {
  readonly checked: [name: string, floats: number, kernel?: string][] = [];

  constructor(private readonly short?: string) {}

  /** A checked binding of `floats` 4-byte values, zero. */
  need(name: string, floats: number): BindingResource {
    return this.data(name, new Float32Array(floats));
  }

  /** A binding of a fixed WGSL type, `floats` 4-byte values, that `kernel` (file:entry point) refuses short. */
  typed(name: string, floats: number, kernel: string): BindingResource {
    return this.data(name, new Float32Array(floats), kernel);
  }

  /** A checked binding holding `values`. */
  data(name: string, values: Float32Array | Uint32Array, kernel?: string): BindingResource {
    this.checked.push([name, values.length, kernel]);
    const buffer = h.input(values);
    return { buffer, offset: 0, size: 4 * values.length - (name === this.short ? 4 : 0) };
  }

  /** A binding the wrapper cannot check (reached through values that stay on the GPU): ample. */
  free(floats = 64): GPUBuffer {
    return h.output(floats);
  }

  /** A block's two edge orders, each buffer a checked binding named `block.<field>`. */
  block(block: CsrBlock) {
    return csrBuffers(block, (name, values) => this.data(`block.${name}`, values));
  }
}

/** A block of 8 destinations and 6 sources, 13 edges, one source without edges. */
const BLOCK = (() => {
  const dstOf: number[] = [];
  const srcOf: number[] = [];
  for (let i = 0; i < 8; i++) for (let j = 0; j < 5; j++) if ((3 * i + j) % 3 === 0) dstOf.push(i), srcOf.push(j);
  return buildCsr(8, 6, dstOf, srcOf).block;
})();
const ROWS = 5;
const SELECT = 'shaders/score.wgsl:select_edges';
/** Pooling windows: a partition of 4 sources into 2 windows, and 2 overlapping windows over 3. */
const WINDOWS = buildCsr(2, 4, [0, 0, 1, 1], [0, 1, 2, 3]).block;
const OVERLAPPING = buildCsr(2, 3, [0, 0, 1, 1], [0, 1, 1, 2]).block;

/** spmmTranspose's arguments through BLOCK (8 destinations, 6 sources) at their exact sizes. */
function transposeArgs(s: Sizes) {
  return { rows: ROWS, block: s.block(BLOCK), weight: s.need('weight', BLOCK.srcOf.length), grad: s.need('grad', ROWS * 8), out: s.need('out', ROWS * 6) };
}

interface Case {
  name: string;
  /** The wrapper's name, as its errors give it. */
  fn: string;
  call(rec: Recorder, s: Sizes): Promise<Dispatch | Dispatch[]>;
  /** Record only (the tables' contents are not a real graph's). */
  recordOnly?: boolean;
}

const cases: Case[] = [
  { name: 'countNonFinite', fn: 'countNonFinite', call: (rec, s) => countNonFinite(rec, { count: 8, values: s.need('values', 8), result: s.need('result', 3), slot: 2 }) },
  { name: 'accumulateStatistics (vec4)', fn: 'accumulateStatistics', call: (rec, s) => accumulateStatistics(rec, { count: 8, grads: s.need('grads', 8), sums: s.need('sums', 24) }) },
  { name: 'accumulateStatistics (scalar)', fn: 'accumulateStatistics', call: (rec, s) => accumulateStatistics(rec, { count: 6, grads: s.need('grads', 6), sums: s.need('sums', 18) }) },
  {
    name: 'scoreBlock, masked, at an offset',
    fn: 'scoreBlock',
    call: (rec, s) =>
      scoreBlock(rec, { metric: 'abs-grad', aggregation: 'mean', count: 6, batches: 2, offset: 3, stats: s.need('stats', 18), weights: s.need('weights', 6), scores: s.need('scores', 9), mask: s.need('mask', 6) }),
  },
  { name: 'scoreBounds', fn: 'scoreBounds', call: (rec, s) => scoreBounds(rec, { count: 5, scores: s.need('scores', 5), bounds: s.typed('bounds', 2, 'shaders/score.wgsl:minmax') }) },
  {
    name: 'selectScores',
    fn: 'selectScores',
    call: (rec, s) => selectScores(rec, { count: 5, threshold: 0.5, above: true, scores: s.need('scores', 5), bounds: s.typed('bounds', 2, SELECT), picked: s.need('picked', 10), counter: s.typed('counter', 1, SELECT) }),
  },
  { name: 'tieGradients', fn: 'tieGradients', call: (rec, s) => tieGradients(rec, { groups: 3, start: s.need('start', 4), members: s.free(), grads: s.free() }) },
  {
    name: 'rewrite',
    fn: 'rewrite',
    call: (rec, s) =>
      rewrite(rec, {
        count: 5,
        source: s.need('source', 5),
        fill: s.need('fill', 5),
        oldParams: s.free(),
        oldMoment1: s.free(),
        oldMoment2: s.free(),
        newParams: s.need('newParams', 5),
        newMoment1: s.need('newMoment1', 5),
        newMoment2: s.need('newMoment2', 5),
      }),
  },
  { name: 'advanceStep', fn: 'advanceStep', call: (rec, s) => advanceStep(rec, { hyper: { lr: 0.1 }, counter: s.typed('counter', 4, 'shaders/optimizer.wgsl:advance') }) },
  { name: 'beginSchedule', fn: 'beginSchedule', call: (rec, s) => beginSchedule(rec, { counter: s.typed('counter', 4, 'shaders/optimizer.wgsl:begin_schedule') }) },
  {
    name: 'update, Adam with births (vec4)',
    fn: 'update',
    call: (rec, s) =>
      update(rec, {
        rule: 'adam',
        count: 8,
        hyper: { lr: 0.1 },
        counter: s.typed('counter', 4, 'shaders/optimizer.wgsl:adam_vec4'),
        param: s.need('param', 8),
        grad: s.need('grad', 8),
        moment1: s.need('moment1', 8),
        moment2: s.need('moment2', 8),
        birth: s.need('birth', 8),
      }),
  },
  {
    name: 'gradNormParts, shared values weighted',
    fn: 'gradNormParts',
    // 10 values read as 3 vec4s; one workgroup of 256 lanes, a part each.
    call: async (rec, s) => (await gradNormParts(rec, { count: 10, grad: s.need('grad4', 12), counted: s.need('counted', 12), parts: s.need('parts', 256) })).dispatch,
  },
  {
    name: 'clipScale',
    fn: 'clipScale',
    call: (rec, s) => clipScale(rec, { counter: s.typed('counter', 4, 'shaders/optimizer.wgsl:clip_scale'), parts: s.need('parts', 3), partCount: 3, maxNorm: 1, stats: s.need('stats', 7), slot: 5 }),
  },
  {
    name: 'update, SGD (scalar)',
    fn: 'update',
    call: (rec, s) => update(rec, { rule: 'sgd', count: 6, hyper: { lr: 0.1, momentum: 0.9 }, counter: s.typed('counter', 4, 'shaders/optimizer.wgsl:sgd'), param: s.need('param', 6), grad: s.need('grad', 6), moment1: s.need('moment1', 6) }),
  },
  {
    name: 'loss, softmax cross-entropy with its gradient',
    fn: 'loss',
    call: (rec, s) => loss(rec, { entry: 'softmax_xent', rows: 3, classes: 10, logits: s.need('logits', 30), labels: s.need('labels', 3), grad: s.need('grad', 30), writeGrad: true, stats: s.need('stats', 4) }),
  },
  {
    name: 'loss, mean squared error with its gradient',
    fn: 'loss',
    call: (rec, s) => loss(rec, { entry: 'mse', rows: 2, classes: 3, logits: s.need('logits', 6), targets: s.need('targets', 6), grad: s.need('grad', 6), writeGrad: true, stats: s.need('stats', 4) }),
  },
  { name: 'loss, accuracy', fn: 'loss', call: (rec, s) => loss(rec, { entry: 'accuracy', rows: 3, classes: 4, logits: s.need('logits', 12), labels: s.need('labels', 3), stats: s.need('stats', 4) }) },
  {
    name: 'matmul, forward with bias and activation',
    fn: 'matmul',
    call: (rec, s) => matmul(rec, { m: 5, n: 6, k: 7, lhs: s.need('lhs', 35), rhs: s.need('rhs', 42), out: s.need('out', 30), epilogue: 'bias-activation', activation: 'relu', bias: s.need('bias', 6) }),
  },
  {
    name: 'matmul, input gradient (rhs transposed, activation-grad)',
    fn: 'matmul',
    call: (rec, s) => matmul(rec, { m: 5, n: 6, k: 7, transRhs: true, lhs: s.need('lhs', 35), rhs: s.need('rhs', 42), out: s.need('out', 30), epilogue: 'activation-grad', activation: 'tanh', aux: s.need('aux', 30) }),
  },
  {
    name: 'matmul, masked weight gradient (lhs transposed)',
    fn: 'matmul',
    call: (rec, s) => matmul(rec, { m: 6, n: 4, k: 5, transLhs: true, lhs: s.need('lhs', 30), rhs: s.need('rhs', 20), out: s.need('out', 24), mask: s.need('mask', 24) }),
  },
  {
    name: 'matmul, forward over compact active rows',
    fn: 'matmul',
    call: (rec, s) =>
      matmul(rec, { m: 5, n: 4, k: 9, lhs: s.need('lhs', 45), rhs: s.need('rhs', 12), out: s.need('out', 20), activeRows: { indices: s.data('activeRows.indices', Uint32Array.of(1, 4, 8)), count: 3, along: 'k', compact: true } }),
  },
  {
    name: 'matmul, weight gradient into compact active rows',
    fn: 'matmul',
    call: (rec, s) =>
      matmul(rec, {
        m: 9,
        n: 4,
        k: 5,
        transLhs: true,
        lhs: s.need('lhs', 45),
        rhs: s.need('rhs', 20),
        out: s.need('out', 12),
        mask: s.need('mask', 12),
        activeRows: { indices: s.data('activeRows.indices', Uint32Array.of(0, 2, 7)), count: 3, along: 'm', compact: true },
      }),
  },
  {
    name: 'matmul, packed byte inputs',
    fn: 'matmul',
    call: (rec, s) => matmul(rec, { m: 5, n: 4, k: 8, lhs: s.need('lhs', 10), rhs: s.need('rhs', 32), out: s.need('out', 20), lhsBytes: { words: 2, scale: 1 / 255 } }),
  },
  { name: 'biasGrad (vec4)', fn: 'biasGrad', call: (rec, s) => biasGrad(rec, { m: 5, n: 8, dz: s.need('dz', 40), db: s.need('db', 8) }) },
  { name: 'biasGrad (scalar)', fn: 'biasGrad', call: (rec, s) => biasGrad(rec, { m: 5, n: 6, dz: s.need('dz', 30), db: s.need('db', 6) }) },
  { name: 'activationGrad', fn: 'activationGrad', call: (rec, s) => activationGrad(rec, { m: 5, n: 6, activation: 'sigmoid', da: s.need('da', 30), a: s.need('a', 30), dz: s.need('dz', 30) }) },
  {
    name: 'narrowBackward, masked',
    fn: 'narrowBackward',
    call: (rec, s) =>
      narrowBackward(rec, { rows: 5, src: 9, n: 3, activation: 'relu', act: s.need('act', 45), dz: s.need('dz', 15), weight: s.need('weight', 27), dx: s.need('dx', 45), dw: s.need('dw', 27), mask: s.need('mask', 27) }),
  },
  {
    name: 'spmm, batch-major input, bias and activation',
    fn: 'spmm',
    call: (rec, s) => spmm(rec, { rows: ROWS, block: s.block(BLOCK), weight: s.need('weight', BLOCK.srcOf.length), input: s.need('input', ROWS * 6), out: s.need('out', ROWS * 8), bias: s.need('bias', 8), activation: 'relu' }),
  },
  {
    name: 'spmm over byte columns',
    fn: 'spmm',
    call: (rec, s) =>
      spmm(rec, { rows: ROWS, block: s.block(BLOCK), weight: s.need('weight', BLOCK.srcOf.length), input: s.free(), inputColumns: { buffer: s.need('inputColumns.buffer', 6 * columnWords(ROWS)), words: columnWords(ROWS), scale: 1 / 255 }, out: s.need('out', ROWS * 8) }),
  },
  {
    name: 'spmm over f32 columns',
    fn: 'spmm',
    call: (rec, s) =>
      spmm(rec, { rows: ROWS, block: s.block(BLOCK), weight: s.need('weight', BLOCK.srcOf.length), input: s.free(), inputFloatColumns: { buffer: s.need('inputFloatColumns.buffer', 6 * 4 * columnWords(ROWS)), quads: columnWords(ROWS) }, out: s.need('out', ROWS * 8) }),
  },
  {
    name: 'spmmTranspose with its derivative',
    fn: 'spmmTranspose',
    call: (rec, s) => spmmTranspose(rec, { ...transposeArgs(s), aux: s.need('aux', ROWS * 6), activation: 'relu' }),
  },
  {
    // (With its derivative too, aux is weightParts.input: one buffer under two names.)
    name: 'spmmTranspose with the weight gradient parts',
    fn: 'spmmTranspose',
    call: (rec, s) =>
      spmmTranspose(rec, {
        ...transposeArgs(s),
        weightParts: { input: s.need('weightParts.input', ROWS * 6), partials: s.need('weightParts.partials', edgePartFloats(ROWS, BLOCK.srcOf.length)) },
      }),
  },
  {
    name: 'edgeGrad',
    fn: 'edgeGrad',
    call: (rec, s) => edgeGrad(rec, { rows: ROWS, block: s.block(BLOCK), grad: s.need('grad', ROWS * 8), input: s.need('input', ROWS * 6), wgrad: s.need('wgrad', BLOCK.srcOf.length) }),
  },
  {
    name: 'edgeGradParts32 over byte columns',
    fn: 'edgeGradParts32',
    call: (rec, s) =>
      edgeGradParts32(rec, {
        rows: ROWS,
        block: s.block(BLOCK),
        grad: s.need('grad', ROWS * 8),
        input: s.free(),
        inputColumns: { buffer: s.need('inputColumns.buffer', 6 * columnWords(ROWS)), words: columnWords(ROWS), scale: 1 / 255 },
        partials: s.need('partials', partFloats32(ROWS, BLOCK.srcOf.length)),
      }),
  },
  {
    name: 'edgeGradParts of 16 rows',
    fn: 'edgeGradParts',
    call: (rec, s) => edgeGradParts(rec, { rows: 40, block: s.block(BLOCK), partials: s.need('partials', edgePartFloats(40, BLOCK.srcOf.length)), wgrad: s.need('wgrad', BLOCK.srcOf.length) }),
  },
  {
    name: 'edgeGradParts of 32 rows',
    fn: 'edgeGradParts',
    call: (rec, s) => edgeGradParts(rec, { rows: 40, partRows: 32, block: s.block(BLOCK), partials: s.need('partials', partFloats32(40, BLOCK.srcOf.length)), wgrad: s.need('wgrad', BLOCK.srcOf.length) }),
  },
  {
    name: 'toColumns',
    fn: 'toColumns',
    call: (rec, s) => toColumns(rec, { rows: ROWS, width: 6, input: s.need('input', ROWS * 6), out: { buffer: s.need('out.buffer', 6 * 4 * columnWords(ROWS)), quads: columnWords(ROWS) } }),
  },
  {
    name: 'weightsBySource',
    fn: 'weightsBySource',
    call: (rec, s) => weightsBySource(rec, { block: s.block(BLOCK), weight: s.need('weight', BLOCK.srcOf.length), out: s.need('out', BLOCK.srcOf.length) }),
  },
  {
    name: 'spmmTransposeColumns with its derivative and the weight gradient parts',
    fn: 'spmmTransposeColumns',
    call: (rec, s) => {
      const quads = columnWords(ROWS);
      return spmmTransposeColumns(rec, {
        rows: ROWS,
        block: s.block(BLOCK),
        weightBySource: s.need('weightBySource', BLOCK.srcOf.length),
        gradColumns: { buffer: s.need('gradColumns.buffer', 8 * 4 * quads), quads },
        out: s.need('out', ROWS * 6),
        aux: s.need('aux', ROWS * 6),
        activation: 'tanh',
        weightParts: { inputColumns: { buffer: s.need('weightParts.inputColumns.buffer', 6 * 4 * quads), quads }, partials: s.need('weightParts.partials', edgePartFloats(ROWS, BLOCK.srcOf.length)) },
      });
    },
  },
  {
    name: 'poolForward, max',
    fn: 'poolForward',
    call: (rec, s) => poolForward(rec, { rows: ROWS, kind: 'max', windows: { ...s.block(WINDOWS), partition: true }, input: s.need('input', ROWS * 4), out: s.need('out', ROWS * 2), argmax: s.need('argmax', ROWS * 2) }),
  },
  {
    name: 'poolGrad, max, windows that overlap',
    fn: 'poolGrad',
    call: (rec, s) =>
      poolGrad(rec, {
        rows: ROWS,
        kind: 'max',
        windows: { ...s.block(OVERLAPPING), partition: false },
        argmax: s.need('argmax', ROWS * 2),
        grad: s.need('grad', ROWS * 2),
        aux: s.need('aux', ROWS * 3),
        activation: 'relu',
        out: s.need('out', ROWS * 3),
      }),
  },
  {
    name: 'shiftImages of u8 rows',
    fn: 'shiftImages',
    call: async (rec, s) =>
      (await shiftImages(rec, { source: 'u8', rows: 3, features: 16, rowWords: 4, augment: { shift: 1, width: 4, height: 4, channels: 1 }, data: s.need('data', 12), out: s.need('out', 12) })).dispatch,
  },
  {
    name: 'shiftImages of f32 rows',
    fn: 'shiftImages',
    call: async (rec, s) =>
      (await shiftImages(rec, { source: 'f32', rows: 3, features: 16, rowWords: 16, augment: { shift: 1, width: 4, height: 4, channels: 1 }, data: s.need('data', 48), out: s.need('out', 48) })).dispatch,
  },
  ...gatherCases(),
  {
    name: 'graphBackward',
    fn: 'graphBackward',
    recordOnly: true,
    call: (rec, s) =>
      graphBackward(rec, { rows: 40, tables: tables(s), params: s.free(), activations: s.free(), gradients: s.free(), feederActivations: s.free(), feederGradients: s.free(), partials: s.need('partials', 3 * 7) }),
  },
  {
    name: 'graphEdgeGrad',
    fn: 'graphEdgeGrad',
    recordOnly: true,
    call: (rec, s) => graphEdgeGrad(rec, { rows: 40, tables: tables(s), gradients: s.free(), partials: s.need('partials', 3 * 7), wgrad: s.free() }),
  },
];

/**
 * gatherEpoch in each output layout, over slots of 2 and 3 rows (order positions 0–4, each
 * naming row 0 of ample data): the largest batch, 3 rows, sizes the output.
 */
function gatherCases(): Case[] {
  type Layout = Omit<Parameters<typeof gatherEpoch>[1], 'slots' | 'order' | 'data'>;
  const layouts: [name: string, layout: (s: Sizes) => Layout][] = [
    ['f32 rows', (s) => ({ source: 'f32', features: 4, rowWords: 4, out: s.need('out', 3 * 4) })],
    ['u32 labels', (s) => ({ source: 'u32', features: 1, rowWords: 1, out: s.need('out', 3) })],
    ['u8 rows of 6 bytes, as floats', (s) => ({ source: 'u8', features: 6, rowWords: 2, out: s.need('out', 3 * 6) })],
    ['u8 rows of 8 bytes, as vec4 floats', (s) => ({ source: 'u8', features: 8, rowWords: 2, out: s.need('out', 3 * 8) })],
    ['u8 rows of 16 bytes, 16 at a time', (s) => ({ source: 'u8', features: 16, rowWords: 4, out: s.need('out', 3 * 16) })],
    ['u8 rows packed, 4 words at a time', (s) => ({ source: 'u8', features: 16, rowWords: 4, packed: true, out: s.need('out', 3 * 4) })],
    ['u8 rows packed, a word at a time', (s) => ({ source: 'u8', features: 8, rowWords: 2, packed: true, out: s.need('out', 3 * 2) })],
    ['u8 byte columns', (s) => ({ source: 'u8', features: 3, rowWords: 1, columnWords: columnWords(3), out: s.need('out', 3 * columnWords(3)) })],
    [
      'u8 byte columns and packed rows',
      (s) => ({ source: 'u8', features: 16, rowWords: 4, columnWords: columnWords(3), out: s.need('out', 16 * columnWords(3)), rowsOut: s.need('rowsOut', 3 * 4) }),
    ],
    ['u8 picked features', (s) => ({ source: 'u8', features: 16, rowWords: 4, at: { indices: s.need('at.indices', 5), count: 5 }, out: s.need('out', 3 * 2) })],
  ];
  return layouts.map(([name, layout]) => ({
    name: `gatherEpoch, ${name}`,
    fn: 'gatherEpoch',
    call: async (rec, s) => (await gatherEpoch(rec, { ...layout(s), slots: [{ rows: 2, start: 0 }, { rows: 3, start: 2 }], order: s.need('order', 5), data: s.free() })).dispatches,
  }));
}

/** Graph tables of 5 edges, 3 sources (1 a feeder's) and 1 output: 7 partial entries per 16 rows. */
function tables(s: Sizes): GraphTables {
  return {
    tables: s.free(),
    edgesAt: 4,
    sourcesAt: 9,
    outEdgesAt: 15,
    dropsAt: 20,
    outputEdgesAt: 22,
    denseOutputs: 0,
    neuronCount: 2,
    sourceCount: 3,
    outEdgeCount: 5,
    feederSourceCount: 1,
    outputCount: 1,
    activationCodes: 1,
    redrawsMasks: false,
  };
}

// Every wrapper of the raw kernel API checks that its bindings hold what its sizes say the
// kernel reaches (src/kernels/bounds.ts); a binding of a fixed WGSL type (a counter, a pair of
// bounds) is checked against that type by Kernel.bindGroup. Each case calls one wrapper with
// every checked binding exactly as large as it must be: the call records (and runs) without a
// validation error. Then, binding by binding, the same call with that one binding 4 bytes
// short: a ShapeError naming the wrapper (or the kernel), the binding and both sizes, before
// anything is recorded.
describe('the kernel wrappers refuse bindings smaller than their sizes reach', () => {
  for (const c of cases) {
    it(`${c.name}: exact sizes run; each checked binding 4 bytes short is a ShapeError naming it`, async () => {
      const device = h.rec.device;
      const exact = new Sizes();
      device.pushErrorScope('validation');
      const recorded = await c.call(h.rec, exact);
      if (!c.recordOnly) h.run(recorded);
      await device.queue.onSubmittedWorkDone();
      expect(await device.popErrorScope()).toBeNull();
      expect(exact.checked.length).toBeGreaterThan(0);
      for (const [name, floats, kernel] of exact.checked) {
        const refused = c.call(h.rec, new Sizes(name));
        await expect(refused).rejects.toThrow(ShapeError);
        const [bound, least] = [floats * 4 - 4, floats * 4];
        await expect(refused).rejects.toThrow(kernel ? `${kernel}: binding "${name}" binds ${bound} bytes, fewer than the ${least} its WGSL type needs` : `${c.fn}: ${name} binds ${bound} bytes, fewer than the ${least} of`);
      }
    });
  }

  it('sizes that are not non-negative integers are refused, naming the size', async () => {
    const s = new Sizes();
    await expect(accumulateStatistics(h.rec, { count: 2.5, grads: s.free(), sums: s.free() })).rejects.toThrow(/accumulateStatistics: count must be a non-negative integer, got 2.5/);
    await expect(matmul(h.rec, { m: -1, n: 4, k: 4, lhs: s.free(), rhs: s.free(), out: s.free() })).rejects.toThrow(/matmul: m must be a non-negative integer, got -1/);
    await expect(spmm(h.rec, { rows: Number.NaN, block: s.block(BLOCK), weight: s.free(), input: s.free(), out: s.free() })).rejects.toThrow(/spmm: rows must be a non-negative integer, got NaN/);
    await expect(gatherEpoch(h.rec, { source: 'f32', features: 4, rowWords: 4, slots: [{ rows: 2, start: -3 }], order: s.free(), data: s.free(), out: s.free() })).rejects.toThrow(
      /gatherEpoch: slots\[0\]\.start must be a non-negative integer, got -3/,
    );
    await expect(selectScores(h.rec, { count: 2, threshold: Number.NaN, above: true, scores: s.free(), bounds: s.free(), picked: s.free(), counter: s.free() })).rejects.toThrow(/selectScores: threshold must be a finite number, got NaN/);
  });

  it('contradictory arguments are refused, naming the wrapper', async () => {
    const s = new Sizes();
    const columns = (quads: number) => ({ buffer: s.free(), quads });
    await expect(
      spmmTransposeColumns(h.rec, { rows: 4, block: s.block(BLOCK), weightBySource: s.free(), gradColumns: columns(8), out: s.free(), weightParts: { inputColumns: columns(16), partials: s.free() } }),
    ).rejects.toThrow(new ShapeError('spmmTransposeColumns: weightParts.inputColumns has 16 vec4s a column, gradColumns 8: they must match'));
    const windows = { ...s.block(WINDOWS), partition: true };
    await expect(poolForward(h.rec, { rows: ROWS, kind: 'max', windows, input: s.free(), out: s.free() })).rejects.toThrow(new ConfigError('poolForward: max pooling needs its argmax buffer'));
    const kind = 'min' as PoolKind;
    await expect(poolGrad(h.rec, { rows: ROWS, kind, windows, grad: s.free(), aux: s.free(), activation: 'relu', out: s.free() })).rejects.toThrow(
      new ConfigError('poolGrad: unknown kind "min"; expected one of max, average'),
    );
    const gather = { source: 'u8', features: 16, rowWords: 4, slots: [{ rows: 3, start: 0 }], order: s.free(), data: s.free(), out: s.free() } as const;
    await expect(gatherEpoch(h.rec, { ...gather, columnWords: 4 })).rejects.toThrow(new ShapeError('gatherEpoch: byte columns of 4 words cannot hold 3 rows (a multiple of 4, ≥ 8, needed)'));
    await expect(gatherEpoch(h.rec, { ...gather, packed: true, at: { indices: s.free(), count: 3 } })).rejects.toThrow(
      new ConfigError('gatherEpoch: a gather of picked features packs them itself: no byte columns or packed rows'),
    );
    await expect(gatherEpoch(h.rec, { ...gather, rowsOut: s.free() })).rejects.toThrow(new ConfigError('gatherEpoch: rowsOut needs byte columns of rows of a multiple of 4 words'));
    await expect(matmul(h.rec, { m: 2, n: 2, k: 2, lhs: s.free(), rhs: s.free(), out: s.free(), mask: s.free(), epilogue: 'activation-grad', aux: s.free() })).rejects.toThrow(
      new ConfigError("matmul: a mask shares its binding with the activation-grad epilogue's operand; use one or the other"),
    );
    await expect(matmul(h.rec, { m: 2, n: 2, k: 2, lhs: s.free(), rhs: s.free(), out: s.free(), mask: s.free(), epilogue: 'bias-activation', bias: s.free() })).rejects.toThrow(
      new ConfigError("matmul: a mask shares its binding with the bias-activation epilogue's operand; use one or the other"),
    );
    await expect(matmul(h.rec, { m: 2, n: 2, k: 2, lhs: s.free(), rhs: s.free(), out: s.free(), epilogue: 'bias-activation' })).rejects.toThrow(
      new ConfigError('matmul: the bias-activation epilogue needs bias (n values)'),
    );
    await expect(matmul(h.rec, { m: 2, n: 2, k: 2, lhs: s.free(), rhs: s.free(), out: s.free(), epilogue: 'activation-grad' })).rejects.toThrow(
      new ConfigError('matmul: the activation-grad epilogue needs aux (the m × n activations)'),
    );
  });
});
