import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeCheckpoint } from '../../src/io/checkpoint.js';
import { scratchDir, senn, trainUntilCtrlC } from '../helpers/cli.js';
import { counted } from '../../src/words.js';

// Stopping a `senn train` run (Ctrl-C, a crash), saving it on the way, and going on from the
// file: the resumed run ends as the run that was not stopped.
const { path } = scratchDir('senn-cli-stop-');

afterEach(() => vi.restoreAllMocks());

describe('senn train: stopping, saving and going on', () => {
  it('a growing run saved between a split and its prune and resumed ends where the uninterrupted run ends, bit for bit', async () => {
    const growth = ['--dataset', 'xor', '--lr', '0.01', '--expand', '--window', '1', '--min-epochs-between', '2', '--loss-change-threshold', '1', '--late-splits'];
    expect((await senn('train', ...growth, '--epochs', '8', '--json', path('whole.json'))).code).toBe(0);
    expect((await senn('train', ...growth, '--epochs', '3', '--save', path('part.senn'))).code).toBe(0);
    const rest = await senn('train', '--resume', path('part.senn'), '--epochs', '5', '--json', path('rest.json'), '--save', path('rest.senn'));
    expect(rest.code, rest.err).toBe(0);
    // info names the epochs of the history the last run trained, not its --epochs alone.
    expect((await senn('info', path('rest.senn'))).out).toContain('run           senn train on xor (classification): epochs 4–8 (resumed), batch 256');
    const [whole, resumed] = [JSON.parse(readFileSync(path('whole.json'), 'utf8')), JSON.parse(readFileSync(path('rest.json'), 'utf8'))];
    // Split after epoch 3 (saved there), pruned after 5 (resumed), split after 6 and pruned after 8.
    expect(whole.growth.map((g: { kind: string; epoch: number }) => `${g.kind}@${g.epoch}`)).toEqual(['expand@3', 'prune@5', 'expand@6', 'prune@8']);
    expect(resumed.epochs.map((e: { valLoss: number }) => e.valLoss)).toEqual(whole.epochs.slice(3).map((e: { valLoss: number }) => e.valLoss));
    expect([resumed.test, resumed.params, resumed.architecture]).toEqual([whole.test, whole.params, whole.architecture]);
  });

  it('--lr-schedule: each epoch line and the JSON give the rate; a resumed run keeps the schedule and starts it again', async () => {
    const args = ['--dataset', 'xor', '--lr', '0.01', '--lr-schedule', 'step', '--lr-step-epochs', '1', '--lr-gamma', '0.5'];
    const trained = await senn('train', ...args, '--epochs', '3', '--save', path('step.senn'), '--json', path('step.json'));
    expect(trained.code, trained.err).toBe(0);
    expect(trained.out).toMatch(/epoch {3}3 .* lr 0\.00250 /);
    const run = JSON.parse(readFileSync(path('step.json'), 'utf8'));
    expect(run.epochs.map((e: { lr: number }) => e.lr)).toEqual([0.01, 0.005, 0.0025]);
    expect(run.args.schedule).toEqual({ name: 'step', everyEpochs: 1, gamma: 0.5, warmupEpochs: 0, restartAtGrowth: false });
    const resumed = await senn('train', '--resume', path('step.senn'), '--epochs', '2', '--json', path('step2.json'));
    expect(resumed.code, resumed.err).toBe(0);
    expect(JSON.parse(readFileSync(path('step2.json'), 'utf8')).epochs.map((e: { lr: number }) => e.lr)).toEqual([0.01, 0.005]);
  }, 60_000);

  it('Ctrl-C stops training after the epoch in progress, then tests, saves and writes the JSON (the built command, as a user runs it)', async () => {
    const { code, out, err } = await trainUntilCtrlC('--dataset', 'spirals', '--epochs', '1000', '--save', path('stopped.senn'), '--json', path('stopped.json'));
    expect(code, err).toBe(0);
    expect(err).toContain('stopping after the epoch in progress');
    const epochs = Number(/stopped by Ctrl-C after (\d+) of 1,000 epochs/.exec(out)?.[1]);
    expect(epochs).toBeGreaterThanOrEqual(2);
    expect(epochs).toBeLessThan(1000);
    expect(out).toMatch(/test: loss .* accuracy/);
    expect(out).toContain(`senn: to train the other ${counted(1000 - epochs, 'epoch')}: senn train --resume ${path('stopped.senn')} --epochs ${1000 - epochs}\n`);
    const run = JSON.parse(readFileSync(path('stopped.json'), 'utf8'));
    expect([run.interrupted, run.epochs.length]).toEqual([true, epochs]);
    expect(existsSync(path('stopped.senn'))).toBe(true);
  }, 60_000);

  it('a growing run with a schedule, stopped by Ctrl-C and resumed with the command it gives, ends as the run that was not stopped', async () => {
    const run = ['--dataset', 'xor', '--lr', '0.01', '--lr-schedule', 'cosine', '--warmup-epochs', '2', '--lr-restart-at-growth', '--expand', '--window', '1', '--min-epochs-between', '1', '--loss-change-threshold', '1', '--delete-after', '1', '--late-splits', '--epochs', '16'];
    const { code, out, err } = await trainUntilCtrlC(...run, '--save', path('cosine.senn'));
    expect(code, err).toBe(0);
    const left = Number(/senn: to train the other (\d+) epochs?: senn train --resume \S+ --epochs (\d+)\n/.exec(out)?.[1]);
    expect(left).toBeGreaterThan(0);
    expect((await senn('info', path('cosine.senn'))).out).toContain(`stopped       after epoch ${16 - left} of 16: senn train --resume ${path('cosine.senn')} --epochs ${left} trains the rest as the run would have\n`);
    const rest = await senn('train', '--resume', path('cosine.senn'), '--epochs', String(left), '--json', path('cosine-rest.json'), '--save', path('cosine-rest.senn'));
    expect(rest.out).toContain(`resuming after ${16 - left} epochs (going on to epoch 16 as planned, its cosine schedule too)`);
    // Gone on as planned: the run's epochs are the stopped run's 1–16, not the --epochs it had left.
    const described = (await senn('info', path('cosine-rest.senn'))).out;
    expect(described).toContain('run           senn train on xor (classification): epochs 1–16 (resumed), batch 256');
    expect(described).not.toContain('stopped ');
    expect((await senn('train', ...run, '--json', path('cosine-whole.json'))).code).toBe(0);
    const [whole, resumed] = [JSON.parse(readFileSync(path('cosine-whole.json'), 'utf8')), JSON.parse(readFileSync(path('cosine-rest.json'), 'utf8'))];
    expect(whole.growth.length).toBeGreaterThan(1);
    const lines = (r: { epochs: { lr: number; valLoss: number; params: number }[] }) => r.epochs.map((e) => [e.lr, e.valLoss, e.params]);
    expect(lines(resumed)).toEqual(lines(whole).slice(16 - left));
    expect([resumed.test, resumed.params, resumed.architecture]).toEqual([whole.test, whole.params, whole.architecture]);
  }, 60_000);

  it('--save-every writes the checkpoint while training: a run killed after its fifth epoch leaves a whole checkpoint of an even epoch', async () => {
    // SIGKILL stands for a crash: nothing runs after it, so the file holds the last periodic save.
    const file = path('every.senn');
    const child = spawn(process.execPath, ['bin/senn.js', 'train', '--dataset', 'xor', '--arch', '2-8-2', '--epochs', '1000', '--save', file, '--save-every', '2']);
    let out = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += String(d);
        // Epoch 4's save came before epoch 5 trained.
        if (out.includes('epoch   5 ')) child.kill('SIGKILL');
      });
      child.on('exit', () => resolve());
    });
    const saved = describeCheckpoint(new Uint8Array(readFileSync(file)));
    expect(saved.history.length % 2).toBe(0);
    expect(saved.history.length).toBeGreaterThanOrEqual(4);
    expect(saved.history.length).toBeLessThan(1000);
    const noFile = await senn('train', '--dataset', 'xor', '--save-every', '2');
    expect([noFile.code, noFile.err]).toEqual([2, expect.stringContaining('--save-every needs --save FILE')]);
    const zero = await senn('train', '--dataset', 'xor', '--save', path('x.senn'), '--save-every', '0');
    expect([zero.code, zero.err]).toEqual([2, expect.stringContaining('--save-every must be a positive integer, got 0')]);
  }, 60_000);

  it('a periodic save that cannot be written does not stop training; the last save says where the network went, each save overwriting one rescued file', async () => {
    const gone = path('vanishing');
    mkdirSync(gone);
    // The directory is checked when the command starts; removed right after, every save fails.
    const run = senn('train', '--dataset', 'xor', '--epochs', '3', '--save-every', '1', '--save', join(gone, 'run.senn'));
    rmSync(gone, { recursive: true });
    const { code, err, out } = await run;
    expect(out).toMatch(/epoch {3}3 /);
    expect(err.match(/^senn: --save-every: cannot write --save .*run\.senn .*; written to .* instead; training goes on$/gm)).toHaveLength(2);
    const last = /^senn: OutputError: cannot write --save .*; written to (.*) instead$/m.exec(err);
    expect([code, last !== null]).toEqual([1, true]);
    expect(describeCheckpoint(new Uint8Array(readFileSync(last![1]!))).history).toHaveLength(3);
    // The three saves went to one file, the newest one's: one copy in the temporary directory, not three.
    const rescues = [...err.matchAll(/written to (.*) instead/g)].map((m) => m[1]!);
    expect([rescues.length, new Set(rescues).size]).toEqual([3, 1]);
    // The user's to keep; the test's to remove.
    rmSync(dirname(last![1]!), { recursive: true, force: true });
  }, 60_000);

  it('--save-statistics keeps the last epoch\'s running statistics in the --save file; it needs --save', async () => {
    const trained = await senn('train', '--dataset', 'xor', '--arch', '2-8-2', '--epochs', '2', '--save', path('stats.senn'), '--save-statistics');
    expect(trained.code, trained.err).toBe(0);
    // 3,200 training rows (the 80% of 4,000), batches of 256: 13 batches in an epoch.
    expect(describeCheckpoint(readFileSync(path('stats.senn'))).statisticsBatches).toBe(13);
    expect((await senn('info', path('stats.senn'))).out).toContain('statistics    running Σ|g|, Σg, Σg² of every parameter over 13 batches\n');
    const refused = await senn('train', '--dataset', 'xor', '--epochs', '1', '--save-statistics');
    expect([refused.code, refused.err]).toEqual([2, 'senn: ConfigError: --save-statistics needs --save FILE (where to keep them)\n']);
  }, 60_000);
});
