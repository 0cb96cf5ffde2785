import { booleanArg, objectArg, positiveInteger } from '../args.js';
import { AdapterLimitError, ConfigError } from '../errors.js';
import { CallGate } from './callGate.js';
import type { Dataset } from '../data/dataset.js';
import { Random } from '../data/random.js';
import type { GpuContext } from '../gpu/context.js';
import type { BufferOwner, OwnedBuffer } from '../gpu/memory.js';
import { storageBuffer, uploadStorage, writeView } from '../gpu/upload.js';
import type { KernelCache } from '../kernels/kernel.js';
import { fit } from '../train/loop.js';
import { collectStatistics, evaluate, gradients, predict } from '../train/singlePass.js';
import type { Evaluation } from '../train/batchSteps.js';
import type { Trainable } from '../train/trainable.js';
import type { EpochReport, FitOptions, LossName, OptimizerName } from '../train/options.js';
import { OptimizerState } from '../train/optimizerState.js';
import { type Classification, classify } from '../train/classify.js';
import type { PoolBuffers } from '../kernels/pool.js';
import type { CsrBuffers } from '../kernels/sparse.js';
import type { ActiveRows } from '../train/passes.js';
import { concatEdgeLists, type EdgeList, type EdgeRef, edgeList, edgeRefs, type GrowthStep, planPrune, translateEdgeList } from './growth.js';
import { resizeParameters } from './resize.js';
import { checkThreshold, type PruneSelectOptions, readEdgeStatistics, readScores, type ScoreOptions, selectEdges, selectPruneEdges, wholeGroups } from './selection.js';
import { BlockBuffers, type TieBuffers } from './blockBuffers.js';
import { checkLayerWeights, layersOf, unflatten } from './layers.js';
import { type Block, checkParameterValues, type Level, Structure } from './structure.js';
import { initialParameters } from './initialise.js';

// The public shapes live beside the class; importers of this module see them here too.
export type * from './networkTypes.js';
import type {
  BlockEdgeStatistics,
  GrowthControl,
  LayerInfo,
  LayerWeights,
  NetworkSpec,
  NetworkState,
  PruneReport,
  RuntimeParts,
  SplitEdgesOptions,
  SplitReport,
  StatisticsPassOptions,
  GradientOptions,
} from './networkTypes.js';

import { planLevelSplit } from './splitPlan.js';
import { checkConnections, checkDenseFrom, checkExpandable, checkSpec, maxParameters } from './spec.js';

export { maxParameters };

/**
 * A feed-forward network whose parameters live in one flat GPU buffer. Create it with
 * {@link Runtime.createNetwork}; call {@link Network.destroy} to free its GPU memory.
 */
export class Network implements Trainable {
  private current: Structure;
  private readonly owner: BufferOwner;
  /** The blocks' index buffers (CSR orders, masks, active rows); dropped whenever the structure changes. */
  private readonly blockBuffers: BlockBuffers;
  private paramBuffer: OwnedBuffer;
  private gradBuffer: OwnedBuffer;
  private statsBuffer: OwnedBuffer;
  private optimizer: OptimizerState | null = null;
  /** One call at a time, reads lent to fit's onEpoch, destroy() deferred under a running call. */
  private readonly gate: CallGate;
  private readonly expandableLevels: Set<number>;
  private epsilonCandidates: EdgeList = edgeList([]);
  /** Draws the ε weights of splits; a checkpoint keeps its state, so a reloaded network draws what its original would. */
  private readonly random: Random;
  private batchesInStatistics = 0;
  /** The splits of the last expansion (new level, expanded level): what a prune scores. */
  private lastSplits: { level: number; target: number }[] = [];

  /** Every epoch this network was trained, across `fit` calls (and checkpoints), appended as each epoch ends. */
  readonly history: EpochReport[] = [];
  /** Seed of initialisation and ε draws. */
  readonly seed: number;
  /**
   * Whether training and inference run a grown network's last small levels (its fused tail)
   * through the graph kernels, one dispatch per pass, instead of block by block. Default: on a
   * software adapter only, where many small blocks each pay a dispatch's fixed cost; on a GPU
   * the graph kernels' one invocation per 16 batch rows leaves it nearly idle (a grown
   * 784-344-10 training step on an NVIDIA H200: 1.39 ms fused, 0.29 ms block by block). The
   * results are the same up to rounding (the sums run in another order). A setting of this
   * process, not saved in checkpoints; a `fit` in progress keeps the value it started with.
   */
  fuseTail: boolean;

