import { ConfigError } from '../errors.js';
import type { GpuContext } from '../gpu/context.js';
import { storageBuffer } from '../gpu/upload.js';
import { type Dispatch, type Recorder, submitDispatches } from '../kernels/dispatch.js';
import type { KernelCache } from '../kernels/kernel.js';
import { AGGREGATIONS, type Aggregation, GRADIENT_METRICS, METRICS, type Metric, scoreBlock, scoreBounds, selectScores } from '../kernels/score.js';
import type { EdgeList, EdgeRef } from './growth.js';
import type { BlockEdgeStatistics } from './networkTypes.js';
import { type Block, blockFloats, isMasked, type Structure, storageIndex, tieCounts } from './structure.js';
import { describe, unknownChoice } from '../args.js';

/** How edges are scored. */
export interface ScoreOptions {
  /**
   * Default `abs-grad` (the reference's). The gradient metrics (`abs-grad`, `grad-variance`,
   * `taylor`) read the running statistics and are a ConfigError where the network holds none.
   */
  metric?: Metric;
  /** Default `mean`. */
  aggregation?: Aggregation;
}

/** What selection needs of a network. */
export interface Scorable {
  readonly gpu: GpuContext;
  readonly kernels: KernelCache;
  readonly structure: Structure;
  readonly params: GPUBuffer;
  readonly edgeStats: GPUBuffer;
  /** Batches summed in the running statistics since they were last cleared. */
  readonly statisticsBatches: number;
  /** 0/1 mask of a dense block that lacks some edges. */
  mask(block: Block): GPUBuffer;
}

/**
 * Which scores a prune normalises together: `together` — every edge into the new level and
 * into the level it expanded, in one min–max (ALGORITHM.md); `per-level` — the edges into
 * each of the two levels on their own, so the new level's ε in-edges are not measured against
 * the larger scores of the expanded level's edges (what the reference code's pruning does).
 */
export const PRUNE_NORMALIZATIONS = ['together', 'per-level'] as const;
export type PruneNormalization = (typeof PRUNE_NORMALIZATIONS)[number];

/** How the ε edges of the last split are chosen for pruning. */
export interface PruneSelectOptions extends ScoreOptions {
  /** Prune candidates whose normalised score is below this, in (0, 1]. */
  threshold: number;
  /** Default `together`. */
  normalization?: PruneNormalization;
  /** Pick the candidates *above* the threshold: the reference code's defect, for comparison. */
  invertedLikeReference?: boolean;
}

export function checkPruneNormalization(normalization: string): PruneNormalization {
  if (!(PRUNE_NORMALIZATIONS as readonly string[]).includes(normalization)) {
    throw new ConfigError(unknownChoice('prune normalization', normalization, PRUNE_NORMALIZATIONS));
  }
  return normalization as PruneNormalization;
}

export function checkScoreOptions(o: ScoreOptions): Required<ScoreOptions> {
  const metric = o.metric ?? 'abs-grad';
  const aggregation = o.aggregation ?? 'mean';
  if (!METRICS.includes(metric)) throw new ConfigError(unknownChoice('metric', metric, METRICS));
  if (!AGGREGATIONS.includes(aggregation)) throw new ConfigError(unknownChoice('aggregation', aggregation, AGGREGATIONS));
  return { metric, aggregation };
}

export function checkThreshold(name: string, threshold: number): void {
  if (!(typeof threshold === 'number' && threshold > 0 && threshold <= 1)) throw new ConfigError(`${name} must be in (0, 1], got ${describe(threshold)}`);
}

const edgeOfDenseValue = new WeakMap<Block, Int32Array>();

/**
 * The CSR edge id of value `k` of a block's storage, or -1 where a masked dense block has no
 * edge (complete dense blocks are src-major: value src·dst + d is edge d·src + src).
 */
function edgeOfValue(b: Block, k: number): number {
  if (b.form === 'sparse') return k;
  if (isMasked(b)) {
    let map = edgeOfDenseValue.get(b);
    if (!map) {
      map = new Int32Array(blockFloats(b)).fill(-1);
      for (let e = 0; e < b.topology.srcOf.length; e++) map[storageIndex(b, e)] = e;
      edgeOfDenseValue.set(b, map);
    }
    return map[k]!;
  }
  const src = Math.floor(k / b.topology.dst);
  const dst = k % b.topology.dst;
  return dst * b.topology.src + src;
}

