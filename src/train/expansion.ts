import { type Dataset, hasNegativeFeatures } from '../data/dataset.js';
import { booleanArg, describe, positiveInteger, unknownChoice } from '../args.js';
import { ConfigError } from '../errors.js';
import type { GrowthControl } from '../graph/network.js';
import type { PruneReport, SplitReport, StatisticsPassOptions } from '../graph/networkTypes.js';
import { splitWithinBudget } from '../graph/splitPlan.js';
import type { Aggregation, Metric } from '../kernels/score.js';
import { AGGREGATIONS, METRICS } from '../kernels/score.js';
import { checkPruneNormalization, checkThreshold, type PruneNormalization } from '../graph/selection.js';
import { type EdgeRef, hingeBlock, translateEdges } from '../graph/growth.js';
import type { Structure } from '../graph/structure.js';
import type { EpochReport, LossName } from './options.js';

/** What happened at an expansion (payload of `onExpand`): the split's report, where and when, and the loss around it. */
export interface ExpandEvent extends Pick<SplitReport, 'level' | 'edgesSplit' | 'sharedWeightsSplit' | 'neuronsAdded' | 'parametersBefore' | 'parametersAfter'> {
  epoch: number;
  /** The expanded level (`level` is the new one). */
  target: number;
  /** Validation (or training) loss just before and just after the split. */
  lossBefore: number;
  lossAfter: number;
  /** Wall-clock ms of scoring, selection, split and reallocation (GPU work finished; exact-mode pass included). */
  milliseconds: number;
  /** Where {@link ExpansionOptions.maxParameters} cut the selection: the edges selected before the cut (`edgesSplit` after it). */
  edgesSelected?: number;
}

/** What happened at a pruning (payload of `onPrune`): the prune's report, when, and the loss around it. */
export interface PruneEvent extends PruneReport {
  epoch: number;
  lossBefore: number;
  lossAfter: number;
  /** Wall-clock ms of scoring, selection, pruning and compaction (GPU work finished). */
  milliseconds: number;
}

/** What a policy sees after each epoch. */
export interface PolicyContext {
  epoch: number;
  /** The epochs of this call to `fit`: `epoch` runs from 1 to it. */
  epochs: number;
  /** Every epoch of this call so far, this one last. */
  history: readonly EpochReport[];
  /**
   * The network's epochs before this call to `fit` (a resumed run's, from its checkpoint),
   * oldest first: where a policy picks up its state, such as a prune that an interrupted run
   * left due. (`fit` always gives it; a context made by hand may leave it out: none.)
   */
  earlier?: readonly EpochReport[];
  network: GrowthControl;
  /** The training data (for exact-mode statistics). */
  train: Dataset;
  /** fit's {@link FitOptions.maxUploadBytes}, where given: the most bytes of `train` to upload at once. */
  maxUploadBytes?: number;
  /**
   * fit's loss and batch size, for a statistics pass over `train` that scores edges as training
   * does (`collectEdgeStatistics(train, { loss, batchSize, maxUploadBytes })`). `fit` always
   * gives them; a context made by hand may leave them out (the pass's defaults).
   */
  loss?: LossName;
  batchSize?: number;
  /** fit's {@link FitOptions.labelSmoothing}, where above 0: the exact pass takes the smoothed loss's gradients, as training does. */
  labelSmoothing?: number;
  /** fit's {@link FitOptions.classWeights} as it resolved them (one per class), where given: the exact pass takes the weighted loss's gradients, as training does. */
  classWeights?: Float32Array;
  /** Loss on the validation data (training data when there is none), evaluated now. */
  currentLoss(): Promise<number>;
}

/** An expansion policy: called after every epoch of `fit`; may split and prune through `network`. */
export interface ExpansionPolicy {
  afterEpoch(context: PolicyContext): Promise<{ expanded: number; pruned: number }>;
  /**
   * Asked before epoch `epoch` of `fit` trains: whether `afterEpoch` may read that epoch's
   * running statistics (score or select edges from them). Where it answers false, the epoch
   * trains without collecting them, which saves their cost (three loads and three stores per
   * edge and step) and leaves the network's statistics empty after it. Without this method, every
   * epoch collects them. `epochs`: those of this call to `fit`; `earlier`: as
   * {@link PolicyContext.earlier}.
   */
  needsStatistics?(epoch: number, epochs: number, earlier?: readonly EpochReport[]): boolean;
}

