/** CPU reference of shaders/rewrite.wgsl. */
import { NEW_VALUE, type Remap } from '../graph/growth.js';

/** New values from old ones through a remap; moments of new entries (or all, with reset) are 0. */
export function rewriteRef(remap: Remap, old: ArrayLike<number>, isMoment = false, resetMoments = false): Float32Array {
  return Float32Array.from(remap.source, (from, k) => {
    if (from === NEW_VALUE) return isMoment ? 0 : remap.fill[k]!;
    return isMoment && resetMoments ? 0 : old[from]!;
  });
}
