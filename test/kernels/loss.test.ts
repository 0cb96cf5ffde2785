import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { pickBindings, prepare, unusedOutput } from '../../src/kernels/dispatch.js';
import { loss, SOFTMAX_CLASSES_MAX } from '../../src/kernels/loss.js';
import { family } from '../../src/kernels/sources.js';
import { accuracyRef, mseRef, softmaxXentRef } from '../../src/reference/loss.js';
import { centralDifferences } from '../helpers/finiteDifference.js';
import { useHarness } from '../helpers/harness.js';
import { randomArray, relativeError } from '../helpers/numeric.js';

// f32 softmax and logs against float64: 1e-5 relative on gradients, 1e-5 relative on sums.
const TOL = 1e-5;
const FD_TOL = 1e-3;

const h = useHarness();

function labelsFor(rng: Random, rows: number, classes: number): Uint32Array {
  return Uint32Array.from({ length: rows }, () => rng.int(classes));
}

async function runLoss(entry: 'softmax_xent' | 'mse' | 'accuracy', logits: Float32Array, rows: number, classes: number, y: Float32Array | Uint32Array, stats?: GPUBuffer, smoothing = 0, classWeights?: Float32Array) {
  const grad = h.output(rows * classes);
  const statsBuf = stats ?? h.output(4);
  const isLabels = y instanceof Uint32Array;
  h.run(
    await loss(h.rec, {
      entry,
      rows,
      classes,
      logits: h.input(logits),
      labels: isLabels ? h.input(y) : undefined,
      targets: isLabels ? undefined : h.input(y),
      grad,
      writeGrad: true,
      stats: statsBuf,
      smoothing,
      ...(classWeights ? { classWeights: h.input(classWeights) } : {}),
    }),
  );
  return { grad: await h.read(grad, rows * classes), stats: await h.read(statsBuf, 4) };
}

