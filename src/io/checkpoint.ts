import { AdapterLimitError, CheckpointError, SennError } from '../errors.js';
import { buildCsr } from '../graph/csr.js';
import { maxBindingBytes } from '../gpu/upload.js';
import type { EdgeRef } from '../graph/growth.js';
import { maxParameters, Network, type NetworkState, type RuntimeParts } from '../graph/network.js';
import { type Block, type BlockSpec, blockFloats, blockWeights, completeBlock, DENSE_FROM, isMasked, type LevelSpec, PARAMETER_ALIGN, type PoolWindows, Structure, storageIndex, unequalTies } from '../graph/structure.js';
import type { EpochReport, OptimizerName } from '../train/options.js';
import { CHECKPOINT_VERSION, type CheckpointLevel, type GraphJson, graphOf, readHistory } from './checkpointGraph.js';
import {
  type CheckpointConvolution,
  type CheckpointPoolImage,
  convolutionCounts,
  convolutionEdges,
  convolutionFile,
  idPeriod,
  poolImageEdges,
  poolImageFile,
  sharedValueOrder,
  sharedValues,
} from './checkpointShares.js';
import { decodeSafetensors, encodeSafetensors, safetensorsMetadata, type Tensor } from './safetensors.js';

export { CHECKPOINT_VERSION, type CheckpointLevel } from './checkpointGraph.js';
export type { CheckpointConvolution, CheckpointPoolImage } from './checkpointShares.js';

/**
 * Where each value of a checkpoint's parameter order lives in the buffer layout of `s`:
 * block by block its weights (a matrix's values in order; an edge list's in file order, edge
 * `idOf[k]` for the k-th value), then each level's biases. `floats` (default: what each block
 * stores) and `offset` (default: its weight offset) describe another layout: version 1's.
 */
function layoutIndex(
  s: Structure,
  idOfs: readonly (Uint32Array | null)[],
  at: (b: Block, e: number) => number = (b, e) => b.weightOffset + storageIndex(b, e),
  biasAt: (levelIndex: number) => number = (i) => s.levels[i]!.biasOffset,
): Uint32Array {
  const index = new Uint32Array(s.valueCount);
  let k = 0;
  s.blocks.forEach((b, i) => {
    const idOf = idOfs[i];
    for (let v = 0; v < b.topology.srcOf.length; v++) index[k++] = at(b, idOf ? idOf[v]! : v);
  });
  s.levels.forEach((l, i) => {
    if (l.role === 'input' || l.pool) return;
    for (let v = 0; v < l.size; v++) index[k++] = biasAt(i) + v;
  });
  return index;
}

/** Version 1's buffer layout of `s`: as now, but a dense block stores all of its rows. */
function version1Index(s: Structure, idOfs: readonly (Uint32Array | null)[]): { index: Uint32Array; floats: number } {
  const align = (n: number) => Math.ceil(n / PARAMETER_ALIGN) * PARAMETER_ALIGN;
  let at = 0;
  const offsets = s.blocks.map((b) => {
    const offset = at;
    at = align(at + (b.form === 'dense' ? b.topology.src * b.topology.dst : b.topology.srcOf.length));
    return offset;
  });
  const biases = s.levels.map((l) => {
    if (l.role === 'input') return -1;
    const offset = at;
    at = align(at + l.size);
    return offset;
  });
  const index = layoutIndex(
    s,
    idOfs,
    (b, e) => offsets[b.id]! + (b.form === 'dense' ? b.topology.srcOf[e]! * b.topology.dst + b.topology.dstOf[e]! : e),
    (i) => biases[i]!,
  );
  return { index, floats: Math.max(at, PARAMETER_ALIGN) };
}

/** The running statistics' tensors, one value per parameter in the order of the optimizer's: Σ|g|, Σg, Σg². */
const STATISTICS_TENSORS = ['statistics.sumAbs', 'statistics.sum', 'statistics.sumSq'] as const;

/** Options of {@link saveCheckpoint}. */
export interface SaveOptions {
  /**
   * Keep the running per-edge statistics (Σ|g|, Σg, Σg² of every parameter, over
   * `Network.statisticsBatches` batches) in the file, three tensors as large as the weights
   * together, so that the loaded network scores and selects by a gradient metric as this one
   * does without collecting them again. Default false (a loaded network holds none). Nothing
   * is written where the network holds none.
   */
  statistics?: boolean;
}

