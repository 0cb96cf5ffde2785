import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixedParameters, fixedWidth } from '../../src/cli/compareFixed.js';
import { spread } from '../../src/cli/seeds.js';
import { Random } from '../../src/data/random.js';
import { scratchDir, senn, trainInterrupted, trainUntilCtrlC } from '../helpers/cli.js';

const { path } = scratchDir('senn-compare-');

// A run of xor that grows within a few epochs (as the --seeds tests'), with training options the
// fixed run must take over.
const data = (epochs: number) => ['--dataset', 'xor', '--epochs', String(epochs)];
const growing = (epochs: number) => [...data(epochs), '--arch', '2-8-2', '--expand', '--window', '1', '--min-epochs-between', '1', '--delete-after', '1', '--loss-change-threshold', '1'];
const GROWING = growing(4);
const TRAINING = ['--lr', '0.02', '--batch', '64', '--seed', '3', '--dropout', '0.1'];

interface RunJson {
  args: Record<string, unknown>;
  architecture: number[];
  params: number;
  growth: unknown[];
  test: { loss: number; accuracy: number };
  epochs: { valLoss: number }[];
  fixed?: RunJson;
}

const readRun = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as RunJson;

describe('the fixed network of --compare-fixed', () => {
  it('is the widest one-hidden-layer network within the parameters given', () => {
    // The sizes the MNIST runs of docs/results.md grew to.
    expect(fixedWidth(784, 10, 17_876)).toBe(22);
    expect(fixedWidth(784, 10, 32_991)).toBe(41);
    expect(fixedParameters(784, 10, 22)).toBe(17_500);
    const rng = new Random(5);
    for (let i = 0; i < 500; i++) {
      const [inputs, outputs] = [1 + rng.int(1000), 1 + rng.int(20)];
      const parameters = inputs * outputs + outputs + rng.int(100_000);
      const width = fixedWidth(inputs, outputs, parameters);
      expect(fixedParameters(inputs, outputs, width), `${inputs}-${width}-${outputs} within ${parameters}`).toBeLessThanOrEqual(parameters);
      expect(fixedParameters(inputs, outputs, width + 1), `${inputs}-${width + 1}-${outputs} past ${parameters}`).toBeGreaterThan(parameters);
    }
    expect(fixedWidth(784, 10, 100)).toBe(0);
  });
});