  constructor(
    private readonly runtime: RuntimeParts,
    spec: NetworkSpec | NetworkState,
  ) {
    let initial: Float32Array;
    if (typeof spec === 'object' && spec !== null && 'structure' in spec) {
      // Restoring: the checkpoint loader has validated the state against its structure.
      this.current = spec.structure;
      this.expandableLevels = new Set(spec.expandable);
      this.seed = spec.seed;
      initial = spec.params;
      for (const report of spec.history ?? []) this.history.push(report); // push(...history) overflows the stack past ~125,000 epochs
      this.epsilonCandidates = edgeList(spec.pruneCandidates ?? []);
      this.lastSplits = spec.lastSplits ?? (spec.lastSplit ? [spec.lastSplit] : []);
    } else {
      const activations = checkSpec(spec);
      // Refused before the structure is built: its tables alone could outgrow JavaScript's arrays.
      const expandable = checkExpandable(spec);
      const connections = checkConnections(spec, expandable);
      const blockEdges = (i: number) => connections[i]?.topology.srcOf.length ?? spec.sizes[i]! * spec.sizes[i + 1]!;
      // A pooling level holds no parameters.
      const count = spec.sizes.reduce((n, size, i) => (i === 0 || connections[i - 1]?.pool ? n : n + blockEdges(i - 1) + size), 0);
      const most = maxParameters(runtime.gpu);
      if (count > most) {
        throw new AdapterLimitError(`a ${spec.sizes.join('-')} network has ${count} parameters; this adapter's buffers hold at most ${most} (three floats of edge statistics a parameter in one buffer)`);
      }
      this.expandableLevels = new Set(expandable);
      this.seed = spec.seed ?? 0;
      this.current = Structure.chain(spec.sizes, activations, checkDenseFrom(spec.denseFrom, runtime.kernels.software), connections);
      initial = initialParameters(this.current, new Random(this.seed), spec.init);
    }
    runtime.gpu.check();
    this.fuseTail = runtime.kernels.software;
    // Files of earlier builds lack the generator's state: reseeded from the history's length.
    const epsilonState = 'structure' in spec ? spec.epsilonState : undefined;
    this.random = epsilonState === undefined ? new Random(this.seed + 0x5eed + this.history.length) : Random.fromState(epsilonState);
    this.owner = runtime.gpu.memory.owner('network');
    this.blockBuffers = new BlockBuffers(runtime.gpu);
    this.gate = new CallGate(
      () => this.release(),
      () => this.owner.isDestroyed,
      () => runtime.gpu.isDestroyed,
    );
    const device = runtime.gpu.device;
    this.paramBuffer = uploadStorage(device, this.owner, 'parameters', initial);
    this.gradBuffer = storageBuffer(device, this.owner, 'gradients', initial.byteLength);
    this.statsBuffer = storageBuffer(device, this.owner, 'edge-statistics', 3 * initial.byteLength);
    if ('structure' in spec && spec.optimizer) {
      const o = spec.optimizer;
      const state = this.optimizerFor(o.name);
      writeView(device, state.moment1.buffer, 0, o.moment1);
      writeView(device, state.moment2.buffer, 0, o.moment2);
      // Files without births (earlier formats): every value born at step 0, as those builds counted.
      if (o.births) state.setBirths(o.births);
      writeView(device, state.counter.buffer, 0, Float32Array.of(o.step));
    }
    if ('structure' in spec && spec.statistics) {
      writeView(device, this.statsBuffer.buffer, 0, spec.statistics.sums);
      this.batchesInStatistics = spec.statistics.batches;
    }
  }

  /**
   * @internal The state a checkpoint stores: parameters, optimizer moments and step,
   * growth bookkeeping, history, and with `statistics` the running statistics (read back).
   */
  async state(options: { statistics?: boolean } = {}): Promise<NetworkState> {
    return this.gate.reading('save', () => this.readState(options.statistics === true));
  }

