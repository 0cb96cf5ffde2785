import { parseArgs } from 'node:util';
import { notOneOf } from '../args.js';
import { type Dataset, pickRows, splitDataset } from '../data/dataset.js';
import { checkUploadLimit } from '../data/gpuDataset.js';
import { EVAL_ROWS } from '../train/loop.js';
import { ConfigError, DivergenceError } from '../errors.js';
import { createNodeRuntime } from '../node/dawn.js';
import { classWeightsFor } from '../train/classWeights.js';
import { checkNesterov, FIT_CHECKS, OPTIMIZERS, type OptimizerName } from '../train/options.js';
import { checkSeed } from '../data/random.js';
import type { AugmentOptions } from '../data/augment.js';
import type { LrSchedule } from '../train/schedule.js';
import type { ExpandEvent, PruneEvent, ExpansionOptions } from '../train/expansion.js';
import { defaultArch, imageShape, parseActivations, parseArch, parseExpandable, parseWindowLayers, type WindowLayerArg } from './arch.js';
import { loadData } from './datasets.js';
import { epochsLeft, resumePlan, resumeWords } from './runPlan.js';
import { ADAPTER_OPTIONS, adapterOptions, checkOutputPath, EXIT, delimiterOption, numberOption, OutputError, readModel, type SavedRun, testQuality, writeOutput } from './options.js';
import { formatEpoch, ProgressView } from './progress.js';
import type { Network } from '../graph/network.js';
import { type WeightInit, WEIGHT_INITS } from '../graph/initialise.js';
import type { Runtime } from '../runtime.js';
import type { SaveOptions } from '../io/checkpoint.js';
import type { EpochReport } from '../train/options.js';
import { answersByClass, classFields, perClassLines } from './classReport.js';
import { growthWords } from './info.js';
import { counted } from '../words.js';
import { ONE_RUN_FLAGS, trainSeeds } from './seeds.js';
import { withoutOptions } from './runs.js';
import { trainCompared } from './compareFixed.js';
import { TRAIN_HELP } from './trainHelp.js';
import { classWeightsOption, labelSmoothingOption, maxGradNormOption, scheduleArgs } from './trainFlags.js';
import { expansionArgs, inExpansionFlagWords } from './expansionArgs.js';
import { SENN_VERSION } from '../version.js';

