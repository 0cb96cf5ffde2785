import { DTypeError, NaNError, ShapeError } from '../errors.js';
import type { Activation } from '../kernels/activation.js';
import type { PoolKind } from '../kernels/pool.js';
import { activeSources, buildCsr, type CsrBlock } from './csr.js';

/**
 * Offsets are multiples of 64 floats (256 bytes): WebGPU binds buffer ranges only at
 * `minStorageBufferOffsetAlignment`, which is at most 256.
 */
export const PARAMETER_ALIGN = 64;

/**
 * Density (edges over sources with edges × destinations) from which a block is stored
 * dense. On the software adapter a 784×344 level trains
 * about 2x faster sparse at 10% density and about as fast at 20% (`npm run bench`); above
 * that the register-blocked dense products win.
 */
export const DENSE_FROM = 0.2;

/**
 * {@link DENSE_FROM} on a GPU, where a dense product of a 10%-dense 784×344 level runs as fast
 * as its CSR kernels (NVIDIA H200) and takes fewer dispatches and pipelines: in the MNIST
 * reference run, the new level's block out of the inputs after the first prune (~8% of its
 * active rows × 344) stored dense made the epochs after it 15–20% faster and the whole run 8%
 * (5.58 → 5.13 s). Below 5% the dense form would hold over 20 zeros an edge.
 */
export const DENSE_FROM_GPU = 0.05;

/**
 * A masked dense block whose edges leave at most this fraction of its sources with edges has
 * its forward and weight-gradient products walk only those sources' weight rows (the others
 * are all zeros), and out of the input level stores only those rows ({@link compactRows}). A
 * split's new level is fed this way: after the first split of the MNIST reference run, ~155
 * of the 784 inputs.
 */
export const ACTIVE_ROWS_BELOW = 0.75;

/**
 * Blocks with fewer edges are CSR whatever their density, unless a block's form is given (a
 * plain network's blocks are dense) or `denseFrom` is 0 (everything dense). Every dense shape
 * is product pipelines to compile, 0.5–2 s each on SwiftShader, and each split of the MNIST
 * reference run made a new level of a new size whose small complete blocks (16→10) compiled
 * 4–7 of them; the size-independent sparse kernels are compiled once and are as fast at this size.
 */
export const DENSE_FROM_EDGES = 1024;

/**
 * A block out of the input level with at least this many edges is judged by its density over
 * the sources that have edges: its dense products walk only those rows (see
 * {@link ACTIVE_ROWS_BELOW}) and it has no input gradient, which would walk them all. A
 * split's new level, fed by 154 of 784 inputs with each connected to every new neuron, is then
 * dense: as CSR it made the two epochs after the MNIST reference run's first split 2x slower.
 * Smaller blocks keep the plain density (see {@link DENSE_FROM_EDGES}).
 */
export const ACTIVE_DENSITY_FROM_EDGES = 4096;

/** A dense block that lacks some edges: its absent weights are held at zero by a gradient mask. */
export function isMasked(b: Pick<Block, 'form' | 'topology'>): boolean {
  return b.form === 'dense' && b.topology.srcOf.length < b.topology.src * b.topology.dst;
}
const align = (n: number) => Math.ceil(n / PARAMETER_ALIGN) * PARAMETER_ALIGN;

/** A group of neurons evaluated together: the inputs, a hidden level, or the outputs. */
export interface Level {
  readonly id: number;
  readonly size: number;
  readonly activation: Activation;
  readonly role: 'input' | 'hidden' | 'output';
  /** Offset (floats) of this level's biases in the parameter buffer; −1 for the input level and a pooling level. */
  readonly biasOffset: number;
  /** Shared-bias id of each neuron (neurons with the same id share one bias: a convolution's filter), or absent. */
  readonly biasTies?: Uint32Array;
  /** A pooling level's windows (no blocks feed it, it has no biases), or absent. */
  readonly pool?: PoolWindows;
}

