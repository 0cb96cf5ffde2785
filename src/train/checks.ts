import { describe, objectArg } from '../args.js';
import { ConfigError, LabelRangeError, NaNError, ShapeError } from '../errors.js';
import { checkDatasetKinds, type Dataset } from '../data/dataset.js';
import type { GradientOptions } from '../graph/networkTypes.js';
import { checkSeed } from '../data/random.js';
import { checkDropoutRate } from '../kernels/dropout.js';
import type { LossName } from './options.js';

/**
 * Check that `data` can be fed to a network with `inputs` inputs and `outputs` outputs
 * under `loss`. Runs before any GPU work, so a rejected call changes nothing.
 */
export function checkDataFor(
  data: Dataset,
  role: string,
  inputs: number,
  outputs: number,
  loss: LossName | 'none',
): void {
  objectArg(role, data, ShapeError);
  const what = typeof data.name === 'string' ? `${role} (${data.name})` : role;
  // The arrays' kinds first: a hand-built dataset with a plain array or null where a typed
  // array belongs would otherwise fail inside the upload, with the GPU API's words.
  checkDatasetKinds(data, what);
  if (typeof data.rows !== 'number' || !Number.isSafeInteger(data.rows)) throw new ShapeError(`${what}: rows must be a whole number, got ${describe(data.rows)}`);
  if (data.rows < 1) throw new ShapeError(`${what} is empty`);
  if (data.features !== inputs) throw new ShapeError(`${what} has ${data.features} features; the network takes ${inputs} inputs`);
  if (data.x.length !== data.rows * data.features) {
    throw new ShapeError(`${what}: x has ${data.x.length} values, expected ${data.rows} × ${data.features}`);
  }
  if (data.x instanceof Float32Array) {
    const x = data.x;
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i])) throw new NaNError(`${what}: x[row ${Math.floor(i / inputs)}, feature ${i % inputs}] is ${x[i]}`);
    }
  }
  if (loss === 'softmax-cross-entropy') {
    const labels = data.labels;
    if (!labels) throw new ConfigError(`${what} has no class labels; softmax-cross-entropy needs them (use mse for targets)`);
    if (labels.length !== data.rows) throw new ShapeError(`${what}: ${labels.length} labels for ${data.rows} rows`);
    // Fewer classes than outputs may be a subset's; more cannot all be told apart.
    if (data.classes !== undefined && data.classes > outputs) {
      throw new ShapeError(`${what} has ${data.classes} classes; the network has ${outputs} outputs`);
    }
    for (let i = 0; i < labels.length; i++) {
      if (labels[i]! >= outputs) {
        throw new LabelRangeError(`${what}: label of row ${i} is ${labels[i]}; the network has ${outputs} outputs, so labels must be in [0, ${outputs})`);
      }
    }
  } else if (loss === 'mse') {
    const targets = data.targets;
    if (!targets) throw new ConfigError(`${what} has no targets; mse needs them`);
    if ((data.targetCount ?? 1) !== outputs || targets.length !== data.rows * outputs) {
      throw new ShapeError(`${what} has ${data.targetCount ?? 1} targets per row; the network has ${outputs} outputs`);
    }
    for (let i = 0; i < targets.length; i++) {
      if (!Number.isFinite(targets[i])) throw new NaNError(`${what}: target of row ${Math.floor(i / outputs)} is ${targets[i]}`);
    }
  }
}

/** {@link GradientOptions.dropout} checked: null where absent or at rates 0; else a ConfigError naming the bad field. */
export function gradientDropout(given: GradientOptions['dropout']): { rate: number; inputRate: number; seed: number; step: number } | null {
  if (given === undefined) return null;
  const d = objectArg('gradients: dropout', given);
  const rate = checkDropoutRate('dropout.rate', d.rate);
  const inputRate = checkDropoutRate('dropout.inputRate', d.inputRate ?? 0, "a batch's inputs");
  if (typeof d.step !== 'number' || !Number.isInteger(d.step) || d.step < 0 || d.step >= 2 ** 24) throw new ConfigError(`dropout.step must be a whole number in [0, 2^24), got ${describe(d.step)}`);
  const seed = checkSeed('dropout.seed', d.seed ?? 0);
  return rate === 0 && inputRate === 0 ? null : { rate, inputRate, seed, step: d.step };
}
