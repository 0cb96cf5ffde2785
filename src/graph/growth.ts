import { ShapeError } from '../errors.js';
import type { Random } from '../data/random.js';
import { buildCsr } from './csr.js';
import { type Block, type BlockSpec, type LevelSpec, Structure, storageIndex } from './structure.js';

/** An edge of a structure: a block id and an edge id (CSR position) within it. */
export interface EdgeRef {
  block: number;
  edge: number;
}

/** Marks a value of the new layout that has no old value (it takes `fill`). */
export const NEW_VALUE = 0xffffffff;

/**
 * How to fill the parameter buffer of a new structure from the old one: for every new
 * float, the old float it comes from, or {@link NEW_VALUE} and the value to write.
 */
export interface Remap {
  source: Uint32Array;
  fill: Float32Array;
}

/**
 * Edges as two parallel arrays (block ids, edge ids): a split lists ~10⁵ ε edges, and holding
 * them as objects made planning a split twice as slow (allocation and garbage collection).
 */
export interface EdgeList {
  readonly blocks: Uint32Array;
  readonly edges: Uint32Array;
}

/** The edges of `list` as {@link EdgeRef} objects. */
export function edgeRefs(list: EdgeList): EdgeRef[] {
  return Array.from(list.edges, (edge, i) => ({ block: list.blocks[i]!, edge }));
}

/** `refs` as an {@link EdgeList}. */
export function edgeList(refs: readonly EdgeRef[]): EdgeList {
  return { blocks: Uint32Array.from(refs, (r) => r.block), edges: Uint32Array.from(refs, (r) => r.edge) };
}

/** What one change of structure produced. */
export interface GrowthStep {
  structure: Structure;
  remap: Remap;
  /** Edges of the new structure that start near zero (ε): the candidates of the next pruning. */
  readonly epsilon: EdgeList;
  /** The same edges as objects (made when read). */
  readonly epsilonEdges: EdgeRef[];
}

/** What a split produced, beyond {@link GrowthStep}. */
export interface SplitStep extends GrowthStep {
  /** Id of the new level. */
  level: number;
}

/** Options of {@link planSplit}. */
export interface SplitOptions {
  /** ε ~ U(0, epsilon) for the near-zero weights (reference 1e-8). */
  epsilon?: number;
  /** New neurons get ε from every neuron of the expanded layer's source levels, not only from the selected parents. */
  fullyConnected?: boolean;
  random: Random;
}

/** Key of a (source, destination) pair of levels. */
const pairKey = (src: number, dst: number) => `${src}>${dst}`;

/** Look up edges of a block by (destination, source) neuron. */
function edgeIndex(b: Block): Map<number, number> {
  const index = new Map<number, number>();
  const t = b.topology;
  for (let e = 0; e < t.srcOf.length; e++) index.set(t.dstOf[e]! * t.src + t.srcOf[e]!, e);
  return index;
}

/**
 * Check that `refs` name existing edges, each once; returns every block's marks (1 = listed),
 * which {@link keptEdges} then uses.
 */
function checkRefs(s: Structure, refs: readonly EdgeRef[], what: string): Uint8Array[] {
  const marks = s.blocks.map((b) => new Uint8Array(b.topology.srcOf.length));
  for (const r of refs) {
    const b = s.blocks[r.block];
    if (!b) throw new ShapeError(`${what}: there is no block ${r.block}`);
    if (!Number.isInteger(r.edge) || r.edge < 0 || r.edge >= b.topology.srcOf.length) {
      throw new ShapeError(`${what}: block ${r.block} has no edge ${r.edge} (it has ${b.topology.srcOf.length})`);
    }
    const listed = marks[b.id]!;
    if (listed[r.edge]) throw new ShapeError(`${what}: edge ${r.block}:${r.edge} is listed twice`);
    listed[r.edge] = 1;
  }
  return marks;
}

/**
 * An edge list being assembled for one block of the next structure. Typed arrays that
 * double as they fill: a split of a large layer adds ~10⁵ edges, and plain arrays of numbers
 * made the plan garbage-collector-bound.
 */
class PendingBlock {
  length = 0;
  d: Uint32Array;
  s: Uint32Array;
  /** Old float index of each edge's weight, or NEW_VALUE. */
  from: Uint32Array;
  fill: Float32Array;
  epsilon: Uint8Array;

