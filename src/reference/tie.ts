/** CPU reference of shaders/tie.wgsl. */
import type { TieGroups } from '../graph/structure.js';

/**
 * `grads` with every slot of each group set to the group's sum, taken in float32 in the
 * kernel's order (ascending slots), so the kernel's result is matched bit for bit.
 */
export function tieGradientsRef(groups: TieGroups, grads: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(grads);
  for (let g = 0; g < groups.count; g++) {
    let sum = 0;
    for (let k = groups.start[g]!; k < groups.start[g + 1]!; k++) sum = Math.fround(sum + out[groups.members[k]!]!);
    for (let k = groups.start[g]!; k < groups.start[g + 1]!; k++) out[groups.members[k]!] = sum;
  }
  return out;
}

/**
 * `grads` with every slot of each group set to the group's sum, taken in float32 in
 * tie_gradients_wide's order: 64 lane sums over every 64th slot, then added pairwise (lane l
 * and l + 32, then l + 16, …), so that kernel's result is matched bit for bit.
 */
export function tieGradientsWideRef(groups: TieGroups, grads: ArrayLike<number>): Float32Array {
  const lanes = 64;
  const out = Float32Array.from(grads);
  for (let g = 0; g < groups.count; g++) {
    const [first, end] = [groups.start[g]!, groups.start[g + 1]!];
    const sums = new Float32Array(lanes);
    for (let lane = 0; lane < lanes; lane++) for (let k = first + lane; k < end; k += lanes) sums[lane] = Math.fround(sums[lane]! + out[groups.members[k]!]!);
    for (let half = lanes / 2; half > 0; half >>= 1) for (let lane = 0; lane < half; lane++) sums[lane] = Math.fround(sums[lane]! + sums[lane + half]!);
    for (let k = first; k < end; k++) out[groups.members[k]!] = sums[0]!;
  }
  return out;
}