  private async readState(statistics: boolean): Promise<NetworkState> {
    const floats = this.current.floats;
    const o = this.optimizer;
    return {
      structure: this.current,
      params: await this.gpu.readFloats(this.params, 0, floats),
      expandable: this.expandable,
      seed: this.seed,
      ...(o
        ? {
            optimizer: {
              name: o.name,
              step: (await this.gpu.readFloats(o.counter.buffer, 0, 1))[0]!,
              moment1: await this.gpu.readFloats(o.moment1.buffer, 0, floats),
              moment2: await this.gpu.readFloats(o.moment2.buffer, 0, floats),
              births: o.birthsOf(floats),
            },
          }
        : {}),
      history: [...this.history],
      pruneCandidates: this.pruneCandidates,
      lastSplit: this.lastSplits.at(-1) ?? null,
      lastSplits: [...this.lastSplits],
      epsilonState: this.random.stateWord,
      ...(statistics && this.batchesInStatistics > 0
        ? { statistics: { batches: this.batchesInStatistics, sums: await this.gpu.readFloats(this.edgeStats, 0, 3 * floats) } }
        : {}),
    };
  }

  get gpu(): GpuContext {
    return this.runtime.gpu;
  }
  get kernels(): KernelCache {
    return this.runtime.kernels;
  }
  /** The architecture now: levels, blocks and the parameter layout. */
  get structure(): Structure {
    return this.current;
  }
  get parameterCount(): number {
    return this.current.parameterCount;
  }
  get inputs(): number {
    return this.current.input.size;
  }
  get outputs(): number {
    return this.current.output.size;
  }
  /** Level sizes in evaluation order, inputs first. */
  get sizes(): number[] {
    return this.current.sizes;
  }
  /** The layers of a plain feed-forward network; throws for a graph (once the network has grown, or when it started with sparse connections). */
  get layers(): LayerInfo[] {
    return layersOf(this.current);
  }
  /** The flat parameter buffer (every block's weights and every level's biases at their offsets). */
  get params(): GPUBuffer {
    return this.paramBuffer.buffer;
  }
  /** The flat gradient buffer, parallel to {@link params}. */
  get grads(): GPUBuffer {
    return this.gradBuffer.buffer;
  }
  /** Running per-edge statistics (Σ|g|, Σg, Σg² per parameter float), parallel to {@link params}. */
  get edgeStats(): GPUBuffer {
    return this.statsBuffer.buffer;
  }
  /** GPU bytes held by this network (parameters, gradients, statistics, optimizer state, topology). */
  get gpuBytes(): number {
    return this.owner.bytes + this.blockBuffers.bytes;
  }

  /** Ids of the levels whose incoming edges may be split. */
  get expandable(): number[] {
    return [...this.expandableLevels];
  }

  /** The ε-initialised edges of the last expansion's splits that survive: the candidates of the next pruning. */
  get pruneCandidates(): EdgeRef[] {
    return edgeRefs(this.epsilonCandidates);
  }

  /** Batches summed in the running per-edge statistics since they were last cleared. */
  get statisticsBatches(): number {
    return this.batchesInStatistics;
  }

  /** @internal the training loop reports how many batches it added to the statistics. */
  noteStatistics(batches: number, cleared: boolean): void {
    this.batchesInStatistics = (cleared ? 0 : this.batchesInStatistics) + batches;
  }

  /** Clear the running per-edge statistics. */
  resetEdgeStatistics(): void {
    this.gate.assertUsable();
    const encoder = this.gpu.device.createCommandEncoder();
    encoder.clearBuffer(this.edgeStats);
    this.gpu.device.queue.submit([encoder.finish()]);
    this.batchesInStatistics = 0;
  }

  /**
   * The reference's exact mode: clear the statistics and fill them with one pass over
   * `data` (forward, loss, backward; no update) in batches of `batchSize`.
   */
  async collectEdgeStatistics(data: Dataset, options: StatisticsPassOptions = {}): Promise<void> {
    await this.gate.exclusive('collectEdgeStatistics', () => this.growthControl().collectEdgeStatistics(data, options));
  }