/** Free-form description of how a network was trained (dataset, loss, options), kept in a checkpoint. */
export type RunInfo = Record<string, unknown>;

/**
 * Serialise a network (structure, weights, optimizer state, history) to bytes. `run`, if
 * given, is stored beside the graph (metadata `senn.run`) and read back by {@link checkpointRun}.
 */
export async function saveCheckpoint(net: Network, run?: RunInfo, options: SaveOptions = {}): Promise<Uint8Array<ArrayBuffer>> {
  const state = await net.state({ statistics: options.statistics === true });
  const s = state.structure;
  const tensors: Record<string, Tensor> = {};
  // Per-parameter values: matrices in order, edge lists in CSR order (as their src / dst
  // tensors are written), then the biases; each shared value once where the network has any.
  const index = layoutIndex(s, s.blocks.map(() => null));
  const once = sharedOnce(state, index);
  // A complete dense block is written as its src × dst matrix; any other as an edge list
  // (weights in edge order beside their endpoints), a masked dense block included.
  const asMatrix = (b: Block) => b.form === 'dense' && !isMasked(b);
  const convolutions = new Map<number, CheckpointConvolution>();
  s.blocks.forEach((b, i) => {
    const edges = b.topology.srcOf.length;
    const shared = once && b.ties ? once.order.blocks[i]!.compact : -1;
    let weight: Tensor;
    if (shared >= 0) weight = sharedTensor(once!.params, shared, distinct(b.ties!));
    else if (asMatrix(b)) weight = { dtype: 'F32', shape: [b.topology.src, b.topology.dst], data: state.params.slice(b.weightOffset, b.weightOffset + blockFloats(b)) };
    else weight = { dtype: 'F32', shape: [edges], data: blockWeights(b, state.params) };
    tensors[`blocks.${i}.weight`] = weight;
    const windows = shared >= 0 && !asMatrix(b) ? convolutionFile(b, s.level(b.dst)) : null;
    if (windows) {
      convolutions.set(i, windows.convolution);
      tensors[`blocks.${i}.entries`] = { dtype: 'I32', shape: [windows.entries.length], data: windows.entries };
      return;
    }
    if (!asMatrix(b)) {
      tensors[`blocks.${i}.src`] = { dtype: 'I32', shape: [edges], data: Int32Array.from(b.topology.srcOf) };
      tensors[`blocks.${i}.dst`] = { dtype: 'I32', shape: [edges], data: Int32Array.from(b.topology.dstOf) };
    }
    // Shared weights: each edge's id, in edge order (the src / dst tensors', or a matrix's edges by destination).
    if (b.ties) tensors[`blocks.${i}.ties`] = { dtype: 'I32', shape: [edges], data: Int32Array.from(b.ties) };
  });
  // Version 7's shorter forms (repeating bias ids, pooling windows as an image's) go with
  // version 6's shared values written once, or with no shared values at all.
  const compact = once !== null || !s.tieGroups;
  const biasPeriods = new Map<number, number>();
  const poolImages = new Map<number, CheckpointPoolImage>();
  s.levels.forEach((l, i) => {
    const sharedAt = once && l.biasTies ? once.order.levels.get(i)!.compact : -1;
    if (sharedAt >= 0) tensors[`levels.${l.id}.bias`] = sharedTensor(once!.params, sharedAt, distinct(l.biasTies!));
    else if (l.biasOffset >= 0) tensors[`levels.${l.id}.bias`] = { dtype: 'F32', shape: [l.size], data: state.params.slice(l.biasOffset, l.biasOffset + l.size) };
    if (l.biasTies) {
      const period = compact ? idPeriod(l.biasTies) : l.size;
      if (period < l.size) biasPeriods.set(i, period);
      tensors[`levels.${l.id}.biasTies`] = { dtype: 'I32', shape: [period], data: Int32Array.from(l.biasTies.subarray(0, period)) };
    }
    const image = l.pool && compact ? poolImageFile(l, s.level(l.pool.source).size) : null;
    if (image) poolImages.set(i, image);
    else if (l.pool) {
      const windows = l.pool.topology;
      tensors[`levels.${l.id}.poolSrc`] = { dtype: 'I32', shape: [windows.srcOf.length], data: Int32Array.from(windows.srcOf) };
      tensors[`levels.${l.id}.poolDst`] = { dtype: 'I32', shape: [windows.srcOf.length], data: Int32Array.from(windows.dstOf) };
    }
  });
  // The next prune's candidates (tens of thousands after a large split) as I32 pairs, in order.
  const candidates = state.pruneCandidates ?? [];
  if (candidates.length > 0) tensors[PRUNE_CANDIDATES] = { dtype: 'I32', shape: [candidates.length, 2], data: candidatePairs(candidates) };
  const shares = s.tieGroups !== null;
  const pools = s.levels.some((l) => l.pool);
  const ordered = (layout: Float32Array, stride = 1, at = 0): Tensor => ({ dtype: 'F32', shape: [index.length], data: Float32Array.from(index, (k) => layout[stride * k + at]!) });
  const perParameter = (values: Float32Array | undefined, layout: Float32Array, stride = 1, at = 0): Tensor => (values ? { dtype: 'F32', shape: [values.length], data: values } : ordered(layout, stride, at));
  if (state.optimizer) {
    tensors['optimizer.moment1'] = perParameter(once?.moment1, state.optimizer.moment1);
    tensors['optimizer.moment2'] = perParameter(once?.moment2, state.optimizer.moment2);
    if (state.optimizer.births) tensors['optimizer.births'] = perParameter(once?.births, state.optimizer.births);
  }
  // The statistics buffer holds a parameter's three sums side by side.
  if (state.statistics) STATISTICS_TENSORS.forEach((name, i) => (tensors[name] = perParameter(once?.statistics[i], state.statistics!.sums, 3, i)));
  const graph: GraphJson = {
    format: 'senn-checkpoint',
    // Repeating bias ids, pooling windows as an image's or prune candidates as a tensor need
    // version 7, shared values written once 6, pooling 5 and shared values in every slot 4 (an
    // earlier build would misread them, read the windows as weights, or train shared values
    // apart); files without any stay readable by earlier builds.
    version: biasPeriods.size + poolImages.size + candidates.length > 0 ? CHECKPOINT_VERSION : once ? 6 : pools ? 5 : shares ? 4 : 3,
    levels: s.levels.map((l, i) => ({
      id: l.id,
      size: l.size,
      activation: l.activation,
      role: l.role,
      ...(l.biasTies ? { sharedBiases: distinct(l.biasTies) } : {}),
      ...(biasPeriods.has(i) ? { sharedBiasPeriod: biasPeriods.get(i)! } : {}),
      ...(l.pool ? { pool: { kind: l.pool.kind, source: l.pool.source, edges: l.pool.topology.srcOf.length, ...(poolImages.has(i) ? { image: poolImages.get(i)! } : {}) } } : {}),
    })),
    blocks: s.blocks.map((b, i) => ({
      src: b.src,
      dst: b.dst,
      form: asMatrix(b) ? 'dense' : 'sparse',
      edges: b.topology.srcOf.length,
      ...(b.ties ? { sharedWeights: distinct(b.ties) } : {}),
      ...(convolutions.has(i) ? { convolution: convolutions.get(i)! } : {}),
    })),
    expandable: state.expandable,
    seed: state.seed,
    optimizer: state.optimizer ? { name: state.optimizer.name, step: state.optimizer.step } : null,
    history: state.history ?? [],
    ...(candidates.length > 0 ? { pruneCandidateCount: candidates.length } : { pruneCandidates: [] }),
    lastSplit: state.lastSplit ?? null,
    lastSplits: state.lastSplits ?? [],
    denseFrom: s.denseFrom,
    ...(state.epsilonState === undefined ? {} : { epsilonState: state.epsilonState }),
    ...(state.statistics ? { statisticsBatches: state.statistics.batches } : {}),
  };
  return encodeSafetensors(tensors, { senn: JSON.stringify(graph), ...(run ? { 'senn.run': JSON.stringify(run) } : {}) });
}