/** Record scoring of `blocks` into one concatenated scores buffer. */
async function recordScores(net: Scorable, rec: Recorder, blocks: readonly Block[], o: Required<ScoreOptions>): Promise<{ dispatches: Dispatch[]; scores: GPUBuffer; count: number; starts: number[] }> {
  // Without statistics every gradient score is 0: a split would select nothing and a prune every candidate.
  if (net.statisticsBatches === 0 && GRADIENT_METRICS.includes(o.metric)) {
    throw new ConfigError(
      `metric ${o.metric} scores edges by their gradients, and the network holds no gradient statistics (none collected since it was created, loaded or last grew, ` +
        'or in the last epoch of fit): fit with edgeStatistics: true or call collectEdgeStatistics(data) first; weight-sq and weight-abs need none',
    );
  }
  const count = blocks.reduce((n, b) => n + blockFloats(b), 0);
  const scores = storageBuffer(net.gpu.device, rec.owner, 'scores', Math.max(1, count) * 4).buffer;
  const dispatches: Dispatch[] = [];
  const starts: number[] = [];
  let offset = 0;
  for (const b of blocks) {
    const floats = blockFloats(b);
    starts.push(offset);
    dispatches.push(
      await scoreBlock(rec, {
        ...o,
        count: floats,
        batches: net.statisticsBatches,
        offset,
        stats: { buffer: net.edgeStats, offset: 12 * b.weightOffset, size: 12 * floats },
        weights: { buffer: net.params, offset: 4 * b.weightOffset, size: 4 * floats },
        scores,
        ...(isMasked(b) ? { mask: net.mask(b) } : {}),
      }),
    );
    offset += floats;
  }
  return { dispatches, scores, count, starts };
}

/** Scores of every edge of `blocks`, per block in edge-id order (read back: for research and tests). */
export async function readScores(net: Scorable, blocks: readonly Block[], options: ScoreOptions = {}): Promise<Float32Array[]> {
  const o = checkScoreOptions(options);
  const owner = net.gpu.memory.owner('scores');
  try {
    const rec: Recorder = { kernels: net.kernels, device: net.gpu.device, owner };
    const { dispatches, scores, count, starts } = await recordScores(net, rec, blocks, o);
    submitDispatches(net.gpu.device, dispatches);
    const all = await net.gpu.readFloats(scores, 0, Math.max(1, count));
    return blocks.map((b, i) => {
      const out = new Float32Array(b.topology.srcOf.length);
      for (let k = 0; k < blockFloats(b); k++) {
        const e = edgeOfValue(b, k);
        if (e >= 0) out[e] = all[starts[i]! + k]!;
      }
      return out;
    });
  } finally {
    owner.destroy();
  }
}

/** Each edge of `blocks`' weight and running sums Σ|g|, Σg, Σg², block by block in edge-id order. */
export async function readEdgeStatistics(net: Scorable, blocks: readonly Block[]): Promise<BlockEdgeStatistics[]> {
  const floats = net.structure.floats;
  const stats = await net.gpu.readFloats(net.edgeStats, 0, 3 * floats);
  const params = await net.gpu.readFloats(net.params, 0, floats);
  return blocks.map((b) => {
    const edges = b.topology.srcOf.length;
    const out: BlockEdgeStatistics = { block: b.id, weights: new Float32Array(edges), sumAbs: new Float32Array(edges), sum: new Float32Array(edges), sumSq: new Float32Array(edges) };
    for (let e = 0; e < edges; e++) {
      const k = b.weightOffset + storageIndex(b, e);
      out.weights[e] = params[k]!;
      out.sumAbs[e] = stats[3 * k]!;
      out.sum[e] = stats[3 * k + 1]!;
      out.sumSq[e] = stats[3 * k + 2]!;
    }
    return out;
  });
}

/**
 * Normalise the scores of `blocks` together (min–max) on the GPU and return the edges whose
 * normalised score is above (or below) `threshold`, most (least) significant first, at most
 * `max`, with their scores. Only the picked edges are read back.
 */
