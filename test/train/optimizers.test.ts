import { describe, expect, it } from 'vitest';
import { classificationDataset } from '../../src/data/dataset.js';
import { Random } from '../../src/data/random.js';
import { spirals } from '../../src/data/generated.js';
import { adamRef, sgdRef } from '../../src/reference/optimizer.js';
import type { OptimizerName } from '../../src/train/options.js';
import { flattenWeights, randomArray, relativeError } from '../helpers/numeric.js';
import { useRuntime } from '../helpers/runtime.js';

// fit's optimizers, step by step, against their float64 references on the GPU's gradients
// (the kernels alone: test/kernels/optimizer.test.ts).
const runtime = useRuntime();

describe('fit optimizers', () => {
  for (const name of ['adam', 'adamw', 'sgd'] as OptimizerName[]) {
    it(`one full-batch ${name} step equals the CPU reference step on the GPU gradients`, async () => {
      const rows = 40;
      const rng = new Random(3);
      const data = classificationDataset({ x: randomArray(rng, rows * 6), labels: Array.from({ length: rows }, () => rng.int(3)), features: 6, classes: 3 });
      const net = runtime().createNetwork({ sizes: [6, 8, 3], seed: 4 });
      const p = flattenWeights(await net.getWeights());
      const g = flattenWeights(await net.gradients(data));
      const hyper = { lr: 0.05, weightDecay: 0.01, momentum: 0.9 };
      const optimizer = name === 'sgd' ? { name, ...hyper } : { name, lr: hyper.lr, weightDecay: hyper.weightDecay };
      await net.fit(data, { optimizer, batchSize: rows, epochs: 1, shuffle: false });
      const state = { step: 0, m: new Float64Array(p.length), v: new Float64Array(p.length) };
      if (name === 'sgd') {
        for (let i = 0; i < p.length; i++) p[i] = p[i]! - hyper.lr * (g[i]! + hyper.weightDecay * p[i]!);
      } else adamRef(p, g, state, hyper, name === 'adamw');
      const err = relativeError(flattenWeights(await net.getWeights()), p);
      console.info(`${name} step vs CPU: relative error ${err.relative.toExponential(2)} (tolerance 1e-5)`);
      expect(err.relative).toBeLessThanOrEqual(1e-5);
      net.destroy();
    });
  }

  it('two full-batch SGD steps with Nesterov momentum equal the CPU reference on the GPU gradients (the velocity kept between calls)', async () => {
    const rows = 40;
    const rng = new Random(5);
    const data = classificationDataset({ x: randomArray(rng, rows * 6), labels: Array.from({ length: rows }, () => rng.int(3)), features: 6, classes: 3 });
    const net = runtime().createNetwork({ sizes: [6, 8, 3], seed: 5 });
    const hyper = { lr: 0.05, weightDecay: 0.01, momentum: 0.9, nesterov: true };
    const p = Float64Array.from(await net.getParameters());
    const state = { step: 0, m: new Float64Array(p.length), v: new Float64Array(p.length) };
    for (let step = 0; step < 2; step++) {
      sgdRef(p, await net.parameterGradients(data), state, hyper);
      await net.fit(data, { optimizer: { name: 'sgd', ...hyper }, batchSize: rows, epochs: 1, shuffle: false });
    }
    const err = relativeError(await net.getParameters(), p);
    console.info(`sgd nesterov, 2 steps vs CPU: relative error ${err.relative.toExponential(2)} (tolerance 1e-5)`);
    expect(err.relative).toBeLessThanOrEqual(1e-5);
    // Nesterov moves the weights otherwise than plain momentum does.
    const plain = runtime().createNetwork({ sizes: [6, 8, 3], seed: 5 });
    for (let step = 0; step < 2; step++) await plain.fit(data, { optimizer: { name: 'sgd', ...hyper, nesterov: false }, batchSize: rows, epochs: 1, shuffle: false });
    expect(relativeError(await plain.getParameters(), p).relative).toBeGreaterThan(1e-3);
    plain.destroy();
    net.destroy();
  });

  it('refuses Nesterov momentum without a momentum, or for Adam, naming it, and trains nothing', async () => {
    const data = spirals({ rows: 40, seed: 1 });
    const net = runtime().createNetwork({ sizes: [2, 4, 2], seed: 1 });
    const before = await net.getParameters();
    await expect(net.fit(data, { optimizer: { name: 'sgd', nesterov: true } })).rejects.toThrow('optimizer.nesterov applies to sgd with a momentum above 0, not sgd with momentum 0');
    await expect(net.fit(data, { optimizer: { name: 'adam', nesterov: true } as never })).rejects.toThrow('optimizer.nesterov applies to sgd with a momentum above 0, not adam with momentum 0');
    await expect(net.fit(data, { optimizer: { name: 'sgd', momentum: 0.9, nesterov: 'yes' as never } })).rejects.toThrow('optimizer.nesterov must be true or false, got "yes"');
    expect(await net.getParameters()).toEqual(before);
    expect(net.history).toHaveLength(0);
    net.destroy();
  });
});
