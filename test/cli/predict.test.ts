import { describe, expect, it } from 'vitest';
import { predictionsCsv } from '../../src/cli/predict.js';
import type { DataRecipe } from '../../src/cli/datasets.js';

const images = (dataset: string): DataRecipe => ({ dataset, task: 'classification', featureScale: 1 / 255 });

describe("senn predict's output file", () => {
  // Two rows of ten logits: row 0 answers class 9, row 1 class 0.
  const logits = new Float32Array(20);
  logits[9] = 5;
  logits[10] = 3;

  it("names Fashion-MNIST's classes as senn eval does, and keeps MNIST's digits", () => {
    const fashion = predictionsCsv(logits, 2, 10, images('fashion-mnist')).split('\n');
    expect(fashion[0]).toBe('prediction,p_T-shirt/top,p_Trouser,p_Pullover,p_Dress,p_Coat,p_Sandal,p_Shirt,p_Sneaker,p_Bag,p_Ankle boot');
    expect(fashion.slice(1, 3).map((l) => l.split(',')[0])).toEqual(['Ankle boot', 'T-shirt/top']);
    const mnist = predictionsCsv(logits, 2, 10, images('mnist')).split('\n');
    expect(mnist[0]).toBe(`prediction,${Array.from({ length: 10 }, (_, c) => `p_${c}`).join(',')}`);
    expect(mnist.slice(1, 3).map((l) => l.split(',')[0])).toEqual(['9', '0']);
    // Each row's probabilities sum to 1 whatever the names.
    for (const line of fashion.slice(1, 3)) {
      const sum = line.split(',').slice(1).reduce((s, p) => s + Number(p), 0);
      expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
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
