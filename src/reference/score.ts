/** CPU reference of shaders/score.wgsl (float64). */
import type { Aggregation, Metric } from '../kernels/score.js';

/** `sums` (3 per value: Σ|g|, Σg, Σg²) after one more step's gradients `grads`. */
export function accumulateStatisticsRef(sums: ArrayLike<number>, grads: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(sums);
  for (let k = 0; k < grads.length; k++) {
    const g = grads[k]!;
    out[3 * k] = out[3 * k]! + Math.abs(g);
    out[3 * k + 1] = out[3 * k + 1]! + g;
    out[3 * k + 2] = out[3 * k + 2]! + g * g;
  }
  return out;
}

/** Score of each value from its running statistics (3 per value) or weight. */
export function scoreRef(metric: Metric, aggregation: Aggregation, stats: ArrayLike<number>, weights: ArrayLike<number>, batches: number): Float64Array {
  const b = Math.max(batches, 1);
  return Float64Array.from({ length: weights.length }, (_, k) => {
    const meanAbs = stats[3 * k]! / b;
    const mean = stats[3 * k + 1]! / b;
    const meanSq = stats[3 * k + 2]! / b;
    switch (metric) {
      case 'abs-grad':
        return aggregation === 'variance' ? Math.max(meanSq - meanAbs * meanAbs, 0) : meanAbs;
      case 'grad-variance':
        return Math.max(meanSq - mean * mean, 0);
      case 'weight-sq':
        return weights[k]! * weights[k]!;
      case 'weight-abs':
        return Math.abs(weights[k]!);
      default: {
        const w = weights[k]!;
        return aggregation === 'variance' ? w * w * Math.max(meanSq - meanAbs * meanAbs, 0) : Math.abs(w) * meanAbs;
      }
    }
  });
}

/** Min–max normalised scores: (m − min) / (max − min + 1e-8). */
export function normaliseRef(scores: ArrayLike<number>): Float64Array {
  // Scores are ≥ 0; a negative one marks a value that is not an edge (NaN here, never selected).
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < scores.length; i++) if (scores[i]! >= 0) (lo = Math.min(lo, scores[i]!)), (hi = Math.max(hi, scores[i]!));
  return Float64Array.from(scores, (m) => (m >= 0 ? (m - lo) / (hi - lo + 1e-8) : Number.NaN));
}

/** Indices whose normalised score is above (or below) `threshold`, highest (lowest) first, at most `max`. */
export function selectRef(normalised: ArrayLike<number>, threshold: number, above: boolean, max = Infinity): number[] {
  const picked: number[] = [];
  for (let i = 0; i < normalised.length; i++) if (above ? normalised[i]! > threshold : normalised[i]! < threshold) picked.push(i);
  picked.sort((a, b) => (above ? normalised[b]! - normalised[a]! : normalised[a]! - normalised[b]!) || a - b);
  return picked.slice(0, max);
}
