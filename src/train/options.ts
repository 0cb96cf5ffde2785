import { booleanArg, positiveInteger, describe, unknownChoice } from '../args.js';
import { ConfigError } from '../errors.js';
import { checkSeed } from '../data/random.js';
import { checkDropoutRate } from '../kernels/dropout.js';
import type { AugmentOptions } from '../data/augment.js';
import type { Dataset } from '../data/dataset.js';
import type { StatisticsPassOptions } from '../graph/networkTypes.js';
import type { ClassWeights } from './classWeights.js';
import type { ExpansionOptions, ExpansionPolicy } from './expansion.js';
import { type LrSchedule, resolveSchedule } from './schedule.js';

/** Loss functions. `softmax-cross-entropy` takes class labels; `mse` takes targets. */
export type LossName = 'softmax-cross-entropy' | 'mse';
export const LOSSES: readonly LossName[] = ['softmax-cross-entropy', 'mse'];

/** Optimizer settings; defaults follow PyTorch. */
export type OptimizerConfig =
  | { name: 'adam'; lr?: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number }
  | { name: 'adamw'; lr?: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number }
  | { name: 'sgd'; lr?: number; momentum?: number; weightDecay?: number; nesterov?: boolean };
export type OptimizerName = OptimizerConfig['name'];
export const OPTIMIZERS: readonly OptimizerName[] = ['adam', 'adamw', 'sgd'];

/** What `onEpoch` receives after every epoch. */
export interface EpochReport {
  /** 1-based. */
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  /** NaN when no validation data was given. */
  valLoss: number;
  valAccuracy: number;
  /** Trainable values (weights + biases). */
  params: number;
  /** Wall-clock seconds of this epoch (training, validation and any growth). */
  seconds: number;
  /** Edges split after this epoch. */
  expanded: number;
  /** Edges pruned after this epoch. */
  pruned: number;
  /** The learning rate of this epoch's last step (see {@link FitOptions.schedule}). */
  lr: number;
  /** Level sizes after this epoch, inputs first. */
  architecture: number[];
  /**
   * On the last report of a call that {@link FitOptions.earlyStop} ended: the epoch (of this
   * call) whose validation loss was the lowest, and that loss.
   */
  earlyStop?: { bestEpoch: number; bestLoss: number };
  /**
   * With {@link FitOptions.maxGradNorm}: the mean over the epoch's steps of the gradient's global
   * L2 norm before clipping (every parameter's gradient, a shared value's once).
   */
  gradNorm?: number;
  /** With {@link FitOptions.maxGradNorm}: how many of the epoch's steps it clipped. */
  clippedSteps?: number;
}

/** Progress inside an epoch, passed to {@link FitOptions.onProgress}. */
export interface TrainProgress {
  /** 1-based epoch of this call to fit. */
  epoch: number;
  epochs: number;
  /** Training steps (batches) finished on the GPU so far in this epoch. */
  step: number;
  steps: number;
  /** Training rows finished so far in this epoch. */
  samples: number;
  /** Mean training loss over those rows. */
  loss: number;
  /** Seconds since the epoch started. */
  seconds: number;
}

