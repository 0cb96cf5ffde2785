import type { Random } from '../data/random.js';
import { blockFloats, storageIndex, type Structure } from './structure.js';

/**
 * A new network's parameters, as `nn.Linear` initialises them: each destination's weights
 * and bias U(±1/√fan_in). A complete dense block draws its weights in storage order with
 * fan_in its input width (the order every earlier build drew, so seeds give the same
 * networks); a block started with given connections draws one value an edge, with the
 * destination's in-degree as its fan_in, and leaves the absent edges of a dense form at 0.
 * Values that share one parameter (a convolution's) all take the draw of the group's first
 * slot, with the block's largest in-degree as the fan-in.
 */
export function initialParameters(s: Structure, rng: Random): Float32Array {
  const values = new Float32Array(s.floats);
  for (const b of s.blocks) {
    const t = b.topology;
    const level = s.level(b.dst);
    if (t.srcOf.length === t.src * t.dst && b.form === 'dense' && !b.rows) {
      const bound = 1 / Math.sqrt(t.src);
      for (let i = 0; i < blockFloats(b); i++) values[b.weightOffset + i] = rng.uniform(-bound, bound);
      for (let i = 0; i < level.size; i++) values[level.biasOffset + i] = rng.uniform(-bound, bound);
      continue;
    }
    // Shared weights take the largest in-degree (a convolution's kernel size: its windows at
    // the padded borders have fewer edges).
    const degree = (d: number) => t.dstPtr[d + 1]! - t.dstPtr[d]!;
    let widest = 1;
    if (b.ties) for (let d = 0; d < t.dst; d++) widest = Math.max(widest, degree(d));
    const bound = (d: number) => 1 / Math.sqrt(b.ties ? widest : Math.max(1, degree(d)));
    for (let e = 0; e < t.srcOf.length; e++) {
      const edgeBound = bound(t.dstOf[e]!);
      values[b.weightOffset + storageIndex(b, e)] = rng.uniform(-edgeBound, edgeBound);
    }
    for (let d = 0; d < level.size; d++) values[level.biasOffset + d] = rng.uniform(-bound(d), bound(d));
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
