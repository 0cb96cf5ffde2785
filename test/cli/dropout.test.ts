import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scratchDir, senn } from '../helpers/cli.js';

const { path } = scratchDir('senn-dropout-');

describe('senn train --dropout and --input-dropout', () => {
  // Hidden values of a small network on XOR; MNIST's bytes, which the gathers drop in the packed batch.
  const cases = [
    { flag: '--dropout', rate: '0.25', key: 'dropout', words: 'dropout 0.25', data: ['--dataset', 'xor', '--arch', '2-16-2'] },
    { flag: '--input-dropout', rate: '0.2', key: 'inputDropout', words: 'input dropout 0.2', data: ['--dataset', 'mnist', '--train-rows', '600', '--arch', '784-16-10'] },
  ] as const;
  for (const { flag, rate, key, words, data } of cases) {
    it(`${flag}: repeats bit for bit, shown by info and kept by --resume`, async () => {
      const file = (name: string) => path(`${key}-${name}`);
      const run = (name: string, ...flags: string[]) => senn('train', ...data, '--epochs', '2', '--json', file(`${name}.json`), ...flags);
      const runs = [await run('dropped', flag, rate, '--save', file('dropped.senn')), await run('again', flag, rate), await run('plain')];
      expect(runs.map((r) => r.code), runs.map((r) => r.err).join('')).toEqual([0, 0, 0]);
      const [d, a, p] = ['dropped', 'again', 'plain'].map((f) => JSON.parse(readFileSync(file(`${f}.json`), 'utf8')));
      expect([d.args[key], p.args[key]]).toEqual([Number(rate), undefined]);
      // Training losses under the masks: the same in both dropped runs, not the plain run's; validation as it follows.
      expect(a.epochs.map((e: { trainLoss: number }) => e.trainLoss)).toEqual(d.epochs.map((e: { trainLoss: number }) => e.trainLoss));
      expect(d.epochs[0].trainLoss).not.toBe(p.epochs[0].trainLoss);
      expect((await senn('info', file('dropped.senn'))).out).toContain(`optimizer adam, ${words}, seed 0`);
      // Stopped after its first epoch and resumed, a run draws the masks of the one that was not stopped.
      const first = await senn('train', ...data, '--epochs', '1', flag, rate, '--save', file('first.senn'));
      const resumed = await senn('train', '--resume', file('first.senn'), '--epochs', '1', '--json', file('resumed.json'));
      expect([first.code, resumed.code], first.err + resumed.err).toEqual([0, 0]);
      const r = JSON.parse(readFileSync(file('resumed.json'), 'utf8'));
      expect(r.args[key]).toBe(Number(rate));
      expect([r.epochs.at(-1).trainLoss, r.epochs.at(-1).valLoss]).toEqual([d.epochs[1].trainLoss, d.epochs[1].valLoss]);
    }, 60_000);
  }

  it('refuses a rate outside [0, 1) by the flag, before any data loads', async () => {
    for (const [value, message] of [
      ['1', '--dropout must be a number in [0, 1) (the share of a hidden level\'s values dropped), got 1'],
      ['-0.5', '--dropout must be a number in [0, 1) (the share of a hidden level\'s values dropped), got -0.5'],
      ['half', '--dropout must be a number, got "half"'],
    ] as const) {
      const refused = await senn('train', '--dataset', 'nowhere.csv', '--epochs', '1', `--dropout=${value}`);
      expect([refused.code, refused.err]).toEqual([2, `senn: ConfigError: ${message}\n`]);
    }
    const refused = await senn('train', '--dataset', 'nowhere.csv', '--epochs', '1', '--input-dropout=1');
    expect([refused.code, refused.err]).toEqual([2, "senn: ConfigError: --input-dropout must be a number in [0, 1) (the share of a batch's inputs dropped), got 1\n"]);
  }, 60_000);
});