const OPTIONS = {
  dataset: { type: 'string' },
  'data-dir': { type: 'string' },
  target: { type: 'string' },
  ignore: { type: 'string' },
  task: { type: 'string' },
  test: { type: 'string' },
  delimiter: { type: 'string' },
  arch: { type: 'string' },
  activation: { type: 'string' },
  local: { type: 'string', multiple: true },
  conv: { type: 'string', multiple: true },
  pool: { type: 'string', multiple: true },
  'avg-pool': { type: 'string', multiple: true },
  image: { type: 'string' },
  'augment-shift': { type: 'string' },
  epochs: { type: 'string' },
  batch: { type: 'string' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  'weight-decay': { type: 'string' },
  'max-grad-norm': { type: 'string' },
  'label-smoothing': { type: 'string' },
  dropout: { type: 'string' },
  'input-dropout': { type: 'string' },
  'class-weights': { type: 'string' },
  momentum: { type: 'string' },
  nesterov: { type: 'boolean' },
  init: { type: 'string' },
  'lr-schedule': { type: 'string' },
  'lr-step-epochs': { type: 'string' },
  'lr-gamma': { type: 'string' },
  'min-lr': { type: 'string' },
  'warmup-epochs': { type: 'string' },
  'lr-restart-at-growth': { type: 'boolean', default: false },
  seed: { type: 'string' },
  seeds: { type: 'string' },
  'val-fraction': { type: 'string' },
  'train-rows': { type: 'string' },
  save: { type: 'string' },
  'save-every': { type: 'string' },
  resume: { type: 'string' },
  json: { type: 'string' },
  ...ADAPTER_OPTIONS,
  'keep-best': { type: 'boolean', default: false },
  'save-statistics': { type: 'boolean', default: false },
  'early-stop': { type: 'string' },
  'max-upload-mb': { type: 'string' },
  expand: { type: 'boolean', default: false },
  expandable: { type: 'string' },
  metric: { type: 'string' },
  aggregation: { type: 'string' },
  'choose-threshold': { type: 'string' },
  'max-to-replace': { type: 'string' },
  'max-parameters': { type: 'string' },
  'loss-change-threshold': { type: 'string' },
  window: { type: 'string' },
  'min-epochs-between': { type: 'string' },
  'delete-after': { type: 'string' },
  'delete-threshold': { type: 'string' },
  'prune-metric': { type: 'string' },
  'prune-normalization': { type: 'string' },
  'fully-connected': { type: 'boolean', default: false },
  'exact-split': { type: 'string' },
  'neurons-per-edge': { type: 'string' },
  'knot-spacing': { type: 'string' },
  'reset-optimizer': { type: 'boolean', default: false },
  'late-splits': { type: 'boolean', default: false },
  'compare-fixed': { type: 'boolean', default: false },
  'inverted-prune': { type: 'boolean', default: false },
  statistics: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

/** Training arguments after defaults (from the command line, else a resumed run, else built-in). */
interface TrainArgs {
  dataset: string;
  epochs: number;
  batch: number;
  lr: number;
  optimizer: OptimizerName;
  weightDecay: number | undefined;
  momentum: number;
  /** SGD's Nesterov momentum (--nesterov). */
  nesterov: boolean;
  /** How a new network's weights start (--init). */
  init: WeightInit;
  /**
   * Clip the gradient to this global norm (fit's maxGradNorm); Infinity measures it only;
   * undefined: neither. A run's JSON writes Infinity as null, which reads back as Infinity.
   */
  maxGradNorm: number | null | undefined;
  /** fit's labelSmoothing; undefined: none. */
  labelSmoothing: number | undefined;
  /** fit's dropout (--dropout); undefined: none. */
  dropout: number | undefined;
  /** fit's inputDropout (--input-dropout); undefined: none. */
  inputDropout: number | undefined;
  /** fit's classWeights (--class-weights); undefined: none. */
  classWeights: 'balanced' | number[] | undefined;
  /** Null: the constant rate. */
  schedule: LrSchedule | null;
  seed: number;
  valFraction: number;
  /** Rows of the training set to use (a seeded random subset); undefined: all. */
  trainRows: number | undefined;
  /** Pixels each training image may move each way (--augment-shift); 0: none. */
  augmentShift: number;
  /** The inputs' image shape as given (--image WxH[xC]); undefined: square, one channel. */
  image: string | undefined;
  expansion: ExpansionOptions | null;
}

function resolveArgs(v: Values, previous: Partial<TrainArgs>): TrainArgs {
  const optimizer = (v.optimizer ?? previous.optimizer ?? 'adam') as OptimizerName;
  if (!OPTIMIZERS.includes(optimizer)) throw new ConfigError(notOneOf('--optimizer', optimizer, OPTIMIZERS));
  const weightDecay = v['weight-decay'] === undefined ? previous.weightDecay : numberOption('weight-decay', v['weight-decay'], 0);
  const trainRows = v['train-rows'] === undefined ? previous.trainRows : numberOption('train-rows', v['train-rows'], 0);
  const momentum = numberOption('momentum', v.momentum, previous.momentum ?? 0);
  return {
    dataset: v.dataset ?? previous.dataset ?? 'mnist',
    epochs: numberOption('epochs', v.epochs, 20),
    batch: numberOption('batch', v.batch, previous.batch ?? 256),
    lr: numberOption('lr', v.lr, previous.lr ?? 1e-3),
    optimizer,
    weightDecay,
    momentum,
    // A resumed run's Nesterov momentum goes on where its SGD does (not where the command
    // names another optimizer or momentum 0).
    nesterov: v.nesterov ?? (previous.nesterov === true && optimizer === 'sgd' && momentum > 0),
    init: (v.init ?? previous.init ?? 'linear') as WeightInit,
    maxGradNorm: maxGradNormOption(v['max-grad-norm'], previous.maxGradNorm),
    labelSmoothing: labelSmoothingOption(v['label-smoothing'], previous.labelSmoothing),
    classWeights: classWeightsOption(v['class-weights'], previous.classWeights),
    dropout: v.dropout === undefined ? previous.dropout : numberOption('dropout', v.dropout, 0),
    inputDropout: v['input-dropout'] === undefined ? previous.inputDropout : numberOption('input-dropout', v['input-dropout'], 0),
    schedule: scheduleArgs(v, previous.schedule ?? null),
    seed: numberOption('seed', v.seed, previous.seed ?? 0),
    valFraction: numberOption('val-fraction', v['val-fraction'], previous.valFraction ?? 0.2),
    trainRows,
    augmentShift: numberOption('augment-shift', v['augment-shift'], previous.augmentShift ?? 0),
    image: v.image ?? previous.image,
    expansion: expansionArgs(v, previous.expansion ?? null),
  };
}

/**
 * The training flags `fit` would refuse, refused by the flags' own names (with fit's own checks)
 * before any data loads: fit names its options, and reads them only once the dataset is in
 * memory. The seed must also be a whole number here.
 */
function checkTrainArgs(a: TrainArgs): void {
  FIT_CHECKS.epochs('--epochs', a.epochs);
  FIT_CHECKS.batchSize('--batch', a.batch);
  FIT_CHECKS.lr('--lr', a.lr);
  FIT_CHECKS.momentum('--momentum', a.momentum);
  if (!WEIGHT_INITS.includes(a.init)) throw new ConfigError(notOneOf('--init', a.init, WEIGHT_INITS));
  checkNesterov({ nesterov: a.nesterov, name: a.optimizer, momentum: a.momentum }, { nesterov: '--nesterov', sgd: '--optimizer sgd', momentum: '--momentum' });
  if (a.weightDecay !== undefined) FIT_CHECKS.weightDecay('--weight-decay', a.weightDecay);
  if (a.maxGradNorm != null) FIT_CHECKS.maxGradNorm('--max-grad-norm', a.maxGradNorm);
  if (a.labelSmoothing !== undefined) FIT_CHECKS.labelSmoothing('--label-smoothing', a.labelSmoothing);
  if (a.dropout !== undefined) FIT_CHECKS.dropout('--dropout', a.dropout);
  if (a.inputDropout !== undefined) FIT_CHECKS.inputDropout('--input-dropout', a.inputDropout);
  checkSeed('--seed', a.seed);
  // The validation share, not the training share splitDataset is given (its error would name 1 − it).
  if (!(a.valFraction > 0 && a.valFraction < 1)) throw new ConfigError(`--val-fraction must be in (0, 1), got ${a.valFraction}`);
  // Two rows at least: one to train on and one to validate with.
  if (a.trainRows !== undefined && !(Number.isInteger(a.trainRows) && a.trainRows >= 2)) throw new ConfigError(`--train-rows must be a whole number of at least 2, got ${a.trainRows}`);
  if (!(Number.isInteger(a.augmentShift) && a.augmentShift >= 0)) throw new ConfigError(`--augment-shift must be a whole number of pixels ≥ 0, got ${a.augmentShift}`);
}

/** `data` itself, or `rows` of its rows picked at random by `seed` (--train-rows), in their order in `data`. */
function trainingRows(data: Dataset, rows: number | undefined, seed: number): Dataset {
  if (rows === undefined) return data;
  if (rows > data.rows) throw new ConfigError(`--train-rows ${rows}: the training set has ${data.rows.toLocaleString('en-US')} rows`);
  return pickRows(data, rows, seed);
}

/**
 * Several runs of one command line (`--seeds`, `--compare-fixed`) on one runtime, so its kernels
 * compile once, not once a run: `sharedRuntime` where the caller has one, else one started by the
 * first run (after that run's command line has been checked) and destroyed at the end.
 */
async function oneRuntime(v: Parameters<typeof adapterOptions>[0], sharedRuntime: (() => Promise<Runtime>) | undefined, runs: (shared: () => Promise<Runtime>) => Promise<number>): Promise<number> {
  if (sharedRuntime) return runs(sharedRuntime);
  let runtime: Promise<Runtime> | undefined;
  try {
    return await runs(() => (runtime ??= createNodeRuntime(adapterOptions(v))));
  } finally {
    if (runtime) (await runtime.catch(() => null))?.destroy();
  }
}

/**
 * `senn train`: returns the process exit code. `sharedRuntime` (for `--seeds`, `--compare-fixed`)
 * gives the runtime to train on, asked for once the command line has been checked, and left
 * alive at the end.
 */
export async function trainCommand(argv: string[], sharedRuntime?: () => Promise<Runtime>): Promise<number> {
  const { values: v, tokens } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false, tokens: true });
  // --local, --conv, --pool and --avg-pool layers stack in the order given.
  const isWindowFlag = (name: string): name is WindowLayerArg['flag'] => name === 'local' || name === 'conv' || name === 'pool' || name === 'avg-pool';
  const windowArgs: WindowLayerArg[] = tokens.flatMap((t) => (t.kind === 'option' && isWindowFlag(t.name) && t.value !== undefined ? [{ flag: t.name, text: t.value }] : []));
  if (v.help) {
    process.stdout.write(TRAIN_HELP);
    return 0;
  }
  if (v.seeds !== undefined) {
    const clash = ONE_RUN_FLAGS.find((flag) => v[flag] !== undefined && v[flag] !== false);
    if (clash) throw new ConfigError(`--${clash} is for one run; --seeds makes one run per seed`);
    return oneRuntime(v, sharedRuntime, (shared) => trainSeeds(withoutOptions(argv, tokens, ['seeds', 'json']), v.seeds!, v.json, (a) => trainCommand(a, shared)));
  }
  if (v['compare-fixed']) {
    if (!v.expand) throw new ConfigError('--compare-fixed compares a grown network with a fixed one of its size; give --expand');
    if (v.resume) throw new ConfigError('--compare-fixed trains a fixed network from the start beside the grown one; not with --resume');
    return oneRuntime(v, sharedRuntime, (shared) => trainCompared(argv, tokens, v.json, (a) => trainCommand(a, shared)));
  }
  const resumed = v.resume ? readModel(v.resume) : null;
  const shaping = v.arch ? 'arch' : v.activation ? 'activation' : windowArgs[0]?.flag;
  if (resumed && shaping) throw new ConfigError(`--${shaping} cannot be combined with --resume: the checkpoint fixes the architecture`);
  if (v.image && !windowArgs.length && v['augment-shift'] === undefined) throw new ConfigError('--image describes the inputs of --local, --conv or --augment-shift; give one of them too');
  if (resumed && v.expandable) throw new ConfigError('--expandable cannot be combined with --resume: the checkpoint fixes which layers grow');
  if (resumed && v.init) throw new ConfigError('--init cannot be combined with --resume: the checkpoint holds the weights');
  const previous = (resumed?.run.args ?? {}) as Partial<TrainArgs>;
  const args = resolveArgs(v, previous);
  checkTrainArgs(args);
  const saveEvery = v['save-every'] === undefined ? null : numberOption('save-every', v['save-every'], 0);
  if (saveEvery !== null && !(Number.isInteger(saveEvery) && saveEvery >= 1)) throw new ConfigError(`--save-every must be a positive integer, got ${v['save-every']}`);
  if (saveEvery !== null && !v.save) throw new ConfigError('--save-every needs --save FILE (where to write)');
  if (v['save-statistics'] && !v.save) throw new ConfigError('--save-statistics needs --save FILE (where to keep them)');
  const saved = { statistics: v['save-statistics'] };
  checkOutputPath('--save', v.save);
  checkOutputPath('--json', v.json);
  const patience = v['early-stop'] === undefined ? null : numberOption('early-stop', v['early-stop'], 0);
  if (patience !== null && !(Number.isInteger(patience) && patience >= 1)) throw new ConfigError(`--early-stop must be a positive integer, got ${v['early-stop']}`);
  const uploadMb = v['max-upload-mb'] === undefined ? null : numberOption('max-upload-mb', v['max-upload-mb'], 0);
  if (uploadMb !== null && !(uploadMb > 0)) throw new ConfigError(`--max-upload-mb must be a positive number, got ${v['max-upload-mb']}`);
  if (resumed && args.dataset !== resumed.run.data.dataset) {
    throw new ConfigError(`--resume: the checkpoint was trained on ${resumed.run.data.dataset}, not ${args.dataset}`);
  }
  const data = loadData(
    { dataset: args.dataset, seed: args.seed, dataDir: v['data-dir'], target: v.target, task: v.task, testFile: v.test, delimiter: delimiterOption(v.delimiter), ignore: v.ignore?.split(',').map((c) => c.trim()) },
    resumed?.run.data,
  );
  const regression = data.recipe.task === 'regression';
  if (regression && args.labelSmoothing) throw new ConfigError(`--label-smoothing applies to classification; ${args.dataset} is a regression task`);
  if (regression && args.classWeights) throw new ConfigError(`--class-weights applies to classification; ${args.dataset} is a regression task`);
  const outputs = regression ? (data.train.targetCount ?? 1) : data.train.classes!;
  const rows = trainingRows(data.train, args.trainRows, args.seed);
  const [train, validation] = splitDataset(rows, 1 - args.valFraction, args.seed);
  if (train.rows === 0 || validation.rows === 0) {
    throw new ConfigError(`--val-fraction ${args.valFraction} of ${rows.rows} training rows leaves ${train.rows} to train on and ${validation.rows} to validate with; each needs one at least`);
  }
  // One weight per class, told by the flag's name before anything trains (fit names its option).
  if (args.classWeights) classWeightsFor('softmax-cross-entropy', args.classWeights, outputs, train, '--class-weights');
  const uploadBytes = uploadMb === null ? null : Math.floor(uploadMb * 2 ** 20);
  // Refused here, in the flag's words, rather than by fit.
  if (uploadBytes !== null) {
    checkUploadLimit('--max-upload-mb', v['max-upload-mb']!, uploadBytes, [
      { data: train, rows: Math.min(args.batch, train.rows), of: 'training' },
      { data: validation, rows: Math.min(EVAL_ROWS, validation.rows), of: 'validation' },
    ]);
  }

  // Checked against the data's images before the GPU starts.
  const augment = args.augmentShift ? { shift: args.augmentShift, image: imageShape('augment-shift', data.train.features, args.image) } : null;
  const side = augment ? Math.min(augment.image.width, augment.image.height) : 0;
  if (augment && augment.shift >= side) throw new ConfigError(`--augment-shift ${augment.shift} would move a ${augment.image.width}×${augment.image.height} image out of its frame; at most ${side - 1}`);

  const runtime = sharedRuntime ? await sharedRuntime() : await createNodeRuntime(adapterOptions(v));
  try {
    const locals = windowArgs.length && !resumed ? parseWindowLayers(windowArgs, data.train.features, v.image) : [];
    const sizes = v.arch ? parseArch(v.arch) : locals.length ? [data.train.features, ...locals.map((l) => l.size), outputs] : defaultArch(data.recipe, data.train.features, outputs);
    locals.forEach((l, i) => {
      const arg = windowArgs[i]!;
      if (sizes[i + 1] !== l.size) throw new ConfigError(`--${arg.flag} ${arg.text} makes hidden layer ${i + 1} of ${l.size} neurons; --arch has ${sizes[i + 1] ?? 'no layer'} there`);
    });
    const expandable = v.expandable ? parseExpandable(v.expandable, sizes.length) : undefined;
    const activations = v.activation ? parseActivations(v.activation, sizes.length) : undefined;
    let net = resumed
      ? runtime.loadNetwork(resumed.bytes)
      : runtime.createNetwork({ sizes, seed: args.seed, init: args.init, ...(expandable ? { expandable } : {}), ...(activations ? { activations } : {}), ...(locals.length ? { connections: locals } : {}) });
    // A resumed run that stopped before its end, given the epochs left, goes on as planned (its schedule too).
    const plan = resumePlan(args.schedule, args.epochs, net.history, resumed ? { schedule: previous.schedule, plan: resumed.run.plan } : null);
    console.log(`senn: ${runtime.gpu.adapterName}`);
    console.log(
      `senn: ${args.dataset} train ${train.rows} / validation ${validation.rows} / test ${data.test.rows}, arch ${net.structure.sizes.join('-')}` +
        (resumed ? `, resuming after ${net.history.length} epochs${resumeWords(plan, resumed.run.plan, net.history.length)}` : ''),
    );
    const best = v['keep-best'] ? new BestEpoch(runtime, saved) : null;
    const run: SavedRun = { data: data.recipe, args: { ...args }, plan: plan.plan };
    const save = async (network: Network, info: SavedRun = run) => writeOutput('--save', v.save!, await runtime.saveNetwork(network, { ...info }, saved));
    // A periodic save that cannot be written (a full disk) went to a temporary file: say where, and train on.
    const saveWhileTraining = async (network: Network) => {
      try {
        await save(network);
      } catch (error) {
        if (!(error instanceof OutputError)) throw error;
        process.stderr.write(`senn: --save-every: ${error.message}; training goes on\n`);
      }
    };
    const periodic = saveEvery ? { every: saveEvery, save: saveWhileTraining } : null;
    // Aborted by Ctrl-C (the reason 'interrupt').
    const stop = new AbortController();
    const startSizes = net.structure.sizes;
    const result = await whileInterruptible(stop, () =>
      inExpansionFlagWords(() => runTraining(net, { ...args, schedule: plan.schedule }, train, validation, regression, { best, stop, periodic, patience, maxUploadBytes: uploadBytes, statistics: saved.statistics, augment })),
    );
    const interrupted = stop.signal.reason === 'interrupt';
    if (interrupted) console.log(`senn: stopped by Ctrl-C after ${result.epochs.length} of ${counted(args.epochs, 'epoch')}`);
    // Diverged: fit put the network back as it was before the failing epoch; the run goes on as
    // if it had ended there (test, --save, --json) and exits with a failure.
    if (result.diverged) process.stderr.write(`senn: ${result.diverged.name}: ${result.diverged.message}; going on with the network after epoch ${net.history.length} (${result.epochs.length} of this run's ${args.epochs})\n`);
    if (result.early) {
      console.log(
        `senn: stopped early after ${result.epochs.length} of ${counted(args.epochs, 'epoch')}: the validation loss has not improved on ${result.early.loss.toFixed(4)} ` +
          `(epoch ${result.early.epoch}) for ${counted(patience ?? 0, 'epoch')}`,
      );
    }
    const keptBytes = best?.bytes && best.epoch !== net.history.length ? best.bytes : null;
    const keptBest = keptBytes !== null;
    if (best && keptBytes) {
      net.destroy();
      net = runtime.loadNetwork(keptBytes);
      console.log(`senn: kept epoch ${best.epoch} (lowest validation loss ${best.loss.toFixed(4)}), arch ${net.structure.sizes.join('-')}`);
    }
    const test = await net.evaluate(data.test, regression ? 'mse' : 'softmax-cross-entropy');
    const seconds = result.epochs.reduce((s, e) => s + e.seconds, 0);
    console.log(`test: loss ${test.loss.toFixed(4)}  ${testQuality(regression, test)}  params ${net.parameterCount}  ${(seconds / Math.max(1, result.epochs.length)).toFixed(2)} s/epoch`);
    const byClass = regression ? null : await answersByClass(net, data.test, data.recipe);
    if (byClass) for (const line of perClassLines(byClass.matrix, byClass.names)) console.log(line);
    if (args.expansion) {
      const [from, to] = [startSizes.join('-'), net.structure.sizes.join('-')];
      console.log(`senn: ${from === to ? `kept ${to}` : `grew ${from} → ${to}`}: ${growthWords(result.epochs)}`);
    }
    if (v.save) {
      // A kept best epoch is not where the run stopped: it has no plan to go on with.
      await save(net, keptBest ? { data: run.data, args: run.args } : run);
      console.log(`senn: saved ${v.save}`);
      // The saved network is the last epoch's (not a kept best one): resuming it trains the rest as the run would have.
      const left = epochsLeft(plan.plan, net.history.length);
      if (interrupted && left > 0 && !keptBest) {
        console.log(`senn: to train the other ${counted(left, 'epoch')}: senn train --resume ${v.save} --epochs ${left}`);
      }
    }
    if (v.json) {
      const json = {
        senn: SENN_VERSION,
        adapter: runtime.adapter,
        args: { ...args, arch: net.structure.sizes.join('-'), expandable: net.expandable, ...(v.activation ? { activation: v.activation } : {}), ...(windowArgs.length ? { layers: windowArgs.map((a) => `--${a.flag} ${a.text}`), image: v.image } : {}) },
        epochs: result.epochs.map((e) => ({
          epoch: e.epoch,
          trainLoss: e.trainLoss,
          valLoss: e.valLoss,
          valAccuracy: e.valAccuracy,
          params: e.params,
          seconds: e.seconds,
          lr: e.lr,
          expanded: e.expanded,
          pruned: e.pruned,
          architecture: e.architecture,
          ...(e.gradNorm !== undefined ? { gradNorm: e.gradNorm, clippedSteps: e.clippedSteps } : {}),
        })),
        architecture: net.structure.sizes,
        seconds,
        growth: result.events.map(({ kind, event }) => ({ kind, ...event })),
        test: { loss: test.loss, accuracy: test.accuracy, ...(byClass ? classFields(byClass.matrix, byClass.names) : {}) },
        params: net.parameterCount,
        ...(best ? { keptEpoch: best.epoch ?? null } : {}),
        ...(interrupted ? { interrupted: true } : {}),
        ...(result.diverged ? { diverged: result.diverged.message } : {}),
        ...(result.early ? { earlyStop: { patience, bestEpoch: result.early.epoch, bestLoss: result.early.loss } } : {}),
      };
      writeOutput('--json', v.json, `${JSON.stringify(json, null, 2)}\n`);
    }
    net.destroy();
    return result.diverged ? EXIT.failure : EXIT.ok;
  } finally {
    if (!sharedRuntime) runtime.destroy();
  }
}