/** Options of {@link Network.fit}. */
export interface FitOptions {
  loss?: LossName;
  optimizer?: OptimizerConfig;
  /**
   * How the learning rate moves over this call's steps (default: the optimizer's `lr`
   * throughout); evaluated on the GPU from its step counter, so it costs no upload per step.
   */
  schedule?: LrSchedule;
  batchSize?: number;
  epochs?: number;
  /**
   * Clip the gradient by its global norm before each update, as PyTorch's `clip_grad_norm_`
   * does: where the L2 norm of all the parameters' gradients (a shared value's once) exceeds
   * `maxGradNorm`, every gradient is scaled by maxGradNorm / (norm + 1e-6). Before weight decay
   * and momentum, for every optimizer. The running edge statistics see the raw gradient.
   * `Infinity` measures the norm without clipping. Each epoch's report then has the norm's mean
   * (`gradNorm`) and the steps clipped (`clippedSteps`). Costs two dispatches a step; omitted
   * (the default), none, and training is the same bit for bit as without the option.
   */
  maxGradNorm?: number;
  /**
   * Label smoothing of the softmax cross-entropy, in [0, 1], as PyTorch's `label_smoothing`:
   * the training target is (1 − ε) for the label plus ε / classes for every class (default 0).
   * The epochs' `trainLoss` is the smoothed loss that training minimises, and the expansion's
   * exact statistics pass takes its gradients too; the validation loss and `evaluate` take the
   * plain one (so the expansion trigger watches the plain validation loss, or without
   * validation data the smoothed training loss).
   */
  labelSmoothing?: number;
  /**
   * Weights of the classes in the softmax cross-entropy (see {@link ClassWeights}): one per
   * class, or `'balanced'` from the training labels, for data where some classes are rare.
   * Each training row's loss and gradient is multiplied by its label's weight; the epochs'
   * `trainLoss` is that weighted mean, and the expansion's exact statistics pass takes its
   * gradients too; the validation loss and `evaluate` stay unweighted. Omitted (the default),
   * training is the same bit for bit as without the option.
   */
  classWeights?: ClassWeights;
  /**
   * Dropout of every hidden level while training, in [0, 1) (default 0: none): each step each
   * hidden value is dropped (set to 0) with this probability and the kept ones are scaled by
   * 1 / (1 − rate) (inverted dropout, as PyTorch's `nn.Dropout` in training), levels that growth
   * adds included; the input and output levels are never dropped. The masks follow from `seed`
   * and the network's step count, so a run is the same bit for bit when repeated or resumed
   * from a checkpoint. Validation, `evaluate`, `predict`, the expansion's exact statistics pass
   * and `gradients` (unless given a step, {@link GradientOptions.dropout}) see the whole
   * network. Every hidden activation takes it (tanh's and sigmoid's derivatives are taken from
   * the kept values times 1 − rate; see shaders/activation.wgsl).
   */
  dropout?: number;
  /**
   * Dropout of the inputs while training, in [0, 1) (default 0: none): each step each input
   * value of the batch is dropped with this probability and the kept ones are scaled by
   * 1 / (1 − rate), as {@link dropout} does to hidden levels (Hinton et al.'s MNIST networks
   * dropped 20% of the pixels and 50% of the hidden values). The mask is drawn by the same rule
   * (the input level's own masks), when the batch is gathered: every block out of the inputs
   * reads the same dropped batch, whatever form it is stored in. What sees the whole network
   * under {@link dropout} sees all of the inputs.
   */
  inputDropout?: number;
  /** Evaluated after every epoch. */
  validation?: Dataset;
  /**
   * Seed of the per-epoch shuffles. Each epoch's order follows from the seed and the epoch's
   * place in the network's `history`, not in this call: a second call goes on with new orders,
   * and a network saved after epoch k and loaded again trains epoch k + 1 as the one that was
   * not stopped would.
   */
  seed?: number;
  shuffle?: boolean;
  /** Accumulate running per-edge gradient statistics in every epoch (cleared at each epoch's start). */
  edgeStatistics?: boolean;
  /**
   * Grow the network while it trains: reference options (see {@link ExpansionOptions}; `{}`
   * for the reference defaults) or a policy of your own. Collects the running statistics in
   * the epochs whose end the policy may score edges after (see
   * {@link ExpansionPolicy.needsStatistics}) and in the last one; `edgeStatistics` makes it
   * every epoch.
   */
  expansion?: ExpansionOptions | ExpansionPolicy;
  /**
   * Stops training at the end of the epoch in progress (after its validation and any growth):
   * fit then resolves with the reports of the epochs it ran, fewer than `epochs`, and the
   * network is as that last epoch left it. Already aborted: fit trains nothing and resolves
   * with none. (The GPU work of an epoch is queued when it starts, so it cannot stop sooner.)
   */
  signal?: AbortSignal;
  /**
   * End training once `patience` epochs in a row have brought no validation loss below the
   * lowest of the call so far (epochs that grow or prune the network count too, so a stall
   * that growth does not mend ends the run). Needs `validation`. The last report then says
   * where the lowest was (`earlyStop`); the network is as the last epoch left it.
   */
  earlyStop?: { patience: number };
  /**
   * The most bytes of training data, and of validation data, fit holds on the GPU at once
   * (inputs and labels or targets; default: as much as one buffer of the adapter holds, 1 GiB
   * on SwiftShader). Larger data is held a part at a time: each epoch the CPU writes the
   * shuffled rows of each part into the same buffers as the steps reach it (whole batches a
   * part), so training is the same bit for bit as with the data held whole, at the cost of
   * those copies. Lower it to spare GPU memory.
   */
  maxUploadBytes?: number;
  /**
   * Train on randomly moved copies of image rows (`{ shift: 2 }`: each image moved by up to 2
   * pixels each way, a new draw every epoch; see {@link AugmentOptions}). The moves run on the
   * GPU, one pass over the training data an epoch into a second buffer of the training inputs'
   * size (freed when fit ends; where `maxUploadBytes` cannot hold both, the rows are moved on
   * the CPU as each part is written, the same bits); validation data, evaluation and the exact
   * statistics pass see the images as they are. A ConfigError where the rows are not the image
   * given (default: a square one-channel image).
   */
  augment?: AugmentOptions;
  /** After every epoch (and any growth). It may call the network's `predict` and `evaluate`; fit waits for it. */
  onEpoch?: (report: EpochReport) => void | Promise<void>;
  /**
   * Called about {@link FitOptions.progressUpdates} times per epoch as the GPU finishes
   * steps. Costs one 16-byte copy per update and no stall: the steps are queued as without it.
   */
  onProgress?: (progress: TrainProgress) => void;
  /** Updates per epoch for `onProgress` (default 20). */
  progressUpdates?: number;
}

