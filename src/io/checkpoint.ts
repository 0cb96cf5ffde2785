import { describe, isRecord } from '../args.js';
import { AdapterLimitError, CheckpointError, SennError } from '../errors.js';
import { buildCsr } from '../graph/csr.js';
import type { EdgeRef } from '../graph/growth.js';
import { maxBindingBytes } from '../gpu/upload.js';
import { maxParameters, Network, type NetworkState, type RuntimeParts } from '../graph/network.js';
import { type Block, type BlockSpec, blockFloats, blockWeights, completeBlock, DENSE_FROM, isMasked, type LevelSpec, PARAMETER_ALIGN, type PoolWindows, Structure, storageIndex, unequalTies } from '../graph/structure.js';
import { ACTIVATIONS, type Activation } from '../kernels/activation.js';
import { POOL_KINDS, type PoolKind } from '../kernels/pool.js';
import { type EpochReport, OPTIMIZERS, type OptimizerName } from '../train/options.js';
import { decodeSafetensors, encodeSafetensors, safetensorsMetadata, type Tensor } from './safetensors.js';

/**
 * A checkpoint is one safetensors file: each block's weights (`blocks.N.weight`, dense
 * src × dst or one value per edge), its edge endpoints when sparse (`blocks.N.src`,
 * `blocks.N.dst`, I32), each level's bias (`levels.ID.bias`), the optimizer moments
 * (`optimizer.moment1/2`: one value per parameter in the order of those tensors — every
 * block's weights, then every level's biases — so they do not depend on how the runtime lays
 * out its buffers) and the step each parameter was born at (`optimizer.births`, the same
 * order; Adam's bias corrections count each parameter's own steps), where saved with them the
 * running statistics (`statistics.sumAbs`, `statistics.sum`, `statistics.sumSq`, the same
 * order, their batches counted by the graph's `statisticsBatches`), and in the metadata a
 * small JSON (`senn`) with the format version, the graph, optimizer, growth bookkeeping and
 * training history. Earlier versions are read too: version 2 (no births: every parameter
 * counts from step 0, as its builds did) and version 1 (moments in the buffer layout of their
 * build, which stored every row of a masked dense block). Version 4 adds shared values (a
 * convolution's): `blocks.N.ties` (I32, each edge's shared-weight id, in the order of the
 * block's weights) and `levels.ID.biasTies` (I32, each neuron's shared-bias id), flagged in
 * the graph (`sharedWeights`, `sharedBiases`); a file without them is written as version 3.
 * Version 5 adds pooling levels: the level's windows as `levels.ID.poolSrc` and
 * `levels.ID.poolDst` (I32, source and destination of each window edge), no bias tensor, and
 * in the graph `pool: { kind, source, edges }`; a file without pooling keeps its earlier version.
 */
export const CHECKPOINT_VERSION = 5;

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

/**
 * A level as a checkpoint's header describes it: its shared biases (`levels.ID.biasTies`)
 * counted by distinct id, and a pooling level's kind, source and window edges
 * (`levels.ID.poolSrc`, `levels.ID.poolDst`) counted.
 */
export type CheckpointLevel = Omit<LevelSpec, 'biasTies' | 'pool'> & { sharedBiases?: number; pool?: { kind: PoolKind; source: number; edges: number } };

