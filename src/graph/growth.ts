import { describe, isRecord, listArg } from '../args.js';
import { ConfigError, ShapeError } from '../errors.js';
import type { Random } from '../data/random.js';
import { type CsrBlock, csrInOrder } from './csr.js';
import { type Block, type BlockSpec, type Level, type LevelSpec, levelSpec, Structure, storageIndex, tieCounts } from './structure.js';

/** An edge of a structure: a block id and an edge id (CSR position) within it. */
export interface EdgeRef {
  block: number;
  edge: number;
}

/** Marks a value of the new layout that has no old value (it takes `fill`). */
export const NEW_VALUE = 0xffffffff;

/**
 * Set in a source index (other than {@link NEW_VALUE}): the new value is the old one negated,
 * its first moment negated too and its second kept (the moments of −w under the same data).
 * The h⁻ → c edge of an exact split takes −w this way.
 */
export const NEGATED = 0x80000000;

/**
 * How to fill the parameter buffer of a new structure from the old one: for every new
 * float, the old float it comes from (possibly {@link NEGATED}), or {@link NEW_VALUE} and the
 * value to write.
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

/** The edges of `a`, then those of `b`. */
export function concatEdgeLists(a: EdgeList, b: EdgeList): EdgeList {
  const join = (x: Uint32Array, y: Uint32Array) => {
    const out = new Uint32Array(x.length + y.length);
    out.set(x);
    out.set(y, x.length);
    return out;
  };
  return { blocks: join(a.blocks, b.blocks), edges: join(a.edges, b.edges) };
}

/** The most neurons one split edge may become ({@link SplitOptions.neuronsPerEdge}). */
export const MAX_NEURONS_PER_EDGE = 16;

/**
 * A split edge's block of hinges: `neuronsPerEdge` (default 1) checked, and the distance
 * between its knots (default 1 / neuronsPerEdge). Bad values throw ConfigError naming the
 * option as `prefix` + its name.
 */
export function hingeBlock(neuronsPerEdge = 1, knotSpacing?: number, prefix = ''): { count: number; spacing: number } {
  if (!Number.isInteger(neuronsPerEdge) || neuronsPerEdge < 1 || neuronsPerEdge > MAX_NEURONS_PER_EDGE) {
    throw new ConfigError(`${prefix}neuronsPerEdge must be an integer from 1 to ${MAX_NEURONS_PER_EDGE}, got ${describe(neuronsPerEdge)}`);
  }
  const spacing = knotSpacing ?? 1 / neuronsPerEdge;
  if (!(spacing > 0 && Number.isFinite(spacing))) throw new ConfigError(`${prefix}knotSpacing must be a positive number, got ${describe(spacing)}`);
  return { count: neuronsPerEdge, spacing };
}

/** The split's ε bound (default 1e-8, the reference's): a finite number ≥ 0, else a ConfigError (NaN would fill the new weights with NaN). */
export function splitEpsilon(epsilon: number = 1e-8): number {
  if (typeof epsilon !== 'number' || !(epsilon >= 0 && Number.isFinite(epsilon))) throw new ConfigError(`epsilon must be a finite number ≥ 0, got ${describe(epsilon)}`);
  return epsilon;
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
  /**
   * Split edges into a pair of neurons, h⁺ = relu(x_p) and h⁻ = relu(−x_p), with out-weights
   * w and −w: since relu(x) − relu(−x) = x, the function is kept (up to ε) for parents of any
   * sign, at two new neurons an edge. `true`: every edge; a list of level ids: the edges whose
   * parent is in one of those levels (the others split into one neuron).
   */
  exact?: boolean | readonly number[];
  /**
   * Neurons per split edge (default 1): edge p → c becomes a block of `neuronsPerEdge` hinges
   * h_m = relu(x_p − m · knotSpacing), m = 0 … k − 1, all with in-weight 1 from p. h_0 takes
   * the edge's weight w to c, the others start at exactly 0 to c (not ε, and not pruning
   * candidates, so each hinge keeps its path to c), so the function is unchanged (up to ε)
   * where the split one would be; training then bends the edge's response at the knots. With
   * `exact`, an h⁻ = relu(−x_p) gets its hinges too: relu(−x_p − m · knotSpacing).
   */
  neuronsPerEdge?: number;
  /** Distance between a block's knots, in units of the parent's value (default 1 / neuronsPerEdge: knots in [0, 1)). */
  knotSpacing?: number;
  random: Random;
}

