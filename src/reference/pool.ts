/** CPU references of shaders/pool.wgsl (max and average pooling). */
import type { CsrBlock } from '../graph/csr.js';
import type { Activation } from '../kernels/activation.js';
import type { PoolKind } from '../kernels/pool.js';
import { activate, activateGrad } from './dense.js';

/**
 * Pooling over `windows` (rows × src input → rows × dst): each window's largest source value
 * (the first in edge order on a tie) and that source's index, or with `kind` `'average'` its
 * mean (argmax then 0), with `activation` applied.
 */
export function poolRef(
  windows: CsrBlock,
  input: ArrayLike<number>,
  rows: number,
  activation: Activation = 'identity',
  kind: PoolKind = 'max',
): { out: Float64Array; argmax: Uint32Array } {
  const { dst, src, dstPtr, srcOf } = windows;
  const out = new Float64Array(rows * dst);
  const argmax = new Uint32Array(rows * dst);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < dst; i++) {
      let best = -Infinity;
      let sum = 0;
      let arg = 0;
      for (let e = dstPtr[i]!; e < dstPtr[i + 1]!; e++) {
        const v = input[r * src + srcOf[e]!]!;
        sum += v;
        if (v > best || e === dstPtr[i]) (best = v), (arg = srcOf[e]!);
      }
      const pooled = kind === 'average' ? sum / (dstPtr[i + 1]! - dstPtr[i]!) : best;
      out[r * dst + i] = activate(activation, pooled);
      argmax[r * dst + i] = kind === 'average' ? 0 : arg;
    }
  }
  return { out, argmax };
}

/**
 * The input gradient of pooling (rows × src): each window's gradient `grad` (rows × dst)
 * routed to the source `argmax` names, or with `kind` `'average'` shared evenly among the
 * window's sources, times act'(`aux`), the source level's activations (`dropKeep`: see
 * {@link activateGrad}).
 */
export function poolGradRef(
  windows: CsrBlock,
  argmax: ArrayLike<number>,
  grad: ArrayLike<number>,
  aux: ArrayLike<number>,
  activation: Activation,
  rows: number,
  kind: PoolKind = 'max',
  dropKeep = 1,
): Float64Array {
  const { dst, src, dstPtr, srcOf } = windows;
  const out = new Float64Array(rows * src);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < dst; i++) {
      const g = grad[r * dst + i]!;
      if (kind === 'max') out[r * src + argmax[r * dst + i]!]! += g;
      else for (let e = dstPtr[i]!; e < dstPtr[i + 1]!; e++) out[r * src + srcOf[e]!]! += g / (dstPtr[i + 1]! - dstPtr[i]!);
    }
  }
  return out.map((v, k) => v * activateGrad(activation, aux[k]!, dropKeep));
}