interface GraphJson {
  format: 'senn-checkpoint';
  version: number;
  levels: CheckpointLevel[];
  /** `sharedWeights`: the distinct ids of `blocks.N.ties`, where the block shares its weights. */
  blocks: { src: number; dst: number; form: 'dense' | 'sparse'; edges: number; sharedWeights?: number }[];
  expandable: number[];
  seed: number;
  optimizer: { name: OptimizerName; step: number } | null;
  history: EpochReport[];
  pruneCandidates: EdgeRef[];
  lastSplit: { level: number; target: number } | null;
  /** The last expansion's splits (absent in files of earlier builds: `lastSplit` alone). */
  lastSplits?: { level: number; target: number }[];
  /** Structure.denseFrom (absent in files of earlier builds: the default). */
  denseFrom?: number;
  /** The ε generator's state (absent in files of earlier builds: reseeded on loading). */
  epsilonState?: number;
  /** Batches summed in the `statistics.*` tensors (absent where the file holds none). */
  statisticsBatches?: number;
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
  // A complete dense block is written as its src × dst matrix; any other as an edge list
  // (weights in edge order beside their endpoints), a masked dense block included.
  const asMatrix = (b: Block) => b.form === 'dense' && !isMasked(b);
  s.blocks.forEach((b, i) => {
    let values: Float32Array;
    if (asMatrix(b)) values = state.params.slice(b.weightOffset, b.weightOffset + blockFloats(b));
    else values = blockWeights(b, state.params);
    tensors[`blocks.${i}.weight`] = { dtype: 'F32', shape: asMatrix(b) ? [b.topology.src, b.topology.dst] : [values.length], data: values };
    if (!asMatrix(b)) {
      tensors[`blocks.${i}.src`] = { dtype: 'I32', shape: [values.length], data: Int32Array.from(b.topology.srcOf) };
      tensors[`blocks.${i}.dst`] = { dtype: 'I32', shape: [values.length], data: Int32Array.from(b.topology.dstOf) };
    }
    // Shared weights: each edge's id, in edge order (the order of the weights either way).
    if (b.ties) tensors[`blocks.${i}.ties`] = { dtype: 'I32', shape: [b.ties.length], data: Int32Array.from(b.ties) };
  });
  for (const l of s.levels) {
    if (l.biasOffset >= 0) tensors[`levels.${l.id}.bias`] = { dtype: 'F32', shape: [l.size], data: state.params.slice(l.biasOffset, l.biasOffset + l.size) };
    if (l.biasTies) tensors[`levels.${l.id}.biasTies`] = { dtype: 'I32', shape: [l.size], data: Int32Array.from(l.biasTies) };
    if (l.pool) {
      const windows = l.pool.topology;
      tensors[`levels.${l.id}.poolSrc`] = { dtype: 'I32', shape: [windows.srcOf.length], data: Int32Array.from(windows.srcOf) };
      tensors[`levels.${l.id}.poolDst`] = { dtype: 'I32', shape: [windows.srcOf.length], data: Int32Array.from(windows.dstOf) };
    }
  }
  const shares = s.tieGroups !== null;
  const pools = s.levels.some((l) => l.pool);
  // Per-parameter values: matrices in order, edge lists in CSR order (as their src / dst
  // tensors are written), then the biases.
  const index = layoutIndex(s, s.blocks.map(() => null));
  const ordered = (layout: Float32Array, stride = 1, at = 0): Tensor => ({ dtype: 'F32', shape: [index.length], data: Float32Array.from(index, (k) => layout[stride * k + at]!) });
  if (state.optimizer) {
    tensors['optimizer.moment1'] = ordered(state.optimizer.moment1);
    tensors['optimizer.moment2'] = ordered(state.optimizer.moment2);
    if (state.optimizer.births) tensors['optimizer.births'] = ordered(state.optimizer.births);
  }
  // The statistics buffer holds a parameter's three sums side by side.
  if (state.statistics) STATISTICS_TENSORS.forEach((name, i) => (tensors[name] = ordered(state.statistics!.sums, 3, i)));
  const graph: GraphJson = {
    format: 'senn-checkpoint',
    // Pooling needs version 5 and shared values 4 (an earlier build would read the windows as
    // weights, or train shared values apart); files without either stay readable by earlier builds.
    version: pools ? CHECKPOINT_VERSION : shares ? 4 : 3,
    levels: s.levels.map((l) => ({
      id: l.id,
      size: l.size,
      activation: l.activation,
      role: l.role,
      ...(l.biasTies ? { sharedBiases: distinct(l.biasTies) } : {}),
      ...(l.pool ? { pool: { kind: l.pool.kind, source: l.pool.source, edges: l.pool.topology.srcOf.length } } : {}),
    })),
    blocks: s.blocks.map((b) => ({ src: b.src, dst: b.dst, form: asMatrix(b) ? 'dense' : 'sparse', edges: b.topology.srcOf.length, ...(b.ties ? { sharedWeights: distinct(b.ties) } : {}) })),
    expandable: state.expandable,
    seed: state.seed,
    optimizer: state.optimizer ? { name: state.optimizer.name, step: state.optimizer.step } : null,
    history: state.history ?? [],
    pruneCandidates: state.pruneCandidates ?? [],
    lastSplit: state.lastSplit ?? null,
    lastSplits: state.lastSplits ?? [],
    denseFrom: s.denseFrom,
    ...(state.epsilonState === undefined ? {} : { epsilonState: state.epsilonState }),
    ...(state.statistics ? { statisticsBatches: state.statistics.batches } : {}),
  };
  return encodeSafetensors(tensors, { senn: JSON.stringify(graph), ...(run ? { 'senn.run': JSON.stringify(run) } : {}) });
}