/** Options of the reference policy (ALGORITHM.md), with the reference MNIST defaults. */
export interface ExpansionOptions {
  metric?: Metric;
  aggregation?: Aggregation;
  /** Split edges whose normalised score exceeds this (0.7). */
  chooseThreshold?: number;
  /** At most this many splits per expansion, highest scores first (900). */
  maxToReplace?: number;
  /**
   * A budget of parameters (default none: Infinity): a split never leaves the network with
   * more. Where a selection's split would, the most significant of its edges that fit are
   * split (a shared weight's edges together), planned on the CPU first; where not one fits,
   * that level does not grow. The prunes that follow only lower the count.
   */
  maxParameters?: number;
  /** Expand when the mean |Δ validation loss| over `window` epochs is below this (0.005). */
  lossChangeThreshold?: number;
  window?: number;
  minEpochsBetween?: number;
  /** Prune this many epochs after an expansion (2; at least 1: the prune comes at the end of a later epoch). */
  deleteAfter?: number;
  /** Remove ε edges whose normalised score is below this (0.1). */
  deleteThreshold?: number;
  /**
   * The metric that scores edges for pruning (default: `metric`, as ALGORITHM.md states). With
   * `abs-grad`, ε edges that grew into the function but have small gradients score near 0 and
   * are removed; `weight-abs` keeps the ones that grew.
   */
  pruneMetric?: Metric;
  /**
   * Which scores a prune normalises together (default `together`, as ALGORITHM.md states:
   * the edges into the new level and into the expanded level in one min–max). `per-level`
   * normalises each level's edges on its own, as the reference code's pruning does: the new
   * level's ε in-edges are then not measured against the expanded level's larger scores.
   */
  pruneNormalization?: PruneNormalization;
  fullyConnected?: boolean;
  /**
   * Split edges into a pair of neurons, relu(x_p) and relu(−x_p), with out-weights w and −w,
   * exact for parents of any sign, at two new neurons an edge. `'signed'`: only the edges
   * whose parent can be negative (an input level whose training data has a negative value, a
   * tanh or identity hidden level), the others into one neuron, as they keep the function
   * already; `true`: every edge (out of a non-negative parent, h⁻ starts inactive and grows
   * only through its ε in-edges where the parent is 0); `false` (default): none, as ALGORITHM.md.
   */
  exactSplit?: boolean | 'signed';
  /**
   * Neurons per split edge (1 to 16, default 1, as ALGORITHM.md): more than 1 makes each split
   * edge a block of ReLU hinges at knots 0, knotSpacing, 2 · knotSpacing, … (the slides' "a
   * single edge replaced by a multi-neuron design"); see `SplitEdgesOptions.neuronsPerEdge`.
   */
  neuronsPerEdge?: number;
  /** Distance between a block's knots (default 1 / neuronsPerEdge). */
  knotSpacing?: number;
  /**
   * Clear Adam's moments at every split and prune, as the reference does (default: keep them).
   * Either way each parameter counts its Adam steps from its birth (a new value: from the
   * split; after a reset: every value from there), as PyTorch's per-parameter state does.
   */
  resetOptimizer?: boolean;
  /**
   * Split also where the prune `deleteAfter` epochs later would come after the last epoch of
   * this call to `fit` (default false). The reference code splits whenever the trigger fires;
   * such a split's ε edges are never pruned and stay in the network it returns, and one after
   * the last epoch adds neurons that nothing trains. By default a call to `fit` makes only the
   * splits whose prune it also makes.
   */
  lateSplits?: boolean;
  /** Prune the candidates *above* the threshold, as the reference code's inverted mask does (a defect; for comparison only). */
  invertedPruneLikeReference?: boolean;
  /** `running` (accumulated during training, default) or `exact` (a separate pass over the training data in fit's batches, with its loss, as the reference). */
  statistics?: 'running' | 'exact';
  epsilon?: number;
  onExpand?: (event: ExpandEvent) => void | Promise<void>;
  onPrune?: (event: PruneEvent) => void | Promise<void>;
}

export const REFERENCE_EXPANSION = {
  metric: 'abs-grad',
  aggregation: 'mean',
  chooseThreshold: 0.7,
  maxToReplace: 900,
  lossChangeThreshold: 0.005,
  window: 5,
  minEpochsBetween: 8,
  deleteAfter: 2,
  deleteThreshold: 0.1,
  pruneNormalization: 'together',
  fullyConnected: false,
  exactSplit: false,
  neuronsPerEdge: 1,
  resetOptimizer: false,
  lateSplits: false,
  invertedPruneLikeReference: false,
  statistics: 'running',
  epsilon: 1e-8,
  maxParameters: Number.POSITIVE_INFINITY,
} as const;

