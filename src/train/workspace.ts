import type { BufferOwner, OwnedBuffer } from '../gpu/memory.js';
import { maxBindingBytes, storageBuffer, uploadStorage } from '../gpu/upload.js';
import { type FusedTail, fusedTail } from '../graph/fusion.js';
import type { Block, Level, Structure } from '../graph/structure.js';
import type { PackedBytes } from '../kernels/dense.js';
import { dropoutScale } from '../kernels/dropout.js';
import { type GraphTables, graphPartialFloats, graphWorkgroupRows, graphTables, tailPartialFloats, uploadGraphTables } from '../kernels/graph.js';
import { type ByteColumns, columnWords, edgePartFloats, type FloatColumns, partFloats32 } from '../kernels/sparse.js';

/** Byte offset of the second stats accumulator (validation), a binding-aligned slot. */
export const STATS_SLOT = 256;
/**
 * Where in the stats buffer (a u32 index, after the training accumulator's 4 floats) fit adds
 * an epoch's count of parameters that are not finite, so it comes back with the epoch's losses
 * in one readback.
 */
export const NON_FINITE_SLOT = 4;
/**
 * Where in the stats buffer (a float index, after the non-finite count) fit's gradient clipping
 * adds each step's global gradient norm, and the one after it where it adds 1 for a step it
 * clipped: they too come back with the epoch's losses.
 */
export const NORM_SLOT = NON_FINITE_SLOT + 1;

/**
 * Floats of {@link Workspace.edgeParts} at most (32 MiB): 16 per edge at batch 256, so a block
 * of more than 524,288 edges out of a hidden level takes its weight gradient from edge_grad.
 */
export const EDGE_PARTS_MAX_FLOATS = 1 << 23;

/**
 * A CSR block that takes its weight gradient in parts runs over f32 columns (sparse.wgsl
 * F32_COLUMNS, spmm_t_columns) when it has at least this many edges per value of its source and
 * destination levels (per batch row). On the software adapter the transpositions cost about
 * 4.6 ns a value and the columns save about 1.8 ns an edge and row, so they break even near 2.5;
 * 4 leaves a margin. The 10%-dense 784→344 level of `npm run bench` (27,070 edges, 24 a value)
 * runs about 1.25x as fast; the small blocks out of the hidden levels that growth makes stay on
 * batch-major rows.
 */
export const COLUMNS_FROM_EDGES_PER_VALUE = 4;

/** How a {@link Workspace} has its structure's kernels run; both default to true. */
export interface WorkspaceChoices {
  /** Whether the graph kernels run the structure's fused tail, if it has one (else block by block). */
  fuseTail?: boolean;
  /** Whether big CSR blocks out of hidden levels run over f32 columns (see {@link COLUMNS_FROM_EDGES_PER_VALUE}). */
  floatColumns?: boolean;
}

/**
 * The choices for `net` (see {@link WorkspaceChoices}): its `fuseTail` setting, and f32 columns
 * on a software adapter only. On a GPU the rows path takes fewer dispatches (no transpositions,
 * no by-source weights) and is no slower: on an NVIDIA H200 the benchmark's 10%-dense 784→344
 * level took 0.17–0.20 ms over rows against 0.18–0.22 over columns (three runs), and its grown
 * 784-344-10 step 0.22 ms against 0.41.
 */
export function workspaceChoices(net: { fuseTail: boolean; kernels: { software: boolean } }): WorkspaceChoices {
  return { fuseTail: net.fuseTail, floatColumns: net.kernels.software };
}

/** Floats between arena regions: WebGPU binds buffer ranges at offsets of (at most) 256 bytes. */
const ARENA_ALIGN = 64;

/** Floats of an arena holding `levels` for `rows` rows, each level's region aligned. */
function arenaFloats(levels: readonly Level[], rows: number): number {
  return levels.reduce((floats, l) => floats + Math.ceil((rows * l.size) / ARENA_ALIGN) * ARENA_ALIGN, 0);
}

/**
 * Whether the fused tail runs `rows` rows on an adapter of `limits`: its arenas (every tail
 * level's rows in one buffer) and its partial weight gradients fit in one binding each, and the
 * graph kernels' grid in the workgroups a dimension. Past that (a batch of millions of rows) its
 * blocks run one by one, each level in a buffer of its own (the bound `checkBatchFits` names).
 */
export function tailFits(tail: FusedTail, rows: number, limits: GPUSupportedLimits): boolean {
  const floats = maxBindingBytes(limits) / 4;
  return (
    arenaFloats(tail.levels, rows) <= floats &&
    arenaFloats(tail.feeders, rows) <= floats &&
    tailPartialFloats(rows, tail) <= floats &&
    Math.ceil(rows / graphWorkgroupRows()) <= limits.maxComputeWorkgroupsPerDimension
  );
}

