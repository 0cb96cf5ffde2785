// Rows at which a ReLU sits on its kink, where a float32 gradient and a float64 reference may
// rightly disagree: a pre-activation within float32's rounding of 0 can fall on either side,
// and the derivative there is 1 on one side and 0 on the other, so that row's whole share of
// the gradient differs. Gradient checks leave such rows out (and say how many).
import type { Structure } from '../../src/graph/structure.js';
import { dropoutScale } from '../../src/kernels/dropout.js';
import { activate } from '../../src/reference/dense.js';
import { dropoutMaskRef } from '../../src/reference/dropout.js';
import { type DropoutRef, edgeWeights } from '../../src/reference/graph.js';
import { poolRef } from '../../src/reference/pool.js';

/**
 * The rows of `x` (rows × the network's inputs) at which some ReLU neuron's pre-activation z
 * lies closer to 0 than `margin` × (|bias| + Σ|w · input|) (a neuron whose terms are all 0 is
 * exactly 0 in both precisions: not a kink row): float32's rounding of those terms may
 * put z on the other side of the kink than float64 does. Computed in float64 with the
 * network's parameters `params` (its flat buffer layout); with `drop`, under that step's dropout
 * (of the inputs too, at `drop.inputRate`).
 */
export function rowsAtKinks(s: Structure, params: ArrayLike<number>, x: ArrayLike<number>, rows: number, margin = 1e-5, drop?: DropoutRef): Set<number> {
  const kinked = new Set<number>();
  const inputRate = drop?.inputRate ?? 0;
  const inputMask = inputRate > 0 ? dropoutMaskRef(rows * s.input.size, inputRate, drop!.seed, s.input.id, drop!.step) : null;
  const acts = new Map<number, Float64Array>([[s.input.id, Float64Array.from(x, (v, k) => (inputMask ? v * inputMask[k]! * dropoutScale(inputRate) : v))]]);
  for (const level of s.levels.slice(1)) {
    if (level.pool) {
      acts.set(level.id, poolRef(level.pool.topology, acts.get(level.pool.source)!, rows, level.activation, level.pool.kind).out);
      continue;
    }
    const n = level.size;
    const z = new Float64Array(rows * n);
    const scale = new Float64Array(rows * n);
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < n; i++) {
        z[r * n + i] = params[level.biasOffset + i]!;
        scale[r * n + i] = Math.abs(params[level.biasOffset + i]!);
      }
    }
    for (const b of s.blocksInto(level.id)) {
      const w = edgeWeights(b, params);
      const input = acts.get(b.src)!;
      const { srcOf, dstOf } = b.topology;
      for (let r = 0; r < rows; r++) {
        for (let e = 0; e < w.length; e++) {
          const term = w[e]! * input[r * b.topology.src + srcOf[e]!]!;
          const k = r * n + dstOf[e]!;
          z[k] = z[k]! + term;
          scale[k] = scale[k]! + Math.abs(term);
        }
      }
    }
    if (level.activation === 'relu') for (let k = 0; k < z.length; k++) if (Math.abs(z[k]!) < margin * scale[k]!) kinked.add(Math.floor(k / n));
    const mask = drop && level.role === 'hidden' ? dropoutMaskRef(z.length, drop.rate, drop.seed, level.id, drop.step) : null;
    acts.set(level.id, z.map((v, k) => activate(level.activation, v) * (mask ? mask[k]! * dropoutScale(drop!.rate) : 1)));
  }
  return kinked;
}
