import { describe, expect, it } from 'vitest';
import { classificationDataset, regressionDataset } from '../../src/data/dataset.js';
import { Random } from '../../src/data/random.js';
import { ConfigError } from '../../src/errors.js';
import { softmaxXentRef } from '../../src/reference/loss.js';
import { graphGradientsRef } from '../../src/reference/graph.js';
import { randomArray, relativeError } from '../helpers/numeric.js';
import { parametersAfterTraining, useRuntime } from '../helpers/runtime.js';

// fit's labelSmoothing: the training loss is the smoothed cross-entropy of the network's
// outputs (to 1e-5 relative against the float64 reference), validation the plain one.
const TOL = 1e-5;

const runtime = useRuntime();

describe('fit labelSmoothing', () => {
  const rng = new Random(8);
  const [rows, features, classes] = [96, 5, 4];
  const data = classificationDataset({ x: randomArray(rng, rows * features), labels: Array.from({ length: rows }, () => rng.int(classes)), features, classes });
  const spec = { sizes: [features, 16, classes], seed: 4 };

  it('trains on the smoothed loss and validates on the plain one; 0 is the plain run, bit for bit', async () => {
    const net = runtime().createNetwork(spec);
    const logits = await net.predict(data);
    // One full-batch step too small to move the outputs: the epoch's losses are those of these logits.
    const [report] = await net.fit(data, { optimizer: { name: 'sgd', lr: 1e-12 }, batchSize: rows, epochs: 1, shuffle: false, validation: data, labelSmoothing: 0.2 });
    const smoothed = softmaxXentRef(logits, data.labels!, rows, classes, 1 / rows, 0.2).lossSum / rows;
    const plain = softmaxXentRef(logits, data.labels!, rows, classes).lossSum / rows;
    console.info(`training loss ${report!.trainLoss.toPrecision(7)} (smoothed ${smoothed.toPrecision(7)}), validation ${report!.valLoss.toPrecision(7)} (plain ${plain.toPrecision(7)})`);
    expect(Math.abs(report!.trainLoss - smoothed) / smoothed).toBeLessThanOrEqual(TOL);
    expect(Math.abs(report!.valLoss - plain) / plain).toBeLessThanOrEqual(TOL);
    net.destroy();
    // Smoothing moves the weights otherwise; 0 as without the option.
    const trained = (extra: { labelSmoothing?: number }) => parametersAfterTraining(runtime(), spec, data, extra);
    const none = await trained({});
    expect(await trained({ labelSmoothing: 0 })).toEqual(none);
    expect(await trained({ labelSmoothing: 0.1 })).not.toEqual(none);
  });

  it('parameterGradients takes the smoothed loss where asked, against the float64 reference', async () => {
    const net = runtime().createNetwork(spec);
    const params = await net.getParameters();
    for (const smoothing of [0, 0.2, 1]) {
      const got = await net.parameterGradients(data, 'softmax-cross-entropy', { labelSmoothing: smoothing });
      const err = relativeError(got, graphGradientsRef(net.structure, params, data.x, rows, { labels: data.labels!, smoothing }));
      console.info(`parameterGradients with label smoothing ${smoothing}: relative error ${err.relative.toExponential(2)} (tolerance ${TOL})`);
      expect(err.relative).toBeLessThanOrEqual(TOL);
    }
    expect(await net.parameterGradients(data, 'softmax-cross-entropy', { labelSmoothing: 0 })).toEqual(await net.parameterGradients(data));
    await expect(net.parameterGradients(data, 'softmax-cross-entropy', { labelSmoothing: 2 })).rejects.toThrow(/labelSmoothing must be a finite number in \[0, 1\], got 2/);
    await expect(net.gradients(data, 'softmax-cross-entropy', null as never)).rejects.toThrow(/gradients: options must be an object, got null/);
    net.destroy();
  });

  it('refuses a smoothing outside [0, 1], or with the mse loss, naming it, and trains nothing', async () => {
    const net = runtime().createNetwork(spec);
    const before = await net.getParameters();
    await expect(net.fit(data, { labelSmoothing: 1.5 })).rejects.toThrow(/labelSmoothing must be a finite number in \[0, 1\], got 1.5/);
    await expect(net.fit(data, { labelSmoothing: -0.1 })).rejects.toThrow(ConfigError);
    const targets = regressionDataset({ x: data.x as Float32Array, targets: randomArray(rng, rows * classes), features, targetCount: classes });
    await expect(net.fit(targets, { loss: 'mse', labelSmoothing: 0.1 })).rejects.toThrow(/labelSmoothing applies to the softmax-cross-entropy loss, not mse/);
    expect(await net.getParameters()).toEqual(before);
    expect(net.history).toHaveLength(0);
    net.destroy();
  });
});
