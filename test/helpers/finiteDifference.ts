/**
 * Central finite differences of a scalar function of `x` (float64), perturbing each
 * coordinate in turn: (f(x + h·e_i) − f(x − h·e_i)) / 2h.
 */
export function centralDifferences(f: (x: Float64Array) => number, x: ArrayLike<number>, h = 1e-5): Float64Array {
  const point = Float64Array.from(x);
  const grad = new Float64Array(point.length);
  for (let i = 0; i < point.length; i++) {
    const keep = point[i]!;
    point[i] = keep + h;
    const up = f(point);
    point[i] = keep - h;
    const down = f(point);
    point[i] = keep;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}
