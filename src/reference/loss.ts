/** CPU reference of shaders/loss.wgsl (float64). */

export interface LossResult {
  /** Sum of per-row losses. */
  lossSum: number;
  /** Rows whose argmax equals the label. */
  correct: number;
  /** Gradient, rows×classes, already multiplied by gradScale. */
  grad: Float64Array;
}

/** Index of the first largest value of a row. */
export function argmaxRow(values: ArrayLike<number>, base: number, classes: number): number {
  let best = 0;
  for (let j = 1; j < classes; j++) if (values[base + j]! > values[base + best]!) best = j;
  return best;
}

/**
 * Softmax cross-entropy against the target (1 − `smoothing`) onehot(label) + smoothing / classes
 * (label smoothing as PyTorch's; 0: the plain loss). `classWeights`: each row's loss and
 * gradient times its label's weight (as Keras's class_weight); absent, every weight 1.
 */
export function softmaxXentRef(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  rows: number,
  classes: number,
  gradScale = 1 / rows,
  smoothing = 0,
  classWeights?: ArrayLike<number>,
): LossResult {
  const grad = new Float64Array(rows * classes);
  let lossSum = 0;
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * classes;
    const top = argmaxRow(logits, base, classes);
    const peak = logits[base + top]!;
    let total = 0;
    for (let j = 0; j < classes; j++) total += Math.exp(logits[base + j]! - peak);
    const label = labels[r]!;
    const target = (j: number) => (j === label ? 1 - smoothing : 0) + smoothing / classes;
    let dot = 0;
    for (let j = 0; j < classes; j++) dot += target(j) * (logits[base + j]! - peak);
    const weight = classWeights ? classWeights[label]! : 1;
    lossSum += weight * (Math.log(total) - dot);
    if (top === label) correct++;
    for (let j = 0; j < classes; j++) {
      grad[base + j] = (Math.exp(logits[base + j]! - peak) / total - target(j)) * gradScale * weight;
    }
  }
  return { lossSum, correct, grad };
}

export function mseRef(
  outputs: ArrayLike<number>,
  targets: ArrayLike<number>,
  rows: number,
  classes: number,
  gradScale = 1 / (rows * classes),
): LossResult {
  const grad = new Float64Array(rows * classes);
  let lossSum = 0;
  for (let r = 0; r < rows; r++) {
    let rowLoss = 0;
    for (let j = 0; j < classes; j++) {
      const i = r * classes + j;
      const diff = outputs[i]! - targets[i]!;
      rowLoss += diff * diff;
      grad[i] = 2 * diff * gradScale;
    }
    lossSum += rowLoss / classes;
  }
  return { lossSum, correct: 0, grad };
}

export function accuracyRef(logits: ArrayLike<number>, labels: ArrayLike<number>, rows: number, classes: number): number {
  let correct = 0;
  for (let r = 0; r < rows; r++) if (argmaxRow(logits, r * classes, classes) === labels[r]) correct++;
  return correct;
}