  /** Scores of every edge into level `target`, per block (edge-id order), from the current statistics or weights. */
  async scoreEdges(target: number, options: ScoreOptions = {}): Promise<{ block: number; scores: Float32Array }[]> {
    return this.gate.read('scoreEdges', () => this.scores(target, options));
  }

  private async scores(target: number, options: ScoreOptions): Promise<{ block: number; scores: Float32Array }[]> {
    objectArg('scoreEdges: options', options);
    const blocks = this.current.blocksInto(this.current.level(target).id);
    const scores = await readScores(this, blocks, options);
    return blocks.map((b, i) => ({ block: b.id, scores: scores[i]! }));
  }

  /**
   * The raw material of every metric, for metrics of your own: per block into level `target`,
   * each edge's weight and running gradient sums Σ|g|, Σg, Σg² (edge-id order, as
   * {@link scoreEdges}) over {@link statisticsBatches} batches. A custom policy can score and
   * pick edges from these on the CPU and pass its picks to {@link splitEdges} or
   * {@link pruneEdges}. Reads back three floats and a weight a parameter of the network.
   */
  async readEdgeStatistics(target: number): Promise<BlockEdgeStatistics[]> {
    return this.gate.read('readEdgeStatistics', () => this.edgeStatistics(target));
  }

  private edgeStatistics(target: number): Promise<BlockEdgeStatistics[]> {
    return readEdgeStatistics(this, this.current.blocksInto(this.current.level(target).id));
  }

  /**
   * The edges into expandable level `target` whose min–max normalised score exceeds
   * `threshold` (in (0, 1]), most significant first, at most `maxToReplace`.
   */
  async selectEdgesToSplit(target: number, options: ScoreOptions & { threshold: number; maxToReplace?: number }): Promise<EdgeRef[]> {
    return this.gate.read('selectEdgesToSplit', () => this.selectSplits(target, options));
  }

  private async selectSplits(target: number, options: ScoreOptions & { threshold: number; maxToReplace?: number }): Promise<EdgeRef[]> {
    objectArg('selectEdgesToSplit: options', options);
    checkThreshold('threshold', options.threshold);
    if (!this.expandableLevels.has(target)) throw new ConfigError(`level ${target} is not expandable (expandable: ${[...this.expandableLevels].join(', ')})`);
    const max = options.maxToReplace;
    if (max !== undefined) positiveInteger('maxToReplace', max);
    const blocks = this.current.blocksInto(target);
    if (!blocks.some((b) => b.ties)) return edgeRefs((await selectEdges(this, blocks, { ...options, above: true, max })).edges);
    // Shared weights are taken whole (every edge of one scores the same), while their edges fit in `maxToReplace`.
    return wholeGroups(this.current, edgeRefs((await selectEdges(this, blocks, { ...options, above: true })).edges), max);
  }

  /**
   * The ε edges of the last expansion's splits whose normalised score is below `threshold`
   * (least significant first); with `invertedLikeReference`, above it (the reference code's
   * defect, for comparison). For each split, scores are normalised together over all edges into
   * the new level and into the level it expanded (`normalization: 'together'`, ALGORITHM.md),
   * or over each of the two levels' edges on its own (`'per-level'`).
   */
  async selectEdgesToPrune(options: PruneSelectOptions): Promise<EdgeRef[]> {
    return this.gate.read('selectEdgesToPrune', () => this.selectPrunes(options));
  }

  private selectPrunes(options: PruneSelectOptions): Promise<EdgeRef[]> {
    objectArg('selectEdgesToPrune: options', options);
    booleanArg('selectEdgesToPrune: options.invertedLikeReference', options.invertedLikeReference);
    checkThreshold('threshold', options.threshold);
    return selectPruneEdges(this, this.epsilonCandidates, this.lastSplits, options);
  }

  /** Copy the whole flat parameter buffer (layout: {@link structure}) to the CPU. */
  async getParameters(): Promise<Float32Array> {
    return this.gate.read('getParameters', () => this.parameters());
  }

  private parameters(): Promise<Float32Array> {
    return this.gpu.readFloats(this.params, 0, this.current.floats);
  }