describe('senn train --compare-fixed', () => {
  it('then trains that network as a run of its own with the same options would, prints both results and adds the fixed run to --json; --save keeps the grown network', async () => {
    const compared = await senn('train', ...GROWING, ...TRAINING, '--compare-fixed', '--json', path('compared.json'), '--save', path('grown.senn'));
    expect(compared.code, compared.err).toBe(0);
    const run = readRun(path('compared.json'));
    const fixed = run.fixed!;
    expect(run.growth.length).toBeGreaterThan(0);
    const width = fixedWidth(2, 2, run.params);
    expect(fixed.architecture).toEqual([2, width, 2]);
    expect(fixed.params).toBe(fixedParameters(2, 2, width));
    expect(fixed.params).toBeLessThanOrEqual(run.params);
    expect(fixed.growth).toEqual([]);
    // Trained the same way: the command line's options but the growth, bit for bit a run of its own.
    const arch = fixed.architecture.join('-');
    const alone = await senn('train', ...data(4), ...TRAINING, '--arch', arch, '--json', path('alone.json'));
    expect(alone.code, alone.err).toBe(0);
    const single = readRun(path('alone.json'));
    const bits = (r: RunJson) => [r.test.loss, r.params, r.epochs.map((e) => e.valLoss)];
    expect(bits(fixed)).toEqual(bits(single));
    const { expansion, arch: _grownArch, expandable: _expandable, ...shared } = run.args;
    expect(expansion).not.toBeNull();
    expect(shared).toMatchObject({ lr: 0.02, batch: 64, seed: 3, dropout: 0.1, epochs: 4 });
    expect(fixed.args).toMatchObject({ ...shared, expansion: null, arch });
    const pct = (r: RunJson) => `${(100 * r.test.accuracy).toFixed(2)}%`;
    const grown = run.architecture.join('-');
    const count = (r: RunJson) => r.params.toLocaleString('en-US');
    expect(compared.out).toContain(`senn: --compare-fixed: a fixed ${arch} (${count(fixed)} parameters, at most the grown network's ${count(run)}), trained the same way`);
    expect(compared.out).toMatch(new RegExp(`senn: grown against fixed, on the test split:\\n {2}grown {2}${grown} +accuracy ${pct(run)} {2}params ${count(run)} {2}[\\d.]+ s\\n {2}fixed {2}${arch} +accuracy ${pct(fixed)} {2}params ${count(fixed)} `));
    // The checkpoint is the grown network's.
    const info = await senn('info', path('grown.senn'));
    expect(info.out).toContain(grown);
  });

  it('with --seeds, sums up the fixed networks beside the grown ones', async () => {
    const series = await senn('train', ...GROWING, '--compare-fixed', '--seeds', '0,1', '--json', path('seeds.json'));
    expect(series.code, series.err).toBe(0);
    const result = JSON.parse(readFileSync(path('seeds.json'), 'utf8')) as { runs: RunJson[]; summary: Record<string, unknown> };
    expect(result.runs.every((r) => r.fixed && r.fixed.params <= r.params)).toBe(true);
    expect(result.summary.fixedAccuracy).toEqual(spread(result.runs.map((r) => r.fixed!.test.accuracy)));
    expect(result.summary.fixedParams).toEqual(spread(result.runs.map((r) => r.fixed!.params)));
    expect(series.out).toMatch(/\n {2}fixed accuracy +[\d.]+% +[\d.]+% +mean [\d.]+% ± [\d.]+ \(sd\), [\d.]+–[\d.]+%\n {2}fixed params /);
  });

  it('is refused without --expand or with --resume, and a command line the grown run refuses trains nothing', async () => {
    const unexpanded = await senn('train', '--dataset', 'xor', '--compare-fixed');
    expect(unexpanded.code).toBe(2);
    expect(unexpanded.err).toContain('--compare-fixed compares a grown network with a fixed one of its size; give --expand');
    const resumed = await senn('train', '--resume', path('grown.senn'), '--expand', '--compare-fixed');
    expect(resumed.code).toBe(2);
    expect(resumed.err).toContain('not with --resume');
    const bad = await senn('train', ...GROWING, '--lr', 'fast', '--compare-fixed');
    expect(bad.code).toBe(2);
    expect(bad.out).not.toContain('a fixed');
  });

  it('says so where the run did not grow, and compares all the same', async () => {
    // The reference trigger's window of 5 epochs is never full in 2.
    const still = await senn('train', ...data(2), '--arch', '2-8-2', '--expand', '--compare-fixed');
    expect(still.code, still.err).toBe(0);
    expect(still.out).toContain('senn: --compare-fixed: the run did not grow (no split was made): the comparison is of two fixed networks\nsenn: --compare-fixed: a fixed 2-8-2 (42 parameters');
    expect(still.out).toContain('senn: grown against fixed, on the test split:');
  });

  it('trains no fixed network after a run that diverged (exit 1) or was stopped by Ctrl-C, and writes the grown run alone', async () => {
    const diverged = await senn('train', ...GROWING, '--lr', '1e38', '--compare-fixed', '--json', path('diverged.json'));
    expect(diverged.code, diverged.err).toBe(1);
    expect(diverged.out).toContain('senn: --compare-fixed: no fixed network trained, the run diverged');
    expect(readRun(path('diverged.json'))).toMatchObject({ diverged: expect.stringContaining('training diverged'), params: 42 });
    expect(readRun(path('diverged.json')).fixed).toBeUndefined();
    const stopped = await trainUntilCtrlC('--dataset', 'xor', '--epochs', '200', '--expand', '--compare-fixed', '--json', path('stopped.json'));
    expect(stopped.code, stopped.err).toBe(0);
    expect(stopped.out).toContain('senn: --compare-fixed: no fixed network trained, the run was stopped by Ctrl-C');
    const run = readRun(path('stopped.json'));
    expect(run.fixed).toBeUndefined();
    expect(run.epochs.length).toBeLessThan(200);
  });

  it('ends a --seeds series at a Ctrl-C in a fixed run, summing up the seeds that ended', async () => {
    const inFixedRun = (out: string) => /a fixed [^\n]*\n[^]*epoch {3}2 /.test(out);
    const stopped = await trainInterrupted(inFixedRun, ...growing(30), '--compare-fixed', '--seeds', '0,1');
    expect(stopped.code, stopped.err).toBe(0);
    expect(stopped.out).toMatch(/\n {2}fixed {2}2-\d+-2 +accuracy [\d.]+% {2}params [\d,]+ {2}[\d.]+ s {2}\(stopped by Ctrl-C\)\n/);
    expect(stopped.out).toContain('senn: stopped by Ctrl-C: 1 of 2 seeds run');
    expect(stopped.out).not.toContain('seed 1 (run 2 of 2)');
  });
});
