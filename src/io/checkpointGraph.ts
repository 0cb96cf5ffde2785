// A checkpoint's header: the format's versions and the graph JSON (metadata `senn`), read and
// checked field by field before anything is allocated.
import { describe, isRecord } from '../args.js';
import { AdapterLimitError, CheckpointError } from '../errors.js';
import type { EdgeRef } from '../graph/growth.js';
import type { LevelSpec } from '../graph/structure.js';
import { ACTIVATIONS, type Activation } from '../kernels/activation.js';
import { POOL_KINDS, type PoolKind } from '../kernels/pool.js';
import { type EpochReport, OPTIMIZERS, type OptimizerName } from '../train/options.js';
import { type CheckpointConvolution, type CheckpointPoolImage, isCheckpointConvolution, isCheckpointPoolImage } from './checkpointShares.js';

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
 * Version 6 writes each shared value once (src/io/checkpointShares.ts): a block's or level's
 * shared values, in the weight, bias and per-parameter tensors alike, are one value per id,
 * ids ascending; and a block that is a convolution's windows is written as their shape (the
 * graph's `blocks[N].convolution`) and each kernel entry's id (`blocks.N.entries`, I32, −1
 * for an entry a split took) instead of `src`, `dst` and `ties`. A file without shared values
 * keeps its earlier version. Version 7 writes a pooling level whose windows are an image's as
 * that image and its windows (the graph's `pool.image`: width, height, channels, kernel,
 * stride, padding) instead of `poolSrc` and `poolDst`, and shared-bias ids that repeat (a
 * convolution's, one per filter) as their first period (`levels.ID.biasTies` holds the first
 * `sharedBiasPeriod` ids, neuron n's the (n mod period)-th), and the next prune's candidates
 * as a tensor (`growth.pruneCandidates`, I32 pairs of block and edge, counted by the graph's
 * `pruneCandidateCount`) rather than a JSON list in the header; a file with none of the
 * three keeps its earlier version.
 */
export const CHECKPOINT_VERSION = 7;

/**
 * A level as a checkpoint's header describes it: its shared biases (`levels.ID.biasTies`)
 * counted by distinct id (and, version 7, the period their ids repeat with, where they do), and
 * a pooling level's kind, source and window edges (`levels.ID.poolSrc`, `levels.ID.poolDst`)
 * counted, or (version 7) the image whose windows they are.
 */
export type CheckpointLevel = Omit<LevelSpec, 'biasTies' | 'pool'> & {
  sharedBiases?: number;
  sharedBiasPeriod?: number;
  pool?: { kind: PoolKind; source: number; edges: number; image?: CheckpointPoolImage };
};

export interface GraphJson {
  format: 'senn-checkpoint';
  version: number;
  levels: CheckpointLevel[];
  /**
   * `sharedWeights`: the distinct ids of `blocks.N.ties`, where the block shares its weights;
   * `convolution`: the windows whose edges the block has (version 6).
   */
  blocks: { src: number; dst: number; form: 'dense' | 'sparse'; edges: number; sharedWeights?: number; convolution?: CheckpointConvolution }[];
  expandable: number[];
  seed: number;
  optimizer: { name: OptimizerName; step: number } | null;
  history: EpochReport[];
  /** The next prune's candidates; version 7 writes them as the tensor `growth.pruneCandidates` instead, counted by `pruneCandidateCount`. */
  pruneCandidates?: EdgeRef[];
  /** How many (block, edge) pairs the tensor `growth.pruneCandidates` holds (version 7; absent where there are none, or listed in `pruneCandidates`). */
  pruneCandidateCount?: number;
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

export const isInt = (v: unknown, min = 0): v is number => Number.isSafeInteger(v) && (v as number) >= min;

/** History from JSON: NaN (no validation data) was written as null; anything non-numeric becomes NaN. */
export function readHistory(raw: unknown): EpochReport[] {
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
export function graphOf(metadata: Record<string, string>, maxFloats: number): GraphJson {
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
    const badPeriod = l.sharedBiasPeriod !== undefined && (!isInt(l.sharedBiasPeriod, 1) || l.sharedBiases === undefined || l.sharedBiasPeriod < l.sharedBiases || l.size % l.sharedBiasPeriod !== 0 || g.version < 7);
    const badPool =
      l.pool !== undefined &&
      (typeof l.pool !== 'object' || l.pool === null || !POOL_KINDS.includes(l.pool.kind) || !isInt(l.pool.source) || !isInt(l.pool.edges, 1) || l.role !== 'hidden' || (l.pool.image !== undefined && (!isCheckpointPoolImage(l.pool.image) || g.version < 7)));
    if (!isInt(l.id) || !isInt(l.size, 1) || !ACTIVATIONS.includes(l.activation as Activation) || !['input', 'hidden', 'output'].includes(l.role) || badShare || badPeriod || badPool) {
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
    const badWindows = b.convolution !== undefined && (!isCheckpointConvolution(b.convolution) || b.form !== 'sparse' || b.sharedWeights === undefined || g.version < 6);
    if (!isInt(b.src) || !isInt(b.dst) || !isInt(b.edges) || (b.form !== 'dense' && b.form !== 'sparse') || badShare || badWindows) throw new CheckpointError(`checkpoint block ${JSON.stringify(b)} is malformed`);
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
  if (g.pruneCandidateCount !== undefined && !(isInt(g.pruneCandidateCount, 1) && g.version >= 7 && !g.pruneCandidates?.length)) {
    throw new CheckpointError(`checkpoint pruneCandidateCount ${describe(g.pruneCandidateCount)} is malformed: a positive count of the tensor growth.pruneCandidates' pairs (version 7), in place of a pruneCandidates list`);
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
