/** CPU reference of shaders/narrow.wgsl, in float64 arithmetic: the two products it fuses. */
import type { Activation } from '../kernels/activation.js';
import { type activateGrad, inputGradRef, weightGradRef } from './dense.js';

/**
 * The backward of a dense block from a level of `src` neurons (activations `act`, rows × src)
 * into one of `n` (pre-activation gradient `dz`, rows × n) with weights `w` (src × n):
 * dx = (dz · Wᵀ) ⊙ act'(act) and dw = actᵀ · dz (`dropKeep`: see {@link activateGrad}).
 */
export function narrowBackwardRef(
  act: ArrayLike<number>,
  dz: ArrayLike<number>,
  w: ArrayLike<number>,
  rows: number,
  src: number,
  n: number,
  activation: Activation,
  dropKeep = 1,
): { dx: Float64Array; dw: Float64Array } {
  return { dx: inputGradRef(dz, w, act, rows, src, n, activation, dropKeep), dw: weightGradRef(act, dz, rows, n, src) };
}
