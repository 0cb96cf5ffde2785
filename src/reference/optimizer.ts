/** CPU reference of shaders/optimizer.wgsl (float64, PyTorch semantics). */
import type { UpdateHyper } from '../kernels/optimizer.js';

export interface OptimizerRefState {
  step: number;
  m: Float64Array;
  v: Float64Array;
  /** The step each value was born at (Adam's bias corrections count step − birth); absent: 0. */
  births?: ArrayLike<number>;
}

/** The same hyperparameters as the GPU update kernels. */
export type OptimizerRefHyper = UpdateHyper;

/** One in-place Adam (or AdamW when `decoupled`) step over `p`. */
export function adamRef(
  p: Float64Array,
  g: ArrayLike<number>,
  state: OptimizerRefState,
  h: OptimizerRefHyper,
  decoupled = false,
): void {
  const { lr } = h;
  const b1 = h.beta1 ?? 0.9;
  const b2 = h.beta2 ?? 0.999;
  const eps = h.eps ?? 1e-8;
  const wd = h.weightDecay ?? 0;
  state.step += 1;
  for (let i = 0; i < p.length; i++) {
    const t = Math.max(state.step - (state.births?.[i] ?? 0), 1);
    const c1 = 1 - b1 ** t;
    const c2 = 1 - b2 ** t;
    let value = p[i]!;
    let grad = g[i]!;
    if (decoupled) value *= 1 - lr * wd;
    else grad += wd * value;
    const m = b1 * state.m[i]! + (1 - b1) * grad;
    const v = b2 * state.v[i]! + (1 - b2) * grad * grad;
    state.m[i] = m;
    state.v[i] = v;
    p[i] = value - (lr / c1) * m / (Math.sqrt(v) / Math.sqrt(c2) + eps);
  }
}

/** One in-place SGD step with momentum and L2 weight decay; with `nesterov`, the step g + μ · velocity (PyTorch's). */
export function sgdRef(p: Float64Array, g: ArrayLike<number>, state: OptimizerRefState, h: OptimizerRefHyper): void {
  const wd = h.weightDecay ?? 0;
  const mu = h.momentum ?? 0;
  state.step += 1;
  for (let i = 0; i < p.length; i++) {
    const grad = g[i]! + wd * p[i]!;
    const velocity = mu * state.m[i]! + grad;
    state.m[i] = velocity;
    p[i] = p[i]! - h.lr * (h.nesterov ? grad + mu * velocity : velocity);
  }
}

/**
 * Gradient clipping by the global norm (PyTorch's `clip_grad_norm_`; the CPU definition of
 * shaders/optimizer.wgsl's grad_norm_parts and clip_scale): the L2 norm of `g`, each square
 * weighted by `counted[i]` where given (0 for a shared value's repeated slots), and the factor
 * min(1, maxNorm / (norm + 1e-6)); `grad` is `g` times it.
 */
export function clipRef(g: ArrayLike<number>, maxNorm: number, counted?: ArrayLike<number>): { norm: number; scale: number; grad: Float64Array } {
  let squares = 0;
  for (let i = 0; i < g.length; i++) squares += g[i]! * g[i]! * (counted ? counted[i]! : 1);
  const norm = Math.sqrt(squares);
  const scale = Math.min(1, maxNorm / (norm + 1e-6));
  return { norm, scale, grad: Float64Array.from(g, (v) => v * scale) };
}