describe('softmax_xent (shaders/loss.wgsl)', () => {
  for (const [rows, classes] of [
    [1, 2],
    [7, 10],
    [300, 10],
    [513, 3],
    [37, SOFTMAX_CLASSES_MAX + 1], // past CLASSES: the loop over a row
  ] as const) {
    it(`matches the CPU reference on ${rows}×${classes}`, async () => {
      const rng = new Random(rows * classes);
      const logits = randomArray(rng, rows * classes, -4, 4);
      const labels = labelsFor(rng, rows, classes);
      const { grad, stats } = await runLoss('softmax_xent', logits, rows, classes, labels);
      const want = softmaxXentRef(logits, labels, rows, classes);
      const gErr = relativeError(grad, want.grad);
      const lErr = Math.abs(stats[0]! - want.lossSum) / want.lossSum;
      console.info(`softmax_xent ${rows}x${classes}: grad rel ${gErr.relative.toExponential(2)}, loss rel ${lErr.toExponential(2)}`);
      expect(gErr.relative).toBeLessThanOrEqual(TOL);
      expect(lErr).toBeLessThanOrEqual(TOL);
      expect(stats[1]).toBe(want.correct);
      expect(stats[2]).toBe(rows);
    });
  }

  it('with a row in registers (CLASSES) gives the bits of the loop over a row', async () => {
    const [rows, classes] = [1000, 10];
    const rng = new Random(3);
    const logits = randomArray(rng, rows * classes, -6, 6);
    const labels = labelsFor(rng, rows, classes);
    const registers = await runLoss('softmax_xent', logits, rows, classes, labels);
    // The same dispatch with CLASSES = 0, as loss() builds it for more than 12 classes.
    const kernel = await h.rec.kernels.get({ ...family('loss'), entryPoint: 'softmax_xent', constants: { CLASSES: 0 } });
    const grad = h.output(rows * classes);
    const stats = h.output(4);
    // class_weights unread (WEIGHTED off): a placeholder, as loss() binds one.
    const bindings = pickBindings(kernel, { logits: h.input(logits), labels: h.input(labels), grad, stats, class_weights: unusedOutput(h.rec) });
    h.run(prepare(h.rec, kernel, { rows, classes, grad_scale: 1 / rows, write_grad: 1 }, bindings, [1, 1, 1]));
    expect(Array.from(registers.grad)).toEqual(Array.from(await h.read(grad, rows * classes)));
    expect(Array.from(registers.stats)).toEqual(Array.from(await h.read(stats, 4)));
  });

  it('is stable for huge logits (no overflow to Inf/NaN)', async () => {
    const logits = Float32Array.from([1000, -1000, 0, 88.8, 89, 1e4]);
    const labels = Uint32Array.from([1, 2]);
    const { grad, stats } = await runLoss('softmax_xent', logits, 2, 3, labels);
    const want = softmaxXentRef(logits, labels, 2, 3);
    expect(Number.isFinite(stats[0]!)).toBe(true);
    expect(Math.abs(stats[0]! - want.lossSum) / want.lossSum).toBeLessThan(TOL);
    expect(relativeError(grad, want.grad).relative).toBeLessThan(TOL);
  });

  // Label smoothing (SMOOTH): the target (1 − ε) onehot + ε / classes, in registers and in the loop.
  for (const [rows, classes, smoothing] of [
    [7, 10, 0.1],
    [300, 3, 0.5],
    [37, SOFTMAX_CLASSES_MAX + 1, 0.1],
    [20, 4, 1],
  ] as const) {
    it(`with label smoothing ${smoothing} matches the CPU reference on ${rows}×${classes}, and its gradient finite differences`, async () => {
      const rng = new Random(rows + classes);
      const logits = randomArray(rng, rows * classes, -4, 4);
      const labels = labelsFor(rng, rows, classes);
      const { grad, stats } = await runLoss('softmax_xent', logits, rows, classes, labels, undefined, smoothing);
      const want = softmaxXentRef(logits, labels, rows, classes, 1 / rows, smoothing);
      const gErr = relativeError(grad, want.grad);
      const lErr = Math.abs(stats[0]! - want.lossSum) / want.lossSum;
      const fd = relativeError(grad, centralDifferences((z) => softmaxXentRef(z, labels, rows, classes, 1, smoothing).lossSum / rows, logits));
      console.info(`softmax_xent ${rows}x${classes}, smoothing ${smoothing}: grad rel ${gErr.relative.toExponential(2)}, loss rel ${lErr.toExponential(2)}, FD rel ${fd.relative.toExponential(2)} (tolerances ${TOL}, ${FD_TOL})`);
      expect(gErr.relative).toBeLessThanOrEqual(TOL);
      expect(lErr).toBeLessThanOrEqual(TOL);
      expect(fd.relative).toBeLessThanOrEqual(FD_TOL);
      // The smoothed loss is the plain one's mix with the mean of every class's: it differs.
      expect(Math.abs(want.lossSum - softmaxXentRef(logits, labels, rows, classes).lossSum)).toBeGreaterThan(1e-3);
      expect(stats[1]).toBe(want.correct);
    });
  }

  // Class weights (WEIGHTED): each row's loss and gradient times its label's weight, in registers
  // and in the loop, with and without smoothing.
  for (const [rows, classes, smoothing] of [
    [7, 10, 0],
    [300, 3, 0.2],
    [37, SOFTMAX_CLASSES_MAX + 1, 0],
    [41, SOFTMAX_CLASSES_MAX + 2, 0.1],
  ] as const) {
    it(`with class weights${smoothing ? ` and smoothing ${smoothing}` : ''} matches the CPU reference on ${rows}×${classes}, and its gradient finite differences`, async () => {
      const rng = new Random(rows * 7 + classes);
      const logits = randomArray(rng, rows * classes, -4, 4);
      const labels = labelsFor(rng, rows, classes);
      // Weights from 0 (a class that does not count) to 5.
      const weights = Float32Array.from({ length: classes }, (_, c) => (c === 1 ? 0 : rng.uniform(0.2, 5)));
      const { grad, stats } = await runLoss('softmax_xent', logits, rows, classes, labels, undefined, smoothing, weights);
      const want = softmaxXentRef(logits, labels, rows, classes, 1 / rows, smoothing, weights);
      const gErr = relativeError(grad, want.grad);
      const lErr = Math.abs(stats[0]! - want.lossSum) / want.lossSum;
      const fd = relativeError(grad, centralDifferences((z) => softmaxXentRef(z, labels, rows, classes, 1, smoothing, weights).lossSum / rows, logits));
      console.info(`softmax_xent ${rows}x${classes}, class weights, smoothing ${smoothing}: grad rel ${gErr.relative.toExponential(2)}, loss rel ${lErr.toExponential(2)}, FD rel ${fd.relative.toExponential(2)} (tolerances ${TOL}, ${FD_TOL})`);
      expect(gErr.relative).toBeLessThanOrEqual(TOL);
      expect(lErr).toBeLessThanOrEqual(TOL);
      expect(fd.relative).toBeLessThanOrEqual(FD_TOL);
      // The rows of the class of weight 0 have no gradient; the weighted loss differs from the plain.
      for (let r = 0; r < rows; r++) if (labels[r] === 1) expect(Array.from(grad.subarray(r * classes, (r + 1) * classes)).every((g) => g === 0)).toBe(true);
      expect(Math.abs(want.lossSum - softmaxXentRef(logits, labels, rows, classes, 1 / rows, smoothing).lossSum)).toBeGreaterThan(1e-3);
      // Accuracy is not weighted.
      expect([stats[1], stats[2]]).toEqual([want.correct, rows]);
    });
  }

  it('with every class weight 1 gives the plain loss and gradient', async () => {
    const [rows, classes] = [50, 10];
    const rng = new Random(11);
    const logits = randomArray(rng, rows * classes, -4, 4);
    const labels = labelsFor(rng, rows, classes);
    const plain = await runLoss('softmax_xent', logits, rows, classes, labels);
    const ones = await runLoss('softmax_xent', logits, rows, classes, labels, undefined, 0, new Float32Array(classes).fill(1));
    expect(Array.from(ones.grad)).toEqual(Array.from(plain.grad));
    expect(Math.abs(ones.stats[0]! - plain.stats[0]!) / plain.stats[0]!).toBeLessThan(1e-6);
  });

  it('refuses class weights for any loss but softmax_xent, and a weights buffer short of one per class', async () => {
    const args = { rows: 2, classes: 3, logits: h.output(6), labels: h.output(2), targets: h.output(6), grad: h.output(6), writeGrad: true, stats: h.output(4) };
    await expect(loss(h.rec, { ...args, entry: 'mse', classWeights: h.output(3) })).rejects.toThrow(/classWeights apply to softmax_xent, not mse/);
    await expect(loss(h.rec, { ...args, entry: 'softmax_xent', classWeights: { buffer: h.output(4), size: 8 } })).rejects.toThrow(/classWeights/);
  });

  it('refuses a smoothing outside [0, 1], and smoothing for any loss but softmax_xent', async () => {
    const args = { rows: 2, classes: 2, logits: h.output(4), labels: h.output(2), targets: h.output(4), grad: h.output(4), writeGrad: true, stats: h.output(4) };
    await expect(loss(h.rec, { ...args, entry: 'softmax_xent', smoothing: 1.5 })).rejects.toThrow(/loss: smoothing must be a number in \[0, 1\], got 1.5/);
    await expect(loss(h.rec, { ...args, entry: 'softmax_xent', smoothing: Number.NaN })).rejects.toThrow(/smoothing must be/);
    await expect(loss(h.rec, { ...args, entry: 'mse', smoothing: 0.1 })).rejects.toThrow(/smoothing applies to softmax_xent, not mse/);
  });

  it('gradient matches finite differences of the CPU loss', async () => {
    const [rows, classes] = [5, 4];
    const rng = new Random(3);
    const logits = randomArray(rng, rows * classes, -2, 2);
    const labels = labelsFor(rng, rows, classes);
    const { grad } = await runLoss('softmax_xent', logits, rows, classes, labels);
    const fd = centralDifferences((z) => softmaxXentRef(z, labels, rows, classes).lossSum / rows, logits);
    const err = relativeError(grad, fd);
    console.info(`FD softmax_xent: relative error ${err.relative.toExponential(2)} (tolerance ${FD_TOL})`);
    expect(err.relative).toBeLessThanOrEqual(FD_TOL);
  });

  it('accumulates into stats across dispatches', async () => {
    const rng = new Random(8);
    const stats = h.output(4);
    const a = randomArray(rng, 20 * 3);
    const b = randomArray(rng, 20 * 3);
    const la = labelsFor(rng, 20, 3);
    const lb = labelsFor(rng, 20, 3);
    await runLoss('softmax_xent', a, 20, 3, la, stats);
    const { stats: total } = await runLoss('softmax_xent', b, 20, 3, lb, stats);
    const want = softmaxXentRef(a, la, 20, 3).lossSum + softmaxXentRef(b, lb, 20, 3).lossSum;
    expect(Math.abs(total[0]! - want) / want).toBeLessThan(TOL);
    expect(total[2]).toBe(40);
  });
});

