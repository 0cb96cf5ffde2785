// TEMPORARY CLI fuzz (not committed): random command lines; each ends with exit 0, 2 or 3 (or 1
// for a divergence), never an untyped error.
import { appendFileSync, mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { Random } from '../src/data/random.js';

const dir = mkdtempSync(join(tmpdir(), 'senn-clifuzz-'));
const p = (n: string) => join(dir, n);
mkdirSync(p('adir'));
writeFileSync(p('junk.senn'), 'not a checkpoint');
writeFileSync(p('a.csv'), 'x,y,label\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n1,1,a\n2,2,b\n3,3,a\n4,4,b\n9,9,a\n8,8,b\n');
writeFileSync(p('bad.csv'), 'x,y\n1,\n,,\n"unterminated\n');
writeFileSync(p('img.csv'), ['label,' + Array.from({ length: 16 }, (_, i) => `p${i}`).join(','), ...Array.from({ length: 40 }, (_, r) => `${r % 3},` + Array.from({ length: 16 }, (_, i) => ((r * 7 + i * 3) % 11) / 10).join(','))].join('\n') + '\n');
writeFileSync(p('semi.csv'), 'u;v;t\n1;2;3\n4;5;6\n7;8;9\n');
writeFileSync(p('wide.csv'), 'x,y,label,extra\n1,2,a,9\n3,4,b,9\n');
writeFileSync(p('empty.csv'), '');
writeFileSync(p('header.csv'), 'x,y,label\n');
writeFileSync(p('num.csv'), 'u,v,t\n0.1,0.2,0.3\n0.4,0.5,0.6\n0.7,0.8,0.9\n1,1,1\n0,0,0\n0.5,0.5,0.5\n');

async function senn(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (out += `${a.join(' ')}\n`));
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const error = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    return { code: await main(argv), out, err };
  } catch (e) {
    return { code: -1, out, err: `${err}THROWN ${(e as Error).stack}` };
  } finally {
    log.mockRestore();
    write.mockRestore();
    error.mockRestore();
  }
}