/** A bindable range of a buffer: one level's values for the workspace's rows. */
export interface BufferSlice {
  buffer: GPUBuffer;
  /** Bytes. */
  offset: number;
  /** Bytes. */
  size: number;
}

/** All of an owned buffer as a slice. */
function whole(b: OwnedBuffer): BufferSlice {
  return { buffer: b.buffer, offset: 0, size: b.size };
}

/**
 * The fused tail's scratch (see {@link fusedTail}): every tail level's activations in one
 * buffer and their gradients in another of the same layout, so one graph kernel reaches them
 * all; its feeders' likewise in a second pair (a block kernel may read a feeder and write a tail
 * level in one dispatch, and WebGPU forbids writing a buffer bound twice there); the graph
 * kernels' tables for that layout; and the partial weight gradients passed from the graph
 * backward to the graph weight gradient.
 */
export interface TailWorkspace {
  readonly tail: FusedTail;
  readonly activations: GPUBuffer;
  readonly gradients: GPUBuffer;
  readonly feederActivations: GPUBuffer;
  readonly feederGradients: GPUBuffer;
  readonly tables: GraphTables;
  readonly partials: GPUBuffer;
}

/**
 * Per-call GPU scratch for up to `maxRows` rows of a given structure: the batch input, each
 * level's activations and pre-activation gradients, batch labels/targets and the loss
 * accumulators. Allocated once per call (and again after the network grows), never per step.
 */
export class Workspace {
  readonly x: OwnedBuffer;
  /**
   * A packed batch's byte columns (see {@link ByteColumns}), which the CSR blocks out of the input
   * level read; null when the batch is not packed or no such block exists.
   */
  readonly xColumns: ByteColumns | null;
  /**
   * A packed batch's bytes of the sources with edges of each dense block out of the input level
   * that stores only those rows ({@link Block.rows}), packed in that order (ceil(count / 4)
   * words a row): the block reads them as a plain packed batch of its own width.
   */
  readonly xPicked: ReadonlyMap<Block, { buffer: OwnedBuffer; words: number }>;
  /** Whether a block reads the batch's rows in `x`: not when a packed batch only feeds CSR blocks and compact dense ones. */
  readonly xRowsRead: boolean;
  private readonly activations = new Map<number, BufferSlice>();
  private readonly gradients = new Map<number, BufferSlice>();
  /** The fused tail's arenas and tables; null when the structure has no tail to fuse. */
  readonly tail: TailWorkspace | null;
  private readonly tailLevels: ReadonlySet<number>;
  private readonly fedBlocks: ReadonlySet<Block>;
  /**
   * The partial weight gradients that a sparse block out of a hidden level (run by the block
   * kernels) passes from its input gradient to its weight gradient (see {@link takesParts}), and
   * that a CSR block out of the input level leaves for its weight gradient's sum (see
   * {@link takesParts32}): blocks take turns, so one buffer serves the largest; a 16-byte
   * placeholder where there is none.
   */
  readonly edgeParts: OwnedBuffer;
  private readonly partsBlocks: ReadonlySet<Block>;
  private readonly parts32Blocks: ReadonlySet<Block>;
  /** Blocks run over f32 columns (see {@link readsColumns}). */
  private readonly columnBlocks: ReadonlySet<Block>;
  private readonly activationColumns = new Map<number, FloatColumns>();
  private readonly gradientColumns = new Map<number, FloatColumns>();
  /**
   * The weights of a block run over f32 columns in by-source order (spmm_t_columns reads them):
   * blocks take turns, so one buffer serves the largest; a 16-byte placeholder where there is none.
   */
  readonly weightBySource: OwnedBuffer;
  /** Each max-pooling level's winners (rows × size u32: the source each maximum came from), by level id. */
  private readonly poolArgmax = new Map<number, BufferSlice>();
  /** Gradient of the loss w.r.t. the output activations, when the output activation is not identity. */
  readonly outputGrad: OwnedBuffer;
  readonly labels: OwnedBuffer;
  readonly targets: OwnedBuffer;
  /**
   * Two accumulators of 4 floats: training at 0, validation at {@link STATS_SLOT}; and fit's
   * count of parameters that are not finite, a u32 at {@link NON_FINITE_SLOT}.
   */
  readonly stats: OwnedBuffer;
  /**
   * The batch input `x` holds u8 inputs as packed bytes (the gather copies them as they are
   * and the blocks out of the input level unpack them, times `factor` under input dropout);
   * null: f32 values.
   */
  readonly xBytes: PackedBytes | null;