/**
 * A pooling level's windows over an earlier hidden level (`source`): neuron i of the level
 * takes the largest value (`kind` `'max'`) or the mean (`'average'`) of its sources in
 * `topology` (edges by destination, each window at least one), then its activation. The
 * windows are not weights: no block holds them, nothing trains, splits or prunes them;
 * shaders/pool.wgsl runs them.
 */
export interface PoolWindows {
  readonly kind: PoolKind;
  readonly source: number;
  readonly topology: CsrBlock;
}

/** How a block's weights are stored: a dense src × dst matrix, or CSR by destination. */
export type BlockForm = 'dense' | 'sparse';

/** The weighted edges from one level to another. */
export interface Block {
  readonly id: number;
  readonly src: number;
  readonly dst: number;
  readonly form: BlockForm;
  /** The edges in both orders; edge ids are CSR positions. Dense blocks hold all src × dst edges. */
  readonly topology: CsrBlock;
  /** Offset (floats) of the weights: rows × dst row-major (dense) or in edge-id order (sparse). */
  readonly weightOffset: number;
  /**
   * The sources whose weight rows a dense block stores, ascending (row t holds source
   * rows[t]), or null when it stores all of them. Set for a masked block out of the inputs
   * whose edges leave at most {@link ACTIVE_ROWS_BELOW} of the sources with edges (see
   * {@link compactRows}).
   */
  readonly rows: Uint32Array | null;
  /** Stored row of each source (−1: none) when `rows` is set; else null. */
  readonly rowOf: Int32Array | null;
  /**
   * Shared-weight id of each edge (by edge id): edges with the same id hold one weight (a
   * convolution's kernel entry at every position), or absent. A shared weight is split or
   * pruned whole, all of its edges at once (see `planSharedSplit` in sharedSplit.ts).
   */
  readonly ties?: Uint32Array;
}

/**
 * The rows a dense block out of level `fromInputs` stores (see {@link Block.rows}): its
 * sources with edges when it is masked, comes out of the input level (which has no gradient
 * to compute, so no product needs the absent rows) and has edges from at most
 * {@link ACTIVE_ROWS_BELOW} of its sources; else null. A split's new level is fed this way:
 * after the first split of the MNIST reference run 154 of 784 inputs, so the block is 154×344
 * instead of 784×344 — the parameter buffer, the optimizer's moments and statistics, and the
 * remap an expansion uploads and rewrites are 4x smaller.
 */
export function compactRows(form: BlockForm, topology: CsrBlock, fromInputs: boolean): Uint32Array | null {
  if (form !== 'dense' || !fromInputs || topology.srcOf.length === topology.src * topology.dst) return null;
  const active = activeSources(topology);
  return active.length > 0 && active.length <= ACTIVE_ROWS_BELOW * topology.src ? active : null;
}

/** Storage floats of a block's weights. */
export function blockFloats(b: Pick<Block, 'form' | 'topology' | 'rows'>): number {
  if (b.form === 'sparse') return b.topology.srcOf.length;
  return (b.rows ? b.rows.length : b.topology.src) * b.topology.dst;
}

/** Index (within the block's weights) of edge `e`: dense blocks are stored row (source) major. */
export function storageIndex(b: Pick<Block, 'form' | 'topology' | 'rowOf'>, e: number): number {
  if (b.form === 'sparse') return e;
  const source = b.topology.srcOf[e]!;
  return (b.rowOf ? b.rowOf[source]! : source) * b.topology.dst + b.topology.dstOf[e]!;
}

/** A block's weights in edge-id (CSR) order, whatever its storage form, from the flat parameter buffer `params`. */
export function blockWeights(b: Pick<Block, 'form' | 'topology' | 'rowOf' | 'weightOffset'>, params: ArrayLike<number>): Float32Array {
  return Float32Array.from({ length: b.topology.srcOf.length }, (_, e) => params[b.weightOffset + storageIndex(b, e)]!);
}