  /** `capacity`: the edges expected, when known (no regrowth then). */
  constructor(
    readonly src: number,
    readonly dst: number,
    capacity = 64,
  ) {
    const n = Math.max(1, capacity);
    this.d = new Uint32Array(n);
    this.s = new Uint32Array(n);
    this.from = new Uint32Array(n);
    this.fill = new Float32Array(n);
    this.epsilon = new Uint8Array(n);
  }

  push(d: number, s: number, from: number, fill: number, epsilon: boolean): void {
    if (this.length === this.d.length) this.grow();
    const i = this.length++;
    this.d[i] = d;
    this.s[i] = s;
    this.from[i] = from;
    this.fill[i] = fill;
    this.epsilon[i] = epsilon ? 1 : 0;
  }

  private grow(): void {
    const twice = <T extends Uint32Array | Float32Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(a.length * 2);
      b.set(a);
      return b;
    };
    this.d = twice(this.d);
    this.s = twice(this.s);
    this.from = twice(this.from);
    this.fill = twice(this.fill);
    this.epsilon = twice(this.epsilon);
  }
}

/** Carry a kept edge of an old block into a pending block. */
function keep(p: PendingBlock, old: Block, e: number): void {
  p.push(old.topology.dstOf[e]!, old.topology.srcOf[e]!, old.weightOffset + storageIndex(old, e), 0, false);
}

/** Every block's edges except those marked (see {@link checkRefs}), as pending blocks. */
function keptEdges(s: Structure, removed: readonly Uint8Array[]): PendingBlock[] {
  return s.blocks.map((b) => {
    const drop = removed[b.id]!;
    const p = new PendingBlock(b.src, b.dst, drop.length);
    for (let e = 0; e < drop.length; e++) if (!drop[e]) keep(p, b, e);
    return p;
  });
}

/**
 * Assemble the next structure from pending blocks and the levels, and the remap that fills
 * its parameters: block weights as listed, biases of surviving levels from their old
 * offsets, new biases 0. Blocks left without edges are dropped; a level left without any
 * incoming block is an error (its activations would be undefined).
 */
function assemble(old: Structure, levels: LevelSpec[], blocks: PendingBlock[]): GrowthStep {
  const specs: BlockSpec[] = [];
  const lists: { p: PendingBlock; idOf: Uint32Array }[] = [];
  for (const p of blocks) {
    if (p.length === 0) continue;
    const sizeOf = (id: number) => levels.find((l) => l.id === id)!.size;
    const { block, idOf } = buildCsr(sizeOf(p.dst), sizeOf(p.src), p.d.subarray(0, p.length), p.s.subarray(0, p.length));
    specs.push({ src: p.src, dst: p.dst, topology: block });
    lists.push({ p, idOf });
  }
  for (const l of levels) {
    if (l.role !== 'input' && !specs.some((b) => b.dst === l.id)) throw new ShapeError(`level ${l.id} would be left without incoming edges`);
  }
  const next = new Structure(levels, specs, old.denseFrom);
  const source = new Uint32Array(next.floats).fill(NEW_VALUE);
  const fill = new Float32Array(next.floats);
  const pendingEdges = lists.reduce((n, { p }) => n + p.length, 0);
  const epsilonBlocks = new Uint32Array(pendingEdges);
  const epsilonIds = new Uint32Array(pendingEdges);
  let epsilonCount = 0;
  next.blocks.forEach((b, id) => {
    const { p, idOf } = lists[id]!;
    for (let i = 0; i < p.length; i++) {
      const e = idOf[i]!;
      const at = b.weightOffset + storageIndex(b, e);
      source[at] = p.from[i]!;
      fill[at] = p.fill[i]!;
      if (p.epsilon[i]) {
        epsilonBlocks[epsilonCount] = id;
        epsilonIds[epsilonCount++] = e;
      }
    }
  });
  for (const l of next.levels) {
    if (l.role === 'input') continue;
    const before = old.levels.find((o) => o.id === l.id);
    for (let i = 0; i < l.size; i++) source[l.biasOffset + i] = before ? before.biasOffset + i : NEW_VALUE;
  }
  const epsilon: EdgeList = { blocks: epsilonBlocks.slice(0, epsilonCount), edges: epsilonIds.slice(0, epsilonCount) };
  return {
    structure: next,
    remap: { source, fill },
    epsilon,
    get epsilonEdges() {
      return edgeRefs(epsilon);
    },
  };
}

