import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseActivations } from '../../src/cli/arch.js';
import { ConfigError } from '../../src/errors.js';
import { scratchDir, senn } from '../helpers/cli.js';

const { path } = scratchDir('senn-activation-');

describe('senn train --activation', () => {
  it('trains hidden layers of the activations named (with dropout), which the checkpoint keeps through --resume (which refuses the flag)', async () => {
    const trained = await senn('train', '--dataset', 'xor', '--arch', '2-16-8-2', '--activation', 'tanh,sigmoid', '--dropout', '0.2', '--epochs', '2', '--save', path('t.senn'), '--json', path('t.json'));
    expect(trained.code, trained.err).toBe(0);
    const run = JSON.parse(readFileSync(path('t.json'), 'utf8'));
    expect(run.args.activation).toBe('tanh,sigmoid');
    for (const e of run.epochs) expect(Number.isFinite(e.trainLoss)).toBe(true);
    expect((await senn('info', path('t.senn'))).out).toContain('levels        L0 2 inputs, L1 16 tanh, L2 8 sigmoid, L3 2 identity');
    const resumed = await senn('train', '--resume', path('t.senn'), '--epochs', '1', '--save', path('r.senn'));
    expect(resumed.code, resumed.err).toBe(0);
    expect((await senn('info', path('r.senn'))).out).toContain('L1 16 tanh, L2 8 sigmoid');
    const refused = await senn('train', '--resume', path('t.senn'), '--activation', 'tanh', '--epochs', '1');
    expect([refused.code, refused.err]).toEqual([2, 'senn: ConfigError: --activation cannot be combined with --resume: the checkpoint fixes the architecture\n']);
    // One name for every hidden layer.
    const one = await senn('train', '--dataset', 'xor', '--arch', '2-6-6-2', '--activation', 'tanh', '--epochs', '1', '--save', path('one.senn'));
    expect(one.code, one.err).toBe(0);
    expect((await senn('info', path('one.senn'))).out).toContain('L1 6 tanh, L2 6 tanh, L3 2 identity');
  }, 60_000);

  it('refuses an unknown name, a count that does not match, and a network without hidden layers, by the flag', async () => {
    for (const [flags, message] of [
      [['--arch', '2-8-2', '--activation', 'swish'], '--activation must be one of identity, relu, tanh, sigmoid, or one per hidden layer joined by ","; got "swish" in "swish"'],
      [['--arch', '2-8-8-2', '--activation', 'tanh,relu,relu'], '--activation lists 3 activations; the network has 2 hidden layers (give one for all, or one each)'],
      [['--arch', '2-2', '--activation', 'tanh'], '--activation sets the hidden layers\' activation; a network of 2 layers has none (give --arch with a hidden layer)'],
    ] as const) {
      const refused = await senn('train', '--dataset', 'xor', '--epochs', '1', ...flags);
      expect([refused.code, refused.err]).toEqual([2, `senn: ConfigError: ${message}\n`]);
    }
  }, 60_000);

  it('parses one name for all hidden layers (the network leaves a pooling layer identity) or one each, the output identity', () => {
    expect(parseActivations('tanh', 4)).toBe('tanh');
    expect(parseActivations(' sigmoid , relu', 4)).toEqual(['sigmoid', 'relu', 'identity']);
    expect(() => parseActivations('tanh,', 3)).toThrow(ConfigError);
    expect(parseActivations('tanh,relu,sigmoid', 5)).toEqual(['tanh', 'relu', 'sigmoid', 'identity']);
  });
});