  constructor(
    device: GPUDevice,
    owner: BufferOwner,
    readonly structure: Structure,
    readonly maxRows: number,
    /** u8 inputs' packed bytes ({@link xBytes} before input dropout's factor); null: f32 values. */
    bytes: PackedBytes | null = null,
    /** How the kernels are run: the adapter's kind's choices (see {@link workspaceChoices}). */
    choices: WorkspaceChoices = {},
    /**
     * Input dropout's rate in [0, 1) (`FitOptions.inputDropout`; 0: none): the gathers into this
     * workspace drop its batch's inputs at it (`recordGathers`), and its packed bytes carry the
     * kept ones' factor 1 / (1 − rate).
     */
    readonly inputDropout = 0,
  ) {
    const xBytes = bytes && inputDropout > 0 ? { ...bytes, factor: dropoutScale(inputDropout) } : bytes;
    this.xBytes = xBytes;
    const { fuseTail = true, floatColumns = true } = choices;
    const outputs = structure.output.size;
    const fromInput = structure.blocks.filter((b) => b.src === structure.input.id);
    const compact = xBytes ? fromInput.filter((b) => b.form === 'dense' && b.rows) : [];
    this.xPicked = new Map(
      compact.map((b) => {
        const words = Math.ceil(b.rows!.length / 4);
        return [b, { buffer: storageBuffer(device, owner, `batch.x.block${b.id}`, maxRows * words * 4), words }];
      }),
    );
    this.xRowsRead = !xBytes || fromInput.some((b) => b.form === 'dense' && !this.xPicked.has(b));
    // f32 rows, packed rows (a quarter of that), or nothing read (a placeholder kernels bind unread).
    const rowWords = xBytes ? xBytes.words : structure.input.size;
    this.x = storageBuffer(device, owner, 'batch.x', this.xRowsRead ? maxRows * rowWords * 4 : 16);
    const words = columnWords(maxRows);
    this.xColumns =
      xBytes && fromInput.some((b) => b.form === 'sparse')
        ? { buffer: storageBuffer(device, owner, 'batch.x.columns', structure.input.size * words * 4).buffer, ...xBytes, words }
        : null;
    const fused = fuseTail ? fusedTail(structure) : null;
    const tail = fused && tailFits(fused, maxRows, device.limits) ? fused : null;
    this.tailLevels = new Set(tail?.levels.map((l) => l.id) ?? []);
    this.fedBlocks = new Set(tail?.fed ?? []);
    const inArenas = new Set([...this.tailLevels, ...(tail?.feeders.map((l) => l.id) ?? [])]);
    for (const level of structure.levels.slice(1)) {
      if (inArenas.has(level.id)) continue;
      this.activations.set(level.id, whole(storageBuffer(device, owner, `level${level.id}.activation`, maxRows * level.size * 4)));
      this.gradients.set(level.id, whole(storageBuffer(device, owner, `level${level.id}.gradient`, maxRows * level.size * 4)));
    }
    for (const level of structure.levels) {
      if (level.pool?.kind === 'max') this.poolArgmax.set(level.id, whole(storageBuffer(device, owner, `level${level.id}.argmax`, maxRows * level.size * 4)));
    }
    this.tail = tail ? this.tailArenas(device, owner, tail) : null;
    const partsFloats = (b: Block) => edgePartFloats(maxRows, b.topology.srcOf.length);
    this.partsBlocks = new Set(
      structure.blocks.filter(
        (b) => b.form === 'sparse' && b.src !== structure.input.id && !this.tailLevels.has(b.src) && !this.fedBlocks.has(b) && partsFloats(b) <= EDGE_PARTS_MAX_FLOATS,
      ),
    );
    // CSR blocks out of the input level take their weight gradients in 32-row parts.
    this.parts32Blocks = new Set(fromInput.filter((b) => b.form === 'sparse'));
    const most = Math.max(4, ...[...this.partsBlocks].map(partsFloats), ...[...this.parts32Blocks].map((b) => partFloats32(maxRows, b.topology.srcOf.length)));
    this.edgeParts = storageBuffer(device, owner, 'block.edgeParts', most * 4);
    const size = (id: number) => structure.level(id).size;
    this.columnBlocks = new Set(floatColumns ? [...this.partsBlocks].filter((b) => b.topology.srcOf.length >= COLUMNS_FROM_EDGES_PER_VALUE * (size(b.src) + size(b.dst))) : []);
    const quads = columnWords(maxRows);
    const columnsOf = (id: number, what: string): FloatColumns => ({ buffer: storageBuffer(device, owner, `level${id}.${what}.columns`, size(id) * quads * 16).buffer, quads });
    for (const b of this.columnBlocks) {
      if (!this.activationColumns.has(b.src)) this.activationColumns.set(b.src, columnsOf(b.src, 'activation'));
      if (!this.gradientColumns.has(b.dst)) this.gradientColumns.set(b.dst, columnsOf(b.dst, 'gradient'));
    }
    const mostEdges = Math.max(4, ...[...this.columnBlocks].map((b) => b.topology.srcOf.length));
    this.weightBySource = storageBuffer(device, owner, 'block.weightBySource', mostEdges * 4);
    this.outputGrad = storageBuffer(device, owner, 'output.gradient', maxRows * outputs * 4);
    this.labels = storageBuffer(device, owner, 'batch.labels', maxRows * 4);
    this.targets = storageBuffer(device, owner, 'batch.targets', maxRows * outputs * 4);
    this.stats = storageBuffer(device, owner, 'stats', STATS_SLOT * 2);
  }

