import { describe, expect, it } from 'vitest';
import { classificationDataset, regressionDataset } from '../../src/data/dataset.js';
import { Random } from '../../src/data/random.js';
import { ConfigError } from '../../src/errors.js';
import { softmaxXentRef } from '../../src/reference/loss.js';
import { graphGradientsRef } from '../../src/reference/graph.js';
import { classWeightsFor } from '../../src/train/classWeights.js';
import { randomArray, relativeError } from '../helpers/numeric.js';
import { parametersAfterTraining, useRuntime } from '../helpers/runtime.js';

// fit's classWeights: the training loss is the class-weighted cross-entropy of the network's
// outputs (to 1e-5 relative against the float64 reference), validation the plain one.
const TOL = 1e-5;

const runtime = useRuntime();

describe('classWeightsFor', () => {
  const labels = Uint32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 2]);
  const data = classificationDataset({ x: new Float32Array(10), labels, features: 1, classes: 4 });

  it("takes one weight per class as given, and 'balanced' as rows / (classes present × rows of the class)", () => {
    expect(classWeightsFor('softmax-cross-entropy', undefined, 4, data)).toBeNull();
    expect(Array.from(classWeightsFor('softmax-cross-entropy', [1, 2, 0, 0.5], 4, data)!)).toEqual([1, 2, 0, 0.5]);
    // 10 rows over the 3 classes present; class 3 has none.
    const balanced = classWeightsFor('softmax-cross-entropy', 'balanced', 4, data)!;
    expect(Array.from(balanced)).toEqual([10 / 18, 10 / 9, 10 / 3, 0].map(Math.fround));
    // Weighted so, every class present counts as much: Σ over its rows of its weight.
    expect([6 * balanced[0]!, 3 * balanced[1]!, balanced[2]!].map((w) => w.toFixed(5))).toEqual(['3.33333', '3.33333', '3.33333']);
  });

  it('refuses weights of the wrong count or value, all 0, or for the mse loss, naming them', () => {
    const refusals: [unknown, RegExp][] = [
      [[1, 2, 3], /classWeights has 3 weights; the network has 4 classes/],
      [[1, -1, 1, 1], /the weight of class 1 must be a finite number ≥ 0, got -1/],
      [[1, 1, Number.NaN, 1], /the weight of class 2 must be a finite number ≥ 0, got NaN/],
      [[0, 0, 0, 0], /classWeights are all 0: no row would count/],
      ['even', /classWeights must be 'balanced' or a list of one weight per class, got "even"/],
      [{ 0: 1 }, /classWeights must be 'balanced' or a list/],
    ];
    for (const [option, message] of refusals) expect(() => classWeightsFor('softmax-cross-entropy', option as never, 4, data)).toThrow(message);
    expect(() => classWeightsFor('mse', [1, 1, 1, 1], 4, data)).toThrow(/classWeights apply to the softmax-cross-entropy loss, not mse/);
  });
});