/** Key of a (source, destination) pair of levels. */
const pairKey = (src: number, dst: number) => `${src}>${dst}`;

/**
 * Check that `refs` name existing edges, each once; returns every block's marks (1 = listed),
 * which {@link keptEdges} then uses.
 */
export function checkRefs(s: Structure, refs: readonly EdgeRef[], what: string): Uint8Array[] {
  listArg(`${what}: the edges`, refs, ShapeError);
  const marks = s.blocks.map((b) => new Uint8Array(b.topology.srcOf.length));
  // An indexed loop: a prune lists ~10⁵ edges, in code that runs too rarely to be optimised.
  for (let i = 0; i < refs.length; i++) {
    const r = refs[i]!;
    // A caller from plain JavaScript may pass anything: name the entry rather than fail on it.
    const shaped = isRecord(r) && Number.isInteger(r.block) && Number.isInteger(r.edge);
    if (!shaped) throw new ShapeError(`${what}: edge ${i} must be an EdgeRef {block, edge} of integers, got ${describe(r)}`);
    const b = s.blocks[r.block];
    if (!b) throw new ShapeError(`${what}: there is no block ${r.block} (the network has blocks 0–${s.blocks.length - 1})`);
    if (r.edge < 0 || r.edge >= b.topology.srcOf.length) {
      throw new ShapeError(`${what}: block ${r.block} has no edge ${r.edge} (it has ${b.topology.srcOf.length})`);
    }
    const listed = marks[b.id]!;
    if (listed[r.edge]) throw new ShapeError(`${what}: edge ${r.block}:${r.edge} is listed twice`);
    listed[r.edge] = 1;
  }
  for (const b of s.blocks) if (b.ties) checkWholeGroups(b, marks[b.id]!, what);
  return marks;
}

/**
 * A shared weight is split or pruned with all of its edges, or not at all: a ShapeError naming
 * the first one listed in part.
 */
function checkWholeGroups(b: Block, listed: Uint8Array, what: string): void {
  const size = tieCounts(b.ties!);
  for (const [tie, n] of tieCounts(b.ties!, (e) => listed[e] === 1)) {
    if (n !== size.get(tie)) {
      throw new ShapeError(`${what}: block ${b.id} (${b.src} → ${b.dst}) shares weight ${tie} among ${size.get(tie)} edges, and ${n} of them are listed: a shared weight is ${what === 'split' ? 'split' : 'removed'} with all of its edges`);
    }
  }
}

/**
 * The edges of one block of the next structure, as parallel typed arrays of a known
 * capacity (a split of a large layer adds ~10⁵ edges: plain arrays of numbers made the plan
 * garbage-collector-bound); the first `length` are used.
 */
export class PendingBlock {
  length = 0;
  readonly d: Uint32Array;
  readonly s: Uint32Array;
  /** Old float index of each edge's weight, or NEW_VALUE. */
  readonly from: Uint32Array;
  /** The weight of an edge without an old value. */
  readonly fill: Float32Array;
  /** 1 where the edge starts at ε (a pruning candidate). */
  readonly epsilon: Uint8Array;
  /** Shared-weight ids of the edges, where the block shares weights (the first `length`). */
  ties: Uint32Array | undefined = undefined;

  constructor(
    readonly src: number,
    readonly dst: number,
    capacity: number,
  ) {
    this.d = new Uint32Array(capacity);
    this.s = new Uint32Array(capacity);
    this.from = new Uint32Array(capacity);
    this.fill = new Float32Array(capacity);
    this.epsilon = new Uint8Array(capacity);
  }
}