/**
 * Which slots of the flat parameter buffer hold a parameter (1): each edge's weight at its
 * block's offset plus {@link storageIndex}, and each non-input level's biases. The others
 * (padding between aligned blocks, the absent edges of a dense block) stay 0.
 */
export function parameterSlots(s: Structure): Uint8Array {
  const slots = new Uint8Array(s.floats);
  for (const b of s.blocks) for (let e = 0; e < b.topology.srcOf.length; e++) slots[b.weightOffset + storageIndex(b, e)] = 1;
  for (const l of s.levels) if (l.biasOffset >= 0) slots.fill(1, l.biasOffset, l.biasOffset + l.size);
  return slots;
}

/**
 * Throw unless `values` can be the parameter buffer of `s` (see `Network.setParameters`): a
 * Float32Array of `s.floats` finite values, 0 in every slot that holds no parameter.
 */
export function checkParameterValues(s: Structure, values: Float32Array): void {
  if (!(values instanceof Float32Array)) throw new DTypeError(`setParameters takes a Float32Array, got ${Object.prototype.toString.call(values)}`);
  if (values.length !== s.floats) throw new ShapeError(`setParameters: expected ${s.floats} values (the parameter buffer, as getParameters returns it), got ${values.length}`);
  const slots = parameterSlots(s);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new NaNError(`setParameters: slot ${i} is ${v}`);
    if (v !== 0 && !slots[i]) {
      const block = s.blocks.find((b) => i >= b.weightOffset && i < b.weightOffset + blockFloats(b));
      const where = block ? `an absent edge of block ${block.id} (${block.src} → ${block.dst})` : 'padding between the blocks';
      throw new ShapeError(`setParameters: slot ${i} is ${where} and must stay 0, got ${v}`);
    }
  }
  const split = unequalTies(s, values);
  if (split) throw new ShapeError(`setParameters: ${split}`);
}

/**
 * Where values that share one parameter differ (see {@link TieGroups}), described, or null
 * where every group holds one value.
 */
export function unequalTies(s: Structure, values: Float32Array): string | null {
  const groups = s.tieGroups;
  if (!groups) return null;
  for (let g = 0; g < groups.count; g++) {
    const first = groups.members[groups.start[g]!]!;
    // k's type written out: TypeScript 7 infers it as circular (TS7022).
    for (let k: number = groups.start[g]! + 1; k < groups.start[g + 1]!; k++) {
      const slot = groups.members[k]!;
      if (values[slot] !== values[first]) return `slots ${first} and ${slot} share one parameter but hold ${values[first]} and ${values[slot]}`;
    }
  }
  return null;
}

/**
 * 1 per value of a parameter layout of `floats` values, rounded up to whole vec4s (0 past
 * `floats`), and 0 for the second and later slots of each shared value of `groups`: the weight
 * of each slot's gradient square in the global gradient norm, where a shared value counts once.
 */
export function normWeights(groups: TieGroups, floats: number): Float32Array {
  const counted = new Float32Array(Math.ceil(floats / 4) * 4);
  counted.fill(1, 0, floats);
  for (let g = 0; g < groups.count; g++) {
    for (let k: number = groups.start[g]! + 1; k < groups.start[g + 1]!; k++) counted[groups.members[k]!] = 0;
  }
  return counted;
}

/** What a block is before it gets an offset. */
export interface BlockSpec {
  src: number;
  dst: number;
  topology: CsrBlock;
  form?: BlockForm;
  /** See {@link Block.ties}. */
  ties?: Uint32Array;
}

/** A block's starting edges in a chain (see `NetworkSpec.connections`), with the values they share. */
export interface StartingBlock {
  topology: CsrBlock;
  /** The edges are pooling windows: the level fed is a pooling level (see {@link PoolWindows}), not a block. */
  pool?: PoolKind;
  /** See {@link Block.ties}. */
  ties?: Uint32Array;
  /** Shared-bias ids of the level the block feeds (see {@link Level.biasTies}). */
  biasTies?: Uint32Array;
}