/** Apply defaults and check every option. */
export function resolveExpansion(o: ExpansionOptions): Required<Omit<ExpansionOptions, 'onExpand' | 'onPrune'>> {
  const given = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as ExpansionOptions;
  const metric = given.metric ?? REFERENCE_EXPANSION.metric;
  const r = { ...REFERENCE_EXPANSION, pruneMetric: metric, ...given } as Required<Omit<ExpansionOptions, 'onExpand' | 'onPrune'>>;
  if (!METRICS.includes(r.metric)) throw new ConfigError(unknownChoice('metric', r.metric, METRICS));
  if (!METRICS.includes(r.pruneMetric)) throw new ConfigError(unknownChoice('prune metric', r.pruneMetric, METRICS));
  if (!AGGREGATIONS.includes(r.aggregation)) throw new ConfigError(unknownChoice('aggregation', r.aggregation, AGGREGATIONS));
  checkPruneNormalization(r.pruneNormalization);
  for (const key of ['chooseThreshold', 'deleteThreshold'] as const) checkThreshold(`expansion.${key}`, r[key]);
  // deleteAfter 0 would never prune: a split's prune is due at the end of a later epoch.
  for (const key of ['maxToReplace', 'window', 'deleteAfter'] as const) {
    positiveInteger(`expansion.${key}`, r[key]);
  }
  positiveInteger('expansion.minEpochsBetween', r.minEpochsBetween, true);
  if (r.maxParameters !== Number.POSITIVE_INFINITY) positiveInteger('expansion.maxParameters', r.maxParameters);
  if (!(typeof r.lossChangeThreshold === 'number' && r.lossChangeThreshold > 0)) throw new ConfigError(`expansion.lossChangeThreshold must be positive, got ${describe(r.lossChangeThreshold)}`);
  if (r.statistics !== 'running' && r.statistics !== 'exact') throw new ConfigError(`expansion.statistics must be running or exact`);
  for (const key of ['fullyConnected', 'resetOptimizer', 'lateSplits', 'invertedPruneLikeReference'] as const) booleanArg(`expansion.${key}`, r[key]);
  if (typeof r.exactSplit !== 'boolean' && r.exactSplit !== 'signed') throw new ConfigError(`expansion.exactSplit must be true, false or 'signed', got ${String(r.exactSplit)}`);
  r.knotSpacing = hingeBlock(r.neuronsPerEdge, given.knotSpacing, 'expansion.').spacing;
  return r;
}

/**
 * The trigger of ALGORITHM.md: with validation losses v_1 … v_t and `last` the epoch of the
 * last expansion, expand when t − last > max(deleteAfter, minEpochsBetween, window) and the
 * mean of |v_i − v_{i−1}| over the last `window` epochs is below the threshold.
 */
export function shouldExpand(losses: readonly number[], last: number, o: { window: number; minEpochsBetween: number; deleteAfter: number; lossChangeThreshold: number }): boolean {
  const t = losses.length;
  if (!mayExpand(t, last, o)) return false;
  let sum = 0;
  for (let i = t - o.window; i < t; i++) sum += Math.abs(losses[i]! - losses[i - 1]!);
  return sum / o.window < o.lossChangeThreshold;
}

/**
 * Whether the trigger of {@link shouldExpand} can fire after epoch `t` whatever the losses: far
 * enough from the last expansion, with a full window behind it.
 */
export function mayExpand(t: number, last: number, o: { window: number; minEpochsBetween: number; deleteAfter: number }): boolean {
  return t - last > Math.max(o.deleteAfter, o.minEpochsBetween, o.window) && t >= o.window + 1;
}

/** Whether each dataset has a negative feature value (scanned once per dataset). */
const negativeFeatures = new WeakMap<Dataset, boolean>();

/**
 * Ids of the levels whose values can be negative: the input level when `train` has a negative
 * feature, and the levels whose activation is identity or tanh (ReLU and sigmoid are not),
 * except a pooling level with identity over a level that cannot be (a max of non-negative values).
 */