export async function selectEdges(
  net: Scorable,
  blocks: readonly Block[],
  a: ScoreOptions & { threshold: number; above: boolean; max?: number },
): Promise<{ edges: EdgeList; scores: Float32Array }> {
  const o = checkScoreOptions(a);
  const none = { edges: { blocks: new Uint32Array(0), edges: new Uint32Array(0) }, scores: new Float32Array(0) };
  const owner = net.gpu.memory.owner('selection');
  try {
    const device = net.gpu.device;
    const rec: Recorder = { kernels: net.kernels, device, owner };
    const { dispatches, scores, count, starts } = await recordScores(net, rec, blocks, o);
    if (count === 0) return none;
    const bounds = storageBuffer(device, owner, 'bounds', 8).buffer;
    const picked = storageBuffer(device, owner, 'picked', 8 * count).buffer;
    const counter = storageBuffer(device, owner, 'counter', 4).buffer;
    submitDispatches(device, [
      ...dispatches,
      await scoreBounds(rec, { count, scores, bounds }),
      await selectScores(rec, { count, threshold: a.threshold, above: a.above, scores, bounds, picked, counter }),
    ]);
    // The count and the whole list in one readback (the list is at most 8 bytes an edge).
    const [counted, list] = await net.gpu.readRanges([
      { buffer: counter, offset: 0, size: 4 },
      { buffer: picked, offset: 0, size: 8 * count },
    ]);
    const n = new Uint32Array(counted!)[0]!;
    if (n === 0) return none;
    // The list holds (value index, score) pairs, appended in no order.
    const sorted = sortPicked(new Uint32Array(list!, 0, 2 * n), a.above);
    const scoresOf = new Float32Array(sorted.buffer);
    const kept = Math.min(n, a.max ?? n);
    const out = { blocks: new Uint32Array(kept), edges: new Uint32Array(kept) };
    const outScores = new Float32Array(kept);
    for (let i = 0; i < kept; i++) {
      const k = sorted[2 * i]!;
      let at = starts.length - 1;
      while (starts[at]! > k) at--;
      const b = blocks[at]!;
      out.blocks[i] = b.id;
      out.edges[i] = edgeOfValue(b, k - starts[at]!);
      outScores[i] = scoresOf[2 * i + 1]!;
    }
    return { edges: out, scores: outScores };
  } finally {
    owner.destroy();
  }
}

/**
 * The prune's pick among `candidates` (the ε edges of the last expansion's `splits`): those
 * whose normalised score is below the threshold (above it with `invertedLikeReference`), least
 * (most) significant first: `Network.selectEdgesToPrune`.
 */
export async function selectPruneEdges(
  net: Scorable,
  candidates: EdgeList,
  splits: readonly { level: number; target: number }[],
  options: PruneSelectOptions,
): Promise<EdgeRef[]> {
  const normalization = checkPruneNormalization(options.normalization ?? 'together');
  if (splits.length === 0 || candidates.edges.length === 0) return [];
  const s = net.structure;
  const groups = splits.flatMap((split) =>
    normalization === 'together' ? [[...s.blocksInto(split.level), ...s.blocksInto(split.target)]] : [s.blocksInto(split.level), s.blocksInto(split.target)],
  );
  const marks = s.blocks.map((b) => new Uint8Array(b.topology.srcOf.length));
  // Indexed, as checkRefs: ~10⁵ candidates, in code too cold to be optimised.
  for (let i = 0; i < candidates.edges.length; i++) marks[candidates.blocks[i]!]![candidates.edges[i]!] = 1;
  // The reference code's mask keeps the comparison the wrong way round (it deletes the
  // candidates above the threshold); `invertedLikeReference` reproduces that for comparison.
  const above = options.invertedLikeReference ?? false;
  const picked: EdgeRef[] = [];
  const pickedScores: number[] = [];
  for (const blocks of groups) {
    const { edges, scores } = await selectEdges(net, blocks, { ...options, above });
    for (let i = 0; i < scores.length; i++) {
      const listed = marks[edges.blocks[i]!]!;
      // Taken once, should two splits' groups share a level.
      if (listed[edges.edges[i]!] !== 1) continue;
      listed[edges.edges[i]!] = 2;
      picked.push({ block: edges.blocks[i]!, edge: edges.edges[i]! });
      pickedScores.push(scores[i]!);
    }
  }
  // One group comes back ordered; several are merged by normalised score (stable: ties keep group order).
  const ordered = groups.length > 1 ? mergedByScore(picked, pickedScores, above) : picked;
  // Every edge of a shared weight scores the same, so it is picked whole; kept safe should rounding differ.
  return completeGroups(s, ordered);
}