/** What a level is before it gets an offset. */
export interface LevelSpec {
  id: number;
  size: number;
  activation: Activation;
  role: Level['role'];
  /** See {@link Level.biasTies}. */
  biasTies?: Uint32Array;
  /** See {@link Level.pool}. */
  pool?: PoolWindows;
}

/** A level's spec as growth rebuilds it: the same level (ties and pooling windows included) at a new offset. */
export function levelSpec(l: Level): LevelSpec {
  return { id: l.id, size: l.size, activation: l.activation, role: l.role, ...(l.biasTies ? { biasTies: l.biasTies } : {}), ...(l.pool ? { pool: l.pool } : {}) };
}

/**
 * The values that share one parameter, as slots of the flat buffer: group g holds
 * `members[start[g] … start[g + 1])`, ascending. Only groups of two or more are listed.
 * The backward pass gives every member of a group the sum of their gradients (the gradient
 * of the one shared value; shaders/tie.wgsl), so values that start equal stay equal.
 */
export interface TieGroups {
  readonly start: Uint32Array;
  readonly members: Uint32Array;
  /** Number of groups. */
  readonly count: number;
}

/**
 * The architecture of a network: levels in evaluation order (inputs first, outputs last;
 * every block goes from an earlier level to a later one) and the blocks between them, with
 * the layout of all weights and biases in one flat buffer. Immutable: growth makes a new
 * structure (see growth.ts).
 */
export class Structure {
  readonly levels: readonly Level[];
  readonly blocks: readonly Block[];
  /** Length of the parameter buffer, in floats. */
  readonly floats: number;

  /**
   * @param denseFrom Blocks at least this dense are stored dense (default {@link DENSE_FROM};
   *   1 keeps only complete blocks dense, 0 stores every block dense).
   */
  constructor(
    levels: readonly LevelSpec[],
    blocks: readonly BlockSpec[],
    readonly denseFrom: number = DENSE_FROM,
  ) {
    const position = new Map(levels.map((l, i) => [l.id, i]));
    if (levels[0]?.role !== 'input' || levels[levels.length - 1]?.role !== 'output') {
      throw new ShapeError('a structure starts with the input level and ends with the output level');
    }
    let at = 0;
    const laidBlocks: Block[] = blocks.map((b, id) => {
      const from = position.get(b.src);
      const to = position.get(b.dst);
      if (from === undefined || to === undefined || from >= to) throw new ShapeError(`block ${b.src} → ${b.dst} does not go forward between known levels`);
      const src = levels[from]!.size;
      const dst = levels[to]!.size;
      if (b.topology.src !== src || b.topology.dst !== dst) throw new ShapeError(`block ${b.src} → ${b.dst} is ${b.topology.src}×${b.topology.dst}, levels are ${src}×${dst}`);
      // Blocks at least `denseFrom` full take the dense fast path (absent edges stored as zeros
      // whose gradient is masked, so they stay zero); sparser ones are CSR. Both forms give
      // the same values. See ACTIVE_DENSITY_FROM_EDGES for which sources the density counts.
      const edges = b.topology.srcOf.length;
      const counted = levels[from]!.role === 'input' && edges >= ACTIVE_DENSITY_FROM_EDGES ? Math.max(1, activeSources(b.topology).length) : src;
      const density = edges / (counted * dst);
      const bigEnough = edges >= DENSE_FROM_EDGES || denseFrom === 0;
      const form = b.form ?? (density >= denseFrom && bigEnough ? 'dense' : 'sparse');
      const rows = compactRows(form, b.topology, levels[from]!.role === 'input');
      let rowOf: Int32Array | null = null;
      if (rows) {
        rowOf = new Int32Array(src).fill(-1);
        rows.forEach((j, t) => (rowOf![j] = t));
      }
      if (b.ties && b.ties.length !== edges) throw new ShapeError(`block ${b.src} → ${b.dst}: ${b.ties.length} shared-weight ids for ${edges} edges`);
      const weightOffset = at;
      at = align(at + blockFloats({ form, topology: b.topology, rows }));
      return { id, src: b.src, dst: b.dst, form, topology: b.topology, weightOffset, rows, rowOf, ...(b.ties ? { ties: b.ties } : {}) };
    });
    this.levels = levels.map((l) => {
      if (l.biasTies && (l.role === 'input' || l.pool || l.biasTies.length !== l.size)) throw new ShapeError(`level ${l.id}: shared-bias ids need a ${l.role === 'input' || l.pool ? 'level with biases' : `list of ${l.size}`}`);
      if (l.pool) checkPool(l, levels, position, laidBlocks);
      if (l.role === 'input' || l.pool) return { ...l, biasOffset: -1 };
      const biasOffset = at;
      at = align(at + l.size);
      return { ...l, biasOffset };
    });
    this.blocks = laidBlocks;
    this.floats = Math.max(at, PARAMETER_ALIGN);
  }

