// The command line against random command lines, seeded: flags of every command with good and
// stray values (numbers out of range, words, empty strings, missing and unwritable paths, CSV
// files with other separators or no rows, checkpoints that are not), and window layers over a
// 4×4 image with growth. Each line must end in exit 0, 2 (usage) or 3 (input), or 1 for a run
// that diverged, with a typed error: never a TypeError, an untyped Error, a ShaderCompileError
// or a DeviceError. Found: --save and --json in a missing directory failing after the run
// (ENOENT), --max-upload-mb below a batch as an AdapterLimitError from inside fit, options a
// convolution's shared weights cannot split failing at the first split, a model evaluated on
// a dataset of the other task. FUZZ_N and FUZZ_SEED widen it. `export` is fuzzed with its
// output file and --dense-from.
import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scratchDir, senn } from '../helpers/cli.js';
import { Random } from '../../src/data/random.js';

const { path: p } = scratchDir('senn-cli-fuzz-');
mkdirSync(p('adir'));
writeFileSync(p('junk.senn'), 'not a checkpoint');
writeFileSync(p('a.csv'), 'x,y,label\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n1,1,a\n2,2,b\n3,3,a\n4,4,b\n9,9,a\n8,8,b\n');
writeFileSync(p('num.csv'), 'u,v,t\n0.1,0.2,0.3\n0.4,0.5,0.6\n0.7,0.8,0.9\n1,1,1\n0,0,0\n0.5,0.5,0.5\n');
writeFileSync(p('bad.csv'), 'x,y\n1,\n,,\n"unterminated\n');
writeFileSync(p('semi.csv'), 'u;v;t\n1;2;3\n4;5;6\n7;8;9\n');
writeFileSync(p('empty.csv'), '');
writeFileSync(p('header.csv'), 'x,y,label\n');
const pixels = (r: number) => Array.from({ length: 16 }, (_, i) => ((r * 7 + i * 3) % 11) / 10).join(',');
writeFileSync(p('img.csv'), [`label,${Array.from({ length: 16 }, (_, i) => `p${i}`).join(',')}`, ...Array.from({ length: 40 }, (_, r) => `${r % 3},${pixels(r)}`)].join('\n'));

const N = Number(process.env.FUZZ_N ?? 120);
const SEED = Number(process.env.FUZZ_SEED ?? 1);

