import { ConfigError, ShapeError } from '../errors.js';

/** What a classifier's outputs say of each row: the likeliest class and every class's probability. */
export interface Classification {
  /** Per row, the class of the largest output (the first of equal ones). */
  labels: Uint32Array;
  /** Rows × classes: the softmax of each row's outputs (summing to 1 a row). */
  probabilities: Float32Array;
}

/**
 * The classes and softmax probabilities of `logits` (rows × `classes`, as `predict` returns a
 * classifier's outputs). Computed in float64, each row shifted by its largest output first, so
 * large logits do not overflow. A `ShapeError` where `logits` are not whole rows of `classes`,
 * a `ConfigError` for 1 class (one output a row is a regression's, not a choice of classes).
 */
export function classify(logits: Float32Array, classes: number): Classification {
  if (!Number.isInteger(classes) || classes < 1 || logits.length % classes !== 0) {
    throw new ShapeError(`classify: ${logits.length} outputs are not rows of ${classes} classes`);
  }
  // One output a row (a regression's) would be class 0 with probability 1 in every row.
  if (classes === 1) throw new ConfigError('classify: rows of 1 output are no classification: a classifier has one output per class (2 or more)');
  const rows = logits.length / classes;
  const labels = new Uint32Array(rows);
  const probabilities = new Float32Array(logits.length);
  const e = new Float64Array(classes);
  for (let r = 0; r < rows; r++) {
    const z = logits.subarray(r * classes, (r + 1) * classes);
    let best = 0;
    for (let c = 1; c < classes; c++) if (z[c]! > z[best]!) best = c;
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += e[c] = Math.exp(z[c]! - z[best]!);
    for (let c = 0; c < classes; c++) probabilities[r * classes + c] = e[c]! / sum;
    labels[r] = best;
  }
  return { labels, probabilities };
}
