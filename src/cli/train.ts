import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type Dataset, splitDataset } from '../data/dataset.js';
import { spirals } from '../data/spirals.js';
import { ConfigError } from '../errors.js';
import { loadFashionMnist, loadMnist } from '../node/datasets.js';
import { createNodeRuntime } from '../node/dawn.js';
import { OPTIMIZERS, type EpochReport, type OptimizerName } from '../train/options.js';
import { parseArch } from './arch.js';
import { type ExpandEvent, type PruneEvent, REFERENCE_EXPANSION, resolveExpansion } from '../train/expansion.js';
import type { Aggregation, Metric } from '../kernels/score.js';

export const TRAIN_HELP = `Usage: senn train [options]

Train a network on a dataset and print one line per epoch.

Options:
  --dataset NAME     mnist | fashion-mnist | spirals            (default mnist)
  --arch SIZES       layer sizes, inputs first                  (default 784-96-10; spirals 2-32-32-2)
  --epochs N         training epochs                             (default 20)
  --batch N          batch size                                  (default 256)
  --lr X             learning rate                               (default 1e-3)
  --optimizer NAME   adam | adamw | sgd                          (default adam)
  --weight-decay X   weight decay                                (default 0; adamw 0.01)
  --momentum X       SGD momentum                                (default 0)
  --seed N           seed of initialisation, split and shuffles (default 0)
  --val-fraction X   share of the training set held out          (default 0.2)
  --json FILE        write the run (adapter, args, epochs, test) as JSON
  --software         use the software adapter even if a GPU is present

Self-expansion (ALGORITHM.md; defaults are the reference MNIST values):
  --expand                  grow the network while it trains
  --metric NAME             abs-grad | grad-variance | weight-sq | weight-abs   (abs-grad)
  --aggregation NAME        mean | variance                                    (mean)
  --choose-threshold X      split edges with normalised score above X          (0.7)
  --max-to-replace N        at most N splits per expansion                     (900)
  --loss-change-threshold X expand when mean |Δ val loss| over the window < X  (0.005)
  --window N                epochs in the plateau window                       (5)
  --min-epochs-between N    epochs between expansions                          (8)
  --delete-after N          prune N epochs after an expansion                  (2)
  --delete-threshold X      remove new ε edges with normalised score below X   (0.1)
  --fully-connected         new neurons take ε from every parent
  --reset-optimizer         clear Adam's moments at each split/prune (reference behaviour)
  --inverted-prune          prune the new edges ABOVE the threshold, reproducing the reference
                            code's inverted comparison (a defect; for comparisons only)
  --statistics MODE         running (during training) | exact (extra pass)     (running)
  -h, --help         show this help
`;

/** Load `name` as (train, test) splits. */
function loadDataset(name: string, seed: number): { train: Dataset; test: Dataset } {
  switch (name) {
    case 'mnist':
      return loadMnist();
    case 'fashion-mnist':
      return loadFashionMnist();
    case 'spirals':
      return { train: spirals({ rows: 4000, seed }), test: spirals({ rows: 1000, seed: seed + 1, name: 'spirals/test' }) };
    default:
      throw new ConfigError(`unknown dataset "${name}"; expected mnist, fashion-mnist or spirals`);
  }
}

function numberOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new ConfigError(`--${name} must be a number, got "${value}"`);
  return n;
}

function formatEpoch(r: EpochReport): string {
  return (
    `epoch ${String(r.epoch).padStart(3)}  loss ${r.trainLoss.toFixed(4)}  val_loss ${r.valLoss.toFixed(4)}  ` +
    `val_acc ${(100 * r.valAccuracy).toFixed(2)}%  params ${r.params}  ${r.seconds.toFixed(2)}s` +
    (r.architecture.length > 3 || r.expanded || r.pruned ? `  arch ${r.architecture.join('-')}` : '')
  );
}