/** Distinct values of a list of shared-value ids. */
const distinct = (ids: ArrayLike<number>) => new Set(Array.from(ids)).size;

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

const isInt = (v: unknown, min = 0): v is number => Number.isSafeInteger(v) && (v as number) >= min;

function tensor(tensors: Map<string, Tensor>, name: string, dtype: Tensor['dtype'], length: number): Tensor['data'] {
  const t = tensors.get(name);
  if (!t) throw new CheckpointError(`checkpoint lacks tensor ${name}`);
  if (t.dtype !== dtype || t.data.length !== length) throw new CheckpointError(`tensor ${name} is ${t.dtype}[${t.data.length}], expected ${dtype}[${length}]`);
  return t.data;
}

/** History from JSON: NaN (no validation data) was written as null; anything non-numeric becomes NaN. */
function readHistory(raw: unknown): EpochReport[] {
  if (!Array.isArray(raw)) return [];
  const num = (v: unknown) => (typeof v === 'number' ? v : Number.NaN);
  return raw.map((r: Record<string, unknown>) => ({
    epoch: num(r.epoch),
    trainLoss: num(r.trainLoss),
    trainAccuracy: num(r.trainAccuracy),
    valLoss: num(r.valLoss),
    valAccuracy: num(r.valAccuracy),
    params: num(r.params),
    seconds: num(r.seconds),
    expanded: num(r.expanded),
    pruned: num(r.pruned),
    // Histories of builds before schedules lack it: NaN.
    lr: num(r.lr),
    architecture: Array.isArray(r.architecture) ? r.architecture.map(num) : [],
    // Only epochs trained with gradient clipping have these.
    ...(typeof r.gradNorm === 'number' ? { gradNorm: r.gradNorm } : {}),
    ...(typeof r.clippedSteps === 'number' ? { clippedSteps: r.clippedSteps } : {}),
  }));
}

/** The graph a checkpoint's metadata holds (`senn`), parsed and checked (see {@link checkGraph}). */
function graphOf(metadata: Record<string, string>, maxFloats: number): GraphJson {
  if (metadata.senn === undefined) throw new CheckpointError('this safetensors file has no senn graph (metadata "senn")');
  let raw: unknown;
  try {
    raw = JSON.parse(metadata.senn);
  } catch {
    throw new CheckpointError('metadata "senn" is not JSON');
  }
  return checkGraph(raw, maxFloats);
}

