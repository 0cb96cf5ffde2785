import { ConfigError, LabelRangeError, ShapeError } from '../errors.js';
import { describe } from '../args.js';

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

/** Names of `classes` classes: `names` where it holds one a class (a CSV's class column's), else the class numbers. */
export function classNames(classes: number, names?: readonly unknown[]): string[] {
  return names?.length === classes ? names.map(String) : Array.from({ length: classes }, (_, c) => String(c));
}

/** How a classifier's answers compare with the true classes (see {@link confusionMatrix}). */
export interface ConfusionMatrix {
  classes: number;
  /** Classes × classes, row-major: `counts[t * classes + p]` rows of true class t answered p. */
  counts: Uint32Array;
  /** Per class, the share of its rows answered with it (recall); NaN for a class without rows. */
  recall: Float64Array;
  /** Per class, the share of the rows answered with it that are of it (precision); NaN where none was. */
  precision: Float64Array;
  /** The share of all rows answered right. */
  accuracy: number;
}

/**
 * Count a classifier's answers by true and answered class: `labels` the true classes (a
 * dataset's `labels`), `predicted` the answers (`Network.classify`'s `labels`), both in
 * [0, `classes`). A `ShapeError` where their lengths differ, a `LabelRangeError` naming the
 * first row of either outside [0, `classes`).
 */
export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): ConfusionMatrix {
  if (!Number.isInteger(classes) || classes < 2) throw new ConfigError(`confusionMatrix: classes must be a whole number of 2 or more, got ${describe(classes)}`);
  if (labels.length !== predicted.length) throw new ShapeError(`confusionMatrix: ${labels.length} labels but ${predicted.length} answers`);
  const counts = new Uint32Array(classes * classes);
  let right = 0;
  for (let r = 0; r < labels.length; r++) {
    const [t, p] = [labels[r]!, predicted[r]!];
    for (const [what, c] of [['label', t], ['answer', p]] as const) {
      if (!(Number.isInteger(c) && c >= 0 && c < classes)) throw new LabelRangeError(`confusionMatrix: the ${what} of row ${r} is ${c}, not a class in [0, ${classes})`);
    }
    counts[t * classes + p]!++;
    if (t === p) right++;
  }
  const recall = new Float64Array(classes);
  const precision = new Float64Array(classes);
  for (let c = 0; c < classes; c++) {
    let rowsOf = 0;
    let answered = 0;
    for (let k = 0; k < classes; k++) {
      rowsOf += counts[c * classes + k]!;
      answered += counts[k * classes + c]!;
    }
    const hits = counts[c * classes + c]!;
    recall[c] = rowsOf === 0 ? Number.NaN : hits / rowsOf;
    precision[c] = answered === 0 ? Number.NaN : hits / answered;
  }
  return { classes, counts, recall, precision, accuracy: labels.length === 0 ? Number.NaN : right / labels.length };
}

/** One row a classifier answered wrong (see {@link mistakes}). */
export interface Mistake {
  /** The row. */
  row: number;
  /** Its true class. */
  truth: number;
  /** The class answered. */
  answer: number;
  /** The probability the classifier gave that answer. */
  confidence: number;
}

/**
 * The rows whose true class (`labels`, a dataset's) `answers` (`Network.classify`'s on the same
 * rows) gets wrong, the most confident answer first (rows in order among equals): where a
 * confusion matrix counts a classifier's mistakes, these name them. A `ShapeError` where the
 * lengths differ.
 */
export function mistakes(labels: ArrayLike<number>, answers: Classification): Mistake[] {
  const { labels: answered, probabilities } = answers;
  if (labels.length !== answered.length) throw new ShapeError(`mistakes: ${labels.length} labels but ${answered.length} answers`);
  const classes = answered.length ? probabilities.length / answered.length : 0;
  const wrong: Mistake[] = [];
  for (let row = 0; row < labels.length; row++) {
    const answer = answered[row]!;
    if (answer !== labels[row]) wrong.push({ row, truth: labels[row]!, answer, confidence: probabilities[row * classes + answer]! });
  }
  return wrong.sort((a, b) => b.confidence - a.confidence || a.row - b.row);
}
