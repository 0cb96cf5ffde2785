/** CPU reference of shaders/finite.wgsl. */

/** How many of `values` are NaN, +∞ or −∞ (each taken as a float32: a finite float64 beyond its range counts). */
export function countNonFiniteRef(values: ArrayLike<number>): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(Math.fround(values[i]!))) count++;
  return count;
}