/** The tensor of version 7's prune candidates. */
const PRUNE_CANDIDATES = 'growth.pruneCandidates';

/** Prune candidates as I32 pairs (block, edge), in order. */
function candidatePairs(candidates: readonly EdgeRef[]): Int32Array {
  const pairs = new Int32Array(2 * candidates.length);
  candidates.forEach((c, k) => {
    pairs[2 * k] = c.block;
    pairs[2 * k + 1] = c.edge;
  });
  return pairs;
}

/** Prune candidates from their pairs (tensor {@link PRUNE_CANDIDATES}), each an edge graph `g` holds. */
function candidatesOf(pairs: ArrayLike<number>, g: GraphJson): EdgeRef[] {
  return Array.from({ length: pairs.length / 2 }, (_, k) => {
    const [block, edge] = [pairs[2 * k]!, pairs[2 * k + 1]!];
    const edges = g.blocks[block]?.edges ?? 0;
    if (!(block >= 0 && edge >= 0 && edge < edges)) throw new CheckpointError(`tensor ${PRUNE_CANDIDATES} names edge ${edge} of block ${block}, which the file does not hold`);
    return { block, edge };
  });
}

/** Distinct values of a list of shared-value ids. */
const distinct = (ids: ArrayLike<number>) => new Set(Array.from(ids)).size;