  private tailArenas(device: GPUDevice, owner: BufferOwner, tail: FusedTail): TailWorkspace {
    const base = new Map<number, number>();
    const arenas = (name: string, levels: readonly Level[]) => {
      let floats = 0;
      for (const level of levels) {
        base.set(level.id, floats);
        floats += arenaFloats([level], this.maxRows);
      }
      const activations = storageBuffer(device, owner, `${name}.activations`, Math.max(4, floats) * 4).buffer;
      const gradients = storageBuffer(device, owner, `${name}.gradients`, Math.max(4, floats) * 4).buffer;
      for (const level of levels) {
        const range = { offset: base.get(level.id)! * 4, size: this.maxRows * level.size * 4 };
        this.activations.set(level.id, { buffer: activations, ...range });
        this.gradients.set(level.id, { buffer: gradients, ...range });
      }
      return { activations, gradients };
    };
    const own = arenas('tail', tail.levels);
    const fed = arenas('feeders', tail.feeders);
    const tables = uploadGraphTables(
      graphTables(tail, (id) => base.get(id)!),
      (name, values) => uploadStorage(device, owner, `tail.${name}`, values).buffer,
    );
    const partials = storageBuffer(device, owner, 'tail.partials', graphPartialFloats(this.maxRows, tables) * 4).buffer;
    return { tail, ...own, feederActivations: fed.activations, feederGradients: fed.gradients, tables, partials };
  }

  /** Activations of level `id` (the batch input for the input level). */
  activation(id: number): BufferSlice {
    if (id === this.structure.input.id) return whole(this.x);
    return this.activations.get(id)!;
  }

  /** Whether level `id` is in the fused tail (run by the graph kernels, not block by block). */
  inTail(id: number): boolean {
    return this.tailLevels.has(id);
  }

  /** Whether block `b` runs in the graph kernels as a block from a feeder into the tail. */
  fed(b: Block): boolean {
    return this.fedBlocks.has(b);
  }

  /**
   * Whether sparse block `b` takes its weight gradient in parts from its input gradient
   * (spmm_t, then edge_grad_parts, through {@link edgeParts}) rather than from edge_grad: a
   * block out of a hidden level, run by the block kernels, whose parts fit.
   */
  takesParts(b: Block): boolean {
    return this.partsBlocks.has(b);
  }

  /**
   * Whether CSR block `b` (one out of the input level) takes its weight gradient in 32-row parts
   * (edge_grad_parts32, then edge_grad_parts), through {@link edgeParts}.
   */
  takesParts32(b: Block): boolean {
    return this.parts32Blocks.has(b);
  }

  /**
   * Whether block `b` (one that {@link takesParts}) runs over f32 columns: its source level's
   * activations and its destination level's gradient transposed into columns (see
   * {@link COLUMNS_FROM_EDGES_PER_VALUE}).
   */
  readsColumns(b: Block): boolean {
    return this.columnBlocks.has(b);
  }

  /** Level `id`'s activations as f32 columns, where a block {@link readsColumns} them; else undefined. */
  activationColumnsOf(id: number): FloatColumns | undefined {
    return this.activationColumns.get(id);
  }

  /** Level `id`'s gradient as f32 columns, where a block {@link readsColumns} it; else undefined. */
  gradientColumnsOf(id: number): FloatColumns | undefined {
    return this.gradientColumns.get(id);
  }

  /** Where max-pooling level `id`'s maxima came from, for its backward pass (see shaders/pool.wgsl); nothing for average pooling. */
  poolWinners(id: number): { argmax?: BufferSlice } {
    const argmax = this.poolArgmax.get(id);
    return argmax ? { argmax } : {};
  }

  /** Gradient w.r.t. the pre-activations of level `id`. */
  gradient(id: number): BufferSlice {
    return this.gradients.get(id)!;
  }

  /** The output activations (network outputs). */
  get output(): BufferSlice {
    return this.activation(this.structure.output.id);
  }
}
