import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { ConfigError } from '../../src/errors.js';
import { maxPoolConnections } from '../../src/graph/connections.js';
import { buildCsr } from '../../src/graph/csr.js';
import { type Activation, activationGradConstants } from '../../src/kernels/activation.js';
import { matmul } from '../../src/kernels/dense.js';
import { dropoutKeep, dropoutScale } from '../../src/kernels/dropout.js';
import { narrowBackward } from '../../src/kernels/narrow.js';
import { poolBuffers, poolForward, poolGrad } from '../../src/kernels/pool.js';
import { columnWords, csrBuffers, spmmTranspose, spmmTransposeColumns } from '../../src/kernels/sparse.js';
import { activate, activateGrad, inputGradRef } from '../../src/reference/dense.js';
import { dropoutMaskRef } from '../../src/reference/dropout.js';
import { narrowBackwardRef } from '../../src/reference/narrow.js';
import { poolGradRef, poolRef } from '../../src/reference/pool.js';
import { floatColumnsRef, spmmTRef } from '../../src/reference/sparse.js';
import { randomEdges } from '../helpers/edges.js';
import { useHarness } from '../helpers/harness.js';
import { randomArray, relativeError, report } from '../helpers/numeric.js';

// The backward kernels' DROP_KEEP (shaders/activation.wgsl): a tanh or sigmoid source level
// stored dropped out (kept values scaled by 1 / keep, the others 0) has its derivative taken
// at the stored value times keep. Each kernel that finishes an input gradient with the
// source's derivative against the CPU reference given the same keep (relative error ≤ 1e-5,
// f32 sums against float64), and, where a value was kept, against the derivative at the
// activation before dropout (the point of it: 1e-5 too).
const TOL = 1e-5;

const h = useHarness();

/** A level of `activation` for `count` values dropped out at `rate`: the stored values, the values before, and the mask. */
function droppedLevel(rng: Random, count: number, activation: Activation, rate: number) {
  const before = Float32Array.from(randomArray(rng, count, -2, 2), (z) => activate(activation, z));
  const mask = dropoutMaskRef(count, rate, 3, 1, 0);
  const scale = dropoutScale(rate);
  const stored = Float32Array.from(before, (a, i) => (mask[i] ? Math.fround(a * scale) : 0));
  return { before, stored, mask };
}

/**
 * `got` (an input gradient finished at the stored values with keep) against `sums` times the
 * derivative at the values before dropout, where kept (the dropped ones are zeroed after).
 */
function keptAgainstTrue(got: Float32Array, sums: ArrayLike<number>, level: ReturnType<typeof droppedLevel>, activation: Activation): number {
  const want = Float64Array.from(got, (_, i) => (level.mask[i] ? sums[i]! * activateGrad(activation, level.before[i]!) : 0));
  return relativeError(got.map((v, i) => (level.mask[i] ? v : 0)), want).relative;
}

