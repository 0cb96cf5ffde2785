import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { parseArgs } from 'node:util';
import { withoutOptions } from '../../src/cli/runs.js';
import { parseSeeds, spread } from '../../src/cli/seeds.js';
import { trainCommand } from '../../src/cli/train.js';
import { scratchDir, senn, trainUntilCtrlC } from '../helpers/cli.js';
import { useRuntime } from '../helpers/runtime.js';

const { path } = scratchDir('senn-seeds-');
const runtime = useRuntime();

describe('senn train --seeds', () => {
  it('trains the run once per seed, each as --seed would, and sums up their spread (mean, sd, range) on screen and in --json', async () => {
    // Growing runs: the series' runs share one runtime, and the second must not see the first's growth.
    const growing = ['--dataset', 'xor', '--epochs', '4', '--expand', '--window', '1', '--min-epochs-between', '1', '--delete-after', '1', '--loss-change-threshold', '1'];
    const series = await senn('train', ...growing, '--seeds', '0,2', '--json', path('seeds.json'));
    expect(series.code, series.err).toBe(0);
    const one = await senn('train', ...growing, '--seed', '2', '--json', path('seed2.json'));
    expect(one.code).toBe(0);
    const result = JSON.parse(readFileSync(path('seeds.json'), 'utf8'));
    const single = JSON.parse(readFileSync(path('seed2.json'), 'utf8'));
    expect(result.seeds).toEqual([0, 2]);
    expect(result.runs.map((r: { seed: number; args: { seed: number } }) => [r.seed, r.args.seed])).toEqual([[0, 0], [2, 2]]);
    // The second run is the run of --seed 2 in a process of its own, to the bit, growth included.
    type Run = { test: { loss: number }; params: number; architecture: number[]; growth: unknown[]; epochs: { valLoss: number }[] };
    const bits = (r: Run) => [r.test.loss, r.params, r.architecture, r.growth.length, r.epochs.map((e) => e.valLoss)];
    expect(single.growth.length).toBeGreaterThanOrEqual(2);
    expect(bits(result.runs[1])).toEqual(bits(single));
    const accuracies = result.runs.map((r: { test: { accuracy: number } }) => r.test.accuracy);
    expect(result.summary.testAccuracy).toEqual(spread(accuracies));
    expect(result.summary.testAccuracy.mean).toBeCloseTo((accuracies[0] + accuracies[1]) / 2, 12);
    const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
    expect(series.out).toContain('senn: seed 2 (run 2 of 2)');
    expect(series.out).toContain(`senn: 2 runs, seeds 0, 2\n  test accuracy  ${pct(accuracies[0])}  ${pct(accuracies[1])}   mean ${pct(result.summary.testAccuracy.mean)} ± `);
    // Each run's value in its column, right-aligned under the accuracies.
    const params = result.runs.map((r: Run) => r.params.toLocaleString('en-US'));
    expect(series.out).toMatch(new RegExp(`\\n {2}params {10}${params[0]} {3}${params[1]} {3}mean [\\d,]+ ± \\d+ \\(sd\\), [\\d,–]+\\n {2}seconds {9}[\\d.]+ s {3}[\\d.]+ s {3}mean `));
  });

  it('leaves the runtime it shares between runs without GPU memory after each run', async () => {
    const quiet = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const growing = ['--dataset', 'xor', '--epochs', '3', '--expand', '--window', '1', '--min-epochs-between', '1', '--delete-after', '1', '--loss-change-threshold', '1'];
      const before = runtime().liveBytes;
      for (const seed of ['0', '1']) {
        expect(await trainCommand([...growing, '--seed', seed], async () => runtime())).toBe(0);
        expect(runtime().liveBytes, `after seed ${seed}`).toBe(before);
      }
    } finally {
      quiet.mockRestore();
    }
  });

  it('sums up a regression by its test RMSE', async () => {
    const series = await senn('train', '--dataset', 'regression', '--epochs', '1', '--seeds', '0,1', '--json', path('reg.json'));
    expect(series.code, series.err).toBe(0);
    const result = JSON.parse(readFileSync(path('reg.json'), 'utf8'));
    expect(result.summary.testRmse).toEqual(spread(result.runs.map((r: { test: { loss: number } }) => Math.sqrt(r.test.loss))));
    expect(series.out).toMatch(/\n {2}test rmse {2}[\d.]+ {2}[\d.]+ {3}mean /);
  });

  it('refuses a bad list, and the flags of one run, before training anything', async () => {
    for (const [argv, message] of [
      [['--seeds', '3'], '--seeds takes 2 to 100 seeds, got 1'],
      [['--seeds', '1,1'], '--seeds 1,1 names a seed twice'],
      [['--seeds', '0,x'], '--seeds must be whole numbers ≥ 0 or ranges of them joined by ",", like 0,1,2 or 0-4; got "0,x"'],
      [['--seeds', '0,,1'], '--seeds must be whole numbers ≥ 0 or ranges of them joined by ",", like 0,1,2 or 0-4; got "0,,1"'],
      [['--seeds', '3-1'], '--seeds must be whole numbers ≥ 0 or ranges of them joined by ",", like 0,1,2 or 0-4; got "3-1"'],
      [['--seeds', '0-1000000000'], '--seeds takes 2 to 100 seeds, got 1,000,000,001'],
      [['--seeds', '0-2,1'], '--seeds 0-2,1 names a seed twice'],
      [['--seeds', '0,1', '--seed', '3'], '--seed is for one run; --seeds makes one run per seed'],
      [['--seeds', '0,1', '--save', path('x.senn')], '--save is for one run; --seeds makes one run per seed'],
      [['--seeds', '0,1', '--keep-best'], '--keep-best is for one run; --seeds makes one run per seed'],
      [['--seeds', '0,1', '--lr', '0'], '--lr must be a finite number in (0, Infinity], got 0'],
    ] as const) {
      const refused = await senn('train', '--dataset', 'xor', '--epochs', '1', ...argv);
      expect([refused.code, refused.err, refused.out], argv.join(' ')).toEqual([2, `senn: ConfigError: ${message}\n`, expect.not.stringContaining('epoch ')]);
    }
  });

  it('ends the series at a Ctrl-C, summing up the runs that ended', async () => {
    const stopped = await trainUntilCtrlC('--dataset', 'xor', '--epochs', '6', '--seeds', '0,1,2');
    expect(stopped.code, stopped.err).toBe(0);
    expect(stopped.out).toContain('senn: stopped by Ctrl-C: 1 of 3 seeds run\nsenn: 1 run, seed 0\n');
    expect(stopped.out).not.toContain('senn: seed 1 (run 2 of 3)');
  });

  it('counts a run that diverges as it ended, names it, and exits 1 after the whole series', async () => {
    const series = await senn('train', '--dataset', 'xor', '--epochs', '3', '--lr', '1e38', '--seeds', '0,1', '--json', path('diverged.json'));
    expect(series.code, series.err).toBe(1);
    expect(series.out).toContain('senn: seed 1 (run 2 of 2)');
    expect(series.out).toContain('senn: diverged (counted as they ended): seeds 0, 1\n');
    const result = JSON.parse(readFileSync(path('diverged.json'), 'utf8'));
    // Both runs put back to their initial networks: every epoch's report dropped, the test result that of the start.
    expect(result.runs.map((r: { seed: number; diverged: string; epochs: unknown[] }) => [r.seed, r.diverged, r.epochs.length])).toEqual([
      [0, expect.stringContaining('training diverged in epoch 1'), 0],
      [1, expect.stringContaining('training diverged in epoch 1'), 0],
    ]);
    expect(result.summary.testAccuracy).toEqual(spread(result.runs.map((r: { test: { accuracy: number } }) => r.test.accuracy)));
  });

  it('parseSeeds reads lists and ranges', () => {
    expect(parseSeeds('0-4')).toEqual([0, 1, 2, 3, 4]);
    expect(parseSeeds('7, 0-2 ,10')).toEqual([7, 0, 1, 2, 10]);
  });

  it('withoutOptions drops an option and its value, given apart or inline', () => {
    const argv = ['--dataset', 'xor', '--seeds', '0,1', '--json=out.json', '--epochs', '2'];
    const { tokens } = parseArgs({ args: argv, options: { dataset: { type: 'string' }, seeds: { type: 'string' }, json: { type: 'string' }, epochs: { type: 'string' } }, tokens: true });
    expect(withoutOptions(argv, tokens, ['seeds', 'json'])).toEqual(['--dataset', 'xor', '--epochs', '2']);
    expect(spread([1, 2, 3, 4])).toEqual({ mean: 2.5, sd: Math.sqrt(5 / 3), min: 1, max: 4 });
  });
});
