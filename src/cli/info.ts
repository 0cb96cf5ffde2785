import { parseArgs } from 'node:util';
import { isRecord } from '../args.js';
import { ConfigError } from '../errors.js';
import { type CheckpointSummary, describeCheckpoint } from '../io/checkpoint.js';
import { ADAPTER_OPTIONS, checkOutputPath, readCheckpointFile, writeOutput } from './options.js';
import { expansionFlagWords } from './expansionFlags.js';
import { epochsLeft, planOf } from './runPlan.js';
import { SENN_VERSION } from '../version.js';
import { counted } from '../words.js';

export const INFO_HELP = `Usage: senn info MODEL.senn [options]

Describe a checkpoint without a GPU: its architecture (levels, blocks and their density),
parameter count, optimizer, training history (epochs, last validation figures, growth) and
the run that wrote it. Reads only the file's header.

Options:
  --json FILE        also write the description (and the whole history) as JSON
  --software, --bounds-checks
                     taken as the other commands take them, and unused: info needs no GPU
  -h, --help         show this help
`;

const count = (n: number) => n.toLocaleString('en-US');

/**
 * "2 expansions (367 edges split), 2 prunings (24,576 edges removed)": the growth over `epochs`;
 * "no expansion, no pruning" where there was none.
 */
export function growthWords(epochs: readonly { expanded: number; pruned: number }[]): string {
  const expansions = epochs.filter((e) => e.expanded > 0);
  const prunings = epochs.filter((e) => e.pruned > 0);
  if (expansions.length === 0 && prunings.length === 0) return 'no expansion, no pruning';
  return (
    `${counted(expansions.length, 'expansion')} (${counted(expansions.reduce((n, e) => n + e.expanded, 0), 'edge')} split), ` +
    `${counted(prunings.length, 'pruning')} (${counted(prunings.reduce((n, e) => n + e.pruned, 0), 'edge')} removed)`
  );
}

/**
 * The epochs of the run that wrote a checkpoint: its --epochs, or where it resumed another
 * (its plan starts after epoch 0 of the history, or goes on with a stopped run's plan, which its
 * own --epochs, the epochs that run had left, do not span) the epochs of the history it planned.
 */
function runEpochs(epochs: unknown, plan: unknown): string {
  const known = planOf(plan);
  return known && (known.first > 0 || known.last - known.first !== epochs) ? `epochs ${known.first + 1}–${known.last} (resumed)` : `epochs ${String(epochs)}`;
}

