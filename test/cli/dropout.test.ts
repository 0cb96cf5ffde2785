import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scratchDir, senn } from '../helpers/cli.js';

const { path } = scratchDir('senn-dropout-');

describe('senn train --dropout and --input-dropout', () => {
  it('trains with dropout, repeats bit for bit, shown by info and kept by --resume', async () => {
    const run = (name: string, ...flags: string[]) => senn('train', '--dataset', 'xor', '--arch', '2-16-2', '--epochs', '2', '--json', path(`${name}.json`), ...flags);
    const runs = [await run('dropped', '--dropout', '0.25', '--save', path('dropped.senn')), await run('again', '--dropout', '0.25'), await run('plain')];
    expect(runs.map((r) => r.code), runs.map((r) => r.err).join('')).toEqual([0, 0, 0]);
    const [d, a, p] = ['dropped', 'again', 'plain'].map((f) => JSON.parse(readFileSync(path(`${f}.json`), 'utf8')));
    expect([d.args.dropout, p.args.dropout]).toEqual([0.25, undefined]);
    // Training losses under the masks: the same in both dropped runs, not the plain run's; validation as it follows.
    expect(a.epochs.map((e: { trainLoss: number }) => e.trainLoss)).toEqual(d.epochs.map((e: { trainLoss: number }) => e.trainLoss));
    expect(d.epochs[0].trainLoss).not.toBe(p.epochs[0].trainLoss);
    expect((await senn('info', path('dropped.senn'))).out).toContain('optimizer adam, dropout 0.25, seed 0');
    // Stopped after its first epoch and resumed, a run draws the masks of the one that was not stopped.
    const first = await senn('train', '--dataset', 'xor', '--arch', '2-16-2', '--epochs', '1', '--dropout', '0.25', '--save', path('first.senn'));
    const resumed = await senn('train', '--resume', path('first.senn'), '--epochs', '1', '--json', path('resumed.json'));
    expect([first.code, resumed.code], first.err + resumed.err).toEqual([0, 0]);
    const r = JSON.parse(readFileSync(path('resumed.json'), 'utf8'));
    expect(r.args.dropout).toBe(0.25);
    expect([r.epochs.at(-1).trainLoss, r.epochs.at(-1).valLoss]).toEqual([d.epochs[1].trainLoss, d.epochs[1].valLoss]);
  }, 60_000);

  it('--input-dropout drops the inputs: repeats bit for bit, shown by info and kept by --resume', async () => {
    // MNIST's bytes: the gathers drop them in the packed batch.
    const run = (name: string, ...flags: string[]) => senn('train', '--dataset', 'mnist', '--train-rows', '600', '--arch', '784-16-10', '--epochs', '2', '--json', path(`${name}.json`), ...flags);
    const runs = [await run('in', '--input-dropout', '0.2', '--save', path('in.senn')), await run('in-again', '--input-dropout', '0.2'), await run('in-plain')];
    expect(runs.map((r) => r.code), runs.map((r) => r.err).join('')).toEqual([0, 0, 0]);
    const [d, a, p] = ['in', 'in-again', 'in-plain'].map((f) => JSON.parse(readFileSync(path(`${f}.json`), 'utf8')));
    expect([d.args.inputDropout, p.args.inputDropout]).toEqual([0.2, undefined]);
    expect(a.epochs.map((e: { trainLoss: number }) => e.trainLoss)).toEqual(d.epochs.map((e: { trainLoss: number }) => e.trainLoss));
    expect(d.epochs[0].trainLoss).not.toBe(p.epochs[0].trainLoss);
    expect((await senn('info', path('in.senn'))).out).toContain('optimizer adam, input dropout 0.2, seed 0');
    const first = await senn('train', '--dataset', 'mnist', '--train-rows', '600', '--arch', '784-16-10', '--epochs', '1', '--input-dropout', '0.2', '--save', path('in-first.senn'));
    const resumed = await senn('train', '--resume', path('in-first.senn'), '--epochs', '1', '--json', path('in-resumed.json'));
    expect([first.code, resumed.code], first.err + resumed.err).toEqual([0, 0]);
    const r = JSON.parse(readFileSync(path('in-resumed.json'), 'utf8'));
    expect(r.args.inputDropout).toBe(0.2);
    expect([r.epochs.at(-1).trainLoss, r.epochs.at(-1).valLoss]).toEqual([d.epochs[1].trainLoss, d.epochs[1].valLoss]);
  }, 60_000);

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
