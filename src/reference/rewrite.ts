/** CPU reference of shaders/rewrite.wgsl. */
import { NEGATED, NEW_VALUE, type Remap } from '../graph/growth.js';

/**
 * New values from old ones through a remap; moments of new entries (or all, with reset) are 0.
 * `moment`: which optimizer moment `old` holds (a negated source negates the first, not the
 * second); omitted for parameters.
 */
export function rewriteRef(remap: Remap, old: ArrayLike<number>, moment?: 1 | 2, resetMoments = false): Float32Array {
  return Float32Array.from(remap.source, (from, k) => {
    if (from === NEW_VALUE) return moment ? 0 : remap.fill[k]!;
    if (moment && resetMoments) return 0;
    const negated = (from & NEGATED) !== 0 && moment !== 2;
    const value = old[from & ~NEGATED]!;
    return negated ? -value : value;
  });
}
