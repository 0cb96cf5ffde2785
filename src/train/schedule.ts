import { ConfigError } from '../errors.js';
import { CONSTANT_STEPS, type ScheduleSteps } from '../kernels/optimizer.js';
import { describe, positiveInteger, unknownChoice } from '../args.js';

/**
 * A learning-rate schedule over one call to `fit`, in epochs (the GPU evaluates it per step).
 *
 * - `constant`: the optimizer's `lr` throughout.
 * - `step`: `lr · gamma^⌊e / everyEpochs⌋` in epoch e (0-based): multiplied by `gamma` (default 0.1)
 *   every `everyEpochs` epochs, as PyTorch's StepLR.
 * - `cosine`: from `lr` down to `minLr` (default 0) along half a cosine over the call's steps
 *   after the warm-up, as PyTorch's CosineAnnealingLR stepped once per batch.
 *
 * `warmupEpochs` (default 0) scales any of them by t / W over the first W steps (t = 1 … W, W =
 * `warmupEpochs` epochs' steps), a linear warm-up from lr / W. Each call to `fit` starts its
 * schedule again at its first step, whatever the optimizer's step count, unless `startEpoch`
 * says that earlier calls trained its first epochs: a stopped run going on (`senn train
 * --resume` sets it where the run it resumes was stopped before its end).
 */
export type LrSchedule = (
  | { name: 'constant'; warmupEpochs?: number }
  | { name: 'step'; everyEpochs: number; gamma?: number; warmupEpochs?: number }
  | { name: 'cosine'; minLr?: number; warmupEpochs?: number }
) & {
  /**
   * Start the schedule again after each epoch that expanded the network, over the epochs left
   * (a warm restart: the new neurons learn at the full rate, warm-up included). Default false.
   */
  restartAtGrowth?: boolean;
  /**
   * Epochs of this schedule that earlier calls trained (default 0): the schedule spans
   * `startEpoch` + the call's `epochs` epochs and this call trains its last ones, so a run
   * stopped after epoch k of its schedule and resumed with `startEpoch: k` and the epochs left
   * takes the rates the uninterrupted run would. A restart at growth starts again from 0.
   */
  startEpoch?: number;
};

export type ScheduleName = LrSchedule['name'];
/** A step schedule's factor when it names none (PyTorch's StepLR default). */
const STEP_GAMMA = 0.1;
export const SCHEDULES: readonly ScheduleName[] = ['constant', 'step', 'cosine'];

/** A schedule with its defaults applied and checked against the call's epochs and lr; throws {@link ConfigError}. */
export function resolveSchedule(s: LrSchedule | undefined, epochs: number, lr: number): LrSchedule | null {
  if (s === undefined) return null;
  if (typeof s !== 'object' || s === null || !SCHEDULES.includes(s.name)) {
    const name = (s as { name?: unknown } | null)?.name;
    throw new ConfigError(unknownChoice('schedule', name, SCHEDULES));
  }
  const warmupEpochs = s.warmupEpochs ?? 0;
  positiveInteger('schedule.warmupEpochs', warmupEpochs, true);
  const restartAtGrowth = s.restartAtGrowth ?? false;
  if (typeof restartAtGrowth !== 'boolean') throw new ConfigError(`schedule.restartAtGrowth must be true or false, got ${String(restartAtGrowth)}`);
  const startEpoch = s.startEpoch ?? 0;
  positiveInteger('schedule.startEpoch', startEpoch, true);
  const common = { warmupEpochs, restartAtGrowth, ...(startEpoch ? { startEpoch } : {}) };
  if (s.name === 'constant') return { name: 'constant', ...common };
  if (s.name === 'step') {
    const gamma = s.gamma ?? STEP_GAMMA;
    positiveInteger('schedule.everyEpochs', s.everyEpochs);
    if (!(Number.isFinite(gamma) && gamma > 0 && gamma <= 1)) throw new ConfigError(`schedule.gamma must be in (0, 1], got ${describe(gamma)}`);
    return { name: 'step', everyEpochs: s.everyEpochs, gamma, ...common };
  }
  const minLr = s.minLr ?? 0;
  if (!(Number.isFinite(minLr) && minLr >= 0 && minLr <= lr)) throw new ConfigError(`schedule.minLr must be in [0, lr = ${lr}], got ${describe(minLr)}`);
  if (epochs > 0 && warmupEpochs >= startEpoch + epochs) {
    throw new ConfigError(`schedule.warmupEpochs (${warmupEpochs}) must be below the schedule's epochs (${startEpoch ? `startEpoch ${startEpoch} + ` : ''}${epochs}): the cosine needs steps after the warm-up`);
  }
  return { name: 'cosine', minLr, ...common };
}

/**
 * The schedule of a call with `epochs` epochs of `stepsPerEpoch` steps, in steps, as the
 * optimizer kernels read it (defaults applied; `fit` checks the values first with its options).
 * `startEpoch`: the schedule's epochs before the call (a restart at growth passes 0).
 */
export function scheduleSteps(s: LrSchedule | null, epochs: number, stepsPerEpoch: number, startEpoch = s?.startEpoch ?? 0): ScheduleSteps {
  if (s === null) return CONSTANT_STEPS;
  const base = { ...CONSTANT_STEPS, warmup: (s.warmupEpochs ?? 0) * stepsPerEpoch, total: (startEpoch + epochs) * stepsPerEpoch, offset: startEpoch * stepsPerEpoch };
  if (s.name === 'step') return { ...base, schedule: 1, every: s.everyEpochs * stepsPerEpoch, gamma: s.gamma ?? STEP_GAMMA };
  if (s.name === 'cosine') return { ...base, schedule: 2, min_lr: s.minLr ?? 0 };
  return base;
}

/**
 * The learning rate of step `callStep` (1-based, counted from the call's first step) for base rate
 * `lr`: the CPU definition of shaders/optimizer.wgsl's `scheduled_lr` (which the tests compare
 * it with), in float64.
 */
export function scheduledLr(lr: number, s: ScheduleSteps, callStep: number): number {
  // The schedule's step: the call's, after the steps earlier calls trained of it.
  const t = callStep + s.offset;
  let rate = lr;
  if (s.schedule === 1) {
    rate = lr * s.gamma ** Math.floor((t - 1) / s.every);
  } else if (s.schedule === 2) {
    const progress = Math.min(Math.max((t - 1 - s.warmup) / Math.max(s.total - s.warmup, 1), 0), 1);
    rate = s.min_lr + (lr - s.min_lr) * 0.5 * (1 + Math.cos(Math.PI * progress));
  }
  return t < s.warmup ? (rate * t) / s.warmup : rate;
}