  /**
   * A feed-forward network: blocks between consecutive levels, complete and dense, or with the
   * edges (and shared values) of `starts[i]` where given (stored dense or CSR by their density).
   */
  static chain(sizes: readonly number[], activations: readonly Activation[], denseFrom = DENSE_FROM, starts: readonly (StartingBlock | null)[] = []): Structure {
    const levels: LevelSpec[] = sizes.map((size, i) => {
      const fed = i > 0 ? starts[i - 1] : null;
      return {
        id: i,
        size,
        activation: i === 0 ? 'identity' : activations[i - 1]!,
        role: i === 0 ? 'input' : i === sizes.length - 1 ? 'output' : 'hidden',
        ...(fed?.biasTies ? { biasTies: fed.biasTies } : {}),
        ...(fed?.pool ? { pool: { kind: fed.pool, source: i - 1, topology: fed.topology } } : {}),
      };
    });
    const blocks: BlockSpec[] = [];
    sizes.slice(1).forEach((dst, i) => {
      const given = starts[i];
      if (!given) blocks.push({ src: i, dst: i + 1, topology: completeBlock(dst, sizes[i]!), form: 'dense' });
      else if (!given.pool) blocks.push({ src: i, dst: i + 1, topology: given.topology, ...(given.ties ? { ties: given.ties } : {}) });
    });
    return new Structure(levels, blocks, denseFrom);
  }

  get input(): Level {
    return this.levels[0]!;
  }
  get output(): Level {
    return this.levels[this.levels.length - 1]!;
  }

  level(id: number): Level {
    const level = this.levels.find((l) => l.id === id);
    if (!level) throw new ShapeError(`no level ${id}`);
    return level;
  }

  /** Blocks into level `id`, in the order their sources are evaluated. */
  blocksInto(id: number): Block[] {
    const order = new Map(this.levels.map((l, i) => [l.id, i]));
    return this.blocks.filter((b) => b.dst === id).sort((a, b) => order.get(a.src)! - order.get(b.src)!);
  }

  /** Trainable values: live edges plus biases, values that share one parameter counted once. */
  get parameterCount(): number {
    const groups = this.tieGroups;
    return groups ? this.valueCount - groups.members.length + groups.count : this.valueCount;
  }

  /** Slots that hold a parameter's value: live edges plus biases (a shared value in each of its slots). */
  get valueCount(): number {
    return this.edgeCount + this.levels.reduce((n, l) => n + (l.biasOffset < 0 ? 0 : l.size), 0);
  }

  private tieCache: TieGroups | null | undefined;

  /** The values that share a parameter (see {@link TieGroups}), or null when none do. */
  get tieGroups(): TieGroups | null {
    if (this.tieCache === undefined) this.tieCache = collectTieGroups(this);
    return this.tieCache;
  }