/** The `count` values of `values` from `at`, as a tensor: a block's or level's shared values in version 6's order. */
const sharedTensor = (values: Float32Array, at: number, count: number): Tensor => ({ dtype: 'F32', shape: [count], data: values.slice(at, at + count) });

/**
 * `state`'s per-parameter values in version 6's order (each shared value once), `index` its
 * version 5 order's slots; null where the network shares no values, or where two slots of one
 * shared value differ in any of them (the file then keeps every slot, as version 5 does).
 */
function sharedOnce(state: NetworkState, index: Uint32Array) {
  if (!state.structure.tieGroups) return null;
  const order = sharedValueOrder(state.structure, state.structure.blocks.map(() => null));
  const once = (layout: Float32Array | undefined, stride = 1, at = 0) => (layout ? sharedValues(layout, index, order, stride, at) : undefined);
  const params = once(state.params);
  const [moment1, moment2, births] = [once(state.optimizer?.moment1), once(state.optimizer?.moment2), once(state.optimizer?.births)];
  const sums = state.statistics?.sums;
  const statistics = sums ? STATISTICS_TENSORS.map((_, i) => once(sums, 3, i)) : [];
  if (!params || [moment1, moment2, births, ...statistics].includes(null)) return null;
  return { order, params, moment1: moment1 ?? undefined, moment2: moment2 ?? undefined, births: births ?? undefined, statistics: statistics.map((v) => v ?? undefined) };
}

/**
 * The run description saved with a checkpoint ({@link saveCheckpoint}'s `run`), or null when
 * it has none. Reads only the header; throws {@link CheckpointError} if that is corrupt.
 */
export function checkpointRun(bytes: Uint8Array): RunInfo | null {
  const text = safetensorsMetadata(bytes)['senn.run'];
  if (text === undefined) return null;
  let run: unknown;
  try {
    run = JSON.parse(text);
  } catch {
    throw new CheckpointError('metadata "senn.run" is not JSON');
  }
  if (typeof run !== 'object' || run === null || Array.isArray(run)) throw new CheckpointError('metadata "senn.run" is not an object');
  return run as RunInfo;
}

function tensor(tensors: Map<string, Tensor>, name: string, dtype: Tensor['dtype'], length: number): Tensor['data'] {
  const t = tensors.get(name);
  if (!t) throw new CheckpointError(`checkpoint lacks tensor ${name}`);
  if (t.dtype !== dtype || t.data.length !== length) throw new CheckpointError(`tensor ${name} is ${t.dtype}[${t.data.length}], expected ${dtype}[${length}]`);
  return t.data;
}