const NUM = ['0', '1', '2', '-1', '0.5', '1e-3', 'abc', '', 'NaN', 'Infinity', '3.5', '0x10', ' 2', '1,2'];
const pick = <T,>(r: Random, a: readonly T[]): T => a[r.int(a.length)]!;
const VALUES: Record<string, readonly string[]> = {
  dataset: ['spirals', 'xor', 'regression', 'nope', '', p('a.csv'), p('bad.csv'), p('num.csv'), p('missing.csv'), p('adir'), p('semi.csv'), p('wide.csv'), p('empty.csv'), p('header.csv')],
  'data-dir': [p('adir'), p('missing'), ''],
  target: ['label', 't', 'x', 'nope', ''],
  ignore: ['x', 'y', 'x,y', 'nope', ',', ''],
  task: ['classification', 'regression', 'x'],
  test: [p('a.csv'), p('num.csv'), p('missing.csv'), p('bad.csv'), p('semi.csv'), p('wide.csv'), p('empty.csv'), p('header.csv')],
  delimiter: [',', 'tab', ';', '', 'ab'],
  arch: ['2-8-2', '2-4-4-2', '2-2', '0-2', '2--2', 'x', '2-8-1', '2-3-3', '784-10', '2', '2-8-2-', '-2-2', '2.5-2'],
  local: ['2,1,2', '1,1,1', '0,1,1', 'x', '2', '2,1', '1,1,2,1', '3,1,2,1', '2,2,3', '4,1,1', '5,1,1'],
  conv: ['2,1,2', '1,1,1', '0,1,1', 'x', '1,1,2,5', '3,1,2,1', '2,2,3', '4,1,1'],
  pool: ['2', '1', '0', 'x', '2,2,1', '2,1', '3', '4'],
  'avg-pool': ['2', '1', '0', 'x', '4', '3,1'],
  image: ['2x1', '1x2', '1x1x2', 'x', '0x0', '2x1x1', '4x4', '4x4x1', '2x2x4', '2x8'],
  epochs: ['0', '1', '2', '-1', 'x', '1.5', ''],
  batch: ['1', '16', '0', '-1', 'x', '1.5', '100000'],
  lr: NUM, 'weight-decay': NUM, momentum: NUM, 'lr-gamma': NUM, 'min-lr': NUM, 'val-fraction': [...NUM, '0.99', '0.01'],
  optimizer: ['adam', 'adamw', 'sgd', 'x'],
  'lr-schedule': ['constant', 'step', 'cosine', 'x'],
  'lr-step-epochs': ['1', '0', 'x'], 'warmup-epochs': ['1', '0', '-1', 'x', '5'],
  seed: ['0', '1', '-1', 'x', '1.5', '9007199254740993'],
  save: [p('out.senn'), p('missing/out.senn'), p('adir'), ''],
  'save-every': ['1', '0', 'x'],
  resume: [p('good.senn'), p('junk.senn'), p('missing.senn'), p('adir'), p('greg.senn'), p('csv.senn'), p('csvr.senn')],
  json: [p('out.json'), p('missing/out.json'), p('adir')],
  'early-stop': ['1', '0', 'x'], 'max-upload-mb': ['1', '0', '0.0001', 'x', '-1'],
  expandable: ['1', '2', '1,2', '0', '9', 'x', ''],
  metric: ['abs-grad', 'grad-variance', 'weight-sq', 'weight-abs', 'taylor', 'x'],
  aggregation: ['mean', 'variance', 'x'],
  'choose-threshold': NUM, 'max-to-replace': ['1', '0', '5', 'x'], 'loss-change-threshold': ['1', '0', '-1', 'x'],
  window: ['1', '0', 'x'], 'min-epochs-between': ['1', '0', 'x'], 'delete-after': ['1', '0', 'x'], 'delete-threshold': NUM,
  'prune-metric': ['weight-abs', 'x'], 'prune-normalization': ['together', 'per-level', 'x'],
  'exact-split': ['signed', 'all', 'x'], 'neurons-per-edge': ['1', '2', '0', '17', 'x'], 'knot-spacing': NUM,
  statistics: ['running', 'exact', 'x'],
  input: [p('num.csv'), p('a.csv'), p('bad.csv'), p('missing.csv'), p('semi.csv'), p('wide.csv'), p('empty.csv'), p('header.csv')],
  output: [p('pred.csv'), p('missing/pred.csv'), p('adir')],
};
const GOOD: Record<string, readonly string[]> = {
  epochs: ['1', '2', '3'], batch: ['16', '64', '256'], lr: ['0.01', '0.001'], 'weight-decay': ['0.01'], momentum: ['0.9'],
  'lr-gamma': ['0.5'], 'min-lr': ['0.0001'], 'val-fraction': ['0.2', '0.5'], 'lr-step-epochs': ['1'], 'warmup-epochs': ['1'],
  'choose-threshold': ['0.3', '0.7'], 'max-to-replace': ['5', '50'], 'loss-change-threshold': ['1'], window: ['1'],
  'min-epochs-between': ['1'], 'delete-after': ['1'], 'delete-threshold': ['0.1', '0.5'], 'knot-spacing': ['0.5'],
  'save-every': ['1'], 'early-stop': ['1', '2'], 'max-upload-mb': ['1', '0.01'], seed: ['0', '3'],
};
const FLAGS = ['expand', 'fully-connected', 'reset-optimizer', 'late-splits', 'inverted-prune', 'keep-best', 'lr-restart-at-growth', 'software', 'bounds-checks'];

function commandLine(r: Random): string[] {
  const command = pick(r, (process.env.COMMANDS ?? 'train,train,train,train,eval,predict,info').split(','));
  const argv = [command];
  if (command !== 'train') argv.push(pick(r, [p('good.senn'), p('greg.senn'), p('csv.senn'), p('csvr.senn'), p('csv.senn'), p('csvr.senn'), p('junk.senn'), p('missing.senn'), p('adir')]));
  const perCommand: Record<string, string[]> = { eval: ['dataset', 'data-dir', 'test', 'delimiter', 'json'], predict: ['input', 'output', 'delimiter'], info: ['json'] };
  const names = process.env.SMART && command !== 'train' ? perCommand[command]! : Object.keys(VALUES);
  const n = r.int(7);
  let hasEpochs = false;
  for (let i = 0; i < n; i++) {
    if (r.next() < 0.25) argv.push(`--${pick(r, command === 'train' || !process.env.SMART ? FLAGS : ['software', 'bounds-checks'])}`);
    else {
      const name = pick(r, names);
      if (name === 'epochs') hasEpochs = true;
      const good = GOOD[name];
      argv.push(`--${name}`, pick(r, good && r.next() < Number(process.env.GOOD ?? 0) ? good : VALUES[name]!));
    }
  }
  if (command === 'train') {
    if (!argv.includes('--dataset') && !argv.includes('--resume')) argv.push('--dataset', pick(r, ['spirals', 'xor', 'regression', p('a.csv')]));
    if (!hasEpochs) argv.push('--epochs', '2');
    if (process.env.SMART) {
      const expansion = ['metric', 'aggregation', 'choose-threshold', 'max-to-replace', 'loss-change-threshold', 'window', 'min-epochs-between', 'delete-after', 'delete-threshold', 'prune-metric', 'prune-normalization', 'exact-split', 'neurons-per-edge', 'knot-spacing', 'statistics', 'fully-connected', 'reset-optimizer', 'late-splits', 'inverted-prune'];
      if (expansion.some((f) => argv.includes(`--${f}`)) && r.next() < 0.9) argv.push('--expand');
      const schedule = ['lr-step-epochs', 'lr-gamma', 'min-lr', 'warmup-epochs', 'lr-restart-at-growth'];
      if (schedule.some((f) => argv.includes(`--${f}`)) && !argv.includes('--lr-schedule') && r.next() < 0.9) argv.push('--lr-schedule', argv.includes('--lr-step-epochs') ? 'step' : 'cosine');
      if (argv.some((a) => a.endsWith('.csv')) && !argv.includes('--target')) argv.push('--target', pick(r, ['label', 't']));
      if (argv.includes('--image') && !argv.includes('--local') && !argv.includes('--conv')) argv.push('--conv', '1,1,2');
      for (const bad of ['--input', '--output']) { const at = argv.indexOf(bad); if (at >= 0) argv.splice(at, 2); }
    }
  }
  return argv;
}

