/** CPU reference of shaders/sparse.wgsl (float64). */
import type { CsrBlock } from '../graph/csr.js';
import type { Activation } from '../kernels/activation.js';
import { activate, activateGrad } from './dense.js';

/** out[r, i] = Σ_{e into i} w[e] · input[r, srcOf[e]], then bias + activation when `bias` is given. */
export function spmmRef(b: CsrBlock, w: ArrayLike<number>, input: ArrayLike<number>, rows: number, bias?: ArrayLike<number>, activation: Activation = 'identity'): Float64Array {
  const out = new Float64Array(rows * b.dst);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < b.dst; i++) {
      let sum = 0;
      for (let e = b.dstPtr[i]!; e < b.dstPtr[i + 1]!; e++) sum += w[e]! * input[r * b.src + b.srcOf[e]!]!;
      out[r * b.dst + i] = bias ? activate(activation, sum + bias[i]!) : sum;
    }
  }
  return out;
}

/** out[r, j] = Σ_{e out of j} w[e] · grad[r, dstOf[e]], times act'(aux) when `aux` is given (`dropKeep`: see {@link activateGrad}). */
export function spmmTRef(b: CsrBlock, w: ArrayLike<number>, grad: ArrayLike<number>, rows: number, aux?: ArrayLike<number>, activation: Activation = 'identity', dropKeep = 1): Float64Array {
  const out = new Float64Array(rows * b.src);
  for (let e = 0; e < b.srcOf.length; e++) {
    for (let r = 0; r < rows; r++) {
      const at = r * b.src + b.srcOf[e]!;
      out[at] = out[at]! + w[e]! * grad[r * b.dst + b.dstOf[e]!]!;
    }
  }
  if (aux) for (let i = 0; i < out.length; i++) out[i] = out[i]! * activateGrad(activation, aux[i]!, dropKeep);
  return out;
}

/** g[e] = Σ_r grad[r, dstOf[e]] · input[r, srcOf[e]]. */
export function edgeGradRef(b: CsrBlock, grad: ArrayLike<number>, input: ArrayLike<number>, rows: number): Float64Array {
  const g = new Float64Array(b.srcOf.length);
  for (let e = 0; e < g.length; e++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += grad[r * b.dst + b.dstOf[e]!]! * input[r * b.src + b.srcOf[e]!]!;
    g[e] = sum;
  }
  return g;
}

/**
 * A batch of u8 values (rows × features, batch-major) as byte columns (sparse.wgsl
 * INPUT_COLUMNS, gather.wgsl gather_columns): feature f's column is `words` words from
 * f · words, word p holding rows 4p..4p+3, low byte first; bytes of rows past the batch are 0.
 */
export function byteColumnsRef(bytes: ArrayLike<number>, rows: number, features: number, words: number): Uint32Array {
  const out = new Uint32Array(features * words);
  for (let f = 0; f < features; f++) {
    for (let r = 0; r < rows; r++) {
      const at = f * words + (r >> 2);
      out[at] = (out[at]! | (bytes[r * features + f]! << (8 * (r & 3)))) >>> 0;
    }
  }
  return out;
}

/**
 * A batch of f32 values (rows × width, batch-major) as f32 columns (sparse.wgsl to_columns):
 * column j is `quads` vec4s from j · quads · 4 floats, quad p holding rows 4p..4p+3; 0 past the batch.
 */
export function floatColumnsRef(values: ArrayLike<number>, rows: number, width: number, quads: number): Float32Array {
  const out = new Float32Array(width * quads * 4);
  for (let j = 0; j < width; j++) for (let r = 0; r < rows; r++) out[j * quads * 4 + r] = values[r * width + j]!;
  return out;
}