/** Every block's edges except those marked (see {@link checkRefs}), as pending blocks. */
export function keptEdges(s: Structure, removed: readonly Uint8Array[]): PendingBlock[] {
  return s.blocks.map((b) => {
    const drop = removed[b.id]!;
    const p = new PendingBlock(b.src, b.dst, drop.length);
    const { srcOf, dstOf, dst } = b.topology;
    const dense = b.form === 'dense';
    const rowOf = b.rowOf;
    // Written straight into the arrays, in CSR order (as csrInOrder takes them): growth
    // runs a few times a training run, its loops rarely reach the optimising compiler, and a
    // method call per edge was a third of a split's planning in a browser.
    let n = 0;
    for (let e = 0; e < drop.length; e++) {
      if (drop[e]) continue;
      const d = dstOf[e]!;
      const j = srcOf[e]!;
      p.d[n] = d;
      p.s[n] = j;
      p.from[n] = b.weightOffset + (dense ? (rowOf ? rowOf[j]! : j) * dst + d : e); // storageIndex, inlined
      n++;
    }
    p.length = n;
    // Shared-weight ids of the kept edges, in the same (CSR) order.
    if (b.ties) p.ties = n === drop.length ? b.ties : b.ties.filter((_, e) => !drop[e]);
    return p;
  });
}

/**
 * Assemble the next structure from pending blocks and the levels, and the remap that fills
 * its parameters: block weights as listed, biases of surviving levels from their old
 * offsets, new biases 0 (or as `newBiases` gives them for a new level). Blocks left without
 * edges are dropped; a level left without any incoming block is an error (its activations
 * would be undefined).
 */