/** `senn train`: returns the process exit code. */
export async function trainCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string', default: 'mnist' },
      arch: { type: 'string' },
      epochs: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      optimizer: { type: 'string', default: 'adam' },
      'weight-decay': { type: 'string' },
      momentum: { type: 'string' },
      seed: { type: 'string' },
      'val-fraction': { type: 'string' },
      json: { type: 'string' },
      software: { type: 'boolean', default: false },
      expand: { type: 'boolean', default: false },
      metric: { type: 'string' },
      aggregation: { type: 'string' },
      'choose-threshold': { type: 'string' },
      'max-to-replace': { type: 'string' },
      'loss-change-threshold': { type: 'string' },
      window: { type: 'string' },
      'min-epochs-between': { type: 'string' },
      'delete-after': { type: 'string' },
      'delete-threshold': { type: 'string' },
      'fully-connected': { type: 'boolean', default: false },
      'reset-optimizer': { type: 'boolean', default: false },
      'inverted-prune': { type: 'boolean', default: false },
      statistics: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(TRAIN_HELP);
    return 0;
  }
  const dataset = values.dataset!;
  const seed = numberOption('seed', values.seed, 0);
  const sizes = parseArch(values.arch ?? (dataset === 'spirals' ? '2-32-32-2' : '784-96-10'));
  const optimizerName = values.optimizer as OptimizerName;
  if (!OPTIMIZERS.includes(optimizerName)) throw new ConfigError(`--optimizer must be one of ${OPTIMIZERS.join(', ')}`);
  const args = {
    dataset,
    arch: sizes.join('-'),
    epochs: numberOption('epochs', values.epochs, 20),
    batch: numberOption('batch', values.batch, 256),
    lr: numberOption('lr', values.lr, 1e-3),
    optimizer: optimizerName,
    weightDecay: values['weight-decay'] === undefined ? undefined : numberOption('weight-decay', values['weight-decay'], 0),
    momentum: numberOption('momentum', values.momentum, 0),
    seed,
    valFraction: numberOption('val-fraction', values['val-fraction'], 0.2),
    expansion: values.expand
      ? {
          metric: (values.metric ?? REFERENCE_EXPANSION.metric) as Metric,
          aggregation: (values.aggregation ?? REFERENCE_EXPANSION.aggregation) as Aggregation,
          chooseThreshold: numberOption('choose-threshold', values['choose-threshold'], REFERENCE_EXPANSION.chooseThreshold),
          maxToReplace: numberOption('max-to-replace', values['max-to-replace'], REFERENCE_EXPANSION.maxToReplace),
          lossChangeThreshold: numberOption('loss-change-threshold', values['loss-change-threshold'], REFERENCE_EXPANSION.lossChangeThreshold),
          window: numberOption('window', values.window, REFERENCE_EXPANSION.window),
          minEpochsBetween: numberOption('min-epochs-between', values['min-epochs-between'], REFERENCE_EXPANSION.minEpochsBetween),
          deleteAfter: numberOption('delete-after', values['delete-after'], REFERENCE_EXPANSION.deleteAfter),
          deleteThreshold: numberOption('delete-threshold', values['delete-threshold'], REFERENCE_EXPANSION.deleteThreshold),
          fullyConnected: values['fully-connected'],
          resetOptimizer: values['reset-optimizer'],
          invertedPruneLikeReference: values['inverted-prune'],
          statistics: (values.statistics ?? REFERENCE_EXPANSION.statistics) as 'running' | 'exact',
        }
      : null,
  };
  if (args.expansion) resolveExpansion(args.expansion);

  const { train: full, test } = loadDataset(dataset, seed);
  const [train, validation] = splitDataset(full, 1 - args.valFraction, seed);
  const runtime = await createNodeRuntime({ forceSoftware: values.software });
  try {
    const adapter = runtime.gpu.adapterName;
    console.log(`senn: ${adapter}`);
    console.log(`senn: ${dataset} train ${train.rows} / validation ${validation.rows} / test ${test.rows}, arch ${args.arch}`);
    const net = runtime.createNetwork({ sizes, seed });
    const optimizer =
      optimizerName === 'sgd'
        ? { name: 'sgd' as const, lr: args.lr, momentum: args.momentum, weightDecay: args.weightDecay }
        : { name: optimizerName, lr: args.lr, weightDecay: args.weightDecay };
    const events: { kind: 'expand' | 'prune'; event: ExpandEvent | PruneEvent }[] = [];
    const epochs = await net.fit(train, {
      optimizer,
      batchSize: args.batch,
      epochs: args.epochs,
      validation,
      seed,
      onEpoch: (r) => console.log(formatEpoch(r)),
      ...(args.expansion
        ? {
            expansion: {
              ...args.expansion,
              onExpand: (e: ExpandEvent) => {
                events.push({ kind: 'expand', event: e });
                console.log(
                  `  expand: split ${e.edgesSplit} edges into level ${e.target} → new level of ${e.neuronsAdded}; params ${e.parametersBefore} → ${e.parametersAfter}; ` +
                    `loss ${e.lossBefore.toFixed(5)} → ${e.lossAfter.toFixed(5)}; ${e.milliseconds.toFixed(0)} ms`,
                );
              },
              onPrune: (e: PruneEvent) => {
                events.push({ kind: 'prune', event: e });
                console.log(
                  `  prune: removed ${e.edgesRemoved} edges; params ${e.parametersBefore} → ${e.parametersAfter}; ` +
                    `loss ${e.lossBefore.toFixed(5)} → ${e.lossAfter.toFixed(5)}; ${e.milliseconds.toFixed(0)} ms`,
                );
              },
            },
          }
        : {}),
    });
    const result = await net.evaluate(test);
    const seconds = epochs.reduce((s, e) => s + e.seconds, 0);
    console.log(
      `test: loss ${result.loss.toFixed(4)}  accuracy ${(100 * result.accuracy).toFixed(2)}%  params ${net.parameterCount}  ` +
        `${(seconds / Math.max(1, epochs.length)).toFixed(2)} s/epoch`,
    );
    if (values.json) {
      const json = {
        adapter: runtime.adapter,
        args,
        epochs: epochs.map((e) => ({
          epoch: e.epoch,
          trainLoss: e.trainLoss,
          valLoss: e.valLoss,
          valAccuracy: e.valAccuracy,
          params: e.params,
          seconds: e.seconds,
          expanded: e.expanded,
          pruned: e.pruned,
          architecture: e.architecture,
        })),
        architecture: net.structure.sizes,
        seconds,
        growth: events.map(({ kind, event }) => ({ kind, ...event })),
        test: { loss: result.loss, accuracy: result.accuracy },
        params: net.parameterCount,
      };
      writeFileSync(values.json, `${JSON.stringify(json, null, 2)}\n`);
    }
    net.destroy();
    return 0;
  } finally {
    runtime.destroy();
  }
}
