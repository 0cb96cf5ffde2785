import { type Dispatch, pickBindings, type Recorder, prepare } from './dispatch.js';
import { checkBindings, checkSizes, words } from './bounds.js';
import type { BindingResource } from './kernel.js';
import { family } from './sources.js';

/**
 * A learning-rate schedule in steps of one call to `fit`, as `advance` reads it (names as in
 * the WGSL `Hyper` struct; the user's form in epochs: `LrSchedule` in src/train/schedule.ts).
 * `schedule` 0 constant, 1 step decay, 2 cosine; `warmup`, `total` and `every` count steps.
 */
export interface ScheduleSteps {
  schedule: 0 | 1 | 2;
  warmup: number;
  total: number;
  every: number;
  gamma: number;
  min_lr: number;
  /** Steps of the schedule trained before the call (a stopped run's, going on). */
  offset: number;
}

/** No schedule: the optimizer's lr at every step. */
export const CONSTANT_STEPS: ScheduleSteps = { schedule: 0, warmup: 0, total: 0, every: 1, gamma: 1, min_lr: 0, offset: 0 };

/** Hyperparameters of one update kernel; names as in the WGSL `Hyper` struct. */
export interface UpdateHyper {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
}

/** Buffers of one in-place update over `count` parameters. */
export interface UpdateArgs {
  rule: 'adam' | 'adamw' | 'sgd';
  count: number;
  hyper: UpdateHyper;
  /** Counter { step, origin, lr } (f32s), advanced by {@link advanceStep}, which writes the step's lr. */
  counter: BindingResource;
  param: BindingResource;
  grad: BindingResource;
  moment1: BindingResource;
  /** Adam's second moment; sgd does not read it. */
  moment2?: BindingResource;
  /**
   * `count` f32 values, the step at which each value was born (Adam): its bias corrections
   * count t = step − birth steps, as PyTorch counts each parameter's. Omitted: every value
   * was born at step 0.
   */
  birth?: BindingResource;
}

function hyperValues(count: number, h: UpdateHyper): Record<string, number> {
  return {
    count,
    lr: h.lr,
    beta1: h.beta1 ?? 0.9,
    beta2: h.beta2 ?? 0.999,
    eps: h.eps ?? 1e-8,
    weight_decay: h.weightDecay ?? 0,
    momentum: h.momentum ?? 0,
  };
}

/**
 * A recorded step-counter advance (must precede the update in the same step): step += 1, and
 * the learning rate of `hyper.lr` under `schedule` (default: constant) at that step of the call
 * into the counter, where the update reads it.
 */
export async function advanceStep(rec: Recorder, a: { hyper: UpdateHyper; counter: BindingResource; schedule?: ScheduleSteps }): Promise<Dispatch> {
  const kernel = await rec.kernels.get({ ...family('optimizer'), entryPoint: 'advance' });
  return prepare(rec, kernel, { ...hyperValues(0, a.hyper), ...(a.schedule ?? CONSTANT_STEPS) }, { counter: a.counter }, [1, 1, 1]);
}

/** A recorded start of a schedule: the steps that follow count from here (once per call to fit, before its first step). */
export async function beginSchedule(rec: Recorder, a: { counter: BindingResource }): Promise<Dispatch> {
  const kernel = await rec.kernels.get({ ...family('optimizer'), entryPoint: 'begin_schedule' });
  return prepare(rec, kernel, {}, { counter: a.counter }, [1, 1, 1]);
}

/**
 * A recorded in-place parameter update. Counts that are a multiple of 4 (a network's
 * parameter buffer always is) update 4 values per invocation (the `_vec4` entry points):
 * a quarter of the loads and stores, which is what the update costs on a software adapter.
 */
export async function update(rec: Recorder, a: UpdateArgs): Promise<Dispatch> {
  checkSizes('update', { count: a.count });
  const floats = (resource: BindingResource | undefined) => words(resource, a.count, 'count floats');
  // The counter, a struct of fixed size, is checked against its WGSL type as it is bound.
  checkBindings('update', {
    param: floats(a.param),
    grad: floats(a.grad),
    moment1: floats(a.moment1),
    // sgd reads no second moment.
    moment2: floats(a.rule === 'sgd' ? undefined : a.moment2),
    birth: floats(a.birth),
  });
  const vec4 = a.count % 4 === 0;
  const rule = a.rule === 'sgd' ? 'sgd' : 'adam';
  const kernel = await rec.kernels.get({
    ...family('optimizer'),
    entryPoint: vec4 ? `${rule}_vec4` : rule,
    constants: rule === 'adam' ? { DECOUPLED: a.rule === 'adamw', BIRTHS: Boolean(a.birth) } : {},
  });
  // Without births the kernel does not read its birth binding, which still needs a buffer:
  // the gradient's (both read-only, so they may alias).
  const birth = a.birth ?? a.grad;
  const resources = pickBindings(kernel, {
    counter: a.counter,
    ...(vec4
      ? { param4: a.param, grad4: a.grad, moment1_4: a.moment1, moment2_4: a.moment2, birth4: birth }
      : { param: a.param, grad: a.grad, moment1: a.moment1, moment2: a.moment2, birth }),
  });
  return prepare(rec, kernel, hyperValues(a.count, a.hyper), resources, kernel.groupsFor1D(vec4 ? a.count / 4 : a.count));
}
