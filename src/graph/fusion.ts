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
  /** Blocks from a tail level to a later one (all sparse): the edges the graph kernels walk. */
  readonly inner: readonly Block[];
  /** Blocks into the tail from earlier levels: the block kernels add them up before the graph forward. */
  readonly outer: readonly Block[];
}

/**
 * The tail to fuse: the longest run of levels before the output (back to front) whose
 * out-blocks are all sparse, each at most {@link FUSE_MAX_LEVEL} neurons and together at most
 * {@link FUSE_MAX_EDGES} edges out; with the output level. Null when no hidden level
 * qualifies: a plain network, or one whose last hidden level feeds the output densely, runs
 * block by block as before.
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
    if (level.size > FUSE_MAX_LEVEL || out.some((b) => b.form !== 'sparse') || edges + added > FUSE_MAX_EDGES) break;
    inTail.add(level.id);
    edges += added;
  }
  if (inTail.size < 2) return null;
  return {
    levels: s.levels.filter((l) => inTail.has(l.id)),
    inner: s.blocks.filter((b) => inTail.has(b.src)),
    outer: s.blocks.filter((b) => inTail.has(b.dst) && !inTail.has(b.src)),
  };
}