/**
 * The checkpoint of the epoch with the lowest validation loss so far. Only epochs without
 * growth count: growth runs after validation, so after a split or prune the network is no
 * longer the one that was validated.
 */
class BestEpoch {
  /** The epoch kept, counted across fits (the network's history length then). */
  epoch: number | undefined;
  loss = Number.POSITIVE_INFINITY;
  bytes: Uint8Array | undefined;

  constructor(
    private readonly runtime: Runtime,
    private readonly saved: SaveOptions,
  ) {}

  async offer(net: Network, report: EpochReport): Promise<void> {
    if (report.expanded || report.pruned || !(report.valLoss < this.loss)) return;
    this.epoch = net.history.length;
    this.loss = report.valLoss;
    this.bytes = await this.runtime.saveNetwork(net, undefined, this.saved);
  }
}

/**
 * Run `body` with Ctrl-C (SIGINT) taken over: the first aborts `stop` (training ends after the
 * epoch in progress, and the command goes on to its test and files), a second quits at once.
 */
async function whileInterruptible<T>(stop: AbortController, body: () => Promise<T>): Promise<T> {
  const onInterrupt = () => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort('interrupt');
    process.stderr.write('\nsenn: stopping after the epoch in progress (Ctrl-C again to quit now)\n');
  };
  process.on('SIGINT', onInterrupt);
  try {
    return await body();
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

/** How a run is steered besides its training arguments (--keep-best, Ctrl-C, --save-every, --early-stop, --max-upload-mb, --augment-shift's moves). */
interface RunControls {
  best: BestEpoch | null;
  stop: AbortController;
  /** Saves every so many epochs. */
  periodic: { every: number; save: (net: Network) => Promise<void> } | null;
  patience: number | null;
  maxUploadBytes: number | null;
  /** Collect the running statistics in every epoch (--save-statistics), so every save holds its epoch's. */
  statistics: boolean;
  /** Move the training images at random (--augment-shift). */
  augment: AugmentOptions | null;
}

/** Fit with the console views: progress bar, epoch lines, growth events. */
async function runTraining(net: Network, args: TrainArgs, train: Dataset, validation: Dataset, regression: boolean, controls: RunControls) {
  const { best, stop, periodic, patience, maxUploadBytes, statistics, augment } = controls;
  const progress = new ProgressView();
  const events: { kind: 'expand' | 'prune'; event: ExpandEvent | PruneEvent }[] = [];
  const say = (line: string) => {
    progress.clear();
    console.log(line);
  };
  // Growth happens after an epoch's training and validation, before its report: hold the
  // event lines so they print under the epoch they belong to.
  const pending: string[] = [];
  const before = net.history.length;
  const optimizer =
    args.optimizer === 'sgd'
      ? { name: 'sgd' as const, lr: args.lr, momentum: args.momentum, weightDecay: args.weightDecay, ...(args.nesterov ? { nesterov: true } : {}) }
      : { name: args.optimizer, lr: args.lr, weightDecay: args.weightDecay };
  // Reports as each epoch ends: what a run that diverges later still has.
  const done: EpochReport[] = [];
  let diverged: DivergenceError | null = null;
  const epochs = await net.fit(train, {
    loss: regression ? 'mse' : 'softmax-cross-entropy',
    optimizer,
    ...(args.schedule ? { schedule: args.schedule } : {}),
    ...(args.maxGradNorm != null ? { maxGradNorm: args.maxGradNorm } : {}),
    ...(args.labelSmoothing ? { labelSmoothing: args.labelSmoothing } : {}),
    ...(args.classWeights ? { classWeights: args.classWeights } : {}),
    ...(args.dropout ? { dropout: args.dropout } : {}),
    ...(args.inputDropout ? { inputDropout: args.inputDropout } : {}),
    signal: stop.signal,
    ...(maxUploadBytes !== null ? { maxUploadBytes } : {}),
    ...(patience !== null ? { earlyStop: { patience } } : {}),
    ...(statistics ? { edgeStatistics: true } : {}),
    ...(augment ? { augment } : {}),
    batchSize: args.batch,
    epochs: args.epochs,
    validation,
    // fit shuffles each epoch by its place in the network's history: a resumed run goes on as the uninterrupted one.
    seed: args.seed,
    onProgress: (p) => progress.update(p),
    onEpoch: async (r) => {
      done.push(r);
      say(formatEpoch({ ...r, epoch: r.epoch + before }, regression, train.rows / r.seconds, args.schedule !== null));
      for (const line of pending.splice(0)) say(line);
      await best?.offer(net, r);
      if (periodic && r.epoch % periodic.every === 0 && r.epoch < args.epochs) await periodic.save(net);
    },
    ...(args.expansion
      ? {
          expansion: {
            ...args.expansion,
            onExpand: (e: ExpandEvent) => {
              events.push({ kind: 'expand', event: e });
              pending.push(
                `  expand: split ${counted(e.edgesSplit, 'edge')}${e.edgesSelected === undefined ? '' : ` of ${e.edgesSelected} selected (--max-parameters)`}${e.sharedWeightsSplit === undefined ? '' : ` (${counted(e.sharedWeightsSplit, 'shared weight')})`} into level ${e.target} → new level of ${e.neuronsAdded}; params ${e.parametersBefore} → ${e.parametersAfter}; ` +
                  `loss ${e.lossBefore.toFixed(5)} → ${e.lossAfter.toFixed(5)}; ${e.milliseconds.toFixed(0)} ms`,
              );
            },
            onPrune: (e: PruneEvent) => {
              events.push({ kind: 'prune', event: e });
              pending.push(`  prune: removed ${counted(e.edgesRemoved, 'edge')}; params ${e.parametersBefore} → ${e.parametersAfter}; loss ${e.lossBefore.toFixed(5)} → ${e.lossAfter.toFixed(5)}; ${e.milliseconds.toFixed(0)} ms`);
            },
          },
        }
      : {}),
  }).catch((error: unknown) => {
    if (!(error instanceof DivergenceError)) throw error;
    diverged = error;
    return done;
  });
  progress.clear();
  // Where --early-stop found the lowest validation loss (epochs counted across runs, as the lines print them).
  const stopped = epochs.at(-1)?.earlyStop;
  return { epochs, events, early: stopped ? { loss: stopped.bestLoss, epoch: stopped.bestEpoch + before } : null, diverged: diverged as DivergenceError | null };
}