/** The lines `senn info` prints for `s` (read from `file`). */
export function describeLines(file: string, s: CheckpointSummary): string[] {
  const position = new Map(s.levels.map((l, i) => [l.id, i]));
  const lines = [`${file}: senn checkpoint (format ${s.version}), ${count(s.parameters)} parameters`];
  lines.push(`architecture  ${s.levels.map((l) => l.size).join('-')}`);
  const windows = ({ image: i, edges }: NonNullable<CheckpointSummary['levels'][number]['pool']>) =>
    i ? `${i.kernel}×${i.kernel} windows over ${i.width}×${i.height}×${i.channels}, stride ${i.stride}, padding ${i.padding}` : `${count(edges)} window edges`;
  const kind = (l: CheckpointSummary['levels'][number]) => (l.role === 'input' ? 'inputs' : l.pool ? `${l.pool.kind} pool of L${position.get(l.pool.source)} (${windows(l.pool)}), ${l.activation}` : l.activation);
  lines.push(`levels        ${s.levels.map((l, i) => `L${i} ${l.size} ${kind(l)}${s.expandable.includes(l.id) ? ' (expandable)' : ''}`).join(', ')}`);
  lines.push(`blocks        ${s.blocks.length}, ${count(s.blocks.reduce((n, b) => n + b.edges, 0))} edges (weights)`);
  const sizeOf = (id: number) => s.levels[position.get(id)!]!.size;
  for (const b of [...s.blocks].sort((x, y) => position.get(x.dst)! - position.get(y.dst)! || position.get(x.src)! - position.get(y.src)!)) {
    const full = sizeOf(b.src) * sizeOf(b.dst);
    const c = b.convolution;
    const windows = c ? `: a ${c.kernel}×${c.kernel} convolution of ${c.filters} filters over ${c.width}×${c.height}×${c.channels}, stride ${c.stride}, padding ${c.padding}` : ' (a convolution)';
    const shared = b.sharedWeights ? `, sharing ${count(b.sharedWeights)} weights${windows}` : '';
    lines.push(`  L${position.get(b.src)} → L${position.get(b.dst)}  ${count(b.edges).padStart(9)} edges, ${((100 * b.edges) / full).toFixed(1).padStart(5)}% of ${sizeOf(b.src)} × ${sizeOf(b.dst)}${shared}`);
  }
  lines.push(`optimizer     ${s.optimizer ? `${s.optimizer.name}, ${count(s.optimizer.step)} steps` : 'none (never trained)'}`);
  if (s.statisticsBatches > 0) lines.push(`statistics    running Σ|g|, Σg, Σg² of every parameter over ${count(s.statisticsBatches)} batches`);
  const h = s.history;
  if (h.length > 0) {
    const last = h[h.length - 1]!;
    const quality = Number.isNaN(last.valAccuracy) ? '' : `, val accuracy ${(100 * last.valAccuracy).toFixed(2)}%`;
    const seconds = h.reduce((sum, e) => sum + (Number.isFinite(e.seconds) ? e.seconds : 0), 0);
    lines.push(`trained       ${counted(h.length, 'epoch')} in ${seconds.toFixed(1)} s; the last: train loss ${last.trainLoss.toFixed(4)}, val loss ${last.valLoss.toFixed(4)}${quality}`);
    lines.push(`growth        ${growthWords(h)}`);
  } else {
    lines.push('trained       no epochs recorded');
  }
  const data = s.run?.data as { dataset?: unknown; task?: unknown; generatedRows?: unknown } | undefined;
  if (data && typeof data.dataset === 'string') {
    const args = (s.run?.args ?? {}) as Record<string, unknown>;
    const shown = ['epochs', 'batch', 'lr', 'optimizer', 'maxGradNorm', 'labelSmoothing', 'classWeights', 'dropout', 'inputDropout', 'init', 'seed', 'trainRows']
      // nn.Linear's initialisation, the default, goes without saying.
      .filter((k) => args[k] !== undefined && !(k === 'init' && args[k] === 'linear'))
      .map((k) => {
        if (k === 'trainRows') return `${String(args[k])} training rows`;
        if (k === 'epochs') return runEpochs(args[k], s.run?.plan);
        // A run's JSON holds Infinity (the norm measured, never clipped) as null.
        if (k === 'maxGradNorm') return `gradient norm ${args[k] === null ? 'measured' : `clipped to ${String(args[k])}`}`;
        if (k === 'labelSmoothing') return `label smoothing ${String(args[k])}`;
        if (k === 'dropout') return `dropout ${String(args[k])}`;
        if (k === 'inputDropout') return `input dropout ${String(args[k])}`;
        if (k === 'classWeights') return `class weights ${Array.isArray(args[k]) ? (args[k] as unknown[]).join(',') : String(args[k])}`;
        if (k === 'init') return `${String(args[k])} initialisation`;
        if (k === 'optimizer' && args[k] === 'sgd' && typeof args.momentum === 'number' && args.momentum > 0) return `optimizer sgd, ${args.nesterov ? 'Nesterov ' : ''}momentum ${args.momentum}`;
        return `${k} ${String(args[k])}`;
      });
    if (data.generatedRows !== undefined) shown.push(`${String(data.generatedRows)} rows generated`);
    const moved = typeof args.augmentShift === 'number' && args.augmentShift > 0 ? `, images moved up to ${args.augmentShift} px` : '';
    lines.push(`run           senn train on ${data.dataset} (${String(data.task)})${shown.length ? `: ${shown.join(', ')}` : ''}${moved}${args.expansion ? ', with expansion' : ''}`);
    if (isRecord(args.expansion)) {
      const flags = expansionFlagWords(args.expansion);
      lines.push(`expansion     ${flags.length ? `${flags.join(' ')}; the rest as the reference (ALGORITHM.md)` : 'the reference configuration (ALGORITHM.md)'}`);
    }
    // Saved before the run's end (Ctrl-C, --save-every): how to go on as if it had not stopped.
    const left = epochsLeft(s.run?.plan, h.length);
    if (left > 0) lines.push(`stopped       after epoch ${h.length} of ${h.length + left}: senn train --resume ${file} --epochs ${left} trains the rest as the run would have`);
  }
  return lines;
}

/** `senn info`: returns the process exit code. */
export async function infoCommand(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args: argv,
    // The adapter flags are taken so a command line written for train or eval works here too.
    options: { json: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false }, ...ADAPTER_OPTIONS },
    allowPositionals: true,
    strict: true,
  });
  if (v.help) {
    process.stdout.write(INFO_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new ConfigError('senn info needs exactly one checkpoint file: senn info MODEL.senn');
  checkOutputPath('--json', v.json);
  const file = positionals[0]!;
  const summary = describeCheckpoint(readCheckpointFile(file));
  for (const line of describeLines(file, summary)) console.log(line);
  if (v.json) writeOutput('--json', v.json, `${JSON.stringify({ senn: SENN_VERSION, file, ...summary }, null, 2)}\n`);
  return 0;
}
