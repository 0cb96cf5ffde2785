import type { Random } from '../data/random.js';
import { blockFloats, storageIndex, type Structure } from './structure.js';

/**
 * How a new network's weights start: `linear` as PyTorch's `nn.Linear` (weights and biases
 * U(±1/√fan_in)), `he-uniform` (weights U(±√(6 / fan_in)), He et al.'s for ReLU layers, biases 0)
 * or `glorot-uniform` (weights U(±√(6 / (fan_in + fan_out))), Glorot and Bengio's, biases 0).
 */
export type WeightInit = 'linear' | 'he-uniform' | 'glorot-uniform';
export const WEIGHT_INITS: readonly WeightInit[] = ['linear', 'he-uniform', 'glorot-uniform'];

/** The bound of a weight's uniform draw under `init`, from the fans of its edge. */
function weightBound(init: WeightInit, fanIn: number, fanOut: number): number {
  if (init === 'he-uniform') return Math.sqrt(6 / fanIn);
  if (init === 'glorot-uniform') return Math.sqrt(6 / (fanIn + fanOut));
  return 1 / Math.sqrt(fanIn);
}

/**
 * A new network's parameters under `init` (default `linear`, nn.Linear's: each destination's
 * weights and bias U(±1/√fan_in); see {@link WeightInit}). A complete dense block draws its
 * weights in storage order with fan_in its input width and fan_out its output width (the order
 * every earlier build drew, so seeds give the same networks); a block started with given
 * connections draws one value an edge, with the destination's in-degree as its fan_in and the
 * source's out-degree as its fan_out, and leaves the absent edges of a dense form at 0. Values
 * that share one parameter (a convolution's) all take the draw of the group's first slot, with
 * the block's largest in-degree and out-degree as the fans. `he-uniform` and `glorot-uniform`
 * start the biases at 0 and draw none.
 */
export function initialParameters(s: Structure, rng: Random, init: WeightInit = 'linear'): Float32Array {
  const values = new Float32Array(s.floats);
  const drawBiases = init === 'linear';
  for (const b of s.blocks) {
    const t = b.topology;
    const level = s.level(b.dst);
    if (t.srcOf.length === t.src * t.dst && b.form === 'dense' && !b.rows) {
      const bound = weightBound(init, t.src, t.dst);
      for (let i = 0; i < blockFloats(b); i++) values[b.weightOffset + i] = rng.uniform(-bound, bound);
      if (drawBiases) for (let i = 0; i < level.size; i++) values[level.biasOffset + i] = rng.uniform(-bound, bound);
      continue;
    }
    // Shared weights take the largest in-degree (a convolution's kernel size: its windows at
    // the padded borders have fewer edges) and out-degree.
    const inDegree = (d: number) => t.dstPtr[d + 1]! - t.dstPtr[d]!;
    const outDegree = new Uint32Array(t.src);
    for (let e = 0; e < t.srcOf.length; e++) outDegree[t.srcOf[e]!]!++;
    let [widestIn, widestOut] = [1, 1];
    if (b.ties) {
      for (let d = 0; d < t.dst; d++) widestIn = Math.max(widestIn, inDegree(d));
      for (const n of outDegree) widestOut = Math.max(widestOut, n);
    }
    const fanIn = (d: number) => (b.ties ? widestIn : Math.max(1, inDegree(d)));
    const fanOut = (src: number) => (b.ties ? widestOut : Math.max(1, outDegree[src]!));
    for (let e = 0; e < t.srcOf.length; e++) {
      const edgeBound = weightBound(init, fanIn(t.dstOf[e]!), fanOut(t.srcOf[e]!));
      values[b.weightOffset + storageIndex(b, e)] = rng.uniform(-edgeBound, edgeBound);
    }
    if (drawBiases) for (let d = 0; d < level.size; d++) values[level.biasOffset + d] = rng.uniform(-1 / Math.sqrt(fanIn(d)), 1 / Math.sqrt(fanIn(d)));
  }
  const groups = s.tieGroups;
  if (groups) {
    for (let g = 0; g < groups.count; g++) {
      const shared = values[groups.members[groups.start[g]!]!]!;
      for (let k = groups.start[g]! + 1; k < groups.start[g + 1]!; k++) values[groups.members[k]!] = shared;
    }
  }
  return values;
}
