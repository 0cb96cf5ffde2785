// Class weights of the softmax cross-entropy (fit's, a statistics pass's and a gradient's
// `classWeights`): checked against the network's classes, 'balanced' counted from the data's
// labels, and held in a storage buffer for the loss kernel (shaders/loss.wgsl, WEIGHTED).
import { describe } from '../args.js';
import { ConfigError } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import type { BufferOwner } from '../gpu/memory.js';
import { uploadStorage } from '../gpu/upload.js';
import type { LossName } from './options.js';

/**
 * One weight per class, each training row's loss and gradient multiplied by its label's (as
 * Keras's `class_weight`: the batch's loss stays a mean over its rows); or `'balanced'`, each
 * class weighted by rows / (classes present × rows of the class) in the data trained on (as
 * scikit-learn's `compute_class_weight('balanced')`), so every class present weighs as much
 * in all; a class without rows then weighs 0.
 */
export type ClassWeights = readonly number[] | Float32Array | 'balanced';

/**
 * `option` checked for the softmax cross-entropy over `classes` outputs: one finite weight ≥ 0
 * per class, not all 0, or `'balanced'` counted from `data`'s labels. Null where not given; a
 * {@link ConfigError} naming `name` otherwise.
 */
export function classWeightsFor(loss: LossName, option: ClassWeights | undefined, classes: number, data: Dataset, name = 'classWeights'): Float32Array | null {
  if (option === undefined) return null;
  if (loss !== 'softmax-cross-entropy') throw new ConfigError(`${name} apply to the softmax-cross-entropy loss, not ${loss}`);
  if (option === 'balanced') return balancedWeights(data.labels!, classes);
  const list = option as unknown;
  if (!(Array.isArray(list) || list instanceof Float32Array)) {
    throw new ConfigError(`${name} must be 'balanced' or a list of one weight per class, got ${describe(list)}`);
  }
  if (list.length !== classes) throw new ConfigError(`${name} has ${list.length} weights; the network has ${classes} classes`);
  const weights = new Float32Array(classes);
  for (let c = 0; c < classes; c++) {
    const w = list[c] as unknown;
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw new ConfigError(`${name}: the weight of class ${c} must be a finite number ≥ 0, got ${describe(w)}`);
    weights[c] = w;
  }
  if (weights.every((w) => w === 0)) throw new ConfigError(`${name} are all 0: no row would count`);
  return weights;
}

/** rows / (classes present × rows of the class) for each class with rows, 0 for the others. */
function balancedWeights(labels: Uint32Array, classes: number): Float32Array {
  const counts = new Float64Array(classes);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]!++;
  const present = counts.reduce((n, c) => n + (c > 0 ? 1 : 0), 0);
  return Float32Array.from(counts, (c) => (c > 0 ? labels.length / (present * c) : 0));
}

/** The weights in a storage buffer of `owner`, for the loss kernel; undefined without weights (the plain loss). */
export function classWeightsBuffer(device: GPUDevice, owner: BufferOwner, weights: Float32Array | null): GPUBuffer | undefined {
  return weights ? uploadStorage(device, owner, 'class-weights', weights).buffer : undefined;
}
