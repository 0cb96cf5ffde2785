import { ConfigError, ShapeError } from '../errors.js';
import type { GpuContext } from '../gpu/context.js';
import { maxBindingBytes } from '../gpu/upload.js';
import { type Activation, checkActivation } from '../kernels/activation.js';
import type { NetworkSpec } from './networkTypes.js';
import { DENSE_FROM } from './structure.js';

// What a network spec may hold, and how big a network the adapter can hold: checked before
// createNetwork allocates anything.

export function checkExpandable(spec: NetworkSpec): number[] {
  const last = spec.sizes.length - 1;
  const list = spec.expandable ?? [last];
  for (const i of list) {
    if (!Number.isInteger(i) || i < 1 || i > last) throw new ConfigError(`expandable must list level indices in [1, ${last}], got ${i}`);
  }
  return [...list];
}

export function checkDenseFrom(denseFrom: number | undefined): number {
  if (denseFrom === undefined) return DENSE_FROM;
  if (!(denseFrom >= 0 && denseFrom <= 1)) throw new ConfigError(`denseFrom must be in [0, 1], got ${denseFrom}`);
  return denseFrom;
}

export function checkSpec(spec: NetworkSpec): Activation[] {
  const sizes = spec.sizes;
  if (!Array.isArray(sizes) || sizes.length < 2) throw new ShapeError(`sizes must list at least inputs and outputs, got [${String(sizes)}]`);
  for (const s of sizes) if (!Number.isInteger(s) || s < 1) throw new ShapeError(`layer sizes must be positive integers, got [${sizes.join(', ')}]`);
  const blocks = sizes.length - 1;
  const activations = spec.activations ?? Array.from({ length: blocks }, (_, i) => (i === blocks - 1 ? 'identity' : 'relu'));
  if (activations.length !== blocks) {
    throw new ShapeError(`${blocks} layers need ${blocks} activations, got ${activations.length}`);
  }
  return activations.map((a) => checkActivation(a));
}

/**
 * The most parameters a network can have on the adapter of `gpu`: its largest buffer, the
 * running edge statistics, holds three floats of each.
 */
export function maxParameters(gpu: Pick<GpuContext, 'limits'>): number {
  return Math.floor(maxBindingBytes(gpu.limits) / 12);
}
