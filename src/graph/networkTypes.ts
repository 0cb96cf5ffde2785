// The public shapes around Network: how to build one, what growth reports, what a
// checkpoint restores, and what an expansion policy may call while fit runs.
import type { Dataset } from '../data/dataset.js';
import type { GpuContext } from '../gpu/context.js';
import type { Activation } from '../kernels/activation.js';
import type { KernelCache } from '../kernels/kernel.js';
import type { EpochReport, FitOptions, LossName, OptimizerName } from '../train/options.js';
import type { ClassWeights } from '../train/classWeights.js';
import type { EdgeRef } from './growth.js';
import type { WeightInit } from './initialise.js';
import type { PruneSelectOptions, ScoreOptions } from './selection.js';
import type { DENSE_FROM, DENSE_FROM_EDGES, DENSE_FROM_GPU, Structure } from './structure.js';
import type { PoolKind } from '../kernels/pool.js';
import type { averagePoolConnections, convolutionConnections, localConnections, maxPoolConnections, randomConnections } from './connections.js';
import type { planSharedSplit } from './sharedSplit.js';

/** How to build a dense network. */
export interface NetworkSpec {
  /** Layer widths from inputs to outputs, e.g. `[784, 96, 10]`. */
  sizes: readonly number[];
  /**
   * The levels' activations: one per connection block (sizes.length − 1, the output's last), or
   * one name for every hidden level (default `relu`), which leaves a pooling level (see
   * {@link Connections.pool}) and the output level identity: a pooling level takes the largest or
   * the mean of values already activated, and a classifier's loss applies softmax to the outputs.
   */
  activations?: Activation | readonly Activation[];
  /** Seed of the weight initialisation and of ε draws. */
  seed?: number;
  /**
   * How the weights start (default `linear`, PyTorch's `nn.Linear` scheme: weights and biases
   * U(±1/√fan_in)); `he-uniform` (U(±√(6/fan_in)), for ReLU layers) and `glorot-uniform`
   * (U(±√(6/(fan_in + fan_out)))) start the biases at 0. See {@link WeightInit}.
   */
  init?: WeightInit;
  /**
   * Levels (indices into `sizes`) whose incoming edges may be split; default the output
   * level, as in the reference. Hidden levels of a deeper network may be listed too.
   */
  expandable?: readonly number[];
  /**
   * Density in [0, 1] from which a connection block is stored dense (absent edges held at
   * zero) rather than as CSR; default {@link DENSE_FROM} (0.2) on a software adapter,
   * {@link DENSE_FROM_GPU} (0.05) on a GPU, where dense products of sparse blocks cost less
   * against their CSR kernels. The structure keeps the value (checkpoints too). Blocks of fewer than
   * {@link DENSE_FROM_EDGES} edges stay CSR unless this is 0 (every block dense). Both forms
   * compute the same values.
   */
  denseFrom?: number;
  /**
   * The edges each connection block starts with, one entry per block (`sizes.length − 1`);
   * an absent entry (or `null`) is every edge, as in a plain dense layer. A sparse start: a
   * locally connected layer ({@link localConnections}), a random sparse one
   * ({@link randomConnections}), or any edge list; the runtime stores each block dense or
   * CSR by its density, and expansion splits and prunes its edges like any other's. Weights
   * start U(±1/√fan_in) with each destination's own in-degree as its fan-in.
   */
  connections?: readonly (Connections | null | undefined)[];
}

/**
 * A connection block's edges: edge k joins neuron `sources[k]` of the block's input level to
 * neuron `destinations[k]` of its output level (indices within each level).
 */
export interface Connections {
  sources: ArrayLike<number>;
  destinations: ArrayLike<number>;
  /**
   * Shared weights: edge k's weight is shared value `ties[k]`, one weight however many edges
   * carry it (a convolution: {@link convolutionConnections}). Edges with the same id start
   * equal and stay equal, each trained by the sum of their gradients; absent: every edge its
   * own weight. A shared weight is split or pruned whole (see {@link planSharedSplit}); the level
   * such a block feeds may be expandable where it is laid out as a convolution's.
   */
  ties?: ArrayLike<number>;
  /** Shared biases: neuron d of the level fed takes shared bias `biasTies[d]` (a convolution's filter). */
  biasTies?: ArrayLike<number>;
  /**
   * The edges are pooling windows, not weights ({@link maxPoolConnections},
   * {@link averagePoolConnections}): each neuron of the level fed takes the largest (`'max'`)
   * or the mean (`'average'`) of its sources' values, then its activation; the level has no
   * biases and is not expandable, and no other block feeds it. The block's source must be a
   * hidden level (pool the inputs before training instead).
   */
  pool?: PoolKind;
}