/** Check the graph JSON field by field; returns it typed. */
function checkGraph(raw: unknown, maxFloats: number): GraphJson {
  const g = raw as Partial<GraphJson>;
  if (typeof g !== 'object' || g === null || g.format !== 'senn-checkpoint') throw new CheckpointError('metadata "senn" is not a senn checkpoint graph');
  if (!(isInt(g.version, 1) && g.version <= CHECKPOINT_VERSION)) {
    throw new CheckpointError(`checkpoint version ${String(g.version)} is not supported (this senn reads versions 1 to ${CHECKPOINT_VERSION})`);
  }
  if (!Array.isArray(g.levels) || g.levels.length < 2 || !Array.isArray(g.blocks) || g.blocks.length < 1) throw new CheckpointError('checkpoint graph has no levels or blocks');
  if (!g.levels.every(isRecord) || !g.blocks.every(isRecord)) throw new CheckpointError('checkpoint levels and blocks must be objects');
  let neurons = 0;
  for (const l of g.levels) {
    const badShare = l.sharedBiases !== undefined && (!isInt(l.sharedBiases, 1) || l.sharedBiases > l.size || l.role === 'input' || l.pool !== undefined);
    const badPool = l.pool !== undefined && (typeof l.pool !== 'object' || l.pool === null || !POOL_KINDS.includes(l.pool.kind) || !isInt(l.pool.source) || !isInt(l.pool.edges, 1) || l.role !== 'hidden');
    if (!isInt(l.id) || !isInt(l.size, 1) || !ACTIVATIONS.includes(l.activation as Activation) || !['input', 'hidden', 'output'].includes(l.role) || badShare || badPool) {
      throw new CheckpointError(`checkpoint level ${JSON.stringify(l)} is malformed`);
    }
    // A pooling level holds no biases.
    if (!l.pool) neurons += l.size;
  }
  const ids = new Set(g.levels.map((l) => l.id));
  if (ids.size !== g.levels.length) throw new CheckpointError('checkpoint levels repeat an id');
  let edges = 0;
  for (const [i, b] of g.blocks.entries()) {
    const badShare = b.sharedWeights !== undefined && (!isInt(b.sharedWeights, 1) || b.sharedWeights > b.edges);
    if (!isInt(b.src) || !isInt(b.dst) || !isInt(b.edges) || (b.form !== 'dense' && b.form !== 'sparse') || badShare) throw new CheckpointError(`checkpoint block ${JSON.stringify(b)} is malformed`);
    if (!ids.has(b.src) || !ids.has(b.dst)) throw new CheckpointError(`checkpoint block ${i} joins unknown levels ${b.src} → ${b.dst}`);
    edges += b.edges;
  }
  // Refuse before allocating anything the adapter could not hold.
  if (neurons + edges > maxFloats) throw new AdapterLimitError(`checkpoint has ${neurons + edges} parameters; this adapter's buffers hold at most ${maxFloats} floats`);
  if (!Array.isArray(g.expandable) || !g.expandable.every((i) => isInt(i) && ids.has(i))) throw new CheckpointError('checkpoint expandable levels are malformed: each must be the id of a level the file holds');
  const pooled = g.expandable.find((id) => g.levels!.some((l) => l.id === id && l.pool));
  if (pooled !== undefined) throw new CheckpointError(`checkpoint lists pooling level ${pooled} as expandable`);
  if (g.optimizer !== null && (typeof g.optimizer !== 'object' || !OPTIMIZERS.includes(g.optimizer!.name) || !isInt(g.optimizer!.step))) {
    throw new CheckpointError('checkpoint optimizer state is malformed');
  }
  if (g.denseFrom !== undefined && !(typeof g.denseFrom === 'number' && g.denseFrom >= 0 && g.denseFrom <= 1)) throw new CheckpointError(`checkpoint denseFrom ${describe(g.denseFrom)} is not a density in [0, 1]`);
  // History fields are read leniently (a NaN is saved as null; older builds lack some), but
  // each epoch must be an object.
  if (g.history !== undefined && !(Array.isArray(g.history) && g.history.every(isRecord))) throw new CheckpointError('checkpoint history is malformed: it must be a list of epoch reports');
  if (g.seed !== undefined && !isInt(g.seed)) throw new CheckpointError(`checkpoint seed ${describe(g.seed)} is not a non-negative integer`);
  if (g.epsilonState !== undefined && !(isInt(g.epsilonState) && g.epsilonState < 2 ** 32)) throw new CheckpointError(`checkpoint epsilonState ${describe(g.epsilonState)} is not a 32-bit generator state`);
  if (g.statisticsBatches !== undefined && !isInt(g.statisticsBatches, 1)) throw new CheckpointError(`checkpoint statisticsBatches ${describe(g.statisticsBatches)} is not a positive whole number of batches`);
  // The next prune's state, refused rather than dropped when it is malformed: a network that
  // quietly lost it would prune other edges than the one saved.
  const edgeRef = (r: unknown): boolean => {
    const { block, edge } = (r ?? {}) as { block?: unknown; edge?: unknown };
    return isInt(block) && block < g.blocks!.length && isInt(edge) && edge < g.blocks![block]!.edges;
  };
  if (g.pruneCandidates !== undefined && !(Array.isArray(g.pruneCandidates) && g.pruneCandidates.every(edgeRef))) {
    throw new CheckpointError('checkpoint pruneCandidates are malformed: each must be { block, edge } of an edge the file holds');
  }
  const split = (s: unknown): boolean => {
    const { level, target } = (s ?? {}) as { level?: unknown; target?: unknown };
    return isInt(level) && ids.has(level) && isInt(target) && ids.has(target);
  };
  if ((g.lastSplits !== undefined && !(Array.isArray(g.lastSplits) && g.lastSplits.every(split))) || (g.lastSplit !== undefined && g.lastSplit !== null && !split(g.lastSplit))) {
    throw new CheckpointError('checkpoint lastSplits are malformed: each must be { level, target } between levels the file holds');
  }
  return { history: [], pruneCandidates: [], lastSplit: null, seed: 0, ...g } as GraphJson;
}