export function assemble(old: Structure, levels: LevelSpec[], blocks: PendingBlock[], newBiases?: ReadonlyMap<number, Float32Array>): GrowthStep {
  const specs: BlockSpec[] = [];
  const lists: PendingBlock[] = [];
  for (const p of blocks) {
    if (p.length === 0) continue;
    const sizeOf = (id: number) => levels.find((l) => l.id === id)!.size;
    const exact = (a: Uint32Array) => (a.length === p.length ? a : a.slice(0, p.length));
    // Every pending block lists its edges in CSR order (see keptEdges and planSplit).
    const ties = p.ties && p.ties.length !== p.length ? p.ties.slice(0, p.length) : p.ties;
    specs.push({ src: p.src, dst: p.dst, topology: csrInOrder(sizeOf(p.dst), sizeOf(p.src), exact(p.d), exact(p.s)), ...(ties ? { ties } : {}) });
    lists.push(p);
  }
  for (const l of levels) {
    if (l.role !== 'input' && !l.pool && !specs.some((b) => b.dst === l.id)) throw new ShapeError(`level ${l.id} would be left without incoming edges`);
  }
  const next = new Structure(levels, specs, old.denseFrom);
  const source = new Uint32Array(next.floats);
  new Int32Array(source.buffer).fill(-1); // NEW_VALUE everywhere (a small integer fills fastest)
  const fill = new Float32Array(next.floats);
  const pendingEdges = lists.reduce((n, p) => n + p.length, 0);
  const epsilonBlocks = new Uint32Array(pendingEdges);
  const epsilonIds = new Uint32Array(pendingEdges);
  let epsilonCount = 0;
  next.blocks.forEach((b, id) => {
    const p = lists[id]!;
    const blockStart = epsilonCount;
    const { srcOf, dstOf, dst } = b.topology;
    const n = p.length;
    // Edge ids are list positions (CSR order).
    if (b.form === 'sparse') {
      source.set(p.from.subarray(0, n), b.weightOffset);
      fill.set(p.fill.subarray(0, n), b.weightOffset);
    } else {
      const rowOf = b.rowOf;
      for (let e = 0; e < n; e++) {
        const j = srcOf[e]!;
        const at = b.weightOffset + (rowOf ? rowOf[j]! : j) * dst + dstOf[e]!; // storageIndex, inlined
        source[at] = p.from[e]!;
        fill[at] = p.fill[e]!;
      }
    }
    for (let e = 0; e < n; e++) {
      if (p.epsilon[e]) epsilonIds[epsilonCount++] = e;
    }
    epsilonBlocks.fill(id, blockStart, epsilonCount);
  });
  for (const l of next.levels) {
    if (l.biasOffset < 0) continue; // the inputs, a pooling level: no biases
    const before = old.levels.find((o) => o.id === l.id);
    for (let i = 0; i < l.size; i++) source[l.biasOffset + i] = before ? before.biasOffset + i : NEW_VALUE;
    const biases = before ? undefined : newBiases?.get(l.id);
    if (biases) fill.set(biases, l.biasOffset);
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

/** A split checked and laid out, before any weight is made: what {@link planSplit} builds from and {@link splitParameterCount} counts. */
interface SplitShape {
  targetLevel: Level;
  /** The split edges, marked per block (from {@link checkRefs}). */
  removed: Uint8Array[];
  /** The split's neurons before hinges, as the index of the selected edge each stands for (see splitNeurons). */
  baseEdgeOf: Uint32Array;
  /** Neurons per base neuron (1 without hinges) and the knots' spacing. */
  hinges: number;
  spacing: number;
  /** Parents of the new neurons, per source level: the selected edges' sources, or every neuron of the level with fullyConnected. */
  parentSets: Map<number, Set<number>>;
}

function splitShape(s: Structure, target: number, selected: readonly EdgeRef[], options: Omit<SplitOptions, 'random'>): SplitShape {
  const targetLevel = s.level(target);
  if (targetLevel.role === 'input') throw new ShapeError('the input level has no incoming edges to split');
  const exactOption = options.exact ?? false;
  if (typeof exactOption !== 'boolean' && !(Array.isArray(exactOption) && exactOption.every((id) => Number.isInteger(id)))) {
    throw new ConfigError(`split: exact must be true, false or a list of level ids, got ${describe(exactOption)}`);
  }
  if (listArg('split: the edges', selected, ShapeError).length === 0) throw new ShapeError('no edges selected to split');
  const removed = checkRefs(s, selected, 'split');
  for (const r of selected) {
    if (s.blocks[r.block]!.dst !== target) throw new ShapeError(`split: block ${r.block} does not feed level ${target}`);
  }
  const { count: hinges, spacing } = hingeBlock(options.neuronsPerEdge, options.knotSpacing);
  const parentSets = new Map<number, Set<number>>();
  for (const b of s.blocksInto(target)) {
    if (options.fullyConnected) parentSets.set(b.src, new Set(Array.from({ length: b.topology.src }, (_, j) => j)));
  }
  for (const r of selected) {
    const b = s.blocks[r.block]!;
    if (!parentSets.has(b.src)) parentSets.set(b.src, new Set());
    parentSets.get(b.src)!.add(b.topology.srcOf[r.edge]!);
  }
  return { targetLevel, removed, baseEdgeOf: splitNeurons(s, selected, exactOption), hinges, spacing, parentSets };
}

/**
 * The parameters the network would have after {@link planSplit}(s, target, selected, options),
 * counted without building it (checked as planSplit checks it): each new neuron brings an edge
 * from each of its parents, one to each neuron of the target level and a bias; the split edges go.
 */
export function splitParameterCount(s: Structure, target: number, selected: readonly EdgeRef[], options: Omit<SplitOptions, 'random'> = {}): number {
  const { targetLevel, baseEdgeOf, hinges, parentSets } = splitShape(s, target, selected, options);
  let parents = 0;
  for (const set of parentSets.values()) parents += set.size;
  return s.parameterCount - selected.length + baseEdgeOf.length * hinges * (parents + targetLevel.size + 1);
}

/**
 * Split the `selected` edges of the layer into level `target`: each edge p → c (weight w)
 * becomes p → h (weight 1) and h → c (weight w), h a new ReLU neuron; h also gets ε from
 * the other selected parents (or from all parents with `fullyConnected`) and sends ε to
 * every other neuron of the target level. The new neurons form one new level, evaluated
 * just before the target. Since relu(1·x) = x for x ≥ 0, the function is unchanged up to
 * the ε terms when the parents are non-negative (inputs in [0, 1], post-ReLU units).
 * With `exact`, a selected edge (every one, or those out of the listed levels) also gets a
 * second neuron, after the first n (n edges): p → h⁻ weight −1 and h⁻ → c weight −w, ε
 * elsewhere alike, so relu(x) − relu(−x) = x keeps the function for signed parents too.
 * With `neuronsPerEdge` k > 1, each of those neurons comes with k − 1 hinges at knots
 * m · knotSpacing (bias −m · knotSpacing, same in-edges), after the first ones: neuron h is
 * hinge ⌊h / n'⌋ of neuron h mod n' (n' the neurons without hinges); a hinge's edge to its
 * edge's child starts at 0, its other out-edges at ε.
 */
export function planSplit(s: Structure, target: number, selected: readonly EdgeRef[], options: SplitOptions): SplitStep {
  const { targetLevel, removed, baseEdgeOf, hinges, spacing, parentSets } = splitShape(s, target, selected, options);
  const epsilon = splitEpsilon(options.epsilon); // ε ~ U(0, epsilon)
  const random = options.random;
  const newId = s.nextLevelId;
  const base = baseEdgeOf.length;
  // With hinges, neuron h is hinge ⌊h / base⌋ of base neuron h % base: the first `base` are
  // the split's own neurons (knot 0), in the order a split without hinges makes them.
  const k = base * hinges;
  const edgeOf = (h: number) => baseEdgeOf[h % base]!;
  const knotOf = (h: number) => Math.floor(h / base);
  // Neuron h is an h⁻ (input weight −1, output −w) when its base neuron comes after the one h⁺ per edge.
  const isNegative = (h: number) => h % base >= selected.length;
  const levels: LevelSpec[] = [];
  for (const l of s.levels) {
    if (l.id === target) levels.push({ id: newId, size: k, activation: 'relu', role: 'hidden' });
    levels.push(levelSpec(l));
  }

  const blocks = keptEdges(s, removed);

  // The edges are generated in CSR order (destination, then source), as csrInOrder takes
  // them, row by row with the arrays' own fill / set (see keptEdges).
  const inBlocks: PendingBlock[] = [];
  for (const [src, set] of parentSets) {
    const parents = Uint32Array.from(set).sort();
    const position = new Map<number, number>();
    parents.forEach((j, t) => position.set(j, t));
    const np = parents.length;
    const p = new PendingBlock(src, newId, k * np);
    p.from.fill(NEW_VALUE);
    p.epsilon.fill(1);
    random.fillUniform(p.fill, 0, epsilon);
    for (let h = 0; h < k; h++) {
      const row = h * np;
      p.d.fill(h, row, row + np);
      p.s.set(parents, row);
      // h's own parent: weight 1 (−1 for an h⁻), not a pruning candidate.
      const r = selected[edgeOf(h)]!;
      const b = s.blocks[r.block]!;
      if (b.src === src) {
        const own = row + position.get(b.topology.srcOf[r.edge]!)!;
        p.fill[own] = isNegative(h) ? -1 : 1;
        p.epsilon[own] = 0;
      }
    }
    p.length = k * np;
    inBlocks.push(p);
  }
  // Out of the new level: h → its edge's child with the edge's weight (h⁻: negated), ε to every other child.
  const size = targetLevel.size;
  const outBlock = new PendingBlock(newId, target, k * size);
  outBlock.from.fill(NEW_VALUE);
  outBlock.epsilon.fill(1);
  random.fillUniform(outBlock.fill, 0, epsilon);
  const newNeurons = Uint32Array.from({ length: k }, (_, h) => h);
  for (let c = 0; c < size; c++) {
    outBlock.d.fill(c, c * k, (c + 1) * k);
    outBlock.s.set(newNeurons, c * k);
  }
  for (let h = 0; h < k; h++) {
    const r = selected[edgeOf(h)]!;
    const b = s.blocks[r.block]!;
    const own = b.topology.dstOf[r.edge]! * k + h;
    const from = b.weightOffset + storageIndex(b, r.edge);
    // A hinge past the first starts at 0 to the child: a new value, not a candidate.
    if (knotOf(h) === 0) outBlock.from[own] = isNegative(h) ? (from | NEGATED) >>> 0 : from;
    outBlock.fill[own] = 0;
    outBlock.epsilon[own] = 0;
  }
  outBlock.length = k * size;
  // Biases of the new neurons: −knot (0 without hinges).
  const biases = new Float32Array(k);
  for (let h = base; h < k; h++) biases[h] = -knotOf(h) * spacing;
  // Object.assign, not a spread: a spread would read (and build) epsilonEdges.
  return Object.assign(assemble(s, levels, [...blocks, ...inBlocks, outBlock], new Map([[newId, biases]])), { level: newId });
}

/**
 * The neurons a split creates, in order, as the index of the selected edge each stands for:
 * the h⁺ first, one per edge in order, then the h⁻ of the edges that `exact` makes pairs.
 */
function splitNeurons(s: Structure, selected: readonly EdgeRef[], exact: boolean | readonly number[]): Uint32Array {
  const levels = typeof exact === 'boolean' ? null : new Set(exact);
  const paired = selected.map((_, t) => t).filter((t) => exact === true || Boolean(levels?.has(s.blocks[selected[t]!.block]!.src)));
  const n = selected.length;
  return Uint32Array.from({ length: n + paired.length }, (_, h) => (h < n ? h : paired[h - n]!));
}

/** Remove `edges`; every other value keeps its weight and optimizer state. */
export function planPrune(s: Structure, edges: readonly EdgeRef[]): GrowthStep {
  const blocks = keptEdges(s, checkRefs(s, edges, 'prune'));
  const levels = s.levels.map(levelSpec);
  return assemble(s, levels, blocks);
}

/**
 * Where the edges `refs` of `before` are in `after` (−1 edge where an edge no longer
 * exists), matched by their (source level, destination level, source, destination).
 */
export function translateEdges(before: Structure, after: Structure, refs: readonly EdgeRef[]): EdgeRef[] {
  const list = edgeList(refs);
  const out: EdgeRef[] = refs.map(() => ({ block: -1, edge: -1 }));
  locateEdges(before, after, list, (i, block, edge) => (out[i] = { block, edge }));
  return out;
}

/** {@link translateEdges} over an {@link EdgeList}, leaving out the edges that no longer exist. */
export function translateEdgeList(before: Structure, after: Structure, list: EdgeList): EdgeList {
  const blocks = new Uint32Array(list.edges.length);
  const edges = new Uint32Array(list.edges.length);
  let n = 0;
  locateEdges(before, after, list, (_, block, edge) => {
    blocks[n] = block;
    edges[n++] = edge;
  });
  return { blocks: blocks.slice(0, n), edges: edges.slice(0, n) };
}

/** Calls `found(i, block, edge)` for each edge i of `list` (of `before`) that `after` still has, in order. */
function locateEdges(before: Structure, after: Structure, list: EdgeList, found: (i: number, block: number, edge: number) => void): void {
  const byPair = new Map(after.blocks.map((b) => [pairKey(b.src, b.dst), b]));
  const into = before.blocks.map((old) => byPair.get(pairKey(old.src, old.dst)));
  for (let i = 0; i < list.edges.length; i++) {
    const old = before.blocks[list.blocks[i]!]!;
    const b = into[old.id];
    if (!b) continue;
    const e = findEdge(b.topology, old.topology.dstOf[list.edges[i]!]!, old.topology.srcOf[list.edges[i]!]!);
    if (e >= 0) found(i, b.id, e);
  }
}

/** The edge d ← s of a block (binary search of d's sources, ascending in CSR order), or −1. */
function findEdge(t: CsrBlock, d: number, s: number): number {
  if (d >= t.dst) return -1;
  let lo = t.dstPtr[d]!;
  let hi = t.dstPtr[d + 1]!;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const at = t.srcOf[mid]!;
    if (at === s) return mid;
    if (at < s) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}