  /**
   * Replace the whole flat parameter buffer with `values`, laid out as {@link getParameters}
   * returns it (edge e of block b at `b.weightOffset + storageIndex(b, e)`, level l's biases
   * from `l.biasOffset`): read, edit some weights of a grown network, write back. Slots that
   * hold no parameter (padding, the absent edges of a dense block) must be 0. Checked before
   * anything is written, so a bad call changes nothing; Adam's moments stay as they are.
   */
  setParameters(values: Float32Array): void {
    this.gate.assertFree('setParameters');
    this.writeParameters(values);
  }

  private writeParameters(values: Float32Array): void {
    checkParameterValues(this.current, values);
    writeView(this.gpu.device, this.params, 0, values);
  }

  /**
   * Split `edges` (all into expandable level `target`) into a new level of ReLU neurons;
   * see {@link planSplit}. Bad edges, a non-expandable target or an empty list throw before
   * anything changes. With `probe` rows (features as in fit data), the largest change of the
   * outputs on them is measured and reported.
   */
  async splitEdges(target: number, edges: readonly EdgeRef[], options: SplitEdgesOptions = {}, probe?: Dataset): Promise<SplitReport> {
    objectArg('splitEdges: options', options);
    return this.gate.exclusive('splitEdges', () => this.split(target, edges, options, probe));
  }

  private async split(target: number, edges: readonly EdgeRef[], options: SplitEdgesOptions, probe?: Dataset): Promise<SplitReport> {
    // Here, not at the public call, so a policy's splits inside fit are checked too.
    for (const key of ['fullyConnected', 'resetOptimizer', 'sameExpansion'] as const) booleanArg(`splitEdges: options.${key}`, options[key]);
    if (!this.expandableLevels.has(target)) {
      throw new ConfigError(`level ${target} is not expandable (expandable: ${[...this.expandableLevels].join(', ')})`);
    }
    const old = this.current;
    const before = old.parameterCount;
    // A level a convolution feeds splits its shared weights as shared weights (sharedSplit.ts).
    const splitOptions = {
      random: this.random,
      epsilon: options.epsilon,
      fullyConnected: options.fullyConnected,
      exact: options.exact,
      neuronsPerEdge: options.neuronsPerEdge,
      knotSpacing: options.knotSpacing,
    };
    const step = planLevelSplit(old, target, edges, splitOptions);
    const outputsBefore = probe ? await predict(this, probe) : null;
    await this.applyStep(step, options.resetOptimizer ?? false);
    const split = { level: step.level, target };
    if (options.sameExpansion && this.lastSplits.length > 0) {
      // The earlier splits' candidates, where they are in the new structure, and this one's.
      const kept = translateEdgeList(old, this.current, this.epsilonCandidates);
      this.epsilonCandidates = concatEdgeLists(kept, step.epsilon);
      this.lastSplits = [...this.lastSplits, split];
    } else {
      this.epsilonCandidates = step.epsilon;
      this.lastSplits = [split];
    }
    let outputChange: number | undefined;
    if (probe && outputsBefore) {
      const after = await predict(this, probe);
      outputChange = after.reduce((m, v, i) => Math.max(m, Math.abs(v - outputsBefore[i]!)), 0);
    }
    return {
      level: step.level,
      edgesSplit: edges.length,
      ...(step.sharedWeights === undefined ? {} : { sharedWeightsSplit: step.sharedWeights }),
      neuronsAdded: this.current.level(step.level).size,
      parametersBefore: before,
      parametersAfter: this.current.parameterCount,
      epsilonEdges: step.epsilon.edges.length,
      ...(outputChange === undefined ? {} : { outputChange }),
    };
  }

  /** Remove `edges`; all other weights and optimizer state are kept. */
  async pruneEdges(edges: readonly EdgeRef[], options: { resetOptimizer?: boolean } = {}): Promise<PruneReport> {
    objectArg('pruneEdges: options', options);
    return this.gate.exclusive('pruneEdges', () => this.prune(edges, options));
  }

