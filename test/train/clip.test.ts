import { describe, expect, it } from 'vitest';
import { classificationDataset, type Dataset } from '../../src/data/dataset.js';
import { Random } from '../../src/data/random.js';
import { ConfigError } from '../../src/errors.js';
import { convolutionConnections } from '../../src/graph/connections.js';
import { normWeights } from '../../src/graph/structure.js';
import type { NetworkSpec } from '../../src/graph/networkTypes.js';
import type { FitOptions } from '../../src/train/options.js';
import { randomArray } from '../helpers/numeric.js';
import { useRuntime } from '../helpers/runtime.js';

// fit's maxGradNorm (gradient clipping by the global norm). One full-batch SGD step at lr 1
// without momentum moves each value by its (clipped) gradient, so the step's length is the
// norm the GPU took, read back from the parameters: to 1e-4 relative (f32 p − g against the
// float64 norm of the differences).
const TOL = 1e-4;

const runtime = useRuntime();

function data(rows: number, features: number, classes: number, seed: number): Dataset {
  const rng = new Random(seed);
  return classificationDataset({ x: randomArray(rng, rows * features), labels: Array.from({ length: rows }, () => rng.int(classes)), features, classes });
}

/** The L2 length of p0 − p1, each value's square weighted by `weights` where given. */
function stepLength(p0: Float32Array, p1: Float32Array, weights?: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < p0.length; i++) sum += (p0[i]! - p1[i]!) ** 2 * (weights ? weights[i]! : 1);
  return Math.sqrt(sum);
}

/** One full-batch SGD step (lr 1) of a new network: the report and the parameters before and after. */
async function oneStep(spec: NetworkSpec, train: Dataset, extra: FitOptions = {}) {
  const net = runtime().createNetwork(spec);
  const before = await net.getParameters();
  const [report] = await net.fit(train, { optimizer: { name: 'sgd', lr: 1 }, batchSize: train.rows, epochs: 1, shuffle: false, ...extra });
  const after = await net.getParameters();
  const weights = net.structure.tieGroups ? normWeights(net.structure.tieGroups, net.structure.floats).subarray(0, before.length) : undefined;
  net.destroy();
  return { report: report!, before, after, weights };
}

describe('fit maxGradNorm: gradient clipping by the global norm', () => {
  const train = data(64, 6, 3, 1);
  const mlp: NetworkSpec = { sizes: [6, 12, 8, 3], seed: 2 };

  it('Infinity measures the norm and changes nothing, bit for bit; a smaller bound shortens the step to it', async () => {
    const plain = await oneStep(mlp, train);
    expect(plain.report.gradNorm).toBeUndefined();
    const measured = await oneStep(mlp, train, { maxGradNorm: Infinity });
    expect(measured.after).toEqual(plain.after);
    const norm = measured.report.gradNorm!;
    const length = stepLength(measured.before, measured.after);
    console.info(`MLP: norm ${norm.toPrecision(6)} on the GPU, step length ${length.toPrecision(6)}`);
    expect(Math.abs(norm - length) / length).toBeLessThanOrEqual(TOL);
    expect(measured.report.clippedSteps).toBe(0);
    // A bound above the norm: the same bits; a quarter of it: a step of that length, same direction.
    expect((await oneStep(mlp, train, { maxGradNorm: norm * 1.01 })).after).toEqual(plain.after);
    const clipped = await oneStep(mlp, train, { maxGradNorm: norm / 4 });
    expect(clipped.report.clippedSteps).toBe(1);
    expect(clipped.report.gradNorm).toBe(norm);
    expect(Math.abs(stepLength(clipped.before, clipped.after) - norm / 4) / (norm / 4)).toBeLessThanOrEqual(TOL);
    const cosine = (() => {
      let dot = 0;
      for (let i = 0; i < plain.before.length; i++) dot += (plain.before[i]! - plain.after[i]!) * (clipped.before[i]! - clipped.after[i]!);
      return dot / (length * stepLength(clipped.before, clipped.after));
    })();
    expect(cosine).toBeGreaterThan(1 - 1e-6);
  });

  it('a shared value (a convolution) counts once in the norm, as a parameter', async () => {
    const conv = convolutionConnections({ width: 6, height: 6, kernel: 3, padding: 1, filters: 2 });
    const images = data(32, 36, 3, 4);
    const { report, before, after, weights } = await oneStep({ sizes: [36, conv.size, 3], seed: 6, connections: [conv] }, images, { maxGradNorm: Infinity });
    const once = stepLength(before, after, weights);
    const everySlot = stepLength(before, after);
    console.info(`convolution: norm ${report.gradNorm!.toPrecision(6)}, each value once ${once.toPrecision(6)}, each slot ${everySlot.toPrecision(6)}`);
    expect(Math.abs(report.gradNorm! - once) / once).toBeLessThanOrEqual(TOL);
    expect(everySlot / once).toBeGreaterThan(1.5);
  });

  it('clips every step of a growing run, keeps its reports in the history and the checkpoint', async () => {
    const rt = runtime();
    const net = rt.createNetwork({ sizes: [6, 3], seed: 3, expandable: [1] });
    const reports = await net.fit(train, {
      optimizer: { name: 'adam', lr: 0.05 }, batchSize: 16, epochs: 6, maxGradNorm: 0.05, validation: train,
      expansion: { window: 1, minEpochsBetween: 2, lossChangeThreshold: 1, exactSplit: 'signed' },
    });
    expect(reports.some((r) => r.expanded > 0)).toBe(true);
    for (const r of reports) {
      expect(r.clippedSteps).toBe(4);
      expect(r.gradNorm).toBeGreaterThan(0.05);
    }
    const loaded = rt.loadNetwork(await rt.saveNetwork(net));
    expect(loaded.history.map((r) => [r.gradNorm, r.clippedSteps])).toEqual(reports.map((r) => [r.gradNorm, r.clippedSteps]));
    loaded.destroy();
    net.destroy();
  });

  it('refuses a bound that is not a number above 0, naming it, and trains nothing', async () => {
    const net = runtime().createNetwork(mlp);
    const before = await net.getParameters();
    for (const bad of [0, -1, Number.NaN, '1' as unknown as number, null as unknown as number]) {
      await expect(net.fit(train, { maxGradNorm: bad })).rejects.toThrow(ConfigError);
    }
    await expect(net.fit(train, { maxGradNorm: 0 })).rejects.toThrow(/maxGradNorm must be a number above 0 \(Infinity: measure the norm, never clip\), got 0/);
    expect(await net.getParameters()).toEqual(before);
    expect(net.history).toHaveLength(0);
    net.destroy();
  });
});