/** What a checkpoint holds, read from its header alone (no GPU, no weights): see {@link describeCheckpoint}. */
export interface CheckpointSummary {
  /** The checkpoint format's version (1 to {@link CHECKPOINT_VERSION}). */
  version: number;
  /** Levels in evaluation order, inputs first (a pooling level with its source, its window edges and, version 7, the image whose windows they are). */
  levels: Omit<CheckpointLevel, 'sharedBiases' | 'sharedBiasPeriod'>[];
  /**
   * Connection blocks between level ids, with their edge counts and how the file holds their
   * weights: a complete block as a matrix, a convolution (version 6) as its windows'
   * `convolution` and its shared weights, any other as an edge list (a runtime then stores
   * each by its density).
   */
  blocks: { src: number; dst: number; edges: number; file: 'matrix' | 'edge list' | 'convolution'; sharedWeights?: number; convolution?: CheckpointConvolution }[];
  /** Level ids whose incoming edges may split. */
  expandable: number[];
  /** Weights (edges) and biases, shared ones (a convolution's) counted once. */
  parameters: number;
  optimizer: { name: OptimizerName; step: number } | null;
  /** One report per epoch trained, across every call to fit. */
  history: EpochReport[];
  /** The run description saved beside the graph (`senn train` writes its dataset and arguments), or null. */
  run: RunInfo | null;
  /** Batches summed in the running statistics the file holds ({@link SaveOptions.statistics}); 0 where it holds none. */
  statisticsBatches: number;
}

/**
 * Describe a checkpoint from its header: architecture, parameter count, optimizer, training
 * history and run description, without a GPU and without reading the weights. Throws
 * {@link CheckpointError} on a file that is not a senn checkpoint or whose graph is malformed.
 */
export function describeCheckpoint(bytes: Uint8Array): CheckpointSummary {
  const g = graphOf(safetensorsMetadata(bytes), Number.POSITIVE_INFINITY);
  const biases = g.levels.reduce((n, l) => n + (l.role === 'input' || l.pool ? 0 : (l.sharedBiases ?? l.size)), 0);
  return {
    version: g.version,
    levels: g.levels.map((l) => ({ id: l.id, size: l.size, activation: l.activation, role: l.role, ...(l.pool ? { pool: { kind: l.pool.kind, source: l.pool.source, edges: l.pool.edges, ...(l.pool.image ? { image: l.pool.image } : {}) } } : {}) })),
    blocks: g.blocks.map((b) => ({
      src: b.src,
      dst: b.dst,
      edges: b.edges,
      file: b.form === 'dense' ? 'matrix' : b.convolution ? 'convolution' : 'edge list',
      ...(b.sharedWeights ? { sharedWeights: b.sharedWeights } : {}),
      ...(b.convolution ? { convolution: b.convolution } : {}),
    })),
    expandable: g.expandable,
    parameters: g.blocks.reduce((n, b) => n + (b.sharedWeights ?? b.edges), biases),
    optimizer: g.optimizer,
    history: readHistory(g.history),
    run: checkpointRun(bytes),
    statisticsBatches: g.statisticsBatches ?? 0,
  };
}

/**
 * A block's or level's shared-value ids (`name`, I32) where the graph says it has `count`
 * distinct ones, as edge ids (`idOf[k]` for the k-th, where the file lists edges in its own
 * order); nothing where it has none.
 */
function sharedIds(tensors: Map<string, Tensor>, name: string, count: number | undefined, length: number, idOf: Uint32Array | null): { ties?: Uint32Array } {
  if (count === undefined) {
    if (tensors.has(name)) throw new CheckpointError(`checkpoint has tensor ${name} but its graph shares no values there`);
    return {};
  }
  return tiesOf(tensor(tensors, name, 'I32', length), name, count, idOf);
}

/** {@link sharedIds} of ids `ids` (from tensor `name`). */
function tiesOf(ids: ArrayLike<number>, name: string, count: number, idOf: Uint32Array | null): { ties: Uint32Array } {
  const length = ids.length;
  const ties = new Uint32Array(length);
  for (let k = 0; k < length; k++) {
    const id = ids[k]!;
    if (!(id >= 0)) throw new CheckpointError(`tensor ${name} holds ${id}, not a shared-value id`);
    ties[idOf ? idOf[k]! : k] = id;
  }
  if (distinct(ties) !== count) throw new CheckpointError(`tensor ${name} holds ${distinct(ties)} distinct ids; the graph says ${count}`);
  return { ties };
}

