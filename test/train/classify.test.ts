import { describe, expect, it } from 'vitest';
import { splitDataset } from '../../src/data/dataset.js';
import { regression2d, spirals } from '../../src/data/generated.js';
import { Random } from '../../src/data/random.js';
import { ConfigError, ShapeError } from '../../src/errors.js';
import { classify } from '../../src/train/classify.js';
import { useRuntime } from '../helpers/runtime.js';

const runtime = useRuntime();

describe('classify', () => {
  it('gives each row its largest output (the first of equal ones) and its softmax, large logits included', () => {
    const rng = new Random(1);
    const logits = Float32Array.from({ length: 50 * 4 }, () => rng.uniform(-5, 5));
    logits.set([1000, 999, -1000, 1000], 0); // huge and tied: class 0, no overflow
    const { labels, probabilities } = classify(logits, 4);
    expect(labels[0]).toBe(0);
    expect(probabilities[2]).toBe(0);
    let worst = 0;
    for (let r = 0; r < 50; r++) {
      const z = Array.from(logits.subarray(r * 4, r * 4 + 4));
      const top = Math.max(...z);
      const e = z.map((v) => Math.exp(v - top));
      const sum = e.reduce((a, b) => a + b, 0);
      expect(labels[r]).toBe(z.indexOf(top));
      for (let c = 0; c < 4; c++) worst = Math.max(worst, Math.abs(probabilities[r * 4 + c]! - e[c]! / sum));
      expect(Array.from(probabilities.subarray(r * 4, r * 4 + 4)).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
    console.info(`classify vs float64 softmax: largest difference ${worst.toExponential(2)} (tolerance 1e-7)`);
    expect(worst).toBeLessThanOrEqual(1e-7);
    expect(() => classify(new Float32Array(7), 2)).toThrow(ShapeError);
    // A regression's outputs, one a row: no classes to choose between.
    expect(() => classify(new Float32Array(7), 1)).toThrow(ConfigError);
  });

  it('Network.classify agrees with predict and with the accuracy evaluate counts', async () => {
    const [train, test] = splitDataset(spirals({ rows: 600, seed: 3 }), 0.8, 0);
    const net = runtime().createNetwork({ sizes: [2, 16, 2], seed: 0 });
    await net.fit(train, { epochs: 10, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } });
    const { labels, probabilities } = await net.classify(test);
    expect(classify(await net.predict(test), 2)).toEqual({ labels, probabilities });
    const right = labels.reduce((n, l, r) => n + (l === test.labels![r] ? 1 : 0), 0);
    expect(right / test.rows).toBe((await net.evaluate(test)).accuracy);
    net.destroy();
  });

  it('a network of one output (a regression) is not a classifier: ConfigError', async () => {
    const net = runtime().createNetwork({ sizes: [2, 4, 1], seed: 0 });
    await expect(net.classify(regression2d({ rows: 10, seed: 0 }))).rejects.toThrow('classify: this network has 1 output, and a classifier has one per class (2 or more); predict gives its values');
    net.destroy();
  });
});