/** `edges` stably sorted by their `scores`, descending when `above`. */
function mergedByScore(edges: EdgeRef[], scores: number[], above: boolean): EdgeRef[] {
  const order = Array.from(edges, (_, i) => i).sort((x, y) => (above ? scores[y]! - scores[x]! : scores[x]! - scores[y]!));
  return order.map((i) => edges[i]!);
}

/**
 * The picked (value index, score bits) pairs sorted by score, descending when `above`, ties
 * by value index ascending, so that the GPU's unordered append gives the same list every
 * time. Sorted as 64-bit integers (the score's order-preserving bits above the index) by the
 * typed array's own numeric sort: a comparator over a prune's ~10⁵ picked edges took tens of
 * milliseconds. A −0 score comes back as +0, with which it ties.
 */
export function sortPicked(pairs: Uint32Array, above: boolean): Uint32Array {
  const n = pairs.length >>> 1;
  const keys = new BigUint64Array(n);
  // Little-endian, as every WebGPU platform: word 2i is key i's low half, 2i + 1 its high half.
  const halves = new Uint32Array(keys.buffer);
  for (let i = 0; i < n; i++) {
    const bits = pairs[2 * i + 1]! === 0x80000000 ? 0 : pairs[2 * i + 1]!;
    // IEEE order as unsigned order: negative scores flipped whole, the others above them.
    const ordered = bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
    halves[2 * i + 1] = above ? ~ordered >>> 0 : ordered;
    halves[2 * i] = pairs[2 * i]!;
  }
  keys.sort();
  for (let i = 0; i < n; i++) {
    const ordered = above ? ~halves[2 * i + 1]! >>> 0 : halves[2 * i + 1]!;
    halves[2 * i + 1] = ordered & 0x80000000 ? (ordered & 0x7fffffff) >>> 0 : ~ordered >>> 0;
  }
  return halves;
}

/** The weight edge `r` holds: its shared weight's (a convolution's: `Block.ties`), which its other edges hold too, or its own. */
export function weightKey(s: Structure, r: EdgeRef): string {
  const ties = s.blocks[r.block]!.ties;
  return ties ? `${r.block}:${ties[r.edge]}` : `${r.block}/${r.edge}`;
}

/**
 * `edges` (most significant first) cut to at most `max` edges without parting a shared weight
 * (a convolution's: its edges' `Block.ties` id): weights are taken whole, most significant
 * first, while their edges fit. A split makes a neuron an edge, so `max` bounds the new level
 * as it does for any layer (a convolution's weight is an edge at every position).
 */
export function wholeGroups(s: Structure, edges: readonly EdgeRef[], max = Number.POSITIVE_INFINITY): EdgeRef[] {
  const keyOf = (r: EdgeRef) => weightKey(s, r);
  const listed = new Map<string, number>();
  for (const r of edges) listed.set(keyOf(r), (listed.get(keyOf(r)) ?? 0) + 1);
  // Weights in order of significance (their first edge's place), taken until the next does not fit.
  const taken = new Set<string>();
  let count = 0;
  for (const key of listed.keys()) {
    if (count + listed.get(key)! > max) break;
    taken.add(key);
    count += listed.get(key)!;
  }
  return edges.filter((r) => taken.has(keyOf(r)));
}

/**
 * The edges of `edges` whose shared weight is listed with all of its edges (unshared edges
 * all kept): a prune removes a shared weight whole or not at all.
 */
export function completeGroups(s: Structure, edges: readonly EdgeRef[]): EdgeRef[] {
  if (!s.blocks.some((b) => b.ties)) return edges.slice();
  // Per block sharing weights: its listed edges, then the weights listed with all of theirs.
  const listed = new Map<number, Uint8Array>();
  for (const r of edges) {
    const ties = s.blocks[r.block]!.ties;
    if (!ties) continue;
    if (!listed.has(r.block)) listed.set(r.block, new Uint8Array(ties.length));
    listed.get(r.block)![r.edge] = 1;
  }
  const whole = new Map<number, Set<number>>();
  for (const [block, marks] of listed) {
    const ties = s.blocks[block]!.ties!;
    const all = tieCounts(ties);
    whole.set(block, new Set([...tieCounts(ties, (e) => marks[e] === 1)].filter(([tie, n]) => n === all.get(tie)).map(([tie]) => tie)));
  }
  return edges.filter((r) => !whole.has(r.block) || whole.get(r.block)!.has(s.blocks[r.block]!.ties![r.edge]!));
}