/** Fit options with every default applied and every value checked. */
export interface ResolvedFit {
  loss: LossName;
  optimizer: Required<Pick<OptimizerConfig, 'name' | 'lr'>> & {
    beta1: number;
    beta2: number;
    eps: number;
    weightDecay: number;
    momentum: number;
    nesterov: boolean;
  };
  /** Null: the constant lr. */
  schedule: LrSchedule | null;
  /** Null: no clipping. */
  maxGradNorm: number | null;
  /** 0: none. */
  labelSmoothing: number;
  /** 0: none. */
  dropout: number;
  /** 0: none. */
  inputDropout: number;
  batchSize: number;
  epochs: number;
  seed: number;
  shuffle: boolean;
}

function finiteNumber(name: string, v: number, min: number, max = Infinity, inclusiveMin = false): number {
  const ok = Number.isFinite(v) && (inclusiveMin ? v >= min : v > min) && v <= max;
  if (!ok) throw new ConfigError(`${name} must be a finite number in ${inclusiveMin ? '[' : '('}${min}, ${max}], got ${describe(v)}`);
  return v;
}

/**
 * The ranges of fit's numeric training options, each a check that throws a {@link ConfigError}
 * under the name it is given: `resolveFitOptions` names the options, the CLI its flags.
 */
export const FIT_CHECKS = {
  epochs: (name: string, v: number) => positiveInteger(name, v, true),
  batchSize: (name: string, v: number) => positiveInteger(name, v),
  lr: (name: string, v: number) => finiteNumber(name, v, 0),
  momentum: (name: string, v: number) => finiteNumber(name, v, 0, 1, true),
  weightDecay: (name: string, v: number) => finiteNumber(name, v, 0, Infinity, true),
  labelSmoothing: (name: string, v: number) => finiteNumber(name, v, 0, 1, true),
  dropout: (name: string, v: number) => checkDropoutRate(name, v),
  inputDropout: (name: string, v: number) => checkDropoutRate(name, v, "a batch's inputs"),
  maxGradNorm: (name: string, v: number) => {
    if (v === Infinity || (Number.isFinite(v) && v > 0)) return v;
    // The command line's flags spell Infinity "inf".
    const infinity = name.startsWith('--') ? 'inf' : 'Infinity';
    throw new ConfigError(`${name} must be a number above 0 (${infinity}: measure the norm, never clip), got ${describe(v)}`);
  },
} as const;

/** `loss` where it is one of {@link LOSSES}, else a ConfigError. */
function checkLoss(loss: LossName): LossName {
  if (!LOSSES.includes(loss)) throw new ConfigError(unknownChoice('loss', loss, LOSSES));
  return loss;
}

/**
 * The options of a statistics pass (`collectEdgeStatistics`) checked, defaults applied: a
 * ConfigError naming the bad one (a batch size of 0 looped until memory ran out).
 */
export function resolveStatisticsOptions(o: StatisticsPassOptions): { batchSize: number; loss: LossName; labelSmoothing: number; maxUploadBytes: number | undefined } {
  const loss = checkLoss(o.loss ?? 'softmax-cross-entropy');
  const batchSize = FIT_CHECKS.batchSize('batchSize', o.batchSize ?? 256);
  const labelSmoothing = labelSmoothingFor(loss, o.labelSmoothing);
  const maxUploadBytes = o.maxUploadBytes === undefined ? undefined : finiteNumber('maxUploadBytes', o.maxUploadBytes, 0);
  return { batchSize, loss, labelSmoothing, maxUploadBytes };
}