/** What a checkpoint holds, read from its header alone (no GPU, no weights): see {@link describeCheckpoint}. */
export interface CheckpointSummary {
  /** The checkpoint format's version (1 to {@link CHECKPOINT_VERSION}). */
  version: number;
  /** Levels in evaluation order, inputs first (a pooling level with its source and window edges). */
  levels: Omit<CheckpointLevel, 'sharedBiases'>[];
  /**
   * Connection blocks between level ids, with their edge counts and how the file holds their
   * weights: a complete block as a matrix, any other as an edge list (a runtime then stores
   * each by its density).
   */
  blocks: { src: number; dst: number; edges: number; file: 'matrix' | 'edge list'; sharedWeights?: number }[];
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
    levels: g.levels.map((l) => ({ id: l.id, size: l.size, activation: l.activation, role: l.role, ...(l.pool ? { pool: { kind: l.pool.kind, source: l.pool.source, edges: l.pool.edges } } : {}) })),
    blocks: g.blocks.map((b) => ({ src: b.src, dst: b.dst, edges: b.edges, file: b.form === 'dense' ? 'matrix' : 'edge list', ...(b.sharedWeights ? { sharedWeights: b.sharedWeights } : {}) })),
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
  const ids = tensor(tensors, name, 'I32', length);
  const ties = new Uint32Array(length);
  for (let k = 0; k < length; k++) {
    const id = ids[k]!;
    if (!(id >= 0)) throw new CheckpointError(`tensor ${name} holds ${id}, not a shared-value id`);
    ties[idOf ? idOf[k]! : k] = id;
  }
  if (distinct(ties) !== count) throw new CheckpointError(`tensor ${name} holds ${distinct(ties)} distinct ids; the graph says ${count}`);
  return { ties };
}