const NUMBERS = ['0', '1', '2', '-1', '0.5', '1e-3', 'abc', '', 'NaN', 'Infinity', '3.5', ' 2', '1,2'];
const CSVS = ['a.csv', 'num.csv', 'bad.csv', 'semi.csv', 'empty.csv', 'header.csv', 'missing.csv'].map(p);
/** Stray values by flag; a good one is picked instead most of the time where GOOD has the flag. */
const VALUES: Record<string, readonly string[]> = {
  dataset: ['spirals', 'xor', 'regression', 'nope', '', p('adir'), ...CSVS],
  'data-dir': [p('adir'), p('missing'), ''],
  target: ['label', 't', 'x', 'nope', ''],
  ignore: ['x', 'y', 'x,y', 'nope', ','],
  task: ['classification', 'regression', 'x'],
  test: CSVS,
  delimiter: [',', 'tab', ';', '', 'ab'],
  arch: ['2-8-2', '2-4-4-2', '2-2', '0-2', '2--2', 'x', '2-8-1', '784-10', '2', '2.5-2'],
  activation: ['tanh', 'relu,tanh', 'sigmoid', 'identity', 'swish', '', 'tanh,tanh,tanh'],
  epochs: ['0', '1', '2', '-1', 'x', '1.5', ''],
  batch: ['1', '16', '0', '-1', 'x', '1.5', '100000'],
  lr: NUMBERS,
  'weight-decay': NUMBERS,
  momentum: NUMBERS,
  'max-grad-norm': [...NUMBERS, 'inf'],
  'label-smoothing': NUMBERS,
  'class-weights': ['balanced', '1,2', '1,2,3', '0,0', '1,-1', 'x', ''],
  dropout: ['0.2', '0.5', ...NUMBERS],
  'input-dropout': ['0.2', ...NUMBERS],
  'max-parameters': ['60', '100', '0', '2.5', '-1', 'x', ''],
  init: ['linear', 'he-uniform', 'glorot-uniform', 'kaiming', ''],
  optimizer: ['adam', 'adamw', 'sgd', 'x'],
  'lr-schedule': ['constant', 'step', 'cosine', 'x'],
  'lr-step-epochs': ['1', '0', 'x'],
  'lr-gamma': NUMBERS,
  'min-lr': NUMBERS,
  'warmup-epochs': ['1', '0', '-1', 'x'],
  seed: ['0', '1', '-1', 'x', '1.5', '9007199254740993'],
  'val-fraction': [...NUMBERS, '0.99'],
  'train-rows': ['2', '3', '50', '1', '0', '1.5', '99999', 'x'],
  save: [p('out.senn'), p('missing/out.senn'), p('adir'), ''],
  'save-every': ['1', '0', 'x'],
  resume: [p('xor.senn'), p('reg.senn'), p('csv.senn'), p('junk.senn'), p('missing.senn'), p('adir')],
  json: [p('out.json'), p('missing/out.json'), p('adir')],
  'early-stop': ['1', '0', 'x'],
  'augment-shift': ['1', '2', '0', '4', 'x', '1.5'],
  seeds: ['0,1', '3', '1,1', 'x', '0,,1'],
  'max-upload-mb': ['1', '0', '0.0001', 'x', '-1'],
  expandable: ['1', '2', '1,2', '0', '9', 'x'],
  metric: ['abs-grad', 'grad-variance', 'weight-sq', 'weight-abs', 'taylor', 'x'],
  aggregation: ['mean', 'variance', 'x'],
  'choose-threshold': NUMBERS,
  'max-to-replace': ['1', '0', '5', 'x'],
  'loss-change-threshold': ['1', '0', '-1', 'x'],
  window: ['1', '0', 'x'],
  'min-epochs-between': ['1', '0', 'x'],
  'delete-after': ['1', '0', 'x'],
  'delete-threshold': NUMBERS,
  'prune-metric': ['weight-abs', 'x'],
  'prune-normalization': ['together', 'per-level', 'x'],
  'exact-split': ['signed', 'all', 'x'],
  'neurons-per-edge': ['1', '2', '0', '17', 'x'],
  'knot-spacing': NUMBERS,
  statistics: ['running', 'exact', 'x'],
  input: CSVS,
  output: [p('pred.csv'), p('missing/pred.csv'), p('adir')],
  local: ['2,1,2', '3,1,2,1', '2,2,3', '0,1,1', 'x', '5,1,1', '1,1,1,3'],
  conv: ['2,1,2', '3,1,2,1', '2,2,3', '0,1,1', 'x', '1,1,2,5'],
  pool: ['2', '2,1', '0', 'x'],
  'avg-pool': ['2', '4', 'x'],
  image: ['4x4', '2x8', '2x2x4', '1x2', 'x', '0x0'],
  'dense-from': NUMBERS,
  mistakes: ['1', '3', '0', 'x', '', '2.5'],
  onnx: [p('m.onnx'), p('missing/m.onnx'), p('adir'), p('m.txt'), ''],
};
const GOOD: Record<string, readonly string[]> = {
  epochs: ['1', '2', '3'], batch: ['16', '64'], lr: ['0.01'], 'weight-decay': ['0.01'], momentum: ['0.9'], 'lr-gamma': ['0.5'],
  'min-lr': ['0.0001'], 'val-fraction': ['0.2'], 'train-rows': ['200'], 'lr-step-epochs': ['1'], 'warmup-epochs': ['1'], 'choose-threshold': ['0.3'],
  'max-to-replace': ['5'], 'max-parameters': ['100'], 'loss-change-threshold': ['1'], window: ['1'], 'min-epochs-between': ['1'], 'delete-after': ['1'],
  'delete-threshold': ['0.1'], 'knot-spacing': ['0.5'], 'save-every': ['1'], 'early-stop': ['2'], 'max-upload-mb': ['1'], seed: ['3'], dropout: ['0.2'], 'input-dropout': ['0.2'],
};
const SWITCHES = ['expand', 'fully-connected', 'reset-optimizer', 'late-splits', 'inverted-prune', 'keep-best', 'lr-restart-at-growth', 'software', 'save-statistics', 'nesterov', 'compare-fixed'];
const EXPANSION = ['metric', 'aggregation', 'choose-threshold', 'max-to-replace', 'max-parameters', 'loss-change-threshold', 'window', 'min-epochs-between', 'delete-after', 'delete-threshold', 'prune-metric', 'prune-normalization', 'exact-split', 'neurons-per-edge', 'knot-spacing', 'statistics'];
const TRAIN_FLAGS = Object.keys(VALUES).filter((f) => !['input', 'output', 'local', 'conv', 'pool', 'avg-pool', 'image', 'dense-from', 'onnx', 'mistakes'].includes(f));
const FLAGS_OF: Record<string, readonly string[]> = { eval: ['dataset', 'data-dir', 'test', 'delimiter', 'json', 'mistakes'], predict: ['input', 'output', 'delimiter'], info: ['json'], export: ['dense-from'] };

const pick = <T,>(r: Random, a: readonly T[]): T => a[r.int(a.length)]!;

