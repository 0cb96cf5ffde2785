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
