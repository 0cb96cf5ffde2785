import { type Dispatch, pickBindings, type Recorder, prepare, unusedOutput } from './dispatch.js';
import { checkBindings, checkSizes, words } from './bounds.js';
import type { BindingResource } from './kernel.js';
import { family } from './sources.js';
import { ConfigError } from '../errors.js';
import { describe } from '../args.js';


/** Classes up to which softmax_xent holds a row's logits in registers (CLASSES in shaders/loss.wgsl). */
export const SOFTMAX_CLASSES_MAX = 12;

/** Loss kernels of shaders/loss.wgsl. */
export type LossEntry = 'softmax_xent' | 'mse' | 'accuracy';

/** Arguments of one loss dispatch over `rows`×`classes` outputs. */
export interface LossArgs {
  entry: LossEntry;
  rows: number;
  classes: number;
  logits: BindingResource;
  /** u32 class labels (softmax_xent, accuracy). */
  labels?: BindingResource;
  /** f32 targets, rows×classes (mse). */
  targets?: BindingResource;
  /** Gradient buffer, rows×classes (softmax_xent, mse); written only when `writeGrad`. */
  grad?: BindingResource;
  /** Write the gradient (training) or only accumulate loss and metrics (evaluation). */
  writeGrad?: boolean;
  /** Four f32 accumulators: loss sum, correct count, row count, unused. */
  stats: BindingResource;
  /** Factor applied to the gradient; defaults make the loss a mean (1/rows; 1/(rows·classes) for mse). */
  gradScale?: number;
  /**
   * softmax_xent: label smoothing ε in [0, 1] (PyTorch's `label_smoothing`), the target (1 − ε)
   * onehot + ε / classes; default 0, the plain loss (its pipeline as without the option).
   */
  smoothing?: number;
  /**
   * softmax_xent: one f32 weight per class, each row's loss and gradient multiplied by its
   * label's (as Keras's `class_weight`; still averaged over the rows). Absent: the plain loss
   * (its pipeline as without the option).
   */
  classWeights?: BindingResource;
}

/** A recorded loss (+ gradient) with accumulation of loss and accuracy into `stats`. */
export async function loss(rec: Recorder, a: LossArgs): Promise<Dispatch> {
  checkSizes('loss', { rows: a.rows, classes: a.classes });
  const outputs = a.rows * a.classes;
  checkBindings('loss', {
    logits: words(a.logits, outputs, 'rows × classes floats'),
    labels: words(a.entry === 'mse' ? undefined : a.labels, a.rows, 'rows u32 labels'),
    targets: words(a.entry === 'mse' ? a.targets : undefined, outputs, 'rows × classes floats'),
    grad: words(a.writeGrad && a.entry !== 'accuracy' ? a.grad : undefined, outputs, 'rows × classes floats'),
    stats: words(a.stats, 4, 'the 4 accumulator floats'),
    classWeights: words(a.classWeights, a.classes, 'one f32 weight per class'),
  });
  const smoothing = a.smoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1)) throw new ConfigError(`loss: smoothing must be a number in [0, 1], got ${describe(smoothing)}`);
  if (smoothing > 0 && a.entry !== 'softmax_xent') throw new ConfigError(`loss: smoothing applies to softmax_xent, not ${a.entry}`);
  if (a.classWeights && a.entry !== 'softmax_xent') throw new ConfigError(`loss: classWeights apply to softmax_xent, not ${a.entry}`);
  // softmax_xent over at most 12 classes keeps a row's logits in registers (CLASSES).
  const constants: Record<string, number | boolean> = {
    ...(a.entry === 'softmax_xent' && a.classes <= SOFTMAX_CLASSES_MAX ? { CLASSES: a.classes } : {}),
    ...(smoothing > 0 ? { SMOOTH: true } : {}),
    ...(a.classWeights ? { WEIGHTED: true } : {}),
  };
  const kernel = await rec.kernels.get({ ...family('loss'), entryPoint: a.entry, constants });
  // Each entry point binds only what it reads (reflection tells which); a missing one is an error.
  // Without weights softmax_xent binds a placeholder to class_weights, which it never reads.
  const resources = pickBindings(kernel, { logits: a.logits, labels: a.labels, targets: a.targets, grad: a.grad, stats: a.stats, class_weights: a.classWeights ?? unusedOutput(rec) });
  return prepare(
    rec,
    kernel,
    { rows: a.rows, classes: a.classes, grad_scale: a.gradScale ?? (a.entry === 'mse' ? 1 / (a.rows * a.classes) : 1 / a.rows), write_grad: a.writeGrad ? 1 : 0, smoothing },
    resources,
    [1, 1, 1],
  );
}