describe('cli fuzz', () => {
  it('prepares checkpoints', async () => {
    expect((await senn(['train', '--dataset', 'xor', '--epochs', '1', '--save', p('good.senn')])).code).toBe(0);
    expect((await senn(['train', '--dataset', 'regression', '--epochs', '1', '--expand', '--save', p('greg.senn')])).code).toBe(0);
    expect((await senn(['train', '--dataset', p('a.csv'), '--target', 'label', '--epochs', '1', '--save', p('csv.senn')])).code).toBe(0);
    expect((await senn(['train', '--dataset', p('num.csv'), '--target', 't', '--task', 'regression', '--epochs', '1', '--save', p('csvr.senn')])).code).toBe(0);
  });
  const N = Number(process.env.FUZZ_N ?? 150);
  const FIRST = Number(process.env.FUZZ_FIRST ?? 0);
  for (let k = FIRST; k < FIRST + N; k++) {
    it(`line ${k}`, async () => {
      const r = new Random(77000 + k);
      const argv = commandLine(r);
      const { code, err } = await senn(argv);
      const what = `${argv.join(' ')}\n${err}`;
      appendFileSync('/tmp/clifuzz-codes.txt', `${code}\t${argv.join(' ')}\t${err.split('\n')[0]}\n`);
      expect([0, 1, 2, 3], what).toContain(code);
      expect(err, what).not.toMatch(/senn: (TypeError|RangeError|Error|ReferenceError|SyntaxError):/);
    }, 120_000);
  }
});

describe('cli fuzz: window layers', () => {
  const N = Number(process.env.WIN_N ?? 0);
  for (let k = 0; k < N; k++) {
    it(`window line ${k}`, async () => {
      const r = new Random(99000 + k);
      const argv = ['train', '--dataset', p('img.csv'), '--target', 'label', '--epochs', String(1 + r.int(4)), '--batch', '8'];
      for (let i = 0; i < 1 + r.int(3); i++) {
        const flag = i === 0 ? pick(r, ['local', 'conv']) : pick(r, ['local', 'conv', 'conv', 'pool', 'avg-pool']);
        const valid: Record<string, string[]> = { local: ['2,1,2', '3,1,2,1', '2,2,3', '1,1,2'], conv: ['2,1,2', '3,1,2,1', '2,2,3', '1,1,3'], pool: ['2', '2,1', '2,2,1'], 'avg-pool': ['2', '2,1'] };
        argv.push(`--${flag}`, pick(r, r.next() < 0.8 ? valid[flag]! : VALUES[flag]!));
      }
      if (r.next() < 0.3) argv.push('--image', pick(r, VALUES.image!));
      if (r.next() < 0.6) {
        argv.push('--expand', '--window', '1', '--min-epochs-between', '1', '--delete-after', '1', '--loss-change-threshold', '10', '--choose-threshold', pick(r, ['0.1', '0.5']));
        if (r.next() < 0.5) argv.push('--expandable', pick(r, ['1', '2', '1,2', '2,3', '3']));
        if (r.next() < 0.3) argv.push('--exact-split', pick(r, ['signed', 'all']));
        if (r.next() < 0.3) argv.push('--neurons-per-edge', '2');
      }
      const { code, err } = await senn(argv);
      appendFileSync('/tmp/clifuzz-codes.txt', `${code}\t${argv.join(' ')}\t${err.split('\n')[0]}\n`);
      const what = `${argv.join(' ')}\n${err}`;
      expect([0, 1, 2, 3], what).toContain(code);
      expect(err, what).not.toMatch(/senn: (TypeError|RangeError|Error|ReferenceError|SyntaxError|ShaderCompileError|DeviceError):/);
    }, 120_000);
  }
});
