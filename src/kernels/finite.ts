import { ShapeError } from '../errors.js';
import { type Dispatch, prepare, type Recorder } from './dispatch.js';
import { checkBindings, checkSizes, words } from './bounds.js';
import type { BindingResource } from './kernel.js';
import { family } from './sources.js';

/**
 * Counts the values of `values` (its first `count` floats, a multiple of 4) that are not finite
 * (NaN, +∞ or −∞), adding the count to the u32 at index `slot` of `result` (shaders/finite.wgsl).
 * `fit` records it over the parameters in each epoch's last step, so a weight that went NaN
 * where no loss shows it (into a ReLU, whose max(NaN, 0) may be 0) still stops training. The
 * counter is added to, not set: clear it before the dispatch that should count alone.
 */
export async function countNonFinite(rec: Recorder, a: { count: number; values: BindingResource; result: BindingResource; slot?: number }): Promise<Dispatch> {
  if (!Number.isInteger(a.count) || a.count < 0 || a.count % 4 !== 0) throw new ShapeError(`countNonFinite: count must be a non-negative multiple of 4 (whole vec4s), got ${a.count}`);
  const slot = a.slot ?? 0;
  checkSizes('countNonFinite', { slot });
  checkBindings('countNonFinite', { values: words(a.values, a.count, 'count floats'), result: words(a.result, slot + 1, 'slot + 1 u32s') });
  const kernel = await rec.kernels.get({ ...family('finite'), entryPoint: 'count_nonfinite' });
  return prepare(rec, kernel, { count: a.count, slot }, { values: a.values, result: a.result }, kernel.groupsFor1D(a.count / 4));
}