/**
 * Split the `selected` edges of the layer into level `target`: each edge p → c (weight w)
 * becomes p → h (weight 1) and h → c (weight w), h a new ReLU neuron; h also gets ε from
 * the other selected parents (or from all parents with `fullyConnected`) and sends ε to
 * every other neuron of the target level. The new neurons form one new level, evaluated
 * just before the target. Since relu(1·x) = x for x ≥ 0, the function is unchanged up to
 * the ε terms when the parents are non-negative (inputs in [0, 1], post-ReLU units).
 */
export function planSplit(s: Structure, target: number, selected: readonly EdgeRef[], options: SplitOptions): SplitStep {
  const targetLevel = s.level(target);
  if (targetLevel.role === 'input') throw new ShapeError('the input level has no incoming edges to split');
  if (selected.length === 0) throw new ShapeError('no edges selected to split');
  const removed = checkRefs(s, selected, 'split');
  for (const r of selected) {
    if (s.blocks[r.block]!.dst !== target) throw new ShapeError(`split: block ${r.block} does not feed level ${target}`);
  }
  const epsilon = options.epsilon ?? 1e-8;
  const eps = () => options.random.uniform(0, epsilon);
  const newId = s.nextLevelId;
  const k = selected.length;
  const levels: LevelSpec[] = [];
  for (const l of s.levels) {
    if (l.id === target) levels.push({ id: newId, size: k, activation: 'relu', role: 'hidden' });
    levels.push({ id: l.id, size: l.size, activation: l.activation, role: l.role });
  }

  const blocks = keptEdges(s, removed);

  // Parents of the new neurons, per source level: the selected ones, or all with fullyConnected.
  const parents = new Map<number, Set<number>>();
  for (const b of s.blocksInto(target)) {
    if (options.fullyConnected) parents.set(b.src, new Set(Array.from({ length: b.topology.src }, (_, j) => j)));
  }
  for (const r of selected) {
    const b = s.blocks[r.block]!;
    if (!parents.has(b.src)) parents.set(b.src, new Set());
    parents.get(b.src)!.add(b.topology.srcOf[r.edge]!);
  }
  const inBlocks = new Map<number, PendingBlock>();
  for (const [src, set] of parents) inBlocks.set(src, new PendingBlock(src, newId, k * set.size));
  const outBlock = new PendingBlock(newId, target, k * targetLevel.size);
  selected.forEach((r, h) => {
    const b = s.blocks[r.block]!;
    const parent = b.topology.srcOf[r.edge]!;
    const child = b.topology.dstOf[r.edge]!;
    for (const [src, set] of parents) {
      const p = inBlocks.get(src)!;
      for (const j of set) {
        const own = src === b.src && j === parent;
        p.push(h, j, NEW_VALUE, own ? 1 : eps(), !own);
      }
    }
    for (let c = 0; c < targetLevel.size; c++) {
      const own = c === child;
      outBlock.push(c, h, own ? b.weightOffset + storageIndex(b, r.edge) : NEW_VALUE, own ? 0 : eps(), !own);
    }
  });
  // Object.assign, not a spread: a spread would read (and build) epsilonEdges.
  return Object.assign(assemble(s, levels, [...blocks, ...inBlocks.values(), outBlock]), { level: newId });
}

/** Remove `edges`; every other value keeps its weight and optimizer state. */
export function planPrune(s: Structure, edges: readonly EdgeRef[]): GrowthStep {
  const blocks = keptEdges(s, checkRefs(s, edges, 'prune'));
  const levels = s.levels.map((l) => ({ id: l.id, size: l.size, activation: l.activation, role: l.role }));
  return assemble(s, levels, blocks);
}

/**
 * Where the edges `refs` of `before` are in `after` (−1 edge where an edge no longer
 * exists), matched by their (source level, destination level, source, destination).
 */
export function translateEdges(before: Structure, after: Structure, refs: readonly EdgeRef[]): EdgeRef[] {
  const byPair = new Map(after.blocks.map((b) => [pairKey(b.src, b.dst), b]));
  const indexes = new Map<Block, Map<number, number>>();
  return refs.map((r) => {
    const old = before.blocks[r.block]!;
    const b = byPair.get(pairKey(old.src, old.dst));
    if (!b) return { block: -1, edge: -1 };
    let index = indexes.get(b);
    if (!index) indexes.set(b, (index = edgeIndex(b)));
    const e = index.get(old.topology.dstOf[r.edge]! * b.topology.src + old.topology.srcOf[r.edge]!);
    return e === undefined ? { block: -1, edge: -1 } : { block: b.id, edge: e };
  });
}
