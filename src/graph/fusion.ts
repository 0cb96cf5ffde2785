import type { Block, Level, Structure } from './structure.js';

/**
 * Edges between the levels of a fused tail at most (see {@link fusedTail}). The graph kernels
 * give each 16 batch rows one invocation that walks every tail edge in turn: cheap for
 * the few hundred edges the MNIST reference run's later splits leave, a poor spread of work
 * for a large level, which the block kernels run better.
 */
export const FUSE_MAX_EDGES = 8192;

/** Neurons of a hidden level in a fused tail at most (see {@link FUSE_MAX_EDGES}). */
export const FUSE_MAX_LEVEL = 512;

/**
 * The last levels of a grown network, run by the graph kernels (shaders/graph.wgsl) in one
 * dispatch per pass instead of one or two per block.
 */
export interface FusedTail {
  /** The tail's levels in evaluation order; the last is the output level. */
  readonly levels: readonly Level[];
  /**
   * Blocks from a tail level to a later one: the edges the graph kernels walk. Sparse, or dense
   * into a hidden level (a split's ε block between two small levels; its edges are walked all
   * the same, at their dense storage index, and its absent weights get no gradient).
   */
  readonly inner: readonly Block[];
  /**
   * Hidden levels before the tail with sparse blocks into it ("feeders"), in evaluation order,
   * no two joined by a block. The block kernels still compute them and run their other blocks,
   * but their activations and gradients live in arenas the graph kernels also bind, so those
   * run the feeders' blocks into the tail (`fed`) with the tail's own: after the MNIST reference
   * run's splits, the 344-neuron level of the first one feeds two tail levels through a few
   * dozen edges, which cost six dispatches as blocks of their own.
   */
  readonly feeders: readonly Level[];
  /** The sparse blocks from feeders into the tail: walked by the graph kernels like `inner`. */
  readonly fed: readonly Block[];
  /** The other blocks into the tail from earlier levels (from the inputs, or dense): the block kernels add them up before the graph forward. */
  readonly outer: readonly Block[];
}

/**
 * The tail to fuse: the longest run of levels before the output (back to front) whose
 * out-blocks are all sparse (or dense into a hidden level), each at most {@link FUSE_MAX_LEVEL}
 * neurons and together at most {@link FUSE_MAX_EDGES} edges out; with the output level. Null
 * when no hidden level qualifies: a plain network, or one whose last hidden level feeds the
 * output densely, runs block by block as before.
 *
 * Why: each split of the MNIST reference run adds a level of 10–60 neurons with a few dozen
 * edges to each of several levels, so the graph grows by small blocks, and after six splits a
 * training step was ~40 dispatches of 0.1–0.3 ms on a software adapter, most of it the fixed
 * cost of a dispatch.
 */
export function fusedTail(s: Structure): FusedTail | null {
  const inTail = new Set<number>([s.output.id]);
  let edges = 0;
  for (let k = s.levels.length - 2; k >= 1; k--) {
    const level = s.levels[k]!;
    const out = s.blocks.filter((b) => b.src === level.id);
    const added = out.reduce((n, b) => n + b.topology.srcOf.length, 0);
    // A dense block into a hidden level joins the tail: a split of edges between small levels
    // leaves its ε block dense until the prune (1,088 edges of 32 → 64 in the MNIST reference
    // run's fourth split), and out of the tail it took every level before it along (38
    // dispatches a step instead of 15, and their pipelines to compile). A dense block into the
    // output level stays a block of its own: its products are the dense kernels' best case.
    const walkable = (b: Block) => b.form === 'sparse' || b.dst !== s.output.id;
    // A pooling level is not a sum of edges: it runs its own kernels, and the tail stops there.
    if (level.pool || level.size > FUSE_MAX_LEVEL || !out.every(walkable) || edges + added > FUSE_MAX_EDGES) break;
    inTail.add(level.id);
    edges += added;
  }
  if (inTail.size < 2) return null;
  const into = s.blocks.filter((b) => inTail.has(b.dst) && !inTail.has(b.src));
  // A feeder: a hidden level small enough for the arenas with sparse blocks into the tail's
  // hidden levels (a dense one into the output level stays a block of its own), within the
  // edge budget. Its sparse blocks into the tail are fed to the graph kernels.
  const feeders = new Set<number>();
  const fedEdges = (b: Block) => (b.form === 'sparse' ? b.topology.srcOf.length : 0);
  for (const level of s.levels) {
    // Not a pooling level: its kernel would read and write the feeders' arenas where it pools another feeder.
    if (level.role !== 'hidden' || level.pool || inTail.has(level.id) || level.size > FUSE_MAX_LEVEL) continue;
    const toTail = into.filter((b) => b.src === level.id);
    const added = toTail.reduce((n, b) => n + fedEdges(b), 0);
    const denseIntoHidden = toTail.some((b) => b.form !== 'sparse' && b.dst !== s.output.id);
    // Feeders share a pair of arenas, and a block kernel may not read one and write another
    // in the same buffer: no block may join two of them.
    const joined = s.blocks.some((b) => (b.src === level.id && feeders.has(b.dst)) || (b.dst === level.id && feeders.has(b.src)));
    if (added === 0 || denseIntoHidden || joined || edges + added > FUSE_MAX_EDGES) continue;
    feeders.add(level.id);
    edges += added;
  }
  const fed = (b: Block) => feeders.has(b.src) && b.form === 'sparse';
  return {
    levels: s.levels.filter((l) => inTail.has(l.id)),
    inner: s.blocks.filter((b) => inTail.has(b.src)),
    feeders: s.levels.filter((l) => feeders.has(l.id)),
    fed: into.filter(fed),
    outer: into.filter((b) => !fed(b)),
  };
}

/**
 * Whether the graph backward adds a feeder's gradient to what its blocks into the output level
 * (dense, run by the block kernels just before it) wrote, or writes it whole.
 */
export function feederAdds(tail: FusedTail, feeder: Level): boolean {
  const output = tail.levels[tail.levels.length - 1]!;
  return tail.outer.some((b) => b.src === feeder.id && b.dst === output.id);
}
