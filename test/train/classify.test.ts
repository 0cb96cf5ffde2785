import { describe, expect, it } from 'vitest';
import { splitDataset } from '../../src/data/dataset.js';
import { regression2d, spirals } from '../../src/data/generated.js';
import { Random } from '../../src/data/random.js';
import { ConfigError, LabelRangeError, ShapeError } from '../../src/errors.js';
import { classify, mistakes, classNames, confusionMatrix } from '../../src/train/classify.js';
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
    expect(confusionMatrix(test.labels!, labels, 2).accuracy).toBe((await net.evaluate(test)).accuracy);
    net.destroy();
  });

  it('confusionMatrix counts answers by true and answered class, with each class\'s recall and precision', () => {
    const rng = new Random(5);
    const classes = 6;
    // Class 5 never occurs and is never answered: its recall and precision are NaN.
    const truth = Uint32Array.from({ length: 500 }, () => rng.int(5));
    const answers = Uint32Array.from(truth, (t) => (rng.next() < 0.7 ? t : rng.int(5)));
    const m = confusionMatrix(truth, answers, classes);
    for (let t = 0; t < classes; t++) {
      for (let p = 0; p < classes; p++) expect(m.counts[t * classes + p]).toBe(truth.filter((v, r) => v === t && answers[r] === p).length);
      const ofT = truth.filter((v) => v === t).length;
      const asT = answers.filter((v) => v === t).length;
      const hits = truth.filter((v, r) => v === t && answers[r] === t).length;
      expect(m.recall[t]).toBe(ofT ? hits / ofT : Number.NaN);
      expect(m.precision[t]).toBe(asT ? hits / asT : Number.NaN);
    }
    expect(m.accuracy).toBe(truth.filter((v, r) => v === answers[r]).length / 500);
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(ShapeError);
    expect(() => confusionMatrix([0, 2], [0, 1], 2)).toThrow(new LabelRangeError('confusionMatrix: the label of row 1 is 2, not a class in [0, 2)'));
    expect(() => confusionMatrix([0, 1], [0, -1], 2)).toThrow(new LabelRangeError('confusionMatrix: the answer of row 1 is -1, not a class in [0, 2)'));
    expect(() => confusionMatrix([0, 1], [0, 0.5], 2)).toThrow(LabelRangeError);
    expect(() => confusionMatrix([0], [0], 1)).toThrow(ConfigError);
    // Names for a report: a CSV's class names where there is one a class, else the numbers.
    expect(classNames(3, ['cat', 'dog', 'eel'])).toEqual(['cat', 'dog', 'eel']);
    expect(classNames(3, ['cat', 'dog'])).toEqual(['0', '1', '2']);
    expect(classNames(2)).toEqual(['0', '1']);
  });

  it('mistakes names the rows answered wrong, the most confident first, rows in order among equals', () => {
    // Rows 0–4 of 3 classes: right, wrong at 0.5, wrong at 0.9, right, wrong at 0.5.
    const answers = classify(Float32Array.from([
      2, 0, 0,
      0, 0, Math.log(2),
      0, Math.log(18), 0,
      0, 0, 3,
      Math.log(2), 0, 0,
    ]), 3);
    const truth = [0, 1, 2, 2, 1];
    const wrong = mistakes(truth, answers);
    expect(wrong.map((m) => [m.row, m.truth, m.answer])).toEqual([[2, 2, 1], [1, 1, 2], [4, 1, 0]]);
    expect(wrong.map((m) => m.confidence)).toEqual([0.9, 0.5, 0.5].map((p) => expect.closeTo(p, 6)));
    // Their count is the confusion matrix's off-diagonal.
    const m = confusionMatrix(truth, answers.labels, 3);
    expect(wrong.length).toBe(Math.round(truth.length * (1 - m.accuracy)));
    expect(mistakes([0, 2, 2], classify(Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0, 1]), 3))).toEqual([]);
    expect(() => mistakes([0, 1], answers)).toThrow(ShapeError);
  });

  it('a network of one output (a regression) is not a classifier: ConfigError', async () => {
    const net = runtime().createNetwork({ sizes: [2, 4, 1], seed: 0 });
    await expect(net.classify(regression2d({ rows: 10, seed: 0 }))).rejects.toThrow('classify: this network has 1 output, and a classifier has one per class (2 or more); predict gives its values');
    net.destroy();
  });
});