/**
 * One block's running per-edge statistics and weights, in edge-id order (see
 * {@link Network.readEdgeStatistics}): over `batches` batches, each edge's Σ|g|, Σg and Σg² of
 * its weight's gradient.
 */
export interface BlockEdgeStatistics {
  block: number;
  weights: Float32Array;
  sumAbs: Float32Array;
  sum: Float32Array;
  sumSq: Float32Array;
}

/** What a split did ({@link Network.splitEdges}; `onExpand`'s event carries most of it). */
export interface SplitReport {
  /** Id of the new level. */
  level: number;
  edgesSplit: number;
  /** Where the level is a convolution's: the shared weights those edges carry (each split whole). */
  sharedWeightsSplit?: number;
  neuronsAdded: number;
  parametersBefore: number;
  parametersAfter: number;
  /** New edges that start at ε: the candidates of the next pruning. */
  epsilonEdges: number;
  /**
   * Largest |output change| over the probe rows, when a probe was given: 0 up to ε terms
   * for non-negative parents; measured (not zero) for signed inputs.
   */
  outputChange?: number;
}

/** What a pruning did ({@link Network.pruneEdges}; `onPrune`'s event carries it). */
export interface PruneReport {
  edgesRemoved: number;
  parametersBefore: number;
  parametersAfter: number;
}

/** Options of {@link Network.splitEdges}. */
export interface SplitEdgesOptions {
  /** ε ~ U(0, epsilon) (reference 1e-8). */
  epsilon?: number;
  /** New neurons take ε from every neuron of the source levels, not only the selected parents. */
  fullyConnected?: boolean;
  /**
   * Split edges p → c (weight w) into two neurons, relu(x_p) and relu(−x_p), with out-weights
   * w and −w: the function is kept (up to ε) for parents of any sign (signed inputs, tanh or
   * identity hidden units), at two new neurons an edge. `true`: every edge; a list of level
   * ids: the edges out of those levels (e.g. {@link signedLevels}). Without it, a split keeps
   * the function only where its parents are non-negative.
   */
  exact?: boolean | readonly number[];
  /**
   * Neurons per split edge (1 to 16, default 1): edge p → c becomes a block of hinges
   * relu(x_p − m · knotSpacing), m = 0 … k − 1. The first takes the edge's weight w to c, the
   * others start at 0 to c (kept by pruning, so each hinge keeps its path to c) and at ε to the
   * other children: the function is kept as by a one-neuron split, and training can bend the
   * edge's response at the knots. With `exact`, h⁻ gets hinges relu(−x_p − m · knotSpacing).
   */
  neuronsPerEdge?: number;
  /** Distance between the knots of a block of hinges, in units of the parent's value (default 1 / neuronsPerEdge). */
  knotSpacing?: number;
  /**
   * This split belongs to the same expansion as the previous one (another expandable level,
   * in the same epoch): its ε edges join the previous split's pruning candidates instead of
   * replacing them, and a prune scores each split's two levels.
   */
  sameExpansion?: boolean;
  /**
   * Clear all optimizer moments (the reference's behaviour) instead of keeping the old ones;
   * every parameter then counts its Adam steps (bias corrections) from now, as new ones always do.
   */
  resetOptimizer?: boolean;
}

/** A whole network's state, as a checkpoint holds it (see src/io/checkpoint.ts). */
export interface NetworkState {
  structure: Structure;
  /** The flat parameter buffer in `structure`'s layout. */
  params: Float32Array;
  expandable: number[];
  seed: number;
  /** `births`: the step each value was born at (absent in files of earlier formats: all 0). */
  optimizer?: { name: OptimizerName; step: number; moment1: Float32Array; moment2: Float32Array; births?: Float32Array };
  history?: EpochReport[];
  pruneCandidates?: EdgeRef[];
  /** The last split (the last of `lastSplits`; what files of earlier builds hold). */
  lastSplit?: { level: number; target: number } | null;
  /** The splits of the last expansion: the new level and the level it expanded, each. */
  lastSplits?: { level: number; target: number }[];
  /**
   * The state of the generator of the splits' ε weights (absent in files of earlier builds:
   * reseeded), so a resumed run draws the values the uninterrupted run would.
   */
  epsilonState?: number;
  /**
   * The running per-edge statistics (Σ|g|, Σg, Σg² of each parameter float, interleaved as
   * {@link Network.edgeStats} holds them) and the batches summed in them; absent where the
   * network held none or the file was saved without them.
   */
  statistics?: { batches: number; sums: Float32Array };
}

