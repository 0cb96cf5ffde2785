/**
 * CPU reference of shaders/dense.wgsl, in float64 arithmetic. Tests compare the WGSL
 * kernels against these on random inputs; they are also handy for researchers checking a
 * kernel of their own.
 */
import type { Activation } from '../kernels/activation.js';

export function activate(activation: Activation, z: number): number {
  switch (activation) {
    case 'relu':
      return Math.max(z, 0);
    case 'tanh':
      return Math.tanh(z);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-z));
    default:
      return z;
  }
}

/**
 * The activation's derivative written in terms of its output a = act(z), as the WGSL does;
 * `dropKeep` < 1: `a` is a dropped-out activation (kept ones scaled by 1 / dropKeep), and
 * tanh's and sigmoid's derivatives are taken at a · dropKeep (DROP_KEEP in activation.wgsl).
 */
export function activateGrad(activation: Activation, a: number, dropKeep = 1): number {
  switch (activation) {
    case 'relu':
      return a > 0 ? 1 : 0;
    case 'tanh':
      return 1 - (a * dropKeep) ** 2;
    case 'sigmoid':
      return a * dropKeep * (1 - a * dropKeep);
    default:
      return 1;
  }
}

/** out (m×n) = op(lhs) · op(rhs) with lhs m×k (k×m if transLhs) and rhs k×n (n×k if transRhs). */
export function matmulRef(
  lhs: ArrayLike<number>,
  rhs: ArrayLike<number>,
  m: number,
  n: number,
  k: number,
  transLhs = false,
  transRhs = false,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < n; c++) {
      let sum = 0;
      for (let i = 0; i < k; i++) {
        const a = transLhs ? lhs[i * m + r]! : lhs[r * k + i]!;
        const b = transRhs ? rhs[c * k + i]! : rhs[i * n + c]!;
        sum += a * b;
      }
      out[r * n + c] = sum;
    }
  }
  return out;
}

/** act(x · W + b) for x m×k, W k×n, b n. */
export function denseForwardRef(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  n: number,
  k: number,
  activation: Activation,
): Float64Array {
  const z = matmulRef(x, w, m, n, k);
  for (let i = 0; i < z.length; i++) z[i] = activate(activation, z[i]! + b[i % n]!);
  return z;
}

/** (dz · Wᵀ) ⊙ act'(a): gradient w.r.t. the pre-activation of the layer below (`dropKeep`: see {@link activateGrad}). */
export function inputGradRef(
  dz: ArrayLike<number>,
  w: ArrayLike<number>,
  below: ArrayLike<number>,
  m: number,
  inputs: number,
  outputs: number,
  activation: Activation,
  dropKeep = 1,
): Float64Array {
  const dx = matmulRef(dz, w, m, inputs, outputs, false, true);
  for (let i = 0; i < dx.length; i++) dx[i] = dx[i]! * activateGrad(activation, below[i]!, dropKeep);
  return dx;
}

/** xᵀ · dz: the weight gradient (k×n) of a layer with input x (m×k). */
export function weightGradRef(x: ArrayLike<number>, dz: ArrayLike<number>, m: number, n: number, k: number): Float64Array {
  return matmulRef(x, dz, k, n, m, true, false);
}

/** Column sums of dz (m×n). */
export function biasGradRef(dz: ArrayLike<number>, m: number, n: number): Float64Array {
  const db = new Float64Array(n);
  for (let r = 0; r < m; r++) for (let c = 0; c < n; c++) db[c] = db[c]! + dz[r * n + c]!;
  return db;
}

/** da ⊙ act'(a), elementwise. */
export function activationGradRef(da: ArrayLike<number>, a: ArrayLike<number>, activation: Activation): Float64Array {
  const out = new Float64Array(da.length);
  for (let i = 0; i < da.length; i++) out[i] = da[i]! * activateGrad(activation, a[i]!);
  return out;
}
