import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exitCodeOf } from '../../src/cli/main.js';
import { scratchDir, senn } from '../helpers/cli.js';
import { DivergenceError, NaNError } from '../../src/errors.js';
import { ProgressView } from '../../src/cli/progress.js';
import { checkpointRun, describeCheckpoint } from '../../src/io/checkpoint.js';
import { OutputError, writeOutput } from '../../src/cli/options.js';
import { counted } from '../../src/words.js';

const { dir, path } = scratchDir('senn-cli-');

afterEach(() => vi.restoreAllMocks());

describe('senn command line', () => {
  it('train --save, eval, predict and --resume work together on a generated dataset', async () => {
    const trained = await senn('train', '--dataset', 'xor', '--epochs', '3', '--lr', '0.01', '--save', path('xor.senn'), '--json', path('xor.json'));
    expect(trained.code, trained.err).toBe(0);
    expect(trained.out).toMatch(/epoch {3}3 .*samples\/s/);
    const run = JSON.parse(readFileSync(path('xor.json'), 'utf8'));
    expect(run.senn).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    expect(run.epochs).toHaveLength(3);
    // The test result class by class, as senn eval gives it (below): every test row counted.
    expect(trained.out).toMatch(/\ntest: .*\nper class {5}0 [\d.]+%  1 [\d.]+%\nmost confused /);
    expect(run.test.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(1000);

    const evaluated = await senn('eval', path('xor.senn'), '--json', path('eval.json'));
    expect(evaluated.code, evaluated.err).toBe(0);
    const result = JSON.parse(readFileSync(path('eval.json'), 'utf8'));
    expect(result.senn).toBe(run.senn);
    // Same checkpoint, same test split: eval reproduces train's test figures.
    expect(result.accuracy).toBeCloseTo(run.test.accuracy, 6);
    expect(result.loss).toBeCloseTo(run.test.loss, 5);
    // Class by class: the matrix counts every test row, its diagonal the accuracy.
    expect(evaluated.out).toMatch(/\nper class {5}0 [\d.]+%  1 [\d.]+%\nmost confused /);
    expect(result.classes).toEqual(['0', '1']);
    const counts: number[][] = result.confusion;
    expect(counts.flat().reduce((a, b) => a + b, 0)).toBe(result.rows);
    expect((counts[0]![0]! + counts[1]![1]!) / result.rows).toBeCloseTo(result.accuracy, 12);
    expect(result.recall[1]).toBeCloseTo(counts[1]![1]! / (counts[1]![0]! + counts[1]![1]!), 12);
    expect(result.confusion).toEqual(run.test.confusion);
    const matrix = await senn('eval', path('xor.senn'), '--confusion');
    expect(matrix.out).toContain(`confusion     true class down, answered class across\n`);
    expect(matrix.out).toMatch(new RegExp(`\\n {2}0 +${counts[0]![0]} +${counts[0]![1]}\\n {2}1 +${counts[1]![0]} +${counts[1]![1]}\\n`));
    // The rows answered wrong with the most confidence: as many in all as the matrix's off-diagonal.
    const named = await senn('eval', path('xor.senn'), '--mistakes', '3', '--json', path('mistakes.json'));
    expect(named.code, named.err).toBe(0);
    const wrongRows = counts[0]![1]! + counts[1]![0]!;
    expect(named.out).toMatch(new RegExp(`\\nmistakes {6}${wrongRows.toLocaleString('en-US')} of ${result.rows.toLocaleString('en-US')} rows answered wrong; the 3 answered most confidently:\\n(  row +\\d+  a [01] answered [01] \\(\\d+\\.\\d\\d%\\)\\n){3}$`));
    const listed: { row: number; truth: number; answer: number; confidence: number }[] = JSON.parse(readFileSync(path('mistakes.json'), 'utf8')).mistakes;
    expect(listed).toHaveLength(3);
    expect(listed.every((m, i) => m.truth !== m.answer && m.confidence >= 0.5 && (i === 0 || m.confidence <= listed[i - 1]!.confidence))).toBe(true);
    for (const bad of ['0', 'x', '1.5', '']) expect((await senn('eval', path('xor.senn'), '--mistakes', bad)).code).toBe(2);
    expect((await senn('train', '--dataset', 'regression', '--epochs', '1', '--save', path('reg.senn'))).code).toBe(0);
    const regression = await senn('eval', path('reg.senn'), '--mistakes', '3');
    expect([regression.code, regression.err]).toEqual([2, `senn: ConfigError: --mistakes: ${path('reg.senn')} is a regression model; only a classifier's answers are right or wrong\n`]);

    writeFileSync(path('points.csv'), 'u,v\n0.5,0.5\n-0.5,0.5\n0.5,-0.5\n-0.5,-0.5\n');
    const predicted = await senn('predict', path('xor.senn'), '--input', path('points.csv'), '--output', path('pred.csv'));
    expect(predicted.code, predicted.err).toBe(0);
    const lines = readFileSync(path('pred.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('prediction,p_0,p_1');
    expect(lines).toHaveLength(5);
    for (const line of lines.slice(1)) {
      const [label, p0, p1] = line.split(',');
      expect(Number(p0) + Number(p1)).toBeCloseTo(1, 5);
      expect(label).toBe(Number(p1) > Number(p0) ? '1' : '0');
    }

    const resumed = await senn('train', '--resume', path('xor.senn'), '--epochs', '2', '--save', path('xor2.senn'));
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toContain('resuming after 3 epochs');
    expect(resumed.out).toMatch(/epoch {3}5 /);
    const saved = checkpointRun(new Uint8Array(readFileSync(path('xor2.senn'))));
    expect((saved?.data as { dataset: string }).dataset).toBe('xor');

    // A run that diverges goes on as if it had ended before the failing epoch (test, --save,
    // --json) and exits 1: here the resumed network, its first epoch undone (a rate of 1e38
    // overflows f32 in the first steps).
    const diverged = await senn('train', '--resume', path('xor2.senn'), '--lr', '1e38', '--epochs', '2', '--save', path('xor3.senn'), '--json', path('xor3.json'));
    expect([diverged.code, diverged.err]).toEqual([1, expect.stringMatching(/^senn: DivergenceError: training diverged in epoch 1: .*; going on with the network after epoch 5 \(0 of this run's 2\)\n$/)]);
    expect(diverged.out).toMatch(/^test: loss [\d.]+ {2}accuracy/m);
    const divergedRun = JSON.parse(readFileSync(path('xor3.json'), 'utf8'));
    expect([divergedRun.epochs.length, divergedRun.diverged]).toEqual([0, expect.stringContaining('training diverged in epoch 1')]);
    expect(describeCheckpoint(new Uint8Array(readFileSync(path('xor3.senn')))).history).toHaveLength(5);

    // Another dataset of the same task is evaluated; one of the other task is bad input (it
    // was a ConfigError from inside evaluate, exit 2: "has no targets; mse needs them").
    expect((await senn('eval', path('xor.senn'), '--dataset', 'spirals')).code).toBe(0);
    const otherTask = await senn('eval', path('xor.senn'), '--dataset', 'regression');
    expect([otherTask.code, otherTask.err]).toEqual([3, `senn: DatasetError: ${path('xor.senn')} is a classification model (trained on xor); regression is a regression dataset\n`]);
  }, 60_000);

  it('--early-stop ends the run once the validation loss has not improved for N epochs', async () => {
    const run = await senn('train', '--dataset', 'spirals', '--epochs', '300', '--lr', '0.03', '--early-stop', '2', '--json', path('early.json'));
    expect(run.code, run.err).toBe(0);
    const json = JSON.parse(readFileSync(path('early.json'), 'utf8'));
    const epochs = json.epochs.length;
    expect(epochs).toBeLessThan(300);
    // It stopped two epochs after the lowest validation loss, which no later epoch beat.
    expect(json.earlyStop.bestEpoch).toBe(epochs - 2);
    const losses = json.epochs.map((e: { valLoss: number }) => e.valLoss);
    expect(Math.min(...losses)).toBe(json.earlyStop.bestLoss);
    expect(losses.indexOf(json.earlyStop.bestLoss) + 1).toBe(json.earlyStop.bestEpoch);
    expect(run.out).toContain(`senn: stopped early after ${epochs} of 300 epochs: the validation loss has not improved on`);
    expect(json.interrupted).toBeUndefined();
    const bad = await senn('train', '--dataset', 'xor', '--early-stop', '0');
    expect([bad.code, bad.err]).toEqual([2, expect.stringContaining('--early-stop must be a positive integer, got 0')]);
  }, 60_000);

  it('--max-upload-mb holds the data on the GPU a part at a time, with the same run', async () => {
    const losses = async (...extra: string[]) => {
      const name = path(`upload${extra.length}.json`);
      const run = await senn('train', '--dataset', 'spirals', '--epochs', '2', '--lr', '0.01', '--json', name, ...extra);
      expect(run.code, run.err).toBe(0);
      const json = JSON.parse(readFileSync(name, 'utf8'));
      return { epochs: json.epochs.map((e: { trainLoss: number; valLoss: number }) => [e.trainLoss, e.valLoss]), test: json.test };
    };
    // 12 bytes a row: 10 KiB holds 768 of the 3,200 training rows (three batches of 256).
    expect(await losses('--max-upload-mb', '0.01')).toEqual(await losses());
    const bad = await senn('train', '--dataset', 'xor', '--max-upload-mb', '0');
    expect([bad.code, bad.err]).toEqual([2, expect.stringContaining('--max-upload-mb must be a positive number, got 0')]);
    // Less than one batch: refused in the flag's words before anything trains (it was an
    // AdapterLimitError, exit 1, from inside fit).
    const small = await senn('train', '--dataset', 'xor', '--max-upload-mb', '0.0001');
    expect([small.code, small.err, small.out]).toEqual([2, 'senn: ConfigError: --max-upload-mb 0.0001 holds less than a batch of 256 training rows (3072 bytes), the least uploaded at once\n', '']);
  }, 60_000);

  it('--save, --json and --output that cannot be written are refused before the work, not after it', async () => {
    const missing = path('no-such-dir');
    const cases: [string[], string][] = [
      [['train', '--dataset', 'xor', '--epochs', '1', '--save', join(missing, 'a.senn')], `--save ${join(missing, 'a.senn')}: the directory ${missing} does not exist`],
      [['train', '--dataset', 'xor', '--epochs', '1', '--json', dir], `--json ${dir} is a directory; give a file name in it`],
      [['train', '--dataset', 'xor', '--epochs', '1', '--save', ''], '--save needs a file name'],
      [['eval', path('xor.senn'), '--json', join(missing, 'e.json')], `--json ${join(missing, 'e.json')}: the directory ${missing} does not exist`],
      [['info', path('xor.senn'), '--json', dir], `--json ${dir} is a directory`],
      [['predict', path('xor.senn'), '--input', path('points.csv'), '--output', join(missing, 'p.csv')], `--output ${join(missing, 'p.csv')}: the directory ${missing} does not exist`],
    ];
    writeFileSync(path('points.csv'), 'u,v\n0.5,0.5\n');
    expect((await senn('train', '--dataset', 'xor', '--epochs', '1', '--save', path('xor.senn'))).code).toBe(0);
    for (const [argv, message] of cases) {
      const run = await senn(...argv);
      // Nothing trained, evaluated or predicted: the refusal comes first.
      expect([run.code, run.err, run.out], argv.join(' ')).toEqual([2, expect.stringContaining(message), '']);
    }
    expect(existsSync(missing)).toBe(false);
  }, 60_000);

  it('a result that cannot be written after the work goes to a temporary file, and the error says where (or that neither could take it); no half-written file stays beside its path', () => {
    // The OutputError that writeOutput(target, text) throws.
    const refusal = (target: string, text: string): OutputError => {
      try {
        writeOutput('--json', target, text);
      } catch (error) {
        expect(error).toBeInstanceOf(OutputError);
        return error as OutputError;
      }
      throw new Error(`${target} was written`);
    };
    const rescueOf = (error: Error) => /written to (.*) instead$/.exec(error.message)![1]!;
    const target = join(path('vanished'), 'run.json');
    const error = refusal(target, '{"epochs": 64}\n');
    expect(error.message).toMatch(new RegExp(`^cannot write --json ${target} \\(ENOENT.*\\); written to .*run\\.json instead$`));
    expect(readFileSync(rescueOf(error), 'utf8')).toBe('{"epochs": 64}\n');
    rmSync(dirname(rescueOf(error)), { recursive: true, force: true });
    expect(exitCodeOf(error)).toBe(1);
    // Nor a temporary directory to take it: still an OutputError, which says both.
    vi.stubEnv('TMPDIR', path('no-such-directory'));
    let again: OutputError;
    try {
      again = refusal(target, '{}\n');
    } finally {
      vi.unstubAllEnvs();
    }
    expect(again.message).toMatch(new RegExp(`^cannot write --json ${target} \\(ENOENT.*\\), nor a copy of it in the temporary directory \\(ENOENT.*no-such-directory.*\\)$`));
    // Written beside it but not put in its place (a directory there): the half step is removed.
    const taken = path('taken');
    mkdirSync(join(taken, 'inside'), { recursive: true });
    const refused = refusal(taken, '{}\n');
    expect([existsSync(`${taken}.tmp`), existsSync(join(taken, 'inside'))]).toEqual([false, true]);
    rmSync(dirname(rescueOf(refused)), { recursive: true, force: true });
  });

  it('--augment-shift trains on moved images (kept by --resume, shown by senn info) and is refused where the inputs are no image', async () => {
    const moved = await senn('train', '--dataset', 'mnist', '--train-rows', '600', '--arch', '784-10', '--epochs', '1', '--augment-shift', '2', '--save', path('moved.senn'), '--json', path('moved.json'));
    expect(moved.code, moved.err).toBe(0);
    const plain = await senn('train', '--dataset', 'mnist', '--train-rows', '600', '--arch', '784-10', '--epochs', '1', '--json', path('plain.json'));
    const [a, b] = ['moved.json', 'plain.json'].map((f) => JSON.parse(readFileSync(path(f), 'utf8')));
    expect([plain.code, a.args.augmentShift, b.args.augmentShift]).toEqual([0, 2, 0]);
    expect(a.epochs[0].trainLoss).not.toBe(b.epochs[0].trainLoss);
    expect((await senn('info', path('moved.senn'))).out).toContain('seed 0, 600 training rows, images moved up to 2 px');
    // Resumed, the moves go on; the same run given --augment-shift 0 trains on the images as they are.
    const resumed = await senn('train', '--resume', path('moved.senn'), '--epochs', '1', '--json', path('resumed.json'));
    expect([resumed.code, JSON.parse(readFileSync(path('resumed.json'), 'utf8')).args.augmentShift]).toEqual([0, 2]);
    for (const [argv, message] of [
      [['--dataset', 'xor', '--augment-shift', '1'], '--augment-shift: 2 inputs are not a square image; give its shape with --image WIDTHxHEIGHT[xCHANNELS]'],
      [['--dataset', 'xor', '--augment-shift', '1', '--image', '2x1'], '--augment-shift 1 would move a 2×1 image out of its frame; at most 0'],
      [['--dataset', 'mnist', '--augment-shift', '1.5'], '--augment-shift must be a whole number of pixels ≥ 0, got 1.5'],
      [['--dataset', 'mnist', '--image', '28x28'], '--image describes the inputs of --local, --conv or --augment-shift; give one of them too'],
    ] as const) {
      const refused = await senn('train', ...argv, '--epochs', '1');
      expect([refused.code, refused.err, refused.out]).toEqual([2, `senn: ConfigError: ${message}\n`, expect.not.stringContaining('epoch ')]);
    }
  });

  it('--train-rows trains on a seeded subset of the training set (the test split whole), kept by --resume', async () => {
    const small = await senn('train', '--dataset', 'xor', '--train-rows', '500', '--epochs', '1', '--save', path('rows.senn'), '--json', path('rows.json'));
    expect(small.code, small.err).toBe(0);
    expect(small.out).toContain('xor train 400 / validation 100 / test 1000');
    const again = await senn('train', '--dataset', 'xor', '--train-rows', '500', '--epochs', '1', '--json', path('rows2.json'));
    const [first, second] = ['rows.json', 'rows2.json'].map((f) => JSON.parse(readFileSync(path(f), 'utf8')));
    expect([again.code, first.args.trainRows, second.test]).toEqual([0, 500, first.test]);
    const other = await senn('train', '--dataset', 'xor', '--train-rows', '500', '--seed', '1', '--epochs', '1', '--json', path('rows3.json'));
    expect(other.code, other.err).toBe(0);
    expect(JSON.parse(readFileSync(path('rows3.json'), 'utf8')).epochs[0].trainLoss).not.toBe(first.epochs[0].trainLoss);
    expect((await senn('info', path('rows.senn'))).out).toContain('run           senn train on xor (classification): epochs 1, batch 256, lr 0.001, optimizer adam, seed 0, 500 training rows');
    // The checkpoint's run keeps the subset; a new --train-rows replaces it.
    expect((await senn('train', '--resume', path('rows.senn'), '--epochs', '1')).out).toContain('xor train 400 / validation 100');
    expect((await senn('train', '--resume', path('rows.senn'), '--train-rows', '1000', '--epochs', '1')).out).toContain('xor train 800 / validation 200');
    for (const [value, message] of [
      ['1', '--train-rows must be a whole number of at least 2, got 1'],
      ['2.5', '--train-rows must be a whole number of at least 2, got 2.5'],
      ['5000', '--train-rows 5000: the training set has 4,000 rows'],
      ['2', '--val-fraction 0.2 of 2 training rows leaves 2 to train on and 0 to validate with; each needs one at least'],
    ]) {
      const refused = await senn('train', '--dataset', 'xor', '--train-rows', value!, '--epochs', '1');
      expect([refused.code, refused.err, refused.out]).toEqual([2, `senn: ConfigError: ${message}\n`, expect.not.stringContaining('epoch ')]);
    }
  }, 60_000);

  it('--max-grad-norm clips each step to a global norm (inf measures it), shown per epoch, kept by --resume; --label-smoothing', async () => {
    const clipped = await senn('train', '--dataset', 'xor', '--epochs', '2', '--max-grad-norm', '0.01', '--save', path('clip.senn'), '--json', path('clip.json'));
    expect(clipped.code, clipped.err).toBe(0);
    // 3,200 training rows: 13 steps of 256 an epoch, every one above a norm of 0.01.
    expect(clipped.out).toMatch(/epoch {3}2 .* grad_norm [\d.]+ \(13 clipped\)/);
    const run = JSON.parse(readFileSync(path('clip.json'), 'utf8'));
    expect(run.args.maxGradNorm).toBe(0.01);
    expect(run.epochs.map((e: { clippedSteps: number }) => e.clippedSteps)).toEqual([13, 13]);
    expect((await senn('info', path('clip.senn'))).out).toContain('optimizer adam, gradient norm clipped to 0.01, seed 0');
    expect((await senn('train', '--resume', path('clip.senn'), '--epochs', '1')).out).toMatch(/epoch {3}3 .*\(13 clipped\)/);
    // Measured only: the same run as without the flag, bit for bit, with the norms beside it.
    const measured = await senn('train', '--dataset', 'xor', '--epochs', '1', '--max-grad-norm', 'inf', '--save', path('measured.senn'), '--json', path('measured.json'));
    const plain = await senn('train', '--dataset', 'xor', '--epochs', '1', '--json', path('plain.json'));
    const [m, q] = ['measured.json', 'plain.json'].map((f) => JSON.parse(readFileSync(path(f), 'utf8')));
    expect([measured.code, plain.code, m.test, m.epochs[0].clippedSteps, q.epochs[0].gradNorm]).toEqual([0, 0, q.test, 0, undefined]);
    expect(m.epochs[0].gradNorm).toBeGreaterThan(0);
    expect((await senn('info', path('measured.senn'))).out).toContain('gradient norm measured');
    expect((await senn('train', '--resume', path('measured.senn'), '--epochs', '1')).out).toMatch(/epoch {3}2 .* grad_norm [\d.]+ {2}/);
    // Label smoothing, kept by the checkpoint's run; a regression has no labels to smooth.
    expect((await senn('train', '--dataset', 'xor', '--epochs', '1', '--label-smoothing', '0.1', '--save', path('smooth.senn'))).code).toBe(0);
    expect((await senn('info', path('smooth.senn'))).out).toContain('optimizer adam, label smoothing 0.1, seed 0');
    const noLabels = await senn('train', '--dataset', 'regression', '--epochs', '1', '--label-smoothing', '0.1');
    expect([noLabels.code, noLabels.err]).toEqual([2, 'senn: ConfigError: --label-smoothing applies to classification; regression is a regression task\n']);
  }, 60_000);

  it('--nesterov trains SGD with Nesterov momentum, shown by info and kept by --resume (not past another optimizer); refused without SGD momentum', async () => {
    const run = (name: string, ...flags: string[]) => senn('train', '--dataset', 'xor', '--epochs', '1', '--optimizer', 'sgd', '--lr', '0.1', '--json', path(`${name}.json`), ...flags);
    const nesterov = await run('nesterov', '--momentum', '0.9', '--nesterov', '--save', path('nesterov.senn'));
    const plain = await run('momentum', '--momentum', '0.9');
    expect([nesterov.code, plain.code], nesterov.err + plain.err).toEqual([0, 0]);
    const [n, p] = ['nesterov.json', 'momentum.json'].map((f) => JSON.parse(readFileSync(path(f), 'utf8')));
    expect([n.args.nesterov, p.args.nesterov]).toEqual([true, false]);
    expect(n.test.loss).not.toBe(p.test.loss);
    expect((await senn('info', path('nesterov.senn'))).out).toContain('optimizer sgd, Nesterov momentum 0.9, seed 0');
    const resumed = await senn('train', '--resume', path('nesterov.senn'), '--epochs', '1', '--json', path('resumed.json'));
    const switched = await senn('train', '--resume', path('nesterov.senn'), '--epochs', '1', '--optimizer', 'adam', '--json', path('switched.json'));
    expect([resumed.code, switched.code], resumed.err + switched.err).toEqual([0, 0]);
    expect(['resumed.json', 'switched.json'].map((f) => JSON.parse(readFileSync(path(f), 'utf8')).args.nesterov)).toEqual([true, false]);
    for (const [flags, message] of [
      [['--momentum', '0.9'], '--nesterov applies to --optimizer sgd with a --momentum above 0, not adam with momentum 0.9'],
      [['--optimizer', 'sgd'], '--nesterov applies to --optimizer sgd with a --momentum above 0, not sgd with momentum 0'],
    ] as const) {
      const refused = await senn('train', '--dataset', 'nowhere.csv', '--nesterov', ...flags);
      expect([refused.code, refused.err]).toEqual([2, `senn: ConfigError: ${message}\n`]);
    }
  }, 60_000);

  it('--init starts a new network as asked, shown by info; refused with --resume or unknown', async () => {
    const he = await senn('train', '--dataset', 'xor', '--arch', '2-8-2', '--epochs', '0', '--init', 'he-uniform', '--save', path('he.senn'), '--json', path('he.json'));
    expect(he.code, he.err).toBe(0);
    expect(JSON.parse(readFileSync(path('he.json'), 'utf8')).args.init).toBe('he-uniform');
    expect((await senn('info', path('he.senn'))).out).toContain('he-uniform initialisation, seed 0');
    for (const [flags, message] of [
      [['--init', 'kaiming'], '--init must be one of linear, he-uniform, glorot-uniform, got "kaiming"'],
      [['--resume', path('he.senn'), '--init', 'linear'], '--init cannot be combined with --resume: the checkpoint holds the weights'],
    ] as const) {
      const refused = await senn('train', '--dataset', 'xor', ...flags);
      expect([refused.code, refused.err]).toEqual([2, `senn: ConfigError: ${message}\n`]);
    }
  }, 60_000);

  it('info describes a checkpoint from its header: architecture, parameters, history, the run', async () => {
    const trained = await senn('train', '--dataset', 'xor', '--arch', '2-8-2', '--epochs', '2', '--save', path('info.senn'));
    expect(trained.code, trained.err).toBe(0);
    // The adapter flags every command takes are taken here too (info needs no GPU).
    const info = await senn('info', path('info.senn'), '--json', path('info.json'), '--software', '--bounds-checks');
    expect(info.code, info.err).toBe(0);
    expect(info.out).toContain(`${path('info.senn')}: senn checkpoint (format 3), 42 parameters`);
    expect(info.out).toMatch(/architecture {2}2-8-2\n/);
    expect(info.out).toMatch(/L0 → L1 +16 edges, +100\.0% of 2 × 8/);
    expect(info.out).toMatch(/trained {7}2 epochs in [\d.]+ s; the last: train loss [\d.]+, val loss [\d.]+, val accuracy [\d.]+%/);
    expect(info.out).toContain('run           senn train on xor (classification): epochs 2, batch 256');
    const json = JSON.parse(readFileSync(path('info.json'), 'utf8'));
    expect([json.parameters, json.levels.map((l: { size: number }) => l.size), json.history.length, json.optimizer.name]).toEqual([42, [2, 8, 2], 2, 'adam']);
    const garbage = await senn('info', path('info.json'));
    expect([garbage.code, garbage.err]).toEqual([3, expect.stringContaining('CheckpointError: not a valid safetensors file')]);
  }, 60_000);

  it('--keep-best ends with the epoch of lowest validation loss: test, --save and --json use it', async () => {
    // At this learning rate the validation loss is lowest at epoch 4 of 8 (the split and the
    // initialisation are seeded); the assertions below hold whichever epoch it is.
    const trained = await senn('train', '--dataset', 'spirals', '--arch', '2-16-2', '--epochs', '8', '--lr', '1', '--keep-best', '--save', path('best.senn'), '--json', path('best.json'));
    expect(trained.code, trained.err).toBe(0);
    const run = JSON.parse(readFileSync(path('best.json'), 'utf8'));
    const losses: number[] = run.epochs.map((e: { valLoss: number }) => e.valLoss);
    const best = losses.indexOf(Math.min(...losses)) + 1;
    expect(run.keptEpoch).toBe(best);
    expect(best).toBeLessThan(8);
    expect(trained.out).toContain(`kept epoch ${best} `);
    const evaluated = await senn('eval', path('best.senn'), '--json', path('best-eval.json'));
    expect(evaluated.code, evaluated.err).toBe(0);
    expect(JSON.parse(readFileSync(path('best-eval.json'), 'utf8')).loss).toBeCloseTo(run.test.loss, 5);
    const resumed = await senn('train', '--resume', path('best.senn'), '--epochs', '1');
    expect(resumed.out).toContain(`resuming after ${best} epochs`);
  }, 60_000);

  it('--exact-split keeps the validation loss across a split of edges from signed inputs', async () => {
    // 2-1 on the generated regression: the output's parents are the signed inputs (u, v) themselves.
    const growth = async (...extra: string[]) => {
      const args = ['--dataset', 'regression', '--arch', '2-1', '--expand', '--epochs', '6', '--window', '2', '--min-epochs-between', '2', '--loss-change-threshold', '1', '--choose-threshold', '0.01', '--lr', '0.1'];
      const run = await senn('train', ...args, ...extra, '--json', path('split.json'));
      expect(run.code, run.err).toBe(0);
      const split = JSON.parse(readFileSync(path('split.json'), 'utf8')).growth.find((g: { kind: string }) => g.kind === 'expand');
      return split as { edgesSplit: number; neuronsAdded: number; lossBefore: number; lossAfter: number };
    };
    const exact = await growth('--exact-split', 'signed');
    const single = await growth();
    // Pairs of 3 hinges a split edge: relu(±x − m/3), m = 0, 1, 2.
    const hinged = await growth('--exact-split', 'signed', '--neurons-per-edge', '3');
    expect(exact.neuronsAdded).toBe(2 * exact.edgesSplit);
    expect(single.neuronsAdded).toBe(single.edgesSplit);
    expect(hinged.neuronsAdded).toBe(6 * hinged.edgesSplit);
    const change = (g: typeof exact) => Math.abs(g.lossAfter - g.lossBefore) / g.lossBefore;
    console.info(
      `regression 2-1, relative validation-loss change at the split: exact ${change(exact).toExponential(2)}, exact with hinges ${change(hinged).toExponential(2)}, single ${change(single).toExponential(2)}`,
    );
    expect(change(exact)).toBeLessThan(1e-5);
    expect(change(hinged)).toBeLessThan(1e-5);
    expect(change(single)).toBeGreaterThan(1e-3);
  }, 60_000);

  it('--expandable grows hidden layers too: each expansion splits into every listed layer', async () => {
    const args = ['--dataset', 'spirals', '--arch', '2-8-2', '--expand', '--expandable', '1,2', '--exact-split', 'signed', '--epochs', '8'];
    const quick = ['--window', '2', '--min-epochs-between', '2', '--loss-change-threshold', '1', '--choose-threshold', '0.3', '--lr', '0.01'];
    const run = await senn('train', ...args, ...quick, '--json', path('layers.json'));
    expect(run.code, run.err).toBe(0);
    const json = JSON.parse(readFileSync(path('layers.json'), 'utf8'));
    expect(json.args.expandable).toEqual([1, 2]);
    const splits: { kind: string; epoch: number; target: number }[] = json.growth.filter((g: { kind: string }) => g.kind === 'expand');
    const epochs = [...new Set(splits.map((g) => g.epoch))];
    expect(epochs.length).toBeGreaterThan(0);
    for (const epoch of epochs) expect(splits.filter((g) => g.epoch === epoch).map((g) => g.target)).toEqual([1, 2]);
    // The run ends by saying how the network grew, in the words of senn info.
    const split = json.epochs.reduce((n: number, e: { expanded: number }) => n + e.expanded, 0);
    expect(run.out).toContain(`senn: grew 2-8-2 → ${json.architecture.join('-')}: ${counted(epochs.length, 'expansion')} (${counted(split, 'edge')} split), `);
    // --max-parameters: no split leaves more; the first (42 → 80) splits 2 of the edges it selected.
    const capped = await senn('train', ...args, ...quick, '--max-parameters', '80', '--json', path('capped.json'), '--save', path('capped.senn'));
    expect(capped.code, capped.err).toBe(0);
    const c = JSON.parse(readFileSync(path('capped.json'), 'utf8'));
    expect([c.args.expansion.maxParameters, c.epochs.every((e: { params: number }) => e.params <= 80)]).toEqual([80, true]);
    expect(capped.out).toMatch(/expand: split 2 edges of \d+ selected \(--max-parameters\) into level 1 → new level of 4; params 42 → 80;/);
    // senn info tells the expansion's flags that differ from the reference; given back to senn train, they make the same options.
    const line = /\nexpansion +(.*); the rest as the reference \(ALGORITHM\.md\)\n/.exec((await senn('info', path('capped.senn'))).out)?.[1];
    expect(line).toBe('--choose-threshold 0.3 --max-parameters 80 --loss-change-threshold 1 --window 2 --min-epochs-between 2 --exact-split signed');
    const again = await senn('train', '--dataset', 'spirals', '--arch', '2-8-2', '--expand', ...line!.split(' '), '--epochs', '0', '--json', path('again.json'));
    expect(again.code, again.err).toBe(0);
    expect(JSON.parse(readFileSync(path('again.json'), 'utf8')).args.expansion).toEqual(c.args.expansion);
  }, 60_000);

  it('--local starts with a locally connected first layer over an image; its size follows, and the checkpoint keeps it', async () => {
    // 4×4 "images": the class is which half of the image is bright.
    const rows = [Array.from({ length: 16 }, (_, i) => `p${i}`).concat('side').join(',')];
    for (let n = 0; n < 200; n++) {
      const side = n % 2;
      rows.push([...Array.from({ length: 16 }, (_, i) => ((i % 4 < 2) === (side === 0) ? 0.8 : 0.1) + ((n * 7 + i * 3) % 10) / 50), side].join(','));
    }
    writeFileSync(path('halves.csv'), `${rows.join('\n')}\n`);
    const trained = await senn('train', '--dataset', path('halves.csv'), '--target', 'side', '--local', '3,1,2', '--epochs', '12', '--lr', '0.03', '--batch', '32', '--save', path('halves.senn'));
    expect(trained.code, trained.err).toBe(0);
    // A 3×3 window one pixel apart: 2×2 positions × 2 filters = 8 neurons of 9 edges each.
    expect(trained.out).toContain('arch 16-8-2');
    expect(Number(/test: .*accuracy ([\d.]+)%/.exec(trained.out)![1])).toBeGreaterThan(90);
    const info = await senn('info', path('halves.senn'));
    expect(info.out).toMatch(/L0 → L1 +72 edges, +56.3% of 16 × 8/);
    expect((await senn('train', '--resume', path('halves.senn'), '--epochs', '1')).code).toBe(0);
    const wrongArch = await senn('train', '--dataset', path('halves.csv'), '--target', 'side', '--local', '3,1,2', '--arch', '16-9-2');
    expect([wrongArch.code, wrongArch.err]).toEqual([2, expect.stringContaining('--local 3,1,2 makes hidden layer 1 of 8 neurons; --arch has 9 there')]);
    // A second local layer over the first's 2×2 positions × 2 filters: one 2×2 window, 4 filters.
    const deeper = await senn('train', '--dataset', path('halves.csv'), '--target', 'side', '--local', '3,1,2', '--local', '2,1,4', '--epochs', '2', '--json', path('deeper.json'));
    expect(deeper.code, deeper.err).toBe(0);
    expect(deeper.out).toContain('arch 16-8-4-2');
    expect(JSON.parse(readFileSync(path('deeper.json'), 'utf8')).params).toBe(72 + 8 + 32 + 4 + 8 + 2);
    const wrongImage = await senn('train', '--dataset', path('halves.csv'), '--target', 'side', '--local', '3,1,2', '--image', '5x4');
    expect([wrongImage.code, wrongImage.err]).toEqual([2, expect.stringContaining('--image 5x4: 20 values, the data has 16 inputs')]);
    const resumed = await senn('train', '--resume', path('halves.senn'), '--local', '3,1,2');
    expect([resumed.code, resumed.err]).toEqual([2, expect.stringContaining('--local cannot be combined with --resume')]);
    // --conv: the same windows sharing their weights (2 filters of 3×3, padded to keep 4×4
    // positions), then a locally connected layer over its 4×4×2 output: stacked in the order given.
    const conv = await senn('train', '--dataset', path('halves.csv'), '--target', 'side', '--conv', '3,1,2,1', '--local', '2,2,4', '--epochs', '12', '--lr', '0.03', '--batch', '32', '--save', path('conv.senn'), '--json', path('conv.json'));
    expect(conv.code, conv.err).toBe(0);
    expect(conv.out).toContain('arch 16-32-16-2');
    expect(Number(/test: .*accuracy ([\d.]+)%/.exec(conv.out)![1])).toBeGreaterThan(90);
    // 18 shared weights and 2 shared biases; the local layer's 4 positions × 4 filters × 8 edges, 16 biases; the output's.
    expect(JSON.parse(readFileSync(path('conv.json'), 'utf8')).params).toBe(18 + 2 + 128 + 16 + 32 + 2);
    expect((await senn('info', path('conv.senn'))).out).toMatch(/L0 → L1 +\d+ edges, .* sharing 18 weights: a 3×3 convolution of 2 filters over 4×4×1, stride 1, padding 1/);
    // The convolution's layer may grow too: its splits keep the weights shared (counted once).
    const quick = ['--window', '2', '--min-epochs-between', '2', '--loss-change-threshold', '1', '--choose-threshold', '0.3', '--lr', '0.01', '--batch', '32'];
    const growConv = await senn('train', '--dataset', path('halves.csv'), '--target', 'side', '--conv', '3,1,2,1', '--expand', '--expandable', '1,2', '--epochs', '6', ...quick, '--json', path('grow-conv.json'), '--save', path('grow-conv.senn'));
    expect(growConv.code, growConv.err).toBe(0);
    const grown = JSON.parse(readFileSync(path('grow-conv.json'), 'utf8'));
    const targets = grown.growth.filter((g: { kind: string }) => g.kind === 'expand').map((g: { target: number }) => g.target);
    expect(targets).toContain(1);
    // The split's new level reads the pixels through shared weights too.
    const grownInfo = (await senn('info', path('grow-conv.senn'))).out;
    expect(grownInfo).toContain(`(format 7), ${grown.params} parameters`);
    expect(grownInfo.match(/sharing \d+ weights/g)!.length).toBeGreaterThanOrEqual(2);
    // --pool: 2×2 max pooling of the convolution's 4×4×2 output (no parameters), the output growing after it.
    const pooled = await senn('train', '--dataset', path('halves.csv'), '--target', 'side', '--conv', '3,1,2,1', '--pool', '2', '--expand', '--epochs', '12', ...quick, '--lr', '0.03', '--json', path('pool.json'), '--save', path('pool.senn'));
    expect(pooled.code, pooled.err).toBe(0);
    expect(pooled.out).toContain('arch 16-32-8-2');
    expect(Number(/test: .*accuracy ([\d.]+)%/.exec(pooled.out)![1])).toBeGreaterThan(90);
    const poolJson = JSON.parse(readFileSync(path('pool.json'), 'utf8'));
    expect(poolJson.epochs[0].params).toBe(18 + 2 + 8 * 2 + 2);
    const poolInfo = (await senn('info', path('pool.senn'))).out;
    expect(poolInfo).toContain(`(format 7), ${poolJson.params} parameters`);
    expect(poolInfo).toContain('L2 8 max pool of L1 (2×2 windows over 4×4×2, stride 2, padding 0), identity');
    // --avg-pool 4: global average pooling of each of the two filters' 4×4 maps.
    const averaged = await senn('train', '--dataset', path('halves.csv'), '--target', 'side', '--conv', '3,1,2,1', '--avg-pool', '4', '--epochs', '2', '--save', path('avg.senn'));
    expect(averaged.code, averaged.err).toBe(0);
    expect(averaged.out).toContain('arch 16-32-2-2');
    expect((await senn('info', path('avg.senn'))).out).toContain('L2 2 average pool of L1 (4×4 windows over 4×4×2, stride 4, padding 0), identity');
    const poolFirst = await senn('train', '--dataset', path('halves.csv'), '--target', 'side', '--pool', '2', '--conv', '3,1,2,1');
    expect([poolFirst.code, poolFirst.err]).toEqual([2, expect.stringContaining('--pool 2 comes first: it pools a --conv or --local layer given before it')]);
  }, 60_000);

  it('reads CSV files by column name, for classification and regression', async () => {
    const rows = ['height,colour,weight,kind'];
    for (let i = 0; i < 120; i++) rows.push(`${(i % 3) * 2 + (i % 7) / 10},${i % 5},${i / 100},${['ant', 'bee', 'cat'][i % 3]}`);
    writeFileSync(path('kinds.csv'), `${rows.join('\n')}\n`);
    const cls = await senn('train', '--dataset', path('kinds.csv'), '--target', 'kind', '--epochs', '30', '--lr', '0.02', '--batch', '32', '--save', path('kinds.senn'));
    expect(cls.code, cls.err).toBe(0);
    expect(cls.out).toContain('arch 3-32-3');
    expect(Number(/test: .*accuracy ([\d.]+)%/.exec(cls.out)![1])).toBeGreaterThan(90);
    writeFileSync(path('new.csv'), 'weight,height,colour\n0.1,4.2,1\n');
    const predicted = await senn('predict', path('kinds.senn'), '--input', path('new.csv'));
    expect(predicted.code, predicted.err).toBe(0);
    expect(predicted.out.split('\n')[0]).toBe('prediction,p_ant,p_bee,p_cat');
    expect(predicted.out.split('\n')[1]!.startsWith('cat,')).toBe(true);

    const reg = ['x,y'];
    for (let i = 0; i < 200; i++) reg.push(`${i / 100},${(3 * i) / 100 + 1}`);
    writeFileSync(path('line.csv'), `${reg.join('\n')}\n`);
    const fitted = await senn('train', '--dataset', path('line.csv'), '--target', 'y', '--task', 'regression', '--epochs', '100', '--lr', '0.03', '--batch', '32');
    expect(fitted.code, fitted.err).toBe(0);
    expect(Number(/test: .*rmse ([\d.]+)/.exec(fitted.out)![1])).toBeLessThan(0.5);

    // Columns that are not features (--ignore), and a test file in another column order with
    // fewer classes: read by the training file's columns and classes.
    writeFileSync(path('named.csv'), `${['id,name,' + rows[0]].concat(rows.slice(1).map((r, i) => `${i},n${i},${r}`)).join('\n')}\n`);
    writeFileSync(path('named-test.csv'), 'kind,weight,colour,height,name,id\ncat,0.1,1,4.2,x,1\ncat,0.2,2,4.3,y,2\n');
    const named = await senn('train', '--dataset', path('named.csv'), '--target', 'kind', '--ignore', 'id, name', '--test', path('named-test.csv'), '--epochs', '30', '--lr', '0.02', '--batch', '32', '--save', path('named.senn'));
    expect(named.code, named.err).toBe(0);
    expect(named.out).toContain('arch 3-32-3');
    expect(Number(/test: .*accuracy ([\d.]+)%/.exec(named.out)![1])).toBe(100);
    expect((await senn('predict', path('named.senn'), '--input', path('named-test.csv'))).out.split('\n').slice(1, 3)).toEqual([expect.stringMatching(/^cat,/), expect.stringMatching(/^cat,/)]);
    const unnamed = await senn('train', '--dataset', path('named.csv'), '--target', 'kind', '--epochs', '1');
    expect([unnamed.code, unnamed.err]).toEqual([3, expect.stringContaining('column "name": "n0" is not a number')]);

    // Another separator: given once to train, kept in the checkpoint
    // for eval and predict; --delimiter overrides it for a file written otherwise.
    writeFileSync(path('semi.csv'), `${rows.map((r) => r.replaceAll(',', ';')).join('\n')}\n`);
    const semi = await senn('train', '--dataset', path('semi.csv'), '--target', 'kind', '--delimiter', ';', '--epochs', '30', '--lr', '0.02', '--batch', '32', '--save', path('semi.senn'));
    expect(semi.code, semi.err).toBe(0);
    expect(semi.out).toContain('arch 3-32-3');
    expect((await senn('eval', path('semi.senn'))).out).toMatch(/semi\.csv: 120 rows .* accuracy/);
    writeFileSync(path('new-semi.csv'), 'weight;height;colour\n0.1;4.2;1\n');
    expect((await senn('predict', path('semi.senn'), '--input', path('new-semi.csv'))).out.split('\n')[1]!.startsWith('cat,')).toBe(true);
    writeFileSync(path('new-tab.csv'), 'weight\theight\tcolour\n0.1\t4.2\t1\n');
    expect((await senn('predict', path('semi.senn'), '--input', path('new-tab.csv'), '--delimiter', 'tab')).out.split('\n')[1]!.startsWith('cat,')).toBe(true);
    const badDelimiter = await senn('train', '--dataset', path('semi.csv'), '--target', 'kind', '--delimiter', ';;');
    expect([badDelimiter.code, badDelimiter.err]).toEqual([2, expect.stringContaining('--delimiter must be one character (not a quote or line break) or "tab", got ";;"')]);
  }, 90_000);

  it('exit codes: 0 help, 2 bad usage, 3 bad input; messages name the problem', async () => {
    for (const command of ['train', 'eval', 'predict', 'info']) {
      const help = await senn(command, '--help');
      expect(help.code).toBe(0);
      expect(help.out).toContain(`Usage: senn ${command}`);
    }
    expect((await senn('--help')).code).toBe(0);
    const version = await senn('--version');
    expect([version.code, version.out]).toEqual([0, `senn ${JSON.parse(readFileSync('package.json', 'utf8')).version}\n`]);
    expect((await senn()).code).toBe(2);
    expect((await senn('frobnicate')).code).toBe(2);
    expect((await senn('constructor')).code).toBe(2);
    expect((await senn('help', 'toString')).code).toBe(2);
    const misspelt = await senn('trian');
    expect([misspelt.code, misspelt.err]).toEqual([2, expect.stringContaining('unknown command "trian" (did you mean train?)')]);
    const badOption = await senn('train', '--no-such-option');
    expect([badOption.code, badOption.err]).toEqual([2, 'senn: unknown option --no-such-option; `senn train --help` lists the options\n']);
    // A near miss of an option the command's help lists is named.
    const typo = await senn('train', '--datset', 'mnist');
    expect([typo.code, typo.err]).toEqual([2, 'senn: unknown option --datset (did you mean --dataset?); `senn train --help` lists the options\n']);
    expect((await senn('eval', 'x.senn', '--softwar')).err).toContain('(did you mean --software?)');
    // And of a value out of a list (args.ts' didYouMean, which every such refusal ends with).
    expect((await senn('train', '--optimizer', 'Adam')).err).toContain('got "Adam" (did you mean adam?)');
    // predict's help names `senn train --save` in its text: not an option to suggest for itself.
    const otherCommands = await senn('predict', 'x.senn', '--save', 'y.senn');
    expect([otherCommands.code, otherCommands.err]).toEqual([2, 'senn: unknown option --save; `senn predict --help` lists the options\n']);
    const noValue = await senn('train', '--epochs');
    expect([noValue.code, noValue.err]).toEqual([2, "senn: Option '--epochs <value>' argument missing; `senn train --help` lists the options\n"]);
    const badNumber = await senn('train', '--epochs', 'ten');
    expect([badNumber.code, badNumber.err]).toEqual([2, expect.stringContaining('--epochs must be a number')]);
    // A window layer the connections refuse is named by its flag, not by the API function behind it.
    const badPadding = await senn('train', '--dataset', 'xor', '--conv', '1,1,1,3', '--image', '2x1');
    expect([badPadding.code, badPadding.err]).toEqual([2, 'senn: ConfigError: --conv 1,1,1,3: padding must be an integer in [0, kernel), got 3\n']);
    // What a convolution's shared weights cannot split is refused before the first epoch, in the flag's words.
    const hinges = await senn('train', '--dataset', 'xor', '--conv', '1,1,2', '--image', '2x1', '--expand', '--expandable', '1', '--neurons-per-edge', '2', '--epochs', '5');
    expect([hinges.code, hinges.err, hinges.out]).toEqual([2, expect.stringContaining("senn: ConfigError: --neurons-per-edge 2: level 1 is fed by a convolution's shared weights"), expect.not.stringContaining('epoch ')]);
    const badMetric = await senn('train', '--expand', '--prune-metric', 'size');
    expect([badMetric.code, badMetric.err]).toEqual([2, expect.stringContaining('unknown prune metric "size"')]);
    const badLayers = await senn('train', '--expand', '--arch', '784-10', '--expandable', '0,1');
    expect([badLayers.code, badLayers.err]).toEqual([2, expect.stringContaining('--expandable must be 1 (the output layer: the network has no hidden layer); got "0,1"')]);
    const badHidden = await senn('train', '--expand', '--arch', '784-16-10', '--expandable', '3');
    expect([badHidden.code, badHidden.err]).toEqual([2, expect.stringContaining('--expandable must list layer indices from 1 to 2 joined by ",", like 1,2; got "3"')]);
    // Refused by the flag's name before the dataset loads (fit would name its own option, later).
    for (const [flag, value, message] of [
      ['--val-fraction', '1', '--val-fraction must be in (0, 1), got 1'],
      ['--batch', '0', '--batch must be a positive integer, got 0'],
      ['--epochs', '2.5', '--epochs must be a non-negative integer, got 2.5'],
      ['--lr', '0', '--lr must be a finite number in (0, Infinity], got 0'],
      ['--momentum', '1.5', '--momentum must be a finite number in [0, 1], got 1.5'],
      ['--seed', '1.5', '--seed must be a non-negative integer, got 1.5'],
      ['--max-grad-norm', '0', '--max-grad-norm must be a number above 0 (inf: measure the norm, never clip), got 0'],
      ['--label-smoothing', '1.5', '--label-smoothing must be a finite number in [0, 1], got 1.5'],
    ] as const) {
      const refused = await senn('train', '--dataset', 'nowhere.csv', flag, value);
      expect([refused.code, refused.err]).toEqual([2, `senn: ConfigError: ${message}\n`]);
    }
    const badSplit = await senn('train', '--expand', '--exact-split', 'some');
    expect([badSplit.code, badSplit.err]).toEqual([2, expect.stringContaining('--exact-split must be signed or all, got "some"')]);
    const badHinges = await senn('train', '--expand', '--neurons-per-edge', '2.5');
    expect([badHinges.code, badHinges.err]).toEqual([2, expect.stringContaining('--neurons-per-edge must be an integer from 1 to 16, got 2.5')]);
    const badKnots = await senn('train', '--expand', '--neurons-per-edge', '3', '--knot-spacing', '0');
    expect([badKnots.code, badKnots.err]).toEqual([2, expect.stringContaining('--knot-spacing must be a positive number, got 0')]);
    // Expansion flags name themselves, and without --expand they are refused rather than ignored.
    const badWindow = await senn('train', '--expand', '--window', '0');
    expect([badWindow.code, badWindow.err]).toEqual([2, 'senn: ConfigError: --window must be a positive integer, got 0\n']);
    const badChoice = await senn('train', '--expand', '--metric', 'size');
    expect([badChoice.code, badChoice.err]).toEqual([2, expect.stringContaining('--metric: unknown metric "size"; expected one of abs-grad, grad-variance, weight-sq, weight-abs, taylor')]);
    const noExpand = await senn('train', '--delete-threshold', '0.025');
    expect([noExpand.code, noExpand.err]).toEqual([2, 'senn: ConfigError: --delete-threshold is an option of self-expansion; add --expand\n']);
    const badNormalization = await senn('train', '--expand', '--prune-normalization', 'global');
    expect([badNormalization.code, badNormalization.err]).toEqual([2, expect.stringContaining('unknown prune normalization "global"')]);
    const strayRate = await senn('train', '--min-lr', '0.001');
    expect([strayRate.code, strayRate.err]).toEqual([2, expect.stringContaining('--min-lr needs --lr-schedule')]);
    const strayRestart = await senn('train', '--lr-restart-at-growth');
    expect([strayRestart.code, strayRestart.err]).toEqual([2, expect.stringContaining('--lr-restart-at-growth needs --lr-schedule')]);
    const wrongSchedule = await senn('train', '--lr-schedule', 'cosine', '--lr-gamma', '0.5');
    expect([wrongSchedule.code, wrongSchedule.err]).toEqual([2, expect.stringContaining('--lr-gamma applies to --lr-schedule step, not cosine')]);
    const noPeriod = await senn('train', '--lr-schedule', 'step');
    expect([noPeriod.code, noPeriod.err]).toEqual([2, expect.stringContaining('--lr-schedule step needs --lr-step-epochs N')]);
    const badSchedule = await senn('train', '--lr-schedule', 'linear');
    expect([badSchedule.code, badSchedule.err]).toEqual([2, expect.stringContaining('--lr-schedule must be one of constant, step, cosine, got "linear"')]);
    const missing = await senn('eval', path('nowhere.senn'));
    expect([missing.code, missing.err]).toEqual([3, expect.stringContaining('cannot read checkpoint')]);
    writeFileSync(path('bad.csv'), 'a,b,t\n1,2,x\n3,oops,y\n1,1,x\n2,2,y\n3,3,x\n');
    const badCell = await senn('train', '--dataset', path('bad.csv'), '--target', 't', '--epochs', '1');
    expect([badCell.code, badCell.err]).toEqual([3, expect.stringContaining('line 3, column "b": "oops" is not a number')]);
    const noTarget = await senn('train', '--dataset', path('bad.csv'), '--target', 'label', '--epochs', '1');
    expect([noTarget.code, noTarget.err]).toEqual([3, expect.stringContaining('no column "label"; the columns are a, b, t')]);
    // NaN in the data is bad input; a run that diverges to NaN failed while running.
    expect([exitCodeOf(new NaNError('x')), exitCodeOf(new DivergenceError('x'))]).toEqual([3, 1]);
    writeFileSync(path('garbage.senn'), 'not a checkpoint at all');
    expect((await senn('eval', path('garbage.senn'))).code).toBe(3);
  }, 60_000);

  it('draws a progress bar on a terminal and nothing when output is not a terminal', () => {
    const written: string[] = [];
    const stream = { write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const progress = { epoch: 2, epochs: 5, step: 30, steps: 60, samples: 7680, loss: 0.4321, seconds: 2 };
    new ProgressView(stream, true).update(progress);
    expect(written.join('')).toMatch(/epoch 2\/5 \[#{12}\.{12}\]  50%  3,840 samples\/s  loss 0\.4321/);
    written.length = 0;
    new ProgressView(stream, false).update(progress);
    expect(written).toEqual([]);
  });
});