/** A random command line; with `fitting`, the flags that other flags need are added (--expand, --lr-schedule, --target) so more lines run. */
function commandLine(r: Random, fitting: boolean): string[] {
  const command = pick(r, ['train', 'train', 'train', 'eval', 'predict', 'info', 'export']);
  const argv = [command];
  if (command !== 'train') argv.push(pick(r, VALUES.resume!));
  if (command === 'export') argv.push(pick(r, VALUES.onnx!));
  if (command === 'export' && r.next() < 0.3) argv.push('--probabilities');
  const flags = command === 'train' ? TRAIN_FLAGS : FLAGS_OF[command]!;
  for (let i = r.int(6); i > 0; i--) {
    if (command === 'train' && r.next() < 0.2) {
      argv.push(`--${pick(r, SWITCHES)}`);
      continue;
    }
    const flag = pick(r, fitting ? flags : [...flags, ...TRAIN_FLAGS]);
    const good = GOOD[flag];
    argv.push(`--${flag}`, pick(r, good && r.next() < 0.8 ? good : VALUES[flag]!));
  }
  if (command !== 'train') return argv;
  if (!argv.includes('--dataset') && !argv.includes('--resume')) argv.push('--dataset', pick(r, ['spirals', 'xor', 'regression', p('a.csv')]));
  if (!argv.includes('--epochs')) argv.push('--epochs', '2');
  if (fitting) {
    if (EXPANSION.some((f) => argv.includes(`--${f}`))) argv.push('--expand');
    if (['lr-step-epochs', 'lr-gamma', 'min-lr', 'warmup-epochs', 'lr-restart-at-growth'].some((f) => argv.includes(`--${f}`)) && !argv.includes('--lr-schedule')) {
      argv.push('--lr-schedule', argv.includes('--lr-step-epochs') || argv.includes('--lr-gamma') ? 'step' : 'cosine');
      if (!argv.includes('--lr-step-epochs') && argv.includes('--lr-gamma')) argv.push('--lr-step-epochs', '1');
    }
    if (argv.some((a) => a.endsWith('.csv')) && !argv.includes('--target')) argv.push('--target', pick(r, ['label', 't']));
  }
  return argv;
}

/** A growing run over the 4×4 image CSV with one to three window layers. */
function windowLine(r: Random): string[] {
  const argv = ['train', '--dataset', p('img.csv'), '--target', 'label', '--epochs', String(1 + r.int(4)), '--batch', '8'];
  for (let i = 0; i < 1 + r.int(3); i++) {
    const flag = i === 0 ? pick(r, ['local', 'conv']) : pick(r, ['local', 'conv', 'pool', 'avg-pool']);
    argv.push(`--${flag}`, pick(r, VALUES[flag]!.slice(0, r.next() < 0.8 ? 3 : undefined)));
  }
  if (r.next() < 0.2) argv.push('--image', pick(r, VALUES.image!));
  if (r.next() < 0.3) argv.push('--augment-shift', pick(r, VALUES['augment-shift']!));
  if (r.next() < 0.6) {
    argv.push('--expand', '--window', '1', '--min-epochs-between', '1', '--delete-after', '1', '--loss-change-threshold', '10', '--choose-threshold', pick(r, ['0.1', '0.5']));
    if (r.next() < 0.5) argv.push('--expandable', pick(r, ['1', '2', '1,2', '2,3']));
    if (r.next() < 0.3) argv.push(pick(r, ['--exact-split', '--neurons-per-edge']), pick(r, ['signed', 'all', '2']));
    // Then a fixed network without the windows (its --image kept only for --augment-shift).
    if (r.next() < 0.2) argv.push('--compare-fixed');
  }
  return argv;
}

describe('random command lines', () => {
  it(`${N} lines end in exit 0, 2 or 3 (1 for a divergence) with a typed error`, async () => {
    for (const [dataset, name, extra] of [['xor', 'xor.senn', []], ['regression', 'reg.senn', ['--expand']], [p('a.csv'), 'csv.senn', ['--target', 'label']]] as const) {
      expect((await senn('train', '--dataset', dataset, '--epochs', '1', '--save', p(name), ...extra)).code).toBe(0);
    }
    const r = new Random(SEED);
    const codes = new Map<number, number>();
    const bad: string[] = [];
    for (let k = 0; k < N; k++) {
      const kind = k % 4;
      const argv = kind === 3 ? windowLine(r) : commandLine(r, kind > 0);
      const { code, err } = await senn(...argv);
      codes.set(code, (codes.get(code) ?? 0) + 1);
      const untyped = /^senn: (TypeError|RangeError|ReferenceError|Error|ShaderCompileError|DeviceError):/m.test(err);
      if (![0, 2, 3].includes(code) && !(code === 1 && /DivergenceError/.test(err))) bad.push(`exit ${code}: senn ${argv.join(' ')}\n${err}`);
      else if (untyped) bad.push(`untyped: senn ${argv.join(' ')}\n${err}`);
    }
    console.info(`${N} random command lines: ${[...codes].sort(([a], [b]) => a - b).map(([code, n]) => `${n} exit ${code}`).join(', ')}`);
    expect(bad).toEqual([]);
    // Lines of every kind: runs that trained, usage errors, bad input.
    expect([codes.get(0), codes.get(2), codes.get(3)].every((n) => (n ?? 0) > 0)).toBe(true);
  }, 600_000);
});