describe('fit classWeights', () => {
  const rng = new Random(9);
  const [rows, features, classes] = [96, 5, 4];
  const data = classificationDataset({ x: randomArray(rng, rows * features), labels: Array.from({ length: rows }, () => rng.int(classes)), features, classes });
  const spec = { sizes: [features, 16, classes], seed: 5 };
  const weights = [0.5, 2, 1, 3];

  it('trains on the weighted loss and validates on the plain one; omitted, the run as before', async () => {
    const net = runtime().createNetwork(spec);
    const logits = await net.predict(data);
    // One full-batch step too small to move the outputs: the epoch's losses are those of these logits.
    const [report] = await net.fit(data, { optimizer: { name: 'sgd', lr: 1e-12 }, batchSize: rows, epochs: 1, shuffle: false, validation: data, classWeights: weights, labelSmoothing: 0.1 });
    const weighted = softmaxXentRef(logits, data.labels!, rows, classes, 1 / rows, 0.1, weights).lossSum / rows;
    const plain = softmaxXentRef(logits, data.labels!, rows, classes).lossSum / rows;
    console.info(`training loss ${report!.trainLoss.toPrecision(7)} (weighted and smoothed ${weighted.toPrecision(7)}), validation ${report!.valLoss.toPrecision(7)} (plain ${plain.toPrecision(7)})`);
    expect(Math.abs(report!.trainLoss - weighted) / weighted).toBeLessThanOrEqual(TOL);
    expect(Math.abs(report!.valLoss - plain) / plain).toBeLessThanOrEqual(TOL);
    net.destroy();
    const trained = (extra: { classWeights?: number[] | 'balanced' }) => parametersAfterTraining(runtime(), spec, data, extra);
    const none = await trained({});
    // The same network twice without weights; weights move it otherwise.
    expect(await trained({})).toEqual(none);
    expect(await trained({ classWeights: weights })).not.toEqual(none);
  });

  it("'balanced' lifts a rare class's recall", async () => {
    // Two overlapping classes, the second 1 row in 12: unweighted, a network learns to say the first.
    const r = new Random(3);
    const n = 1200;
    const labels = Array.from({ length: n }, (_, i) => (i % 12 === 0 ? 1 : 0));
    const x = Float32Array.from({ length: 2 * n }, (_, i) => r.normal() + (labels[i >> 1] === 1 ? 1.2 : 0));
    const skewed = classificationDataset({ x, labels, features: 2, classes: 2 });
    const recall = async (classWeights?: 'balanced') => {
      const net = runtime().createNetwork({ sizes: [2, 8, 2], seed: 1 });
      await net.fit(skewed, { optimizer: { name: 'adam', lr: 0.01 }, batchSize: 100, epochs: 10, ...(classWeights ? { classWeights } : {}) });
      const out = await net.predict(skewed);
      net.destroy();
      let found = 0;
      for (let i = 0; i < n; i++) if (labels[i] === 1 && out[2 * i + 1]! > out[2 * i]!) found++;
      return found / (n / 12);
    };
    const [plain, balanced] = [await recall(), await recall('balanced')];
    console.info(`recall of the rare class: ${(100 * plain).toFixed(1)}% unweighted, ${(100 * balanced).toFixed(1)}% balanced`);
    expect(balanced).toBeGreaterThan(plain + 0.3);
  });

  it('parameterGradients and an exact statistics pass take the weighted loss where asked, against the float64 reference', async () => {
    const net = runtime().createNetwork(spec);
    const params = await net.getParameters();
    for (const smoothing of [0, 0.2]) {
      const got = await net.parameterGradients(data, 'softmax-cross-entropy', { labelSmoothing: smoothing, classWeights: weights });
      const want = graphGradientsRef(net.structure, params, data.x, rows, { labels: data.labels!, smoothing, classWeights: weights });
      const err = relativeError(got, want);
      console.info(`parameterGradients with class weights, label smoothing ${smoothing}: relative error ${err.relative.toExponential(2)} (tolerance ${TOL})`);
      expect(err.relative).toBeLessThanOrEqual(TOL);
      expect(relativeError(want, graphGradientsRef(net.structure, params, data.x, rows, { labels: data.labels!, smoothing })).relative).toBeGreaterThan(1e-2);
    }
    // One batch of every row: exact abs-grad is |∂loss/∂w| of the weighted loss.
    await net.collectEdgeStatistics(data, { batchSize: rows, classWeights: weights });
    const out = net.structure.output.id;
    const block = net.structure.blocksInto(out)[0]!;
    const g = graphGradientsRef(net.structure, params, data.x, rows, { labels: data.labels!, classWeights: weights });
    const want = Float64Array.from(block.topology.srcOf, (src, e) => Math.abs(g[block.weightOffset + src * block.topology.dst + block.topology.dstOf[e]!]!));
    const err = relativeError((await net.scoreEdges(out, { metric: 'abs-grad' }))[0]!.scores, want);
    console.info(`exact abs-grad with class weights vs the float64 gradients: relative error ${err.relative.toExponential(2)} (tolerance ${TOL})`);
    expect(err.relative).toBeLessThanOrEqual(TOL);
    net.destroy();
  });

  it('refuses bad weights, naming them, and trains nothing', async () => {
    const net = runtime().createNetwork(spec);
    const before = await net.getParameters();
    await expect(net.fit(data, { classWeights: [1, 2] })).rejects.toThrow(/classWeights has 2 weights; the network has 4 classes/);
    await expect(net.fit(data, { classWeights: [1, 2, Infinity, 1] })).rejects.toThrow(ConfigError);
    const targets = regressionDataset({ x: data.x as Float32Array, targets: randomArray(rng, rows * classes), features, targetCount: classes });
    await expect(net.fit(targets, { loss: 'mse', classWeights: 'balanced' })).rejects.toThrow(/classWeights apply to the softmax-cross-entropy loss, not mse/);
    await expect(net.parameterGradients(data, 'softmax-cross-entropy', { classWeights: [1] })).rejects.toThrow(/classWeights has 1 weights/);
    expect(await net.getParameters()).toEqual(before);
    expect(net.history).toHaveLength(0);
    net.destroy();
  });
});
