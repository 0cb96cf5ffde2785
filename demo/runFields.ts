// An opened checkpoint's run shown in the page's fields, so that Start goes on with the settings
// it was trained with, as `senn train --resume` does; what no field can hold is named instead.
import { expansionFlagWords } from '../src/cli/expansionFlags.js';
import { $, input, label } from './fields.js';
import { optimizerArgs } from './session.js';
import { optimizerSetting } from './settings.js';

type Args = Readonly<Record<string, unknown>>;

/** The expansion options with a number field of the same id. */
const NUMBER_FIELDS = ['chooseThreshold', 'maxToReplace', 'lossChangeThreshold', 'window', 'minEpochsBetween', 'deleteAfter', 'deleteThreshold', 'neuronsPerEdge'];
/** The expansion options the page shows (the number fields, the metrics, the budget, the exact split). */
const SHOWN_EXPANSION = new Set([...NUMBER_FIELDS, 'metric', 'pruneMetric', 'maxParameters', 'exactSplit']);

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Sets number field `id` to `value` where it is a number; else says why not (undefined: absent, nothing to say). */
function setNumber(id: string, value: unknown, unmatched: string[]): void {
  if (isNumber(value)) input(id).value = String(value);
  else if (value !== undefined) unmatched.push(`${label(id)} ${JSON.stringify(value)}`);
}

/** Picks `choice` in select `id` where it has that option; else names the setting. */
function setChoice(id: string, choice: string | null, setting: string, unmatched: string[]): void {
  const select = $<HTMLSelectElement>(id);
  if (choice !== null && Array.from(select.options).some((o) => o.value === choice)) select.value = choice;
  else unmatched.push(setting);
}

/**
 * The "Optimizer" choice that the page would record as these --optimizer, --momentum and
 * --nesterov (each choice's arguments as the saved run writes them), or null. The page names no
 * weight decay (AdamW's is fit's default): a run that named one has no choice here.
 */
function optimizerChoice(args: Args): string | null {
  if (args.weightDecay !== undefined) return null;
  const choices = Array.from($<HTMLSelectElement>('optimizer').options, (o) => o.value);
  return (
    choices.find((choice) => {
      const recorded = optimizerArgs(optimizerSetting(choice));
      // Adam's and AdamW's runs record no momentum of their own to compare.
      return recorded.optimizer === args.optimizer && (args.optimizer !== 'sgd' || (recorded.momentum === args.momentum && recorded.nesterov === (args.nesterov === true)));
    }) ?? null
  );
}

/** The "Rate schedule" choice of a run's schedule (the page's cosine falls to 0 without warm-up), or null. */
function scheduleChoice(schedule: unknown): string | null {
  if (schedule === null || schedule === undefined) return 'constant';
  const s = schedule as { name?: unknown; minLr?: unknown; warmupEpochs?: unknown; restartAtGrowth?: unknown };
  if (s.name === 'constant' && !s.warmupEpochs && !s.restartAtGrowth) return 'constant';
  if (s.name === 'cosine' && !s.minLr && !s.warmupEpochs) return s.restartAtGrowth ? 'cosine-restart' : 'cosine';
  return null;
}

/**
 * Fill the settings from a checkpoint's run arguments (`senn train`'s or the page's own): the
 * initialisation, batch, rate, optimizer, schedule, clipping, smoothing, dropout (of hidden values and of inputs), class weights, moves and
 * expansion options. Returns
 * the settings the page has no field for (an SGD momentum other than 0.9, say), in words; their
 * fields keep what they showed.
 */
export function showRunSettings(args: Args): string[] {
  const unmatched: string[] = [];
  // Absent from runs saved before senn had a choice: nn.Linear's, the default.
  setChoice('init', typeof args.init === 'string' ? args.init : args.init === undefined ? 'linear' : null, `initialisation ${JSON.stringify(args.init)}`, unmatched);
  setNumber('batch', args.batch, unmatched);
  setNumber('lr', args.lr, unmatched);
  setChoice('optimizer', optimizerChoice(args), `optimizer ${String(args.optimizer)}${args.momentum ? ` (momentum ${String(args.momentum)})` : ''}${args.weightDecay === undefined ? '' : ` (weight decay ${String(args.weightDecay)})`}`, unmatched);
  setChoice('schedule', scheduleChoice(args.schedule), `schedule ${JSON.stringify(args.schedule)}`, unmatched);
  // Empty fields: no clipping (a norm measured only, null, is not the page's), no smoothing, no dropout.
  input('maxGradNorm').value = '';
  if (args.maxGradNorm === null) unmatched.push('gradient norm measured, never clipped');
  else setNumber('maxGradNorm', args.maxGradNorm, unmatched);
  input('labelSmoothing').value = '';
  setNumber('labelSmoothing', args.labelSmoothing, unmatched);
  input('dropout').value = '';
  setNumber('dropout', args.dropout, unmatched);
  input('inputDropout').value = '';
  setNumber('inputDropout', args.inputDropout, unmatched);
  // The page offers none or balanced; weights of one's own are named.
  setChoice('classWeights', args.classWeights === undefined ? '' : args.classWeights === 'balanced' ? 'balanced' : null, `class weights ${Array.isArray(args.classWeights) ? args.classWeights.join(',') : JSON.stringify(args.classWeights)}`, unmatched);
  if (args.augmentShift !== undefined) setChoice('augmentShift', String(args.augmentShift), `images moved up to ${String(args.augmentShift)} px`, unmatched);
  const e = (args.expansion ?? {}) as Args;
  if (typeof e.metric === 'string') setChoice('metric', e.metric, `metric ${e.metric}`, unmatched);
  // The split metric's own prune metric is the page's default choice.
  if (typeof e.pruneMetric === 'string') setChoice('pruneMetric', e.pruneMetric === (e.metric ?? 'abs-grad') ? '' : e.pruneMetric, `prune metric ${e.pruneMetric}`, unmatched);
  for (const id of NUMBER_FIELDS) setNumber(id, e[id], unmatched);
  input('maxParameters').value = '';
  setNumber('maxParameters', e.maxParameters ?? undefined, unmatched);
  if (e.exactSplit === true) unmatched.push('--exact-split all');
  else if (e.exactSplit !== undefined) input('exactSplit').checked = e.exactSplit === 'signed';
  // The expansion options no field holds, where they are not the reference's: as senn train's flags.
  const unshown = Object.fromEntries(Object.entries(e).filter(([key]) => !SHOWN_EXPANSION.has(key)));
  return [...unmatched, ...expansionFlagWords(unshown)];
}