describe('DROP_KEEP: the backward kernels\' derivative of a dropped-out tanh or sigmoid level', () => {
  for (const activation of ['tanh', 'sigmoid'] as const) {
    for (const rate of [0.2, 0.5]) {
      const keep = dropoutKeep(rate);
      const label = `${activation}, rate ${rate}`;

      it(`matmul's activation-grad and narrow_backward (${label})`, async () => {
        const rng = new Random(rate * 100 + (activation === 'tanh' ? 1 : 2));
        const [rows, src, n] = [37, 21, 10];
        const level = droppedLevel(rng, rows * src, activation, rate);
        const dz = randomArray(rng, rows * n);
        const w = randomArray(rng, src * n);
        const dx = h.output(rows * src);
        h.run(await matmul(h.rec, { m: rows, n: src, k: n, lhs: h.input(dz), rhs: h.input(w), transRhs: true, aux: h.input(level.stored), out: dx, epilogue: 'activation-grad', activation, dropKeep: keep }));
        const got = await h.read(dx, rows * src);
        const err = relativeError(got, inputGradRef(dz, w, level.stored, rows, src, n, activation, keep));
        report(`matmul activation-grad, ${label}`, err, TOL);
        expect(err.relative).toBeLessThanOrEqual(TOL);
        const sums = inputGradRef(dz, w, level.stored, rows, src, n, 'identity');
        expect(keptAgainstTrue(got, sums, level, activation)).toBeLessThanOrEqual(TOL);
        // Without keep the derivative is taken at the scaled values: not the gradient.
        expect(keptAgainstTrue(Float32Array.from(inputGradRef(dz, w, level.stored, rows, src, n, activation)), sums, level, activation)).toBeGreaterThan(0.01);

        const [ndx, ndw] = [h.output(rows * src), h.output(src * n)];
        h.run(await narrowBackward(h.rec, { rows, src, n, act: h.input(level.stored), dz: h.input(dz), weight: h.input(w), dx: ndx, dw: ndw, activation, dropKeep: keep }));
        const want = narrowBackwardRef(level.stored, dz, w, rows, src, n, activation, keep);
        const narrow = relativeError(await h.read(ndx, rows * src), want.dx);
        report(`narrow_backward dx, ${label}`, narrow, TOL);
        expect(narrow.relative).toBeLessThanOrEqual(TOL);
        expect(relativeError(await h.read(ndw, src * n), want.dw).relative).toBeLessThanOrEqual(TOL);
      });

      it(`spmm_t and spmm_t_columns (${label})`, async () => {
        const rng = new Random(rate * 100 + (activation === 'tanh' ? 3 : 4));
        const [rows, dst, src] = [45, 12, 30];
        const { d, s } = randomEdges(rng, dst, src, 120);
        const { block } = buildCsr(dst, src, d, s);
        const buffers = csrBuffers(block, (_, values) => h.input(values));
        const w = randomArray(rng, block.srcOf.length);
        const dz = randomArray(rng, rows * dst);
        const level = droppedLevel(rng, rows * src, activation, rate);
        const want = spmmTRef(block, w, dz, rows, level.stored, activation, keep);
        const sums = spmmTRef(block, w, dz, rows);
        const dx = h.output(rows * src);
        h.run(await spmmTranspose(h.rec, { rows, block: buffers, weight: h.input(w), grad: h.input(dz), out: dx, aux: h.input(level.stored), activation, dropKeep: keep }));
        const byRows = await h.read(dx, rows * src);
        const quads = columnWords(rows);
        const columns = h.output(rows * src);
        const bySource = h.input(Float32Array.from(block.srcEdges, (e) => w[e]!));
        const gradColumns = { buffer: h.input(floatColumnsRef(dz, rows, dst, quads)), quads };
        h.run(await spmmTransposeColumns(h.rec, { rows, block: buffers, weightBySource: bySource, gradColumns, out: columns, aux: h.input(level.stored), activation, dropKeep: keep }));
        const byColumns = await h.read(columns, rows * src);
        for (const [form, got] of [['spmm_t', byRows], ['spmm_t_columns', byColumns]] as const) {
          const err = relativeError(got, want);
          report(`${form}, ${label}`, err, TOL);
          expect(err.relative).toBeLessThanOrEqual(TOL);
          expect(keptAgainstTrue(got, sums, level, activation)).toBeLessThanOrEqual(TOL);
        }
      });

      it(`pool_grad and pool_grad_windows (${label})`, async () => {
        const rng = new Random(rate * 100 + (activation === 'tanh' ? 5 : 6));
        const spec = { width: 6, height: 4, channels: 2, kernel: 2 };
        const c = maxPoolConnections(spec);
        const windows = buildCsr(c.size, 6 * 4 * 2, c.destinations, c.sources).block;
        const rows = 29;
        const level = droppedLevel(rng, rows * windows.src, activation, rate);
        const pooled = poolRef(windows, level.stored, rows, 'identity', 'max');
        const argmax = h.output(rows * windows.dst);
        const grad = randomArray(rng, rows * windows.dst);
        const want = poolGradRef(windows, pooled.argmax, grad, level.stored, activation, rows, 'max', keep);
        const sums = poolGradRef(windows, pooled.argmax, grad, level.stored, 'identity', rows, 'max');
        const buffers = poolBuffers(windows, (_, values) => h.input(values));
        // The argmax as the forward leaves it (the reference's, bit for bit: pool.test.ts).
        h.run(await poolForward(h.rec, { rows, kind: 'max', windows: buffers, input: h.input(level.stored), out: h.output(rows * windows.dst), argmax, activation: 'identity' }));
        for (const way of [buffers, { ...buffers, partition: false }]) {
          const dx = h.output(rows * windows.src);
          h.run(await poolGrad(h.rec, { rows, kind: 'max', windows: way, argmax, grad: h.input(grad), aux: h.input(level.stored), activation, out: dx, dropKeep: keep }));
          const got = await h.read(dx, rows * windows.src);
          const err = relativeError(got, want);
          report(`pool_grad${way.partition ? '_windows' : ''}, ${label}`, err, TOL);
          expect(err.relative).toBeLessThanOrEqual(TOL);
          expect(keptAgainstTrue(got, sums, level, activation)).toBeLessThanOrEqual(TOL);
        }
      });
    }
  }

  it('sets DROP_KEEP for tanh and sigmoid only (ReLU and identity keep the pipelines without dropout), and refuses a keep outside (0, 1]', () => {
    expect(activationGradConstants('tanh', 0.8)).toEqual({ ACT: 2, DROP_KEEP: 0.8 });
    expect(activationGradConstants('sigmoid', 0.5)).toEqual({ ACT: 3, DROP_KEEP: 0.5 });
    expect(activationGradConstants('relu', 0.8)).toEqual({ ACT: 1 });
    expect(activationGradConstants('identity', 0.8)).toEqual({ ACT: 0 });
    expect(activationGradConstants('tanh')).toEqual({ ACT: 2 });
    for (const bad of [0, -0.5, 1.5, Number.NaN]) expect(() => activationGradConstants('tanh', bad)).toThrow(ConfigError);
    expect(dropoutKeep(0.2) * dropoutScale(0.2)).toBeCloseTo(1, 6);
  });
});
