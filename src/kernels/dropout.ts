import { describe } from '../args.js';
import { ConfigError } from '../errors.js';
import { checkBindings, checkSizes, words } from './bounds.js';
import { type Dispatch, prepare, type Recorder } from './dispatch.js';
import type { BindingResource } from './kernel.js';
import { family } from './sources.js';

/** A dropout rate checked: a finite number in [0, 1), else a {@link ConfigError} under `name` (the share `of` what it drops). */
export function checkDropoutRate(name: string, rate: number, of = "a hidden level's values"): number {
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate >= 1) throw new ConfigError(`${name} must be a number in [0, 1) (the share of ${of} dropped), got ${describe(rate)}`);
  return rate;
}

/** What a value's 16 bits of hash must reach to be kept (shaders/dropout.wgsl): ⌊rate · 2¹⁶⌋, so a value is dropped with probability within 2⁻¹⁶ of rate. */
export function dropoutThreshold(rate: number): number {
  return Math.min(0xffff, Math.floor(rate * 2 ** 16));
}

/** The factor of a kept value, 1 / (1 − rate), as the float32 the kernel multiplies by. */
export function dropoutScale(rate: number): number {
  return Math.fround(1 / (1 - rate));
}

/**
 * What the activations of a level dropped out at `rate` are multiplied by to undo the scale of
 * the kept ones (`dropKeep` of the backward kernels), as a float32: 1 / {@link dropoutScale}.
 */
export function dropoutKeep(rate: number): number {
  return Math.fround(1 / dropoutScale(rate));
}

/** Which masks dropout draws (this kernel's, and a fused tail's in `graphForward` and `graphBackward`). */
export interface DropoutMasks {
  /** Share of values dropped, in [0, 1). */
  rate: number;
  /** Seed of the masks (a u32; fit's `seed`). */
  seed: number;
  /** A storage buffer whose first float is the step the masks are drawn for (the optimizer's counter in training). */
  counter: BindingResource;
}

/** Arguments of {@link dropout}. */
export interface DropoutArgs extends DropoutMasks {
  /** Values of `values` to drop or scale (rows × level size). */
  count: number;
  /** Which level's mask (a u32: the level's id), so that two levels of one step draw apart. */
  level: number;
  values: BindingResource;
  /**
   * False: every value times 1 / (1 − rate), no mask drawn: the backward of a ReLU level, whose
   * gradient already holds the forward's mask (see the shader's header). Default true.
   */
  mask?: boolean;
}

/**
 * Inverted dropout in place (shaders/dropout.wgsl): each of `values` is kept with probability
 * 1 − rate and multiplied by 1 / (1 − rate), or set to 0, by a mask drawn from (seed, the step
 * in `counter`, level, index). Run with the same arguments over a level's activations after its
 * forward and over its pre-activations' gradient in the backward, it applies one mask to both:
 * that is how `fit({ dropout })` trains (see the shader's header for why one multiplication is
 * the backward of ReLU and identity levels, and why a ReLU level's needs no mask).
 */
export async function dropout(rec: Recorder, a: DropoutArgs): Promise<Dispatch> {
  checkDropoutRate('dropout: rate', a.rate);
  checkSizes('dropout', { count: a.count, seed: a.seed, level: a.level });
  checkBindings('dropout', { values: words(a.values, a.count, 'count floats'), counter: words(a.counter, 1, 'the step') });
  const kernel = await rec.kernels.get({ ...family('dropout'), entryPoint: 'dropout', constants: { MASK: a.mask ?? true } });
  const params = { count: a.count, level: a.level, seed: a.seed, threshold: dropoutThreshold(a.rate), scale: dropoutScale(a.rate) };
  return prepare(rec, kernel, params, { values: a.values, counter: a.counter }, kernel.groupsFor1D(Math.ceil(a.count / 4)));
}