export function signedLevels(s: Structure, train: Dataset): number[] {
  let negative = negativeFeatures.get(train);
  if (negative === undefined) negativeFeatures.set(train, (negative = hasNegativeFeatures(train)));
  const signed = new Set<number>();
  for (const l of s.levels) {
    const own = l.role === 'input' ? negative : l.activation === 'tanh' || (l.activation === 'identity' && (!l.pool || signed.has(l.pool.source)));
    if (own) signed.add(l.id);
  }
  return [...signed];
}

/**
 * A ConfigError before any training where the reference policy cannot grow the network as
 * asked: no level is expandable (the run would train without ever growing, without a word), or
 * the options ask a split of a convolution's shared weights (planSharedSplit) for what it
 * cannot do: ε from every parent, pairs for signed parents, hinges; or `exactSplit: 'signed'`
 * with shared weights that read a signed level (the run would train until its first split and
 * fail there).
 */
export function checkGrowth(s: Structure, expandable: readonly number[], o: ReturnType<typeof resolveExpansion>, train: Dataset): void {
  if (expandable.length === 0) throw new ConfigError('expansion: no level of this network is expandable (createNetwork({ expandable }) names them), so it cannot grow');
  const fedByShared = expandable.flatMap((target) => s.blocksInto(target).filter((b) => b.ties));
  if (fedByShared.length === 0) return;
  const level = fedByShared[0]!.dst;
  const asked = o.fullyConnected ? 'expansion.fullyConnected' : o.exactSplit === true ? 'expansion.exactSplit true' : o.neuronsPerEdge !== 1 ? `expansion.neuronsPerEdge ${o.neuronsPerEdge}` : null;
  if (asked) throw new ConfigError(`${asked}: level ${level} is fed by a convolution's shared weights, whose splits take no ε from every parent, no signed pairs and no hinges`);
  if (o.exactSplit === 'signed') {
    const signed = new Set(signedLevels(s, train));
    const reads = fedByShared.find((b) => signed.has(b.src));
    if (reads) throw new ConfigError(`expansion.exactSplit 'signed': the shared weights into level ${reads.dst} read level ${reads.src}, which can be negative, and a split of shared weights keeps the function only for non-negative sources`);
  }
}

/** The options of an exact statistics pass over the context's training data that scores edges as fit trains (its loss, label smoothing and batch size). */
function exactPass(ctx: PolicyContext): StatisticsPassOptions {
  return { loss: ctx.loss, labelSmoothing: ctx.labelSmoothing, classWeights: ctx.classWeights, batchSize: ctx.batchSize, maxUploadBytes: ctx.maxUploadBytes };
}

