import { describe } from '../args.js';
import { ConfigError } from '../errors.js';
import { type Dispatch, pickBindings, prepare, type Recorder } from './dispatch.js';
import { checkBindings, checkSizes, words } from './bounds.js';
import type { BindingResource } from './kernel.js';
import { family } from './sources.js';

/**
 * Edge significance metrics: the four of ALGORITHM.md, and `taylor`, |w| · mean |g| (the
 * first-order estimate of the loss change if the edge were removed).
 */
export const METRICS = ['abs-grad', 'grad-variance', 'weight-sq', 'weight-abs', 'taylor'] as const;
export type Metric = (typeof METRICS)[number];
/** The metrics that read the per-edge gradient statistics (the others read only the weights). */
export const GRADIENT_METRICS: readonly Metric[] = ['abs-grad', 'grad-variance', 'taylor'];
/** How per-batch values are aggregated over batches. */
export const AGGREGATIONS = ['mean', 'variance'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/**
 * One step's running statistics: adds (|g|, g, g²) of each of the first `count` values of
 * `grads` to its 3 sums in `sums` (3 × count floats, in the values' order). Training records it
 * after the backward pass over all the parameters' gradients, so every block form's weight
 * gradients feed the statistics the same way; a custom loop can do the same after its own
 * backward. 4 values an invocation where `count` is a multiple of 4.
 */
export async function accumulateStatistics(rec: Recorder, a: { count: number; grads: BindingResource; sums: BindingResource }): Promise<Dispatch> {
  checkSizes('accumulateStatistics', { count: a.count });
  checkBindings('accumulateStatistics', { grads: words(a.grads, a.count, 'count floats'), sums: words(a.sums, 3 * a.count, '3 × count floats') });
  const vec4 = a.count % 4 === 0;
  const kernel = await rec.kernels.get({ ...family('score'), entryPoint: vec4 ? 'accumulate_vec4' : 'accumulate' });
  const resources = vec4 ? { grads4: a.grads, sums4: a.sums } : { grads: a.grads, sums: a.sums };
  return prepare(rec, kernel, { count: a.count, batches: 0, threshold: 0, offset: 0 }, pickBindings(kernel, resources), kernel.groupsFor1D(vec4 ? a.count / 4 : a.count));
}

/** Scores of one block's `count` values, written at `offset` of `scores`. */
export async function scoreBlock(
  rec: Recorder,
  a: {
    metric: Metric;
    aggregation: Aggregation;
    count: number;
    batches: number;
    offset: number;
    stats: BindingResource;
    weights: BindingResource;
    scores: BindingResource;
    /** 0/1 per value: values that are not edges (a masked dense block) score -1 and are never selected. */
    mask?: BindingResource;
  },
): Promise<Dispatch> {
  checkSizes('scoreBlock', { count: a.count, batches: a.batches, offset: a.offset });
  checkBindings('scoreBlock', {
    stats: words(a.stats, 3 * a.count, '3 × count floats'),
    weights: words(a.weights, a.count, 'count floats'),
    scores: words(a.scores, a.offset + a.count, 'offset + count floats'),
    mask: words(a.mask, a.count, 'count floats'),
  });
  const kernel = await rec.kernels.get({
    ...family('score'),
    entryPoint: 'score',
    constants: { METRIC: METRICS.indexOf(a.metric), AGGREGATION: AGGREGATIONS.indexOf(a.aggregation), MASKED: Boolean(a.mask) },
  });
  return prepare(
    rec,
    kernel,
    { count: a.count, batches: a.batches, threshold: 0, offset: a.offset },
    pickBindings(kernel, { stats: a.stats, weights: a.weights, scores: a.scores, mask: a.mask ?? a.weights }),
    kernel.groupsFor1D(a.count),
  );
}

/**
 * Min and max of the first `count` scores (≥ 0; -1 marks an absent value) into `bounds`, which
 * must hold zeros: it receives the u32 bit patterns ~bits(min) and bits(max) (see
 * {@link decodeBounds}).
 */
export async function scoreBounds(rec: Recorder, a: { count: number; scores: BindingResource; bounds: BindingResource }): Promise<Dispatch> {
  checkSizes('scoreBounds', { count: a.count });
  // bounds (2 u32s) and the counter (1), of fixed size, are checked against their WGSL types as they are bound.
  checkBindings('scoreBounds', { scores: words(a.scores, a.count, 'count floats') });
  const kernel = await rec.kernels.get({ ...family('score'), entryPoint: 'minmax' });
  // Up to 64 values an invocation: a few workgroups share large counts between the cores.
  const groups = Math.min(Math.max(1, Math.ceil(a.count / (64 * kernel.workgroupSize[0]))), 65535);
  return prepare(rec, kernel, { count: a.count, batches: 0, threshold: 0, offset: 0 }, pickBindings(kernel, { scores: a.scores, bounds: a.bounds }), [groups, 1, 1]);
}

/** The (min, max) that {@link scoreBounds} wrote, from the two u32 words read back. */
export function decodeBounds(words: Uint32Array): [number, number] {
  const bits = new Uint32Array([~words[0]! >>> 0, words[1]!]);
  const floats = new Float32Array(bits.buffer);
  return [floats[0]!, floats[1]!];
}

/** Append (index, normalised score) of every score above (or below) `threshold` to `picked`. */
export async function selectScores(
  rec: Recorder,
  a: { count: number; threshold: number; above: boolean; scores: BindingResource; bounds: BindingResource; picked: BindingResource; counter: BindingResource },
): Promise<Dispatch> {
  checkSizes('selectScores', { count: a.count });
  if (!Number.isFinite(a.threshold)) throw new ConfigError(`selectScores: threshold must be a finite number, got ${describe(a.threshold)}`);
  checkBindings('selectScores', {
    scores: words(a.scores, a.count, 'count floats'),
    picked: words(a.picked, 2 * a.count, '2 × count (index, score) floats'),
  });
  const kernel = await rec.kernels.get({ ...family('score'), entryPoint: 'select_edges', constants: { ABOVE: a.above } });
  return prepare(
    rec,
    kernel,
    { count: a.count, batches: 0, threshold: a.threshold, offset: 0 },
    pickBindings(kernel, { scores: a.scores, bounds: a.bounds, picked: a.picked, counter: a.counter }),
    kernel.groupsFor1D(a.count),
  );
}
