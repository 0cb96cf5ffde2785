/** CPU references of shaders/pool.wgsl (max pooling). */
import type { CsrBlock } from '../graph/csr.js';
import { activate, activateGrad } from './dense.js';
import type { Activation } from '../kernels/activation.js';

/**
 * Max pooling over `windows` (rows × src input → rows × dst): each window's largest source
 * value (the first in edge order on a tie), with `activation` applied, and that source's index.
 */
export function maxPoolRef(
  windows: CsrBlock,
  input: ArrayLike<number>,
  rows: number,
  activation: Activation = 'identity',
): { out: Float64Array; argmax: Uint32Array } {
  const { dst, src, dstPtr, srcOf } = windows;
  const out = new Float64Array(rows * dst);
  const argmax = new Uint32Array(rows * dst);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < dst; i++) {
      let best = -Infinity;
      let arg = 0;
      for (let e = dstPtr[i]!; e < dstPtr[i + 1]!; e++) {
        const v = input[r * src + srcOf[e]!]!;
        if (v > best || e === dstPtr[i]) (best = v), (arg = srcOf[e]!);
      }
      out[r * dst + i] = activate(activation, best);
      argmax[r * dst + i] = arg;
    }
  }
  return { out, argmax };
}

/**
 * The input gradient of max pooling (rows × src): each window's gradient `grad` (rows × dst)
 * routed to the source `argmax` names, times act'(`aux`), the source level's activations.
 */
export function maxPoolGradRef(
  windows: CsrBlock,
  argmax: ArrayLike<number>,
  grad: ArrayLike<number>,
  aux: ArrayLike<number>,
  activation: Activation,
  rows: number,
): Float64Array {
  const { dst, src } = windows;
  const out = new Float64Array(rows * src);
  for (let r = 0; r < rows; r++) for (let i = 0; i < dst; i++) out[r * src + argmax[r * dst + i]!]! += grad[r * dst + i]!;
  return out.map((v, k) => v * activateGrad(activation, aux[k]!));
}