/** Weights (inputs × outputs, row-major) and bias of one layer, on the CPU. */
export interface LayerWeights {
  weights: Float32Array;
  bias: Float32Array;
}

/** Options of an exact statistics pass (`collectEdgeStatistics`). */
export interface StatisticsPassOptions {
  /** Rows a batch (default 256). */
  batchSize?: number;
  loss?: LossName;
  /**
   * The softmax cross-entropy's label smoothing, in [0, 1] (as {@link FitOptions.labelSmoothing};
   * default 0): the pass takes the gradients of the loss training minimises, so exact statistics
   * score edges as running ones do.
   */
  labelSmoothing?: number;
  /** The softmax cross-entropy's class weights (as {@link FitOptions.classWeights}; `'balanced'` from `data`'s labels; default none). */
  classWeights?: ClassWeights;
  /** The most bytes of the data to upload at once (default 256 MiB, at most one buffer); parts hold whole batches. */
  maxUploadBytes?: number;
}

/** Options of a gradient computation (`gradients`, `parameterGradients`). */
export interface GradientOptions {
  /** The softmax cross-entropy's label smoothing, in [0, 1], as {@link FitOptions.labelSmoothing} (default 0). */
  labelSmoothing?: number;
  /** The softmax cross-entropy's class weights, as {@link FitOptions.classWeights} (`'balanced'` from the data's labels; default none). */
  classWeights?: ClassWeights;
  /**
   * The gradient under dropout (see {@link FitOptions.dropout}): the masks that a training step
   * at optimizer step `step` (the network's count of steps before it, a whole number below 2²⁴)
   * with fit's `seed` (default 0) draws, so with the same rows in the same order it is that
   * step's gradient; `inputRate` the inputs' (see {@link FitOptions.inputDropout}; default 0).
   * Omitted: the whole network's gradient.
   */
  dropout?: { rate: number; step: number; seed?: number; inputRate?: number };
}

/** Growth operations available to an expansion policy while `fit` runs (`PolicyContext.network`). */
export interface GrowthControl {
  structure(): Structure;
  expandable(): number[];
  parameterCount(): number;
  selectEdgesToSplit(target: number, options: ScoreOptions & { threshold: number; maxToReplace?: number }): Promise<EdgeRef[]>;
  selectEdgesToPrune(options: PruneSelectOptions): Promise<EdgeRef[]>;
  splitEdges(target: number, edges: readonly EdgeRef[], options?: SplitEdgesOptions): Promise<SplitReport>;
  pruneEdges(edges: readonly EdgeRef[], options?: { resetOptimizer?: boolean }): Promise<PruneReport>;
  collectEdgeStatistics(data: Dataset, options?: StatisticsPassOptions): Promise<void>;
  /** Wait for all submitted GPU work (for timing). */
  synchronize(): Promise<void>;
  scoreEdges(target: number, options?: ScoreOptions): Promise<{ block: number; scores: Float32Array }[]>;
  /** Each edge's weight and running gradient sums into level `target` (see `Network.readEdgeStatistics`). */
  readEdgeStatistics(target: number): Promise<BlockEdgeStatistics[]>;
  /** The flat parameter buffer (see `Network.getParameters`). */
  getParameters(): Promise<Float32Array>;
  /** Replace it, e.g. a split's new weights initialised otherwise (see `Network.setParameters`). */
  setParameters(values: Float32Array): void;
  /** Batches in the running statistics since they were last cleared. */
  statisticsBatches(): number;
}

/** A layer of a plain feed-forward network (a chain of complete dense blocks). */
export interface LayerInfo {
  readonly inputs: number;
  readonly outputs: number;
  readonly activation: Activation;
}

/** The parts of a runtime a network uses. */
export interface RuntimeParts {
  readonly gpu: GpuContext;
  readonly kernels: KernelCache;
}