  private async prune(edges: readonly EdgeRef[], options: { resetOptimizer?: boolean }): Promise<PruneReport> {
    booleanArg('pruneEdges: options.resetOptimizer', options.resetOptimizer);
    const before = this.current.parameterCount;
    const old = this.current;
    const step = planPrune(old, edges);
    await this.applyStep(step, options.resetOptimizer ?? false);
    this.epsilonCandidates = translateEdgeList(old, this.current, this.epsilonCandidates);
    return { edgesRemoved: edges.length, parametersBefore: before, parametersAfter: this.current.parameterCount };
  }

  /**
   * @internal The growth operations without the one-call-at-a-time lock, for expansion
   * policies that run inside `fit` (which holds the lock).
   */
  growthControl(): GrowthControl {
    return {
      structure: () => this.current,
      expandable: () => this.expandable,
      parameterCount: () => this.parameterCount,
      selectEdgesToSplit: (target, options) => this.selectSplits(target, options),
      selectEdgesToPrune: (options) => this.selectPrunes(options),
      splitEdges: (target, edges, options) => this.split(target, edges, options ?? {}),
      pruneEdges: (edges, options) => this.prune(edges, options ?? {}),
      collectEdgeStatistics: async (data, options) => {
        this.batchesInStatistics = await collectStatistics(this, data, options === undefined ? {} : options);
      },
      scoreEdges: (target, options) => this.scores(target, options ?? {}),
      readEdgeStatistics: (target) => this.edgeStatistics(target),
      statisticsBatches: () => this.batchesInStatistics,
      getParameters: () => this.parameters(),
      setParameters: (values) => this.writeParameters(values),
      synchronize: () => this.gpu.settle(),
    };
  }

  private async applyStep(step: GrowthStep, resetMoments: boolean): Promise<void> {
    const next = await resizeParameters(
      this.gpu,
      this.kernels,
      this.owner,
      {
        params: this.paramBuffer,
        grads: this.gradBuffer,
        stats: this.statsBuffer,
        moment1: this.optimizer?.moment1 ?? null,
        moment2: this.optimizer?.moment2 ?? null,
      },
      step.remap,
      resetMoments,
    );
    if (this.optimizer && next.moment1 && next.moment2 && next.moment1 !== this.optimizer.moment1) this.optimizer.replaceMoments(next.moment1, next.moment2);
    // New values (all, after a reset) start their own Adam step count now, as PyTorch's would.
    if (this.optimizer) this.optimizer.remapBirths(step.remap, (await this.gpu.readFloats(this.optimizer.counter.buffer, 0, 1))[0]!, resetMoments);
    this.paramBuffer = next.params;
    this.gradBuffer = next.grads;
    this.statsBuffer = next.stats;
    this.blockBuffers.reset();
    this.current = step.structure;
    this.batchesInStatistics = 0;
  }

  /** @internal The 0/1 mask (dense storage order) of a dense block lacking edges, uploaded on first use. */
  mask(block: Block): GPUBuffer {
    return this.blockBuffers.mask(block);
  }

  /** @internal The sources with edges of a masked dense block where few enough to skip the others (see BlockBuffers). */
  activeRows(block: Block): ActiveRows | null {
    return this.blockBuffers.activeRows(block);
  }

  /** @internal GPU index buffers of a sparse block, uploaded on first use. */
  csr(block: Block): CsrBuffers {
    return this.blockBuffers.csr(block);
  }

  /** @internal GPU index buffers of a pooling level's windows, uploaded on first use. */
  poolWindows(level: Level): PoolBuffers {
    return this.blockBuffers.poolWindows(level);
  }

  /** @internal The groups of shared values (a convolution's), uploaded on first use; null when none are shared. */
  ties(): TieBuffers | null {
    return this.blockBuffers.ties(this.current);
  }

  /** @internal used by the training loop. */
  optimizerFor(name: OptimizerName): OptimizerState {
    if (this.optimizer?.name !== name) {
      this.optimizer?.destroy();
      this.optimizer = new OptimizerState(this.gpu.device, this.owner, this.paramBuffer.size / 4, name);
    }
    return this.optimizer;
  }