/** A pooling level's windows from its `poolSrc` / `poolDst` tensors (ranges and duplicates checked by buildCsr). */
function poolWindows(tensors: Map<string, Tensor>, l: CheckpointLevel, pool: { kind: PoolKind; source: number; edges: number }, sizes: ReadonlyMap<number, number>): PoolWindows {
  const sourceSize = sizes.get(pool.source);
  if (sourceSize === undefined) throw new CheckpointError(`checkpoint pooling level ${l.id} pools unknown level ${pool.source}`);
  const s = tensor(tensors, `levels.${l.id}.poolSrc`, 'I32', pool.edges);
  const d = tensor(tensors, `levels.${l.id}.poolDst`, 'I32', pool.edges);
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
    const specs: BlockSpec[] = g.blocks.map((b, i) => {
      const src = sizes.get(b.src)!;
      const dst = sizes.get(b.dst)!;
      if (b.form === 'dense') {
        if (b.edges !== src * dst) throw new CheckpointError(`checkpoint block ${i} is dense but has ${b.edges} of ${src * dst} edges`);
        return { src: b.src, dst: b.dst, topology: completeBlock(dst, src), form: 'dense', ...sharedIds(tensors, `blocks.${i}.ties`, b.sharedWeights, b.edges, null) };
      }
      const s = tensor(tensors, `blocks.${i}.src`, 'I32', b.edges);
      const d = tensor(tensors, `blocks.${i}.dst`, 'I32', b.edges);
      // Stored as the runtime chooses by density, as when it was saved.
      const { block, idOf } = buildCsr(dst, src, d, s);
      return { src: b.src, dst: b.dst, topology: block, ...sharedIds(tensors, `blocks.${i}.ties`, b.sharedWeights, b.edges, idOf) };
    });
    const levels: LevelSpec[] = g.levels.map((l) => {
      const { sharedBiases, pool, ...level } = l;
      const shared = sharedIds(tensors, `levels.${l.id}.biasTies`, sharedBiases, l.size, null);
      return { ...level, ...(shared.ties ? { biasTies: shared.ties } : {}), ...(pool ? { pool: poolWindows(tensors, l, pool, sizes) } : {}) };
    });
    const denseFrom = g.denseFrom ?? DENSE_FROM;
    const structure = new Structure(levels, specs, denseFrom);
    const params = new Float32Array(structure.floats);
    // Edge lists are stored in file order (the order of their src / dst tensors): the CSR
    // edge of each value.
    const idOfs = structure.blocks.map((b, i) => {
      if (g.blocks[i]!.form === 'dense') return null;
      return buildCsr(b.topology.dst, b.topology.src, tensors.get(`blocks.${i}.dst`)!.data, tensors.get(`blocks.${i}.src`)!.data).idOf;
    });
    structure.blocks.forEach((b, i) => {
      const fileDense = g.blocks[i]!.form === 'dense';
      const w = tensor(tensors, `blocks.${i}.weight`, 'F32', fileDense ? blockFloats(b) : b.topology.srcOf.length);
      if (fileDense) params.set(w, b.weightOffset);
      else for (let k = 0; k < w.length; k++) params[b.weightOffset + storageIndex(b, idOfs[i]![k]!)] = w[k]!;
    });
    for (const l of structure.levels) {
      if (l.biasOffset >= 0) params.set(tensor(tensors, `levels.${l.id}.bias`, 'F32', l.size), l.biasOffset);
      else if (tensors.has(`levels.${l.id}.bias`)) throw new CheckpointError(`checkpoint has tensor levels.${l.id}.bias but level ${l.id} has no biases`);
    }
    for (const v of params) if (!Number.isFinite(v)) throw new CheckpointError('checkpoint weights contain NaN or infinity');
    const untied = unequalTies(structure, params);
    if (untied) throw new CheckpointError(`checkpoint weights are inconsistent: ${untied}`);
    // Per-parameter values (moments, births, statistics): in parameter order (versions 2 and
    // later) or in version 1's buffer layout.
    // Where each value of the file's order goes, worked out once for up to six tensors.
    const into = layoutIndex(structure, idOfs);
    const from = g.version === 1 ? version1Index(structure, idOfs) : { index: null, floats: into.length };
    const moments = (name: string): Float32Array => {
      const values = tensor(tensors, name, 'F32', from.floats) as Float32Array;
      const layout = new Float32Array(structure.floats);
      for (let k = 0; k < into.length; k++) layout[into[k]!] = values[from.index ? from.index[k]! : k]!;
      return layout;
    };
    const statistics = statisticsOf(tensors, g.statisticsBatches, moments);
    const state: NetworkState = {
      structure,
      params,
      expandable: g.expandable,
      seed: g.seed,
      history: readHistory(g.history),
      pruneCandidates: g.pruneCandidates,
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
