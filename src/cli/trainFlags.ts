// The values of senn train's flags that take more than a number: the learning-rate schedule's,
// gradient clipping's, label smoothing's and the class weights', each falling back on a resumed run's.
import { notOneOf } from '../args.js';
import { ConfigError } from '../errors.js';
import { type LrSchedule, type ScheduleName, SCHEDULES } from '../train/schedule.js';
import { numberOption } from './options.js';

/** The schedule's flags as parseArgs gives them. */
export interface ScheduleFlags {
  'lr-schedule'?: string;
  'lr-step-epochs'?: string;
  'lr-gamma'?: string;
  'min-lr'?: string;
  'warmup-epochs'?: string;
  'lr-restart-at-growth'?: boolean;
}

/** `--lr-schedule` and its options (absent: the resumed run's schedule, else none). */
export function scheduleArgs(v: ScheduleFlags, previous: LrSchedule | null): LrSchedule | null {
  const name = v['lr-schedule'] ?? previous?.name;
  if (name === undefined) {
    const stray = (['lr-step-epochs', 'lr-gamma', 'min-lr', 'warmup-epochs'] as const).find((k) => v[k] !== undefined);
    if (stray) throw new ConfigError(`--${stray} needs --lr-schedule`);
    if (v['lr-restart-at-growth']) throw new ConfigError('--lr-restart-at-growth needs --lr-schedule');
    return null;
  }
  if (!SCHEDULES.includes(name as ScheduleName)) throw new ConfigError(notOneOf('--lr-schedule', name, SCHEDULES));
  const only = (option: 'lr-step-epochs' | 'lr-gamma' | 'min-lr', schedule: ScheduleName) => {
    if (v[option] !== undefined && name !== schedule) throw new ConfigError(`--${option} applies to --lr-schedule ${schedule}, not ${name}`);
  };
  only('lr-step-epochs', 'step');
  only('lr-gamma', 'step');
  only('min-lr', 'cosine');
  // The resumed run's values stand where its schedule is kept and no option replaces them.
  const kept = previous?.name === name ? (previous as Partial<Record<'everyEpochs' | 'gamma' | 'minLr' | 'warmupEpochs', number> & { restartAtGrowth: boolean }>) : {};
  const warmupEpochs = numberOption('warmup-epochs', v['warmup-epochs'], kept.warmupEpochs ?? 0);
  const restartAtGrowth = v['lr-restart-at-growth'] || Boolean(kept.restartAtGrowth);
  if (name === 'step') {
    if (v['lr-step-epochs'] === undefined && kept.everyEpochs === undefined) throw new ConfigError('--lr-schedule step needs --lr-step-epochs N');
    const everyEpochs = numberOption('lr-step-epochs', v['lr-step-epochs'], kept.everyEpochs ?? 0);
    return { name, everyEpochs, gamma: numberOption('lr-gamma', v['lr-gamma'], kept.gamma ?? 0.1), warmupEpochs, restartAtGrowth };
  }
  if (name === 'cosine') return { name, minLr: numberOption('min-lr', v['min-lr'], kept.minLr ?? 0), warmupEpochs, restartAtGrowth };
  return { name: 'constant', warmupEpochs, restartAtGrowth };
}

/** `--max-grad-norm X|inf` (absent: the resumed run's bound, its null Infinity, else none). */
export function maxGradNormOption(value: string | undefined, previous: number | null | undefined): number | undefined {
  if (value === undefined) return previous === null ? Infinity : previous;
  return /^\+?inf(inity)?$/i.test(value.trim()) ? Infinity : numberOption('max-grad-norm', value, 0);
}

/** `--label-smoothing X` (absent: the resumed run's, else none); fit's check names the flag (checkTrainArgs). */
export function labelSmoothingOption(value: string | undefined, previous: number | undefined): number | undefined {
  return value === undefined ? previous : numberOption('label-smoothing', value, 0);
}

/**
 * `--class-weights balanced|W0,W1,…` (absent: the resumed run's, else none); the count and each
 * weight's range are checked against the dataset's classes once it is loaded.
 */
export function classWeightsOption(value: string | undefined, previous: 'balanced' | number[] | undefined): 'balanced' | number[] | undefined {
  if (value === undefined) return previous;
  if (value.trim() === 'balanced') return 'balanced';
  const parts = value.split(',');
  const weights = parts.map((p) => Number(p.trim()));
  const bad = parts.findIndex((p, i) => p.trim() === '' || !Number.isFinite(weights[i]));
  if (bad >= 0) throw new ConfigError(`--class-weights must be balanced or one number per class joined by ",", like 1,1,5; got "${value}"`);
  return weights;
}