  /** Edges of all blocks. */
  get edgeCount(): number {
    return this.blocks.reduce((n, b) => n + b.topology.srcOf.length, 0);
  }

  /** The next free level id. */
  get nextLevelId(): number {
    return Math.max(...this.levels.map((l) => l.id)) + 1;
  }

  /** Sizes of the levels in evaluation order, e.g. `[784, 395, 10]`. */
  get sizes(): number[] {
    return this.levels.map((l) => l.size);
  }
}

/**
 * Throw unless pooling level `l` reads an earlier hidden level through windows of its sizes,
 * each at least one source, and no block feeds it.
 */
function checkPool(l: LevelSpec, levels: readonly LevelSpec[], position: ReadonlyMap<number, number>, blocks: readonly Block[]): void {
  const { source, topology } = l.pool!;
  const from = position.get(source);
  const where = `pooling level ${l.id}`;
  if (l.role !== 'hidden') throw new ShapeError(`${where}: a pooling level must be hidden (the ${l.role} level cannot pool)`);
  if (from === undefined || from >= position.get(l.id)!) throw new ShapeError(`${where} pools level ${source}, which is not an earlier level`);
  if (levels[from]!.role !== 'hidden') throw new ShapeError(`${where} pools the ${levels[from]!.role} level; pool a hidden level (pool the inputs before training instead)`);
  if (topology.src !== levels[from]!.size || topology.dst !== l.size) throw new ShapeError(`${where}: windows are ${topology.src}×${topology.dst}, levels are ${levels[from]!.size}×${l.size}`);
  for (let i = 0; i < topology.dst; i++) if (topology.dstPtr[i + 1] === topology.dstPtr[i]) throw new ShapeError(`${where}: neuron ${i} has an empty window`);
  const fed = blocks.find((b) => b.dst === l.id);
  if (fed) throw new ShapeError(`${where} is fed by block ${fed.src} → ${fed.dst}; a pooling level takes nothing but its windows`);
}

/** How many edges carry each shared-weight id of `ties` (only the edges `include` accepts, if given). */
export function tieCounts(ties: ArrayLike<number>, include?: (edge: number) => boolean): Map<number, number> {
  const counts = new Map<number, number>();
  for (let e = 0; e < ties.length; e++) if (!include || include(e)) counts.set(ties[e]!, (counts.get(ties[e]!) ?? 0) + 1);
  return counts;
}

/** Group the slots of every block's and level's shared values (see {@link TieGroups}). */
function collectTieGroups(s: Structure): TieGroups | null {
  const lists: number[][] = [];
  const add = (ids: Uint32Array, slotOf: (i: number) => number) => {
    const byId = new Map<number, number[]>();
    for (let i = 0; i < ids.length; i++) {
      let list = byId.get(ids[i]!);
      if (!list) byId.set(ids[i]!, (list = []));
      list.push(slotOf(i));
    }
    for (const list of byId.values()) if (list.length > 1) lists.push(list);
  };
  for (const b of s.blocks) if (b.ties) add(b.ties, (e) => b.weightOffset + storageIndex(b, e));
  for (const l of s.levels) if (l.biasTies) add(l.biasTies, (i) => l.biasOffset + i);
  if (lists.length === 0) return null;
  const start = new Uint32Array(lists.length + 1);
  lists.forEach((list, g) => (start[g + 1] = start[g]! + list.length));
  const members = new Uint32Array(start[lists.length]!);
  lists.forEach((list, g) => members.set(list.sort((a, b) => a - b), start[g]!));
  return { start, members, count: lists.length };
}

/** Every dst × src edge. */
export function completeBlock(dst: number, src: number): CsrBlock {
  const d = new Uint32Array(dst * src);
  const s = new Uint32Array(dst * src);
  for (let i = 0; i < dst; i++) for (let j = 0; j < src; j++) (d[i * src + j] = i), (s[i * src + j] = j);
  return buildCsr(dst, src, d, s).block;
}