/**
 * A pooling level's windows from its image (version 7's `pool.image`) or its `poolSrc` /
 * `poolDst` tensors (ranges and duplicates checked by buildCsr).
 */
function poolWindows(tensors: Map<string, Tensor>, l: CheckpointLevel, pool: NonNullable<CheckpointLevel['pool']>, sizes: ReadonlyMap<number, number>): PoolWindows {
  const sourceSize = sizes.get(pool.source);
  if (sourceSize === undefined) throw new CheckpointError(`checkpoint pooling level ${l.id} pools unknown level ${pool.source}`);
  const windows = pool.image ? poolImageEdges(`pooling level ${l.id}`, pool.kind, pool.image, { src: sourceSize, dst: l.size, edges: pool.edges }) : null;
  const s = windows ? windows.sources : tensor(tensors, `levels.${l.id}.poolSrc`, 'I32', pool.edges);
  const d = windows ? windows.destinations : tensor(tensors, `levels.${l.id}.poolDst`, 'I32', pool.edges);
  try {
    return { kind: pool.kind, source: pool.source, topology: buildCsr(l.size, sourceSize, d, s).block };
  } catch (error) {
    if (error instanceof SennError) throw new CheckpointError(`checkpoint pooling level ${l.id}'s windows over level ${pool.source}: ${error.message}`);
    throw error;
  }
}

/**
 * Moments must be values the optimizer could hold: the first finite (a mean of finite
 * gradients), the second (Adam's mean of squared gradients; SGD keeps it at 0) not negative and
 * not NaN. +∞ is one it can hold (a gradient beyond 1.8e19 squared), and it only stops its
 * parameter's updates. A corrupt moment would load, then turn weights NaN or infinite in the
 * update (the square root of a negative) without the loss showing it that step.
 */
function checkMoments(moment1: Float32Array, moment2: Float32Array): { moment1: Float32Array; moment2: Float32Array } {
  const bad1 = moment1.findIndex((v) => !Number.isFinite(v));
  if (bad1 >= 0) throw new CheckpointError(`tensor optimizer.moment1 holds ${moment1[bad1]} for one parameter: not a mean of gradients (finite)`);
  const bad2 = moment2.findIndex((v) => !(v >= 0));
  if (bad2 >= 0) throw new CheckpointError(`tensor optimizer.moment2 holds ${moment2[bad2]} for one parameter: not a mean of squared gradients (at least 0)`);
  return { moment1, moment2 };
}

/** Birth steps must be whole steps the optimizer has taken (0 … step). */
function checkBirths(births: Float32Array, step: number): Float32Array {
  for (const b of births) {
    if (!(Number.isInteger(b) && b >= 0 && b <= step)) throw new CheckpointError(`tensor optimizer.births holds ${b}, not a step from 0 to the optimizer's ${step}`);
  }
  return births;
}

/**
 * The running statistics a file holds (`statistics.*`, each read into the buffer layout by
 * `read`), interleaved as the network's buffer holds them, where its graph counts their
 * batches; the tensors without that count are refused, as are values no sum could take.
 */
function statisticsOf(tensors: Map<string, Tensor>, batches: number | undefined, read: (name: string) => Float32Array): NetworkState['statistics'] {
  if (batches === undefined) {
    const stray = STATISTICS_TENSORS.find((name) => tensors.has(name));
    if (stray) throw new CheckpointError(`checkpoint has tensor ${stray} but its graph counts no statistics batches (statisticsBatches)`);
    return undefined;
  }
  const [sumAbs, sum, sumSq] = STATISTICS_TENSORS.map(read) as [Float32Array, Float32Array, Float32Array];
  const sums = new Float32Array(3 * sumAbs.length);
  for (let k = 0; k < sumAbs.length; k++) {
    const [a, g, q] = [sumAbs[k]!, sum[k]!, sumSq[k]!];
    if (!(a >= 0 && q >= 0 && Number.isFinite(a + g + q))) throw new CheckpointError(`checkpoint statistics hold Σ|g| ${a}, Σg ${g}, Σg² ${q} for one parameter: not sums of gradients`);
    sums.set([a, g, q], 3 * k);
  }
  return { batches, sums };
}

