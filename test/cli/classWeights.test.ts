import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classWeightsOption } from '../../src/cli/trainFlags.js';
import { scratchDir, senn } from '../helpers/cli.js';

const { path } = scratchDir('senn-class-weights-');

describe('senn train --class-weights', () => {
  it('trains with the weights given or balanced, shown by info and kept by --resume', async () => {
    const run = (name: string, ...flags: string[]) => senn('train', '--dataset', 'xor', '--arch', '2-8-2', '--epochs', '2', '--json', path(`${name}.json`), ...flags);
    const [given, balanced, plain] = [await run('given', '--class-weights', '1, 3', '--save', path('given.senn')), await run('balanced', '--class-weights', 'balanced'), await run('plain')];
    expect([given.code, balanced.code, plain.code], given.err + balanced.err + plain.err).toEqual([0, 0, 0]);
    const [g, b, p] = ['given', 'balanced', 'plain'].map((f) => JSON.parse(readFileSync(path(`${f}.json`), 'utf8')));
    expect([g.args.classWeights, b.args.classWeights, p.args.classWeights]).toEqual([[1, 3], 'balanced', undefined]);
    // The training losses are the weighted ones: not the plain run's.
    expect(g.epochs[0].trainLoss).not.toBe(p.epochs[0].trainLoss);
    expect((await senn('info', path('given.senn'))).out).toContain('optimizer adam, class weights 1,3, seed 0');
    const resumed = await senn('train', '--resume', path('given.senn'), '--epochs', '1', '--json', path('resumed.json'));
    expect(resumed.code, resumed.err).toBe(0);
    expect(JSON.parse(readFileSync(path('resumed.json'), 'utf8')).args.classWeights).toEqual([1, 3]);
  }, 60_000);

  it('refuses weights that do not fit the dataset, by the flag', async () => {
    for (const [flags, message] of [
      [['--dataset', 'xor', '--class-weights', '1,2,3'], '--class-weights has 3 weights; the network has 2 classes'],
      [['--dataset', 'xor', '--class-weights=-1,1'], '--class-weights: the weight of class 0 must be a finite number ≥ 0, got -1'],
      [['--dataset', 'xor', '--class-weights', '0,0'], '--class-weights are all 0: no row would count'],
      [['--dataset', 'regression', '--class-weights', 'balanced'], '--class-weights applies to classification; regression is a regression task'],
      [['--dataset', 'nowhere.csv', '--class-weights', 'rare'], '--class-weights must be balanced or one number per class joined by ",", like 1,1,5; got "rare"'],
    ] as const) {
      const refused = await senn('train', '--epochs', '1', ...flags);
      expect([refused.code, refused.err]).toEqual([2, `senn: ConfigError: ${message}\n`]);
    }
    expect(classWeightsOption(undefined, 'balanced')).toBe('balanced');
    expect(classWeightsOption('2,1', [1, 1])).toEqual([2, 1]);
    expect(() => classWeightsOption('1,,2', undefined)).toThrow(/--class-weights must be balanced/);
  }, 60_000);
});
