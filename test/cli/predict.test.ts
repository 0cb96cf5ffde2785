import { describe, expect, it } from 'vitest';
import { predictionsCsv } from '../../src/cli/predict.js';
import type { DataRecipe } from '../../src/cli/datasets.js';

const images = (dataset: string): DataRecipe => ({ dataset, task: 'classification', featureScale: 1 / 255 });

describe("senn predict's output file", () => {
  // Two rows of ten logits: row 0 answers class 9, row 1 class 0.
  const logits = new Float32Array(20);
  logits[9] = 5;
  logits[10] = 3;

  it("writes an image's class as its label number, Fashion-MNIST's with its name beside it", () => {
    const fashion = predictionsCsv(logits, 2, 10, images('fashion-mnist')).split('\n');
    const digits = Array.from({ length: 10 }, (_, c) => `p_${c}`).join(',');
    expect(fashion[0]).toBe(`prediction,name,${digits}`);
    expect(fashion.slice(1, 3).map((l) => l.split(',').slice(0, 2))).toEqual([['9', 'Ankle boot'], ['0', 'T-shirt/top']]);
    const mnist = predictionsCsv(logits, 2, 10, images('mnist')).split('\n');
    expect(mnist[0]).toBe(`prediction,${digits}`);
    expect(mnist.slice(1, 3).map((l) => l.split(',')[0])).toEqual(['9', '0']);
    // Each row's probabilities sum to 1, after the name where there is one.
    for (const [lines, first] of [[fashion, 2], [mnist, 1]] as const) {
      for (const line of lines.slice(1, 3)) {
        const sum = line.split(',').slice(first).reduce((s, p) => s + Number(p), 0);
        expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
      }
    }
  });

  it('quotes a class name that holds a comma or a quote', () => {
    const recipe: DataRecipe = { ...images('pets.csv'), csv: { task: 'classification', target: 'kind', features: ['a'], classNames: ['cat, big', 'say "hi"'] } };
    const lines = predictionsCsv(new Float32Array([0, 1, 2, 0]), 2, 2, recipe).split('\n');
    expect(lines[0]).toBe('prediction,"p_cat, big","p_say ""hi"""');
    expect(lines[1]!.startsWith('"say ""hi""",')).toBe(true);
    expect(lines[2]!.startsWith('"cat, big",')).toBe(true);
  });
});