describe('mse and accuracy (shaders/loss.wgsl)', () => {
  it('mse matches the CPU reference and finite differences', async () => {
    const [rows, classes] = [33, 3];
    const rng = new Random(4);
    const out = randomArray(rng, rows * classes);
    const targets = randomArray(rng, rows * classes);
    const { grad, stats } = await runLoss('mse', out, rows, classes, targets);
    const want = mseRef(out, targets, rows, classes);
    expect(relativeError(grad, want.grad).relative).toBeLessThanOrEqual(TOL);
    expect(Math.abs(stats[0]! - want.lossSum) / want.lossSum).toBeLessThanOrEqual(TOL);
    const fd = centralDifferences((z) => mseRef(z, targets, rows, classes).lossSum / rows, out);
    const err = relativeError(grad, fd);
    console.info(`FD mse: relative error ${err.relative.toExponential(2)} (tolerance ${FD_TOL})`);
    expect(err.relative).toBeLessThanOrEqual(FD_TOL);
  });

  it('accuracy counts argmax hits like the CPU reference', async () => {
    const [rows, classes] = [700, 10];
    const rng = new Random(5);
    const logits = randomArray(rng, rows * classes);
    const labels = labelsFor(rng, rows, classes);
    const { stats } = await runLoss('accuracy', logits, rows, classes, labels);
    expect(stats[1]).toBe(accuracyRef(logits, labels, rows, classes));
    expect(stats[2]).toBe(rows);
  });
});
