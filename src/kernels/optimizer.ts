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
  /** sgd: Nesterov momentum, the step g + momentum · velocity (PyTorch's `nesterov`); default false. */
  nesterov?: boolean;
}

/** Buffers of one in-place update over `count` parameters. */
export interface UpdateArgs {
  rule: 'adam' | 'adamw' | 'sgd';
  count: number;
  hyper: UpdateHyper;
  /** Counter { step, origin, lr, scale } (f32s), advanced by {@link advanceStep}, which writes the step's lr. */
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
  /**
   * Scale the gradient by the counter's `scale`, which {@link clipScale} wrote this step
   * (gradient clipping by the global norm); default false, the gradient as it is.
   */
  clip?: boolean;
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
    constants: {
      ...(rule === 'adam' ? { DECOUPLED: a.rule === 'adamw', BIRTHS: Boolean(a.birth) } : {}),
      ...(rule === 'sgd' && a.hyper.nesterov ? { NESTEROV: true } : {}),
      ...(a.clip ? { CLIP: true } : {}),
    },
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

/**
 * The most workgroups of {@link gradNormParts}: past them each lane walks a stride of the
 * gradient. Few enough that clip_scale's 32 lanes add the parts quickly (at most 16,384, 512 a
 * lane), enough to spread the pass over a GPU.
 */
export const MAX_NORM_GROUPS = 64;

/** Buffers of a gradient-norm pass over the first `count` values of a flat gradient buffer. */
export interface GradNormArgs {
  count: number;
  /** The gradient: at least ⌈count / 4⌉ · 4 floats (read as vec4s; values past `count` are not counted). */
  grad: BindingResource;
  /**
   * 1 or 0 per value (the same length as the read gradient): the weight of each value's square,
   * 0 for the second and later slots of a shared value (`normWeights` in src/graph/structure.ts).
   * Omitted: every value counts.
   */
  counted?: BindingResource;
  /** One partial sum of squares an invocation: at least {@link normPartsBound}(count) floats. */
  parts: BindingResource;
}

/** The workgroups of {@link gradNormParts} over `count` values, `width` invocations each (one a vec4, to at most {@link MAX_NORM_GROUPS}). */
function normGroups(count: number, width: number): number {
  return Math.min(MAX_NORM_GROUPS, Math.max(1, Math.ceil(Math.ceil(count / 4) / width)));
}

/** Floats enough for the parts of a norm over `count` values, whatever the device's workgroup width (at most 256). */
export function normPartsBound(count: number): number {
  return normGroups(count, 256) * 256;
}

/**
 * A recorded pass that sums the squares of the gradient's first `count` values into partial
 * sums, one an invocation, each in a fixed order (the same bits every run); {@link clipScale}
 * adds them up. Returns the dispatch and how many parts it writes.
 */
export async function gradNormParts(rec: Recorder, a: GradNormArgs): Promise<{ dispatch: Dispatch; parts: number }> {
  checkSizes('gradNormParts', { count: a.count });
  const kernel = await rec.kernels.get({ ...family('optimizer'), entryPoint: 'grad_norm_parts', constants: a.counted ? { TIED: true } : {} });
  const width = kernel.workgroupSize[0];
  const groups = normGroups(a.count, width);
  const vectorFloats = Math.ceil(a.count / 4) * 4;
  checkBindings('gradNormParts', {
    grad4: words(a.grad, vectorFloats, 'count floats rounded up to vec4s'),
    counted: words(a.counted, vectorFloats, 'count floats rounded up to vec4s'),
    parts: words(a.parts, groups * width, 'one float an invocation'),
  });
  const resources = pickBindings(kernel, { grad4: a.grad, counted: a.counted ?? a.grad, parts: a.parts });
  return { dispatch: prepare(rec, kernel, { count: a.count }, resources, [groups, 1, 1]), parts: groups * width };
}

/**
 * A recorded clipping factor (after {@link gradNormParts}, before the update): the global norm
 * is the square root of the `parts` partial sums; counter.scale becomes min(1, maxNorm / (norm
 * + 1e-6)), as PyTorch's `clip_grad_norm_` scales, and the norm and whether it clipped (1 or 0)
 * are added to `stats` floats `slot` and `slot` + 1.
 */
export async function clipScale(
  rec: Recorder,
  a: { counter: BindingResource; parts: BindingResource; partCount: number; maxNorm: number; stats: BindingResource; slot: number },
): Promise<Dispatch> {
  checkSizes('clipScale', { partCount: a.partCount, slot: a.slot });
  checkBindings('clipScale', {
    parts: words(a.parts, a.partCount, 'partCount floats'),
    stats: words(a.stats, a.slot + 2, 'slot + 2 floats'),
  });
  const kernel = await rec.kernels.get({ ...family('optimizer'), entryPoint: 'clip_scale' });
  // One workgroup: its lanes add strides of the parts, and its first lane their sums.
  // An unbounded norm (only measured, never clipped) as the largest f32: its factor is never below 1.
  const maxNorm = Math.min(a.maxNorm, F32_MAX);
  return prepare(rec, kernel, { max_norm: maxNorm, parts: a.partCount, slot: a.slot }, { counter: a.counter, parts: a.parts, stats: a.stats }, [1, 1, 1]);
}
const F32_MAX = 3.4028234663852886e38;
