import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { ShapeError } from '../../src/errors.js';
import { ACTIVATIONS, type Activation } from '../../src/kernels/activation.js';
import { matmul } from '../../src/kernels/dense.js';
import { NARROW_MAX, narrowBackward } from '../../src/kernels/narrow.js';
import { activate, matmulRef } from '../../src/reference/dense.js';
import { narrowBackwardRef } from '../../src/reference/narrow.js';
import { centralDifferences } from '../helpers/finiteDifference.js';
import { useHarness } from '../helpers/harness.js';
import { randomArray, relativeError, report } from '../helpers/numeric.js';

// f32 sums of at most a few hundred products (the weight gradient sums over the rows) against
// float64, relative to the largest reference magnitude.
const TOL = 1e-5;
// Central finite differences (h = 1e-5, float64) against the f32 kernel.
const FD_TOL = 1e-3;

const h = useHarness();


/** Activations as a level of `activation` would hold them (ReLU's non-negative, about half zero). */
function levelActivations(rng: Random, count: number, activation: Activation): Float32Array {
  return Float32Array.from(randomArray(rng, count, -2, 2), (z) => activate(activation, z));
}

describe('narrow_backward (shaders/narrow.wgsl) against the CPU reference', () => {
  // (rows, src, n): source levels off the 8-neuron blocks and on them, every column-group count,
  // the widest level it serves, a single row and a single neuron.
  const shapes: [number, number, number][] = [
    [37, 13, 10],
    [64, 96, 10],
    [5, 8, 1],
    [50, 33, 4],
    [19, 70, NARROW_MAX],
    [1, 1, 3],
    [130, 41, 7],
  ];
  for (const [rows, src, n] of shapes) {
    for (const activation of ACTIVATIONS) {
      it(`${rows} rows, ${src} → ${n}, ${activation} source level`, async () => {
        const rng = new Random(rows * 1000 + src * 10 + n);
        const act = levelActivations(rng, rows * src, activation);
        const dz = randomArray(rng, rows * n);
        const w = randomArray(rng, src * n);
        const dx = h.output(rows * src);
        const dw = h.output(src * n);
        h.run(await narrowBackward(h.rec, { rows, src, n, act: h.input(act), dz: h.input(dz), weight: h.input(w), dx, dw, activation }));
        const want = narrowBackwardRef(act, dz, w, rows, src, n, activation);
        report(`narrow dx ${rows}×${src}←${n} (${activation})`, relativeError(await h.read(dx, rows * src), want.dx), TOL);
        report(`narrow dw ${src}×${n} (${activation})`, relativeError(await h.read(dw, src * n), want.dw), TOL);
      });
    }
  }

  it('adds to dx when accumulating and stores masked gradients as exactly 0', async () => {
    const [rows, src, n] = [45, 27, 10];
    const rng = new Random(5);
    const act = levelActivations(rng, rows * src, 'relu');
    const dz = randomArray(rng, rows * n);
    const w = randomArray(rng, src * n);
    const dxBefore = randomArray(rng, rows * src);
    const mask = Float32Array.from({ length: src * n }, () => (rng.next() < 0.3 ? 0 : 1));
    const dx = h.input(dxBefore);
    const dw = h.output(src * n);
    h.run(
      await narrowBackward(h.rec, { rows, src, n, act: h.input(act), dz: h.input(dz), weight: h.input(w), dx, dw, activation: 'relu', accumulate: true, mask: h.input(mask) }),
    );
    const want = narrowBackwardRef(act, dz, w, rows, src, n, 'relu');
    report('narrow dx accumulated', relativeError(await h.read(dx, rows * src), want.dx.map((v, i) => v + dxBefore[i]!)), TOL);
    const gotDw = await h.read(dw, src * n);
    const wantDw = want.dw.map((v, i) => v * mask[i]!);
    report('narrow dw masked', relativeError(gotDw, wantDw), TOL);
    for (let i = 0; i < mask.length; i++) if (mask[i] === 0) expect(gotDw[i]).toBe(0);
  });

  it("gives what dense.wgsl's two products give (input gradient with act', weight gradient)", async () => {
    const [rows, src, n] = [256, 44, 10];
    const rng = new Random(8);
    const actA = h.input(levelActivations(rng, rows * src, 'relu'));
    const dzA = h.input(randomArray(rng, rows * n));
    const wA = h.input(randomArray(rng, src * n));
    const [dx1, dw1, dx2, dw2] = [h.output(rows * src), h.output(src * n), h.output(rows * src), h.output(src * n)];
    h.run([
      await matmul(h.rec, { m: rows, n: src, k: n, lhs: dzA, rhs: wA, transRhs: true, out: dx1, epilogue: 'activation-grad', aux: actA, activation: 'relu' }),
      await matmul(h.rec, { m: src, n, k: rows, lhs: actA, transLhs: true, rhs: dzA, out: dw1 }),
      await narrowBackward(h.rec, { rows, src, n, act: actA, dz: dzA, weight: wA, dx: dx2, dw: dw2, activation: 'relu' }),
    ]);
    report('narrow dx vs matmul', relativeError(await h.read(dx2, rows * src), await h.read(dx1, rows * src)), TOL);
    report('narrow dw vs matmul', relativeError(await h.read(dw2, src * n), await h.read(dw1, src * n)), TOL);
  });

  it('refuses a level wider than it serves', async () => {
    const b = h.output(4);
    await expect(narrowBackward(h.rec, { rows: 1, src: 1, n: NARROW_MAX + 1, act: b, dz: b, weight: b, dx: b, dw: b, activation: 'relu' })).rejects.toThrow(ShapeError);
  });
});

describe('narrow_backward against finite differences of the CPU forward', () => {
  // L(z, W) = Σ R ⊙ (act(z) · W): dL/dW = act(z)ᵀ · R and dL/dz = (R · Wᵀ) ⊙ act'(z), what the
  // kernel computes from a = act(z) and dz = R. ReLU's kink is avoided by keeping |z| ≥ 0.05.
  const [rows, src, n] = [6, 11, 10];
  for (const activation of ACTIVATIONS) {
    it(`input and weight gradients (${activation} source level)`, async () => {
      const rng = new Random(31);
      const z = Float64Array.from(randomArray(rng, rows * src, -1.5, 1.5), (v) => (Math.abs(v) < 0.05 ? v + Math.sign(v || 1) * 0.1 : v));
      const w = randomArray(rng, src * n);
      const r = randomArray(rng, rows * n);
      const loss = (zz: ArrayLike<number>, ww: ArrayLike<number>) =>
        matmulRef(Array.from(zz, (v) => activate(activation, v)), ww, rows, n, src).reduce((s, v, i) => s + v * r[i]!, 0);
      const a = Float32Array.from(z, (v) => activate(activation, v));
      const dx = h.output(rows * src);
      const dw = h.output(src * n);
      h.run(await narrowBackward(h.rec, { rows, src, n, act: h.input(a), dz: h.input(r), weight: h.input(w), dx, dw, activation }));
      report(`FD narrow dw (${activation})`, relativeError(await h.read(dw, src * n), centralDifferences((ww) => loss(z, ww), w)), FD_TOL);
      report(`FD narrow dx (${activation})`, relativeError(await h.read(dx, rows * src), centralDifferences((zz) => loss(zz, w), z)), FD_TOL);
    });
  }
});