  /** Train; returns one report per epoch. Invalid options or data throw before any GPU work. */
  fit(train: Dataset, options: FitOptions = {}): Promise<EpochReport[]> {
    return this.gate.exclusive('fit', async () => {
      objectArg('fit: options', options);
      // Each epoch joins the history as it ends, so a checkpoint taken in onEpoch has it. Between
      // epochs the network is at rest: the callback may read it (predict, evaluate, save).
      const onEpoch = options.onEpoch;
      const offset = this.history.length;
      const keep = (report: EpochReport) => void this.history.push({ ...report, epoch: report.epoch + offset });
      const lent = onEpoch && (async (report: EpochReport) => this.gate.lend(() => onEpoch(report)));
      return fit(this, train, { ...options, ...(lent ? { onEpoch: lent } : {}) }, keep);
    });
  }

  /** Mean loss and accuracy over `data`. */
  evaluate(data: Dataset, loss: LossName = 'softmax-cross-entropy'): Promise<Evaluation> {
    return this.gate.reading('evaluate', () => evaluate(this, data, loss));
  }

  /** Outputs (rows × outputs, before any softmax) for every row of `data`: a {@link Dataset}, or rows at hand, row-major, `inputs` values a row (bytes read as datasets read them, / 255). */
  predict(data: Dataset | Float32Array | Uint8Array): Promise<Float32Array> {
    return this.gate.reading('predict', () => predict(this, data));
  }

  /** A classifier's answer for every row of `data` (as {@link predict} takes it): the likeliest class and the softmax probabilities (see {@link classify}). */
  async classify(data: Dataset | Float32Array | Uint8Array): Promise<Classification> {
    // Softmax over one output is always 1: such a network is a regression's, not a classifier.
    if (this.outputs < 2) throw new ConfigError(`classify: this network has ${this.outputs} output, and a classifier has one per class (2 or more); predict gives its values`);
    return classify(await this.predict(data), this.outputs);
  }

  /**
   * Gradients of the mean loss over `data` (taken as one batch) for every layer, without
   * changing any parameter: what a training step would apply. `options.labelSmoothing`: the
   * softmax cross-entropy's, as {@link FitOptions.labelSmoothing} (default 0).
   */
  async gradients(data: Dataset, loss: LossName = 'softmax-cross-entropy', options: GradientOptions = {}): Promise<LayerWeights[]> {
    const flat = await this.gate.exclusive('gradients', () => gradients(this, data, loss, options));
    return unflatten(this.current, flat);
  }

  /** Gradients of the mean loss over `data` (one batch) for every parameter, in the flat layout of {@link structure}; `options` as {@link gradients}'. */
  async parameterGradients(data: Dataset, loss: LossName = 'softmax-cross-entropy', options: GradientOptions = {}): Promise<Float32Array> {
    const flat = await this.gate.exclusive('gradients', () => gradients(this, data, loss, options));
    return flat.slice(0, this.current.floats);
  }

  /** Copy every layer's weights and bias to the CPU (a plain feed-forward network; a graph: {@link getParameters}). */
  async getWeights(): Promise<LayerWeights[]> {
    return this.gate.read('getWeights', async () => unflatten(this.current, await this.gpu.readFloats(this.params)));
  }

  /** Replace every layer's weights and bias; shapes are checked first, so a bad call changes nothing. */
  setWeights(weights: readonly LayerWeights[]): void {
    this.gate.assertFree('setWeights');
    checkLayerWeights(this.current, weights).forEach((b, i) => {
      writeView(this.gpu.device, this.params, b.weightOffset * 4, weights[i]!.weights);
      writeView(this.gpu.device, this.params, this.current.level(b.dst).biasOffset * 4, weights[i]!.bias);
    });
  }

  /**
   * Free all GPU memory of this network. Safe to call twice. During a call that holds the
   * network (fit, a split, evaluate, …; from fit's `onEpoch` too) the memory is freed when that
   * call has stopped: fit stops before its next step and rejects with a `DestroyedError`.
   */
  destroy(): void {
    this.gate.destroy();
  }

  /** @internal Whether {@link destroy} was called: a running fit stops before its next step. */
  get destroying(): boolean {
    return this.gate.destroying;
  }

  private release(): void {
    this.owner.destroy();
    this.blockBuffers.destroy();
    this.optimizer = null;
  }

}