/** The reference's policy: split on a plateau, prune the new ε edges `deleteAfter` epochs later. */
export function referencePolicy(options: ExpansionOptions = {}): ExpansionPolicy {
  const o = resolveExpansion(options);
  // Epochs are counted over the network's whole history (a resumed run's earlier epochs
  // first), so a run saved and resumed between a split and its prune still prunes, and the
  // trigger counts from the last expansion and reads the losses before the resumption.
  let lastExpansion = 0;
  let pendingPrune = -1;
  let earlierEpochs = 0;
  let earlierLosses: number[] = [];
  const lossOf = (r: EpochReport) => (Number.isNaN(r.valLoss) ? r.trainLoss : r.valLoss);
  // At a call's first epoch: the state the network's history implies.
  const resume = (epoch: number, earlier: readonly EpochReport[]) => {
    if (epoch !== 1) return;
    earlierEpochs = earlier.length;
    earlierLosses = earlier.map(lossOf);
    const last = earlier.findLastIndex((r) => r.expanded > 0) + 1;
    lastExpansion = last;
    pendingPrune = last > 0 && last + o.deleteAfter > earlier.length ? last + o.deleteAfter : -1;
  };
  const score = { metric: o.metric, aggregation: o.aggregation };
  // Whether a split after `epoch` is made: its prune must come within the call (see lateSplits).
  const mayStillSplit = (epoch: number, epochs: number) => o.lateSplits || epoch + o.deleteAfter <= epochs;
  return {
    // Running statistics matter only after an epoch that may prune or expand; exact mode
    // scores from a pass of its own.
    needsStatistics: (epoch, epochs, earlier = []) => {
      resume(epoch, earlier);
      const now = earlierEpochs + epoch;
      return o.statistics === 'running' && (now === pendingPrune || (mayExpand(now, lastExpansion, o) && mayStillSplit(epoch, epochs)));
    },
    async afterEpoch(ctx) {
      resume(ctx.epoch, ctx.earlier ?? []);
      const net = ctx.network;
      const now = earlierEpochs + ctx.epoch;
      const losses = [...earlierLosses, ...ctx.history.map(lossOf)];
      let pruned = 0;
      let expanded = 0;
      if (now === pendingPrune) {
        pendingPrune = -1;
        const started = performance.now();
        if (o.statistics === 'exact') await net.collectEdgeStatistics(ctx.train, exactPass(ctx));
        const edges = await net.selectEdgesToPrune({
          ...score,
          metric: o.pruneMetric,
          threshold: o.deleteThreshold,
          normalization: o.pruneNormalization,
          invertedLikeReference: o.invertedPruneLikeReference,
        });
        if (edges.length > 0) {
          const lossBefore = losses[losses.length - 1]!;
          const report = await net.pruneEdges(edges, { resetOptimizer: o.resetOptimizer });
          await net.synchronize();
          const milliseconds = performance.now() - started;
          pruned = edges.length;
          await options.onPrune?.({ epoch: ctx.epoch, ...report, lossBefore, lossAfter: await ctx.currentLoss(), milliseconds });
        }
      }
      if (shouldExpand(losses, lastExpansion, o) && mayStillSplit(ctx.epoch, ctx.epochs)) {
        let started = performance.now();
        if (o.statistics === 'exact') await net.collectEdgeStatistics(ctx.train, exactPass(ctx));
        // Every expandable level is scored before any splits: a split changes the structure,
        // and the statistics start again from zero with it.
        const selections: { target: number; edges: EdgeRef[] }[] = [];
        for (const target of net.expandable()) {
          const edges = await net.selectEdgesToSplit(target, { ...score, threshold: o.chooseThreshold, maxToReplace: o.maxToReplace });
          if (edges.length > 0) selections.push({ target, edges });
        }
        const before = selections.length > 1 ? net.structure() : null;
        // Levels a split adds are ReLU, so the signed ones are the same for every split here.
        const exact = o.exactSplit === 'signed' ? signedLevels(net.structure(), ctx.train) : o.exactSplit;
        let lossBefore = losses[losses.length - 1]!;
        const plan = { fullyConnected: o.fullyConnected, exact, neuronsPerEdge: o.neuronsPerEdge, knotSpacing: o.knotSpacing, epsilon: o.epsilon };
        let splits = 0;
        for (const [i, selection] of selections.entries()) {
          const { target } = selection;
          // Edges into this level, where the splits into the levels before moved them.
          const selected = before && i > 0 ? translateEdges(before, net.structure(), selection.edges) : selection.edges;
          const edges = o.maxParameters === Number.POSITIVE_INFINITY ? selected : splitWithinBudget(net.structure(), target, selected, plan, o.maxParameters);
          if (edges.length === 0) continue;
          const report = await net.splitEdges(target, edges, { ...plan, resetOptimizer: o.resetOptimizer, sameExpansion: splits++ > 0 });
          await net.synchronize();
          const milliseconds = performance.now() - started;
          expanded += edges.length;
          const lossAfter = await ctx.currentLoss();
          await options.onExpand?.({
            epoch: ctx.epoch,
            target,
            level: report.level,
            edgesSplit: report.edgesSplit,
            ...(report.sharedWeightsSplit === undefined ? {} : { sharedWeightsSplit: report.sharedWeightsSplit }),
            neuronsAdded: report.neuronsAdded,
            parametersBefore: report.parametersBefore,
            parametersAfter: report.parametersAfter,
            lossBefore,
            lossAfter,
            milliseconds,
            ...(edges.length < selected.length ? { edgesSelected: selected.length } : {}),
          });
          lossBefore = lossAfter;
          started = performance.now();
        }
        // A budget that let nothing split leaves no split to prune and the trigger as it was.
        if (splits > 0) {
          lastExpansion = now;
          pendingPrune = now + o.deleteAfter;
        }
      }
      return { expanded, pruned };
    },
  };
}

/** `control`, adding the edges its splits split and its prunes removed to `made`. */
export function countingGrowth(control: GrowthControl, made: { expanded: number; pruned: number }): GrowthControl {
  return {
    ...control,
    splitEdges: async (target, edges, options) => {
      const split = await control.splitEdges(target, edges, options);
      made.expanded += split.edgesSplit;
      return split;
    },
    pruneEdges: async (edges, options) => {
      const pruned = await control.pruneEdges(edges, options);
      made.pruned += pruned.edgesRemoved;
      return pruned;
    },
  };
}