/**
 * Rebuild a network from checkpoint bytes. Everything is validated (header, sizes against
 * the header and the adapter's limits, graph consistency, index ranges) before any GPU
 * allocation; a truncated, corrupt or mismatched file gives a {@link CheckpointError}.
 */
export function loadCheckpoint(runtime: RuntimeParts, bytes: Uint8Array): Network {
  return asCheckpointError(() => new Network(runtime, checkpointState(bytes, maxBindingBytes(runtime.gpu.limits), maxParameters(runtime.gpu))));
}

/**
 * What a checkpoint holds as a network's state (structure, parameters in the runtime's layout,
 * optimizer, history), read and checked on the CPU: tensors of at most `maxBytes` bytes, at
 * most `maxFloats` parameters (an {@link AdapterLimitError} beyond). A {@link CheckpointError}
 * where the file is not a consistent senn checkpoint. Exporters read it without a GPU.
 */
export function checkpointState(bytes: Uint8Array, maxBytes = Number.MAX_SAFE_INTEGER, maxFloats = Number.POSITIVE_INFINITY): NetworkState {
  return asCheckpointError(() => {
    const { tensors, metadata } = decodeSafetensors(bytes, maxBytes);
    const g = graphOf(metadata, maxFloats);
    // checkGraph found every block's levels, each id once.
    const sizes = new Map(g.levels.map((l) => [l.id, l.size]));
    // Each edge list's edges in file order, and the CSR edge of each (null: a matrix, in order).
    const idOfs: (Uint32Array | null)[] = [];
    const specs: BlockSpec[] = g.blocks.map((b, i) => {
      const src = sizes.get(b.src)!;
      const dst = sizes.get(b.dst)!;
      if (b.form === 'dense') {
        if (b.edges !== src * dst) throw new CheckpointError(`checkpoint block ${i} is dense but has ${b.edges} of ${src * dst} edges`);
        idOfs.push(null);
        return { src: b.src, dst: b.dst, topology: completeBlock(dst, src), form: 'dense', ...sharedIds(tensors, `blocks.${i}.ties`, b.sharedWeights, b.edges, null) };
      }
      if (b.convolution) {
        const name = `blocks.${i}.entries`;
        const entries = tensor(tensors, name, 'I32', convolutionCounts(b.convolution).entries);
        const edges = convolutionEdges(`block ${i}`, b.convolution, entries, { src, dst, edges: b.edges });
        const { block, idOf } = buildCsr(dst, src, edges.destinations, edges.sources);
        idOfs.push(idOf);
        return { src: b.src, dst: b.dst, topology: block, ...tiesOf(edges.ties, name, b.sharedWeights!, idOf) };
      }
      const s = tensor(tensors, `blocks.${i}.src`, 'I32', b.edges);
      const d = tensor(tensors, `blocks.${i}.dst`, 'I32', b.edges);
      // Stored as the runtime chooses by density, as when it was saved.
      const { block, idOf } = buildCsr(dst, src, d, s);
      idOfs.push(idOf);
      return { src: b.src, dst: b.dst, topology: block, ...sharedIds(tensors, `blocks.${i}.ties`, b.sharedWeights, b.edges, idOf) };
    });
    const levels: LevelSpec[] = g.levels.map((l) => {
      const { sharedBiases, sharedBiasPeriod, pool, ...level } = l;
      const shared = sharedIds(tensors, `levels.${l.id}.biasTies`, sharedBiases, sharedBiasPeriod ?? l.size, null);
      // Version 7's repeating ids: the first period of them, neuron n's the (n mod period)-th.
      const biasTies = shared.ties && sharedBiasPeriod ? Uint32Array.from({ length: l.size }, (_, n) => shared.ties![n % sharedBiasPeriod]!) : shared.ties;
      return { ...level, ...(biasTies ? { biasTies } : {}), ...(pool ? { pool: poolWindows(tensors, l, pool, sizes) } : {}) };
    });
    const denseFrom = g.denseFrom ?? DENSE_FROM;
    const structure = new Structure(levels, specs, denseFrom);
    const params = new Float32Array(structure.floats);
    // Where each value of the file's per-parameter order goes (edge lists in file order: the
    // CSR edge of each value), worked out once for the weights, biases and up to six tensors;
    // version 6 holds each shared value once.
    const into = layoutIndex(structure, idOfs);
    const order = g.version >= 6 ? sharedValueOrder(structure, idOfs) : null;
    // `count` values (of the file's tensor `name`) of shared values, from `position` of version 5's order.
    const readShared = (name: string, count: number, at: { position: number; compact: number }, length: number) => {
      const values = tensor(tensors, name, 'F32', count);
      for (let k = at.position; k < at.position + length; k++) params[into[k]!] = values[order!.index[k]! - at.compact]!;
    };
    structure.blocks.forEach((b, i) => {
      const fileDense = g.blocks[i]!.form === 'dense';
      const name = `blocks.${i}.weight`;
      if (order && b.ties) return readShared(name, g.blocks[i]!.sharedWeights!, order.blocks[i]!, b.topology.srcOf.length);
      const w = tensor(tensors, name, 'F32', fileDense ? blockFloats(b) : b.topology.srcOf.length);
      if (fileDense) params.set(w, b.weightOffset);
      else for (let k = 0; k < w.length; k++) params[b.weightOffset + storageIndex(b, idOfs[i]![k]!)] = w[k]!;
    });
    structure.levels.forEach((l, i) => {
      const name = `levels.${l.id}.bias`;
      if (l.biasOffset < 0) {
        if (tensors.has(name)) throw new CheckpointError(`checkpoint has tensor ${name} but level ${l.id} has no biases`);
      } else if (order && l.biasTies) readShared(name, g.levels[i]!.sharedBiases!, order.levels.get(i)!, l.size);
      else params.set(tensor(tensors, name, 'F32', l.size), l.biasOffset);
    });
    for (const v of params) if (!Number.isFinite(v)) throw new CheckpointError('checkpoint weights contain NaN or infinity');
    const untied = unequalTies(structure, params);
    if (untied) throw new CheckpointError(`checkpoint weights are inconsistent: ${untied}`);
    // Per-parameter values (moments, births, statistics): in parameter order (versions 2 and
    // later; version 6 with each shared value once) or in version 1's buffer layout.
    const from = g.version === 1 ? version1Index(structure, idOfs) : (order ?? { index: null, floats: into.length });
    const moments = (name: string): Float32Array => {
      const values = tensor(tensors, name, 'F32', from.floats) as Float32Array;
      const layout = new Float32Array(structure.floats);
      for (let k = 0; k < into.length; k++) layout[into[k]!] = values[from.index ? from.index[k]! : k]!;
      return layout;
    };
    const statistics = statisticsOf(tensors, g.statisticsBatches, moments);
    if (g.pruneCandidateCount === undefined && tensors.has(PRUNE_CANDIDATES)) throw new CheckpointError(`checkpoint has tensor ${PRUNE_CANDIDATES} but its graph counts no prune candidates (pruneCandidateCount)`);
    const state: NetworkState = {
      structure,
      params,
      expandable: g.expandable,
      seed: g.seed,
      history: readHistory(g.history),
      pruneCandidates: g.pruneCandidateCount === undefined ? g.pruneCandidates : candidatesOf(tensor(tensors, PRUNE_CANDIDATES, 'I32', 2 * g.pruneCandidateCount), g),
      lastSplits: g.lastSplits ?? (g.lastSplit ? [g.lastSplit] : []),
      ...(g.epsilonState === undefined ? {} : { epsilonState: g.epsilonState }),
      ...(statistics ? { statistics } : {}),
      ...(g.optimizer
        ? {
            optimizer: {
              ...g.optimizer,
              ...checkMoments(moments('optimizer.moment1'), moments('optimizer.moment2')),
              ...(g.version >= 3 ? { births: checkBirths(moments('optimizer.births'), g.optimizer.step) } : {}),
            },
          }
        : {}),
    };
    return state;
  });
}

/** `read()`, its structural errors (duplicate edges, bad ranges) found while rebuilding a checkpoint's graph made {@link CheckpointError}s. */
function asCheckpointError<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof CheckpointError || error instanceof AdapterLimitError) throw error;
    if (error instanceof SennError) throw new CheckpointError(`checkpoint graph is inconsistent: ${error.message}`);
    throw error;
  }
}
