import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_ROWS, loadData } from '../../src/cli/datasets.js';
import { readModel } from '../../src/cli/options.js';
import { regression2d, spirals } from '../../src/data/generated.js';
import { CheckpointError } from '../../src/errors.js';
import { scratchDir } from '../helpers/cli.js';
import { useRuntime } from '../helpers/runtime.js';

const runtime = useRuntime();
const { path } = scratchDir('senn-datasets-');

describe('the generated sets of senn train', () => {
  it("generate 4,000 rows, or the count a run's recipe kept (the demo's), from the seed", () => {
    const plain = loadData({ dataset: 'spirals', seed: 3 });
    expect([plain.train.rows, plain.test.rows, plain.recipe.generatedRows]).toEqual([GENERATED_ROWS, 1000, undefined]);
    const demo = loadData({ dataset: 'regression', seed: 3 }, { dataset: 'regression', task: 'regression', featureScale: 1, generatedRows: 1500 });
    expect(demo.train.x).toEqual(regression2d({ rows: 1500, seed: 3 }).x);
    expect(demo.train.targets).toEqual(regression2d({ rows: 1500, seed: 3 }).targets);
    // Kept in the recipe, so the network saved after the resumed run goes on on them too.
    expect([demo.test.rows, demo.recipe.generatedRows]).toEqual([1000, 1500]);
    // The test rows do not move with the count.
    expect(loadData({ dataset: 'spirals', seed: 3 }, { dataset: 'spirals', task: 'classification', featureScale: 1, generatedRows: 500 }).test.x).toEqual(plain.test.x);
    expect(plain.train.x).toEqual(spirals({ rows: GENERATED_ROWS, seed: 3 }).x);
  });

  it('refuse a checkpoint whose run asks for a count of rows that is no count, naming it', async () => {
    const net = runtime().createNetwork({ sizes: [2, 2], seed: 0 });
    try {
      const save = async (generatedRows: unknown, name: string) => {
        const run = { data: { dataset: 'spirals', task: 'classification', featureScale: 1, generatedRows }, args: {} };
        writeFileSync(path(name), await runtime().saveNetwork(net, run));
        return path(name);
      };
      expect(readModel(await save(1500, 'good.senn')).run.data.generatedRows).toBe(1500);
      for (const bad of [-5, 4, 2.5, 1e12, '1500', null]) {
        const file = await save(bad, 'bad.senn');
        expect(() => readModel(file), String(bad)).toThrow(CheckpointError);
        expect(() => readModel(file)).toThrow(`${file}: its run's generatedRows must be a whole number of rows from 5 to 67,108,864, got ${JSON.stringify(bad)}`);
      }
    } finally {
      net.destroy();
    }
  });
});