/** A label smoothing (fit's, a statistics pass's, a gradient's) checked: a number in [0, 1], and only for the softmax cross-entropy. */
export function labelSmoothingFor(loss: LossName, smoothing: number | undefined): number {
  if (smoothing === undefined) return 0;
  FIT_CHECKS.labelSmoothing('labelSmoothing', smoothing);
  if (smoothing > 0 && loss !== 'softmax-cross-entropy') throw new ConfigError(`labelSmoothing applies to the softmax-cross-entropy loss, not ${loss}`);
  return smoothing;
}

/**
 * Nesterov momentum needs SGD with a momentum above 0, as PyTorch's SGD (with none it would be
 * plain SGD, silently): else a ConfigError in `words`, fit's option names or the CLI's flags.
 */
export function checkNesterov(o: { nesterov: boolean; name: string; momentum: number }, words: { nesterov: string; sgd: string; momentum: string }): void {
  if (o.nesterov && (o.name !== 'sgd' || o.momentum === 0)) {
    throw new ConfigError(`${words.nesterov} applies to ${words.sgd} with a ${words.momentum} above 0, not ${o.name} with momentum ${o.momentum}`);
  }
}

/** Apply defaults and validate; throws {@link ConfigError} naming the bad option. */
export function resolveFitOptions(o: FitOptions): ResolvedFit {
  const loss = checkLoss(o.loss ?? 'softmax-cross-entropy');
  const opt: Partial<OptimizerConfig> & { name: string } = o.optimizer ?? { name: 'adam' };
  if (!OPTIMIZERS.includes(opt.name as OptimizerName)) {
    throw new ConfigError(unknownChoice('optimizer', opt.name, OPTIMIZERS));
  }
  const get = (key: string, fallback: number): number => (opt as unknown as Record<string, number | undefined>)[key] ?? fallback;
  const optimizer = {
    name: opt.name as OptimizerName,
    lr: FIT_CHECKS.lr('optimizer.lr', get('lr', opt.name === 'sgd' ? 0.01 : 1e-3)),
    beta1: finiteNumber('optimizer.beta1', get('beta1', 0.9), 0, 1, true),
    beta2: finiteNumber('optimizer.beta2', get('beta2', 0.999), 0, 1, true),
    eps: finiteNumber('optimizer.eps', get('eps', 1e-8), 0),
    weightDecay: FIT_CHECKS.weightDecay('optimizer.weightDecay', get('weightDecay', opt.name === 'adamw' ? 0.01 : 0)),
    momentum: FIT_CHECKS.momentum('optimizer.momentum', get('momentum', 0)),
    nesterov: booleanArg('optimizer.nesterov', (opt as { nesterov?: boolean }).nesterov) ?? false,
  };
  checkNesterov(optimizer, { nesterov: 'optimizer.nesterov', sgd: 'sgd', momentum: 'momentum' });
  if (optimizer.beta1 >= 1 || optimizer.beta2 >= 1) throw new ConfigError('optimizer betas must be below 1');
  if (o.signal !== undefined && typeof (o.signal as { aborted?: unknown } | null)?.aborted !== 'boolean') throw new ConfigError('signal must be an AbortSignal');
  if (o.maxUploadBytes !== undefined) finiteNumber('maxUploadBytes', o.maxUploadBytes, 0);
  booleanArg('shuffle', o.shuffle);
  booleanArg('edgeStatistics', o.edgeStatistics);
  if (o.earlyStop !== undefined) {
    positiveInteger('earlyStop.patience', (o.earlyStop as { patience?: number } | null)?.patience ?? Number.NaN);
    if (!o.validation) throw new ConfigError('earlyStop needs validation data: it watches the validation loss');
  }
  const epochs = FIT_CHECKS.epochs('epochs', o.epochs ?? 1);
  return {
    loss,
    optimizer,
    schedule: resolveSchedule(o.schedule, epochs, optimizer.lr),
    maxGradNorm: o.maxGradNorm === undefined ? null : FIT_CHECKS.maxGradNorm('maxGradNorm', o.maxGradNorm),
    labelSmoothing: labelSmoothingFor(loss, o.labelSmoothing),
    dropout: o.dropout === undefined ? 0 : FIT_CHECKS.dropout('dropout', o.dropout),
    inputDropout: o.inputDropout === undefined ? 0 : FIT_CHECKS.inputDropout('inputDropout', o.inputDropout),
    batchSize: FIT_CHECKS.batchSize('batchSize', o.batchSize ?? 32),
    epochs,
    seed: checkSeed('seed', o.seed ?? 0),
    shuffle: o.shuffle ?? true,
  };
}
