import { activeSources, type CsrBlock, sharedDestinationGroup, sharedSourceGroup } from '../graph/csr.js';
import type { Activation } from './activation.js';
import { activationCode, activationGradConstants } from './activation.js';
import { byteFactorConstant, isUnormScale } from './dense.js';
import { type Dispatch, unusedOutput, pickBindings, prepare, type Recorder } from './dispatch.js';
import { ConfigError, ShapeError } from '../errors.js';
import { type BindingNeed, checkBindings, checkSizes, sameResource, words } from './bounds.js';
import type { BindingResource } from './kernel.js';
import { family } from './sources.js';

/** The GPU copies of a block's two edge orders (see {@link CsrBlock}). */
export interface CsrBuffers {
  dst: number;
  src: number;
  edges: number;
  dstPtr: BindingResource;
  srcOf: BindingResource;
  dstOf: BindingResource;
  srcPtr: BindingResource;
  srcEdges: BindingResource;
  /** dstOf in by-source order: dstBySource[t] = dstOf[srcEdges[t]] (for {@link spmmTransposeColumns}). */
  dstBySource: BindingResource;
  /** (first edge, count ≤ 8) pairs: runs of CSR edges into one destination, see {@link edgeChunks}. */
  chunks: BindingResource;
  chunkCount: number;
  /**
   * The sources with at least one edge, ascending (see {@link activeSources}), each as a (source,
   * first, end) triple of u32: its edges are srcEdges[first..end). spmm_t reads them in srcPtr's
   * place when it visits only these sources.
   */
  activeSpans: BindingResource;
  activeSourceCount: number;
  /** 4 where every 4 consecutive destinations share their sources (see {@link sharedSourceGroup}); else 1. */
  sourceGroup: 1 | 4;
  /** 4 where every 4 consecutive sources share their destinations (see {@link sharedDestinationGroup}); else 1. */
  destinationGroup: 1 | 4;
}

/**
 * The GPU form of a block's two orders: `upload` makes a storage buffer of u32 values (never
 * given an empty array: WebGPU bindings need at least 4 bytes).
 */
export function csrBuffers(block: CsrBlock, upload: (name: string, values: Uint32Array) => BindingResource): CsrBuffers {
  const chunks = edgeChunks(block.dstPtr, block.dst);
  const active = activeSources(block);
  const up = (name: string, values: Uint32Array) => upload(name, values.length ? values : new Uint32Array(1));
  return {
    dst: block.dst,
    src: block.src,
    edges: block.srcOf.length,
    dstPtr: up('dstPtr', block.dstPtr),
    srcOf: up('srcOf', block.srcOf),
    dstOf: up('dstOf', block.dstOf),
    srcPtr: up('srcPtr', block.srcPtr),
    srcEdges: up('srcEdges', block.srcEdges),
    dstBySource: up('dstBySource', dstBySource(block)),
    chunks: up('chunks', chunks),
    chunkCount: chunks.length / 2,
    activeSpans: up('activeSpans', activeSpans(block, active)),
    activeSourceCount: active.length,
    sourceGroup: sharedSourceGroup(block),
    destinationGroup: sharedDestinationGroup(block),
  };
}

/** The (source, first, end) triples of `active`'s sources' edges in by-source order. */
function activeSpans(block: CsrBlock, active: Uint32Array): Uint32Array {
  const spans = new Uint32Array(3 * active.length);
  for (let i = 0; i < active.length; i++) {
    const j = active[i]!;
    spans[3 * i] = j;
    spans[3 * i + 1] = block.srcPtr[j]!;
    spans[3 * i + 2] = block.srcPtr[j + 1]!;
  }
  return spans;
}

/** dstOf in by-source order (a plain loop: `Uint32Array.from` with a map function took 8 ms for a split's 84,000 edges). */
function dstBySource(block: CsrBlock): Uint32Array {
  const out = new Uint32Array(block.srcEdges.length);
  for (let t = 0; t < out.length; t++) out[t] = block.dstOf[block.srcEdges[t]!]!;
  return out;
}

/**
 * A batch of u8 inputs held as byte columns (sparse.wgsl INPUT_COLUMNS, written by the batch
 * gather's `columns` layout): source j's column is `words` words from j · words, word p holding
 * batch rows 4p..4p+3 (low byte first), byte b standing for b · `scale`.
 */
export interface ByteColumns {
  buffer: BindingResource;
  /** Words per column: at least {@link columnWords}, and a multiple of 4. */
  words: number;
  scale: number;
  /** Every value b · scale also times this float32 (default 1), as a dense block's packed bytes' (`PackedBytes.factor`). */
  factor?: number;
}

/**
 * A batch of f32 values held as columns (sparse.wgsl F32_COLUMNS, written by {@link toColumns}):
 * neuron j's column is `quads` vec4s from j · quads, quad p holding batch rows 4p..4p+3, 0 past
 * the batch.
 */
export interface FloatColumns {
  buffer: BindingResource;
  /** vec4s per column: at least {@link columnWords}. */
  quads: number;
}

/** The constants of a kernel reading `columns` (with UNORM for bytes as [0, 1] intensities, BYTE_FACTOR for their factor). */
function columnConstants(columns: ByteColumns | undefined): Record<string, boolean | number> {
  return { INPUT_COLUMNS: Boolean(columns), UNORM: Boolean(columns) && isUnormScale(columns!.scale), ...byteFactorConstant(columns?.factor) };
}

/** Batch rows per invocation of spmm / spmm_t (ROWS in sparse.wgsl). */
const ROWS = 16;
/** Batch rows per invocation of spmm over columns and of spmm_t_columns (COLUMN_ROWS in sparse.wgsl). */
const COLUMN_ROWS = 32;
/** Batch rows per invocation of spmm over columns with a source group of 4 (GROUP_ROWS in sparse.wgsl). */
const GROUP_ROWS = 16;

/**
 * Words per byte column, or vec4s per f32 column, for batches of up to `rows` rows: 8 · ceil(rows
 * / 32), the whole 32-row groups that an invocation of spmm over columns (and of spmm_t_columns)
 * takes.
 */
export function columnWords(rows: number): number {
  return 8 * Math.ceil(rows / COLUMN_ROWS);
}

/** The words (byte columns) or vec4s (f32 columns) per column of `columns`, refused when too few for `rows` rows. */
function checkedColumnWords(fn: string, rows: number, columns: ByteColumns | FloatColumns): number {
  const words = 'words' in columns ? columns.words : columns.quads;
  const needed = columnWords(rows);
  const what = 'words' in columns ? `byte columns of ${words} words` : `f32 columns of ${words} vec4s`;
  if (words < needed) throw new ShapeError(`${fn}: ${what} cannot hold ${rows} rows (${needed} needed)`);
  // spmm reads an edge's 32 rows of a byte column as two vec4s of words.
  if ('words' in columns && words % 4 !== 0) throw new ShapeError(`${fn}: ${what}: a column's words must be a multiple of 4 (columnWords gives ${needed} for ${rows} rows)`);
  return words;
}

/** The Params uniform of sparse.wgsl (shared by its entry points) for `rows` batch rows through block `b` (`columns` checked before). */
function blockParams(rows: number, b: CsrBuffers, columns?: ByteColumns | FloatColumns): Record<string, number> {
  const words = columns ? ('words' in columns ? columns.words : columns.quads) : 0;
  return {
    rows,
    dst: b.dst,
    src: b.src,
    edges: b.edges,
    chunks: b.chunkCount,
    active_count: b.activeSourceCount,
    column_words: words,
    scale: columns && 'scale' in columns ? columns.scale : 1,
  };
}

/**
 * Throws a ShapeError naming `fn` where a block's buffers hold fewer values than its sizes say
 * (a {@link CsrBuffers} put together by hand rather than by {@link csrBuffers}).
 */
export function checkBlock(fn: string, b: CsrBuffers): void {
  checkSizes(fn, { 'block.dst': b.dst, 'block.src': b.src, 'block.edges': b.edges, 'block.chunkCount': b.chunkCount, 'block.activeSourceCount': b.activeSourceCount });
  checkBindings(fn, {
    'block.dstPtr': words(b.dstPtr, b.dst + 1, 'dst + 1 u32 offsets'),
    'block.srcOf': words(b.srcOf, b.edges, 'edges u32s'),
    'block.dstOf': words(b.dstOf, b.edges, 'edges u32s'),
    'block.srcPtr': words(b.srcPtr, b.src + 1, 'src + 1 u32 offsets'),
    'block.srcEdges': words(b.srcEdges, b.edges, 'edges u32s'),
    'block.dstBySource': words(b.dstBySource, b.edges, 'edges u32s'),
    'block.chunks': words(b.chunks, 2 * b.chunkCount, '2 × chunkCount u32s'),
    'block.activeSpans': words(b.activeSpans, 3 * b.activeSourceCount, '3 × activeSourceCount u32s'),
  });
}

/** A batch-major level of `rows` × `width` floats (`holds` names the two). */
function level(resource: BindingResource | undefined, rows: number, width: number, holds: string): BindingNeed {
  return words(resource, rows * width, `${holds} floats`);
}

/** The need of a block's input: byte columns, f32 columns, or (when neither) the batch-major level. */
function inputNeeds(fn: string, a: { rows: number; block: CsrBuffers; input: BindingResource; inputColumns?: ByteColumns; inputFloatColumns?: FloatColumns }): Record<string, BindingNeed> {
  const src = a.block.src;
  if (a.inputColumns) return { 'inputColumns.buffer': words(a.inputColumns.buffer, src * checkedColumnWords(fn, a.rows, a.inputColumns), 'src × words words') };
  if (a.inputFloatColumns) return { 'inputFloatColumns.buffer': words(a.inputFloatColumns.buffer, src * checkedColumnWords(fn, a.rows, a.inputFloatColumns) * 4, 'src × quads × 4 floats') };
  return { input: level(a.input, a.rows, src, 'rows × src') };
}

/** Edges per chunk of edge_grad (8 in sparse.wgsl). */
export const EDGE_CHUNK = 8;

/**
 * The work list of edge_grad: each destination's CSR edge run cut into chunks of at most
 * {@link EDGE_CHUNK}, as (first edge, count) pairs, listed by falling count (then by first
 * edge): the kernel loads only as many inputs as a chunk has edges, and neighbouring
 * invocations with equal counts take the same branch.
 */
export function edgeChunks(dstPtr: ArrayLike<number>, dst: number): Uint32Array {
  const byCount: number[][] = Array.from({ length: EDGE_CHUNK + 1 }, () => []);
  for (let i = 0; i < dst; i++) {
    for (let e = dstPtr[i]!; e < dstPtr[i + 1]!; e += EDGE_CHUNK) {
      const count = Math.min(EDGE_CHUNK, dstPtr[i + 1]! - e);
      byCount[count]!.push(e);
    }
  }
  const pairs: number[] = [];
  for (let count = EDGE_CHUNK; count >= 1; count--) for (const first of byCount[count]!) pairs.push(first, count);
  return Uint32Array.from(pairs);
}

/**
 * Floats of the partial weight gradients that {@link spmmTranspose} with `weightParts` leaves
 * for `rows` batch rows of a block of `edges` edges: one per edge and 16 rows (at least 4).
 */
export function edgePartFloats(rows: number, edges: number): number {
  return Math.max(4, Math.ceil(rows / ROWS) * edges);
}

/** Forward through a sparse block: out (rows × dst) [+]= input · W, optionally finished with bias + activation. */
export async function spmm(
  rec: Recorder,
  a: {
    rows: number;
    block: CsrBuffers;
    weight: BindingResource;
    /** The batch-major input (rows × src f32); with `inputColumns`, bound but unread. */
    input: BindingResource;
    /** The input as byte columns instead (a batch of u8 inputs). */
    inputColumns?: ByteColumns;
    /** The input as f32 columns instead (see {@link toColumns}). */
    inputFloatColumns?: FloatColumns;
    out: BindingResource;
    accumulate?: boolean;
    /** Finish with act(· + bias). */
    bias?: BindingResource;
    activation?: Activation;
  },
): Promise<Dispatch> {
  if (a.inputColumns && a.inputFloatColumns) throw new ConfigError('spmm reads one input: byte columns or f32 columns, not both');
  checkSizes('spmm', { rows: a.rows });
  checkBlock('spmm', a.block);
  checkBindings('spmm', {
    weight: words(a.weight, a.block.edges, 'edges floats'),
    ...inputNeeds('spmm', a),
    out: level(a.out, a.rows, a.block.dst, 'rows × dst'),
    bias: words(a.bias, a.block.dst, 'dst floats'),
  });
  const columns = a.inputColumns ?? a.inputFloatColumns;
  // Over columns, four destinations that share their sources take one invocation.
  const group = columns && a.block.sourceGroup === 4 ? 4 : 1;
  const kernel = await rec.kernels.get({
    ...family('sparse'),
    entryPoint: 'spmm',
    constants: {
      ACCUMULATE: a.accumulate ?? false,
      FINISH: a.bias ? 1 : 0,
      ACT: activationCode(a.activation ?? 'identity'),
      ...columnConstants(a.inputColumns),
      F32_COLUMNS: Boolean(a.inputFloatColumns),
      GROUP: group,
    },
  });
  const b = a.block;
  return prepare(
    rec,
    kernel,
    blockParams(a.rows, b, a.inputColumns ?? a.inputFloatColumns),
    pickBindings(kernel, { dst_ptr: b.dstPtr, src_of: b.srcOf, weight: a.weight, ...inputBindings(rec, a), bias: a.bias ?? a.input, out: a.out }),
    group === 4 ? laneGroups(a.rows, GROUP_ROWS, b.dst / 4) : laneGroups(a.rows, columns ? COLUMN_ROWS : ROWS, b.dst),
  );
}

/**
 * Input gradient through a sparse block: out (rows × src) = [out +] (grad · Wᵀ) [⊙ act'(aux)].
 * The derivative multiplies this block's product before it is added, so each block of a level
 * fed to several may finish its own part. An accumulating call visits only the block's active
 * sources (the others would add zero). With `weightParts`, it also leaves the block's weight
 * gradient in parts of 16 rows for {@link edgeGradParts}, from the grad rows it loads anyway and
 * the block's input: on a software adapter the two dispatches cost less than {@link edgeGrad}.
 */
export async function spmmTranspose(
  rec: Recorder,
  a: TransposeFinish & {
    rows: number;
    block: CsrBuffers;
    weight: BindingResource;
    grad: BindingResource;
    out: BindingResource;
    /**
     * Also write the weight gradient's parts into `partials` (at least {@link edgePartFloats}
     * floats), from the block's batch-major input (rows × src f32): the source level's
     * activations, so with `aux` the same buffer (spmm_t reads both through one binding).
     */
    weightParts?: { input: BindingResource; partials: BindingResource };
  },
): Promise<Dispatch> {
  if (a.aux && a.weightParts && !sameResource(a.aux, a.weightParts.input)) {
    throw new ConfigError('spmmTranspose: aux and weightParts.input are both the source level\'s activations and share a binding: pass the same buffer');
  }
  checkSizes('spmmTranspose', { rows: a.rows });
  checkBlock('spmmTranspose', a.block);
  checkBindings('spmmTranspose', {
    weight: words(a.weight, a.block.edges, 'edges floats'),
    grad: level(a.grad, a.rows, a.block.dst, 'rows × dst'),
    out: level(a.out, a.rows, a.block.src, 'rows × src'),
    aux: level(a.aux, a.rows, a.block.src, 'rows × src'),
    'weightParts.input': level(a.weightParts?.input, a.rows, a.block.src, 'rows × src'),
    'weightParts.partials': words(a.weightParts?.partials, edgePartFloats(a.rows, a.block.edges), 'edgePartFloats(rows, edges) floats'),
  });
  const accumulate = a.accumulate ?? false;
  const kernel = await rec.kernels.get({ ...family('sparse'), entryPoint: 'spmm_t', constants: transposeConstants(a) });
  const b = a.block;
  // Without weightParts or aux the input and partials bindings are unread: bound to placeholders.
  const parts = a.weightParts ?? { input: a.aux ?? a.grad, partials: unusedOutput(rec) };
  const bindings = {
    src_ranges: accumulate ? b.activeSpans : b.srcPtr,
    src_edges: b.srcEdges,
    dst_of: b.dstOf,
    weight: a.weight,
    grad: a.grad,
    out: a.out,
    input: parts.input,
    partials: parts.partials,
  };
  return prepare(
    rec,
    kernel,
    blockParams(a.rows, b),
    pickBindings(kernel, bindings),
    transposeGroups(a.rows, ROWS, b, accumulate),
  );
}

/**
 * The constants of spmm_t and spmm_t_columns: an accumulating call visits only the block's
 * active sources (the others would add zero).
 */
function transposeConstants(a: TransposeFinish & { weightParts?: object }): Record<string, number | boolean> {
  const accumulate = a.accumulate ?? false;
  return { ACCUMULATE: accumulate, ACTIVE_ONLY: accumulate, FINISH: a.aux ? 2 : 0, ...activationGradConstants(a.activation ?? 'identity', a.dropKeep), PARTIALS: Boolean(a.weightParts) };
}

/** How {@link spmmTranspose} and {@link spmmTransposeColumns} finish each source's input gradient. */
export interface TransposeFinish {
  /** Add to what `out` holds (a level feeding several blocks); only the sources with edges are visited. */
  accumulate?: boolean;
  /** Finish by multiplying with act'(aux), aux the source level's activations (batch-major). */
  aux?: BindingResource;
  activation?: Activation;
  /** Dropout's keep probability on the source level whose activations `aux` holds (see `MatmulArgs.dropKeep`); default 1, not dropped. */
  dropKeep?: number;
}

/**
 * The grid of the kernels whose invocation takes `rowsPerLane` batch rows of one neuron, 8 × 8
 * invocations a workgroup (spmm, edge_grad_parts32, spmm_t, spmm_t_columns; the pooling kernels) over `neurons` neurons.
 * Past the 65,535 workgroups a dimension that every adapter allows (524,280 neurons) the
 * neurons' rows of the grid go on along z (the kernels' `fn lane`).
 */
export function laneGroups(rows: number, rowsPerLane: number, neurons: number): [number, number, number] {
  const lanes = Math.ceil(neurons / 8);
  const z = Math.max(1, Math.ceil(lanes / 65535));
  return [Math.ceil(rows / (8 * rowsPerLane)), Math.ceil(lanes / z), z];
}

/** The grid of spmm_t / spmm_t_columns: an accumulating block visits only its sources with edges. */
function transposeGroups(rows: number, rowsPerLane: number, b: CsrBuffers, accumulate: boolean): [number, number, number] {
  return laneGroups(rows, rowsPerLane, accumulate ? b.activeSourceCount : b.src);
}

/**
 * The input bindings of spmm / edge_grad: the entry points use them all statically (a branch on
 * INPUT_COLUMNS or F32_COLUMNS picks one), so those not read are bound to placeholders.
 */
function inputBindings(rec: Recorder, a: { input: BindingResource; inputColumns?: ByteColumns; inputFloatColumns?: FloatColumns }): Record<string, BindingResource> {
  // Byte columns are bound twice: as words (edge_grad) and as vec4s of words (spmm,
  // edge_grad_parts32). The placeholders of vec4 arrays need 16 bytes, which the input may not have.
  const words = a.inputColumns?.buffer;
  return { input: a.input, input_columns: words ?? a.input, input_words: words ?? unusedOutput(rec), input_quads: a.inputFloatColumns?.buffer ?? unusedOutput(rec) };
}

/** What a weight-gradient kernel of a CSR block reads: its rows, its block, the gradient and the input. */
export interface EdgeGradInputs {
  rows: number;
  block: CsrBuffers;
  /** rows × dst gradient w.r.t. the destination's pre-activations. */
  grad: BindingResource;
  /** The batch-major input (rows × src f32); with `inputColumns`, bound but unread. */
  input: BindingResource;
  /** The input as byte columns instead (a batch of u8 inputs). */
  inputColumns?: ByteColumns;
}

/** The checks of what a weight-gradient kernel of a CSR block reads. */
function checkEdgeGradInputs(fn: string, a: EdgeGradInputs): void {
  checkSizes(fn, { rows: a.rows });
  checkBlock(fn, a.block);
  checkBindings(fn, { grad: level(a.grad, a.rows, a.block.dst, 'rows × dst'), ...inputNeeds(fn, a) });
}

/** Per-edge weight gradients. */
export async function edgeGrad(rec: Recorder, a: EdgeGradInputs & { wgrad: BindingResource }): Promise<Dispatch> {
  checkEdgeGradInputs('edgeGrad', a);
  checkBindings('edgeGrad', { wgrad: words(a.wgrad, a.block.edges, 'edges floats') });
  const kernel = await rec.kernels.get({ ...family('sparse'), entryPoint: 'edge_grad', constants: columnConstants(a.inputColumns) });
  const b = a.block;
  return prepare(
    rec,
    kernel,
    blockParams(a.rows, b, a.inputColumns),
    pickBindings(kernel, { dst_of: b.dstOf, src_of: b.srcOf, grad: a.grad, ...inputBindings(rec, a), wgrad: a.wgrad, chunks: b.chunks }),
    kernel.groupsFor1D(b.chunkCount),
  );
}

/**
 * The weight gradients of a CSR block out of the input level in parts of 32 rows, into
 * `partials` ({@link partFloats32} floats), for {@link edgeGradParts} with `partRows: 32` to
 * sum: how training takes them (the input as byte columns, or as batch-major f32 rows, the same
 * bits either way). Over byte columns it loads fewer values an edge than {@link edgeGrad}, which
 * sums in another order (the same to about 1e-7 relative).
 */
export async function edgeGradParts32(rec: Recorder, a: EdgeGradInputs & { partials: BindingResource }): Promise<Dispatch> {
  checkEdgeGradInputs('edgeGradParts32', a);
  checkBindings('edgeGradParts32', { partials: words(a.partials, partFloats32(a.rows, a.block.edges), 'partFloats32(rows, edges) floats') });
  // Four destinations that share their sources take one invocation.
  const group = a.block.sourceGroup;
  const kernel = await rec.kernels.get({ ...family('sparse'), entryPoint: 'edge_grad_parts32', constants: { ...columnConstants(a.inputColumns), PART_ROWS: COLUMN_ROWS, GROUP: group } });
  const b = a.block;
  return prepare(
    rec,
    kernel,
    blockParams(a.rows, b, a.inputColumns),
    pickBindings(kernel, { dst_ptr: b.dstPtr, src_of: b.srcOf, grad: a.grad, ...inputBindings(rec, a), partials: a.partials }),
    laneGroups(a.rows, COLUMN_ROWS, b.dst / group),
  );
}

/** Floats of the parts that {@link edgeGradParts32} leaves for `rows` rows of a block of `edges` edges (at least 4). */
export function partFloats32(rows: number, edges: number): number {
  return Math.max(4, Math.ceil(rows / COLUMN_ROWS) * edges);
}

/**
 * Per-edge weight gradients summed from the parts that {@link spmmTranspose} with `weightParts`
 * left in `partials` for the same rows.
 */
export async function edgeGradParts(
  rec: Recorder,
  a: {
    rows: number;
    block: CsrBuffers;
    partials: BindingResource;
    wgrad: BindingResource;
    /** The parts are at the edges' by-source positions, as {@link spmmTransposeColumns} leaves them. */
    bySource?: boolean;
    /** Rows a part covers: 16 (spmm_t's parts, the default) or 32 ({@link edgeGradParts32}'). */
    partRows?: 16 | 32;
  },
): Promise<Dispatch> {
  checkSizes('edgeGradParts', { rows: a.rows });
  checkBlock('edgeGradParts', a.block);
  const partials = a.partRows === 32 ? partFloats32(a.rows, a.block.edges) : edgePartFloats(a.rows, a.block.edges);
  checkBindings('edgeGradParts', {
    partials: words(a.partials, partials, `${a.partRows === 32 ? 'partFloats32' : 'edgePartFloats'}(rows, edges) floats`),
    wgrad: words(a.wgrad, a.block.edges, 'edges floats'),
  });
  const kernel = await rec.kernels.get({ ...family('sparse'), entryPoint: 'edge_grad_parts', constants: { BY_SOURCE: a.bySource ?? false, PART_ROWS: a.partRows ?? ROWS } });
  return prepare(
    rec,
    kernel,
    blockParams(a.rows, a.block),
    pickBindings(kernel, { partials: a.partials, wgrad: a.wgrad, src_edges: a.block.srcEdges }),
    kernel.groupsFor1D(a.block.edges),
  );
}

/**
 * A batch-major level (`rows` × `width` f32) as f32 columns in `out` (see {@link FloatColumns}),
 * for the column forms of {@link spmm} and {@link spmmTransposeColumns}.
 */
export async function toColumns(rec: Recorder, a: { rows: number; width: number; input: BindingResource; out: FloatColumns }): Promise<Dispatch> {
  checkSizes('toColumns', { rows: a.rows, width: a.width });
  const quads = checkedColumnWords('toColumns', a.rows, a.out);
  checkBindings('toColumns', { input: level(a.input, a.rows, a.width, 'rows × width'), 'out.buffer': words(a.out.buffer, a.width * quads * 4, 'width × quads × 4 floats') });
  const kernel = await rec.kernels.get({ ...family('sparse'), entryPoint: 'to_columns' });
  return prepare(
    rec,
    kernel,
    { rows: a.rows, dst: 0, src: a.width, edges: 0, chunks: 0, active_count: 0, column_words: quads, scale: 1 },
    pickBindings(kernel, { input: a.input, quads: a.out.buffer }),
    [Math.ceil(a.width / 64), a.out.quads, 1],
  );
}

/** A block's weights in by-source order (`out`, one float per edge), as {@link spmmTransposeColumns} reads them. */
export async function weightsBySource(rec: Recorder, a: { block: CsrBuffers; weight: BindingResource; out: BindingResource }): Promise<Dispatch> {
  checkBlock('weightsBySource', a.block);
  checkBindings('weightsBySource', { weight: words(a.weight, a.block.edges, 'edges floats'), out: words(a.out, a.block.edges, 'edges floats') });
  const kernel = await rec.kernels.get({ ...family('sparse'), entryPoint: 'weights_by_source' });
  return prepare(
    rec,
    kernel,
    blockParams(0, a.block),
    pickBindings(kernel, { weight: a.weight, src_edges: a.block.srcEdges, weight_by_src_out: a.out }),
    kernel.groupsFor1D(a.block.edges),
  );
}

/**
 * {@link spmmTranspose} over f32 columns: the gradient as columns of the destination level,
 * the weights in by-source order ({@link weightsBySource}); with `weightParts`, the input as
 * columns and the parts at the edges' by-source positions ({@link edgeGradParts} with
 * `bySource`). The same values, bit for bit: a lane takes 32 rows and loads each edge's
 * gradient rows as 8 vec4s, its weight and destination once, where spmm_t loads a row at a time.
 */
export async function spmmTransposeColumns(
  rec: Recorder,
  a: TransposeFinish & {
    rows: number;
    block: CsrBuffers;
    weightBySource: BindingResource;
    gradColumns: FloatColumns;
    out: BindingResource;
    /** Also write the weight gradient's parts into `partials` (at least {@link edgePartFloats} floats). */
    weightParts?: { inputColumns: FloatColumns; partials: BindingResource };
  },
): Promise<Dispatch> {
  const accumulate = a.accumulate ?? false;
  if (a.weightParts && a.weightParts.inputColumns.quads !== a.gradColumns.quads) {
    throw new ShapeError(`spmmTransposeColumns: weightParts.inputColumns has ${a.weightParts.inputColumns.quads} vec4s a column, gradColumns ${a.gradColumns.quads}: they must match`);
  }
  checkSizes('spmmTransposeColumns', { rows: a.rows });
  checkBlock('spmmTransposeColumns', a.block);
  const quads = checkedColumnWords('spmmTransposeColumns', a.rows, a.gradColumns);
  checkBindings('spmmTransposeColumns', {
    weightBySource: words(a.weightBySource, a.block.edges, 'edges floats'),
    'gradColumns.buffer': words(a.gradColumns.buffer, a.block.dst * quads * 4, 'dst × quads × 4 floats'),
    out: level(a.out, a.rows, a.block.src, 'rows × src'),
    aux: level(a.aux, a.rows, a.block.src, 'rows × src'),
    'weightParts.inputColumns.buffer': words(a.weightParts?.inputColumns.buffer, a.block.src * quads * 4, 'src × quads × 4 floats'),
    'weightParts.partials': words(a.weightParts?.partials, edgePartFloats(a.rows, a.block.edges), 'edgePartFloats(rows, edges) floats'),
  });
  // Four sources that share their destinations take one invocation (not when only the active
  // sources are visited: the groups are of all sources).
  const group = !accumulate && a.block.destinationGroup === 4 ? 4 : 1;
  const kernel = await rec.kernels.get({ ...family('sparse'), entryPoint: 'spmm_t_columns', constants: { ...transposeConstants(a), GROUP: group } });
  const b = a.block;
  const bindings = {
    src_ranges: accumulate ? b.activeSpans : b.srcPtr,
    weight_by_src: a.weightBySource,
    dst_by_src: b.dstBySource,
    grad_quads: a.gradColumns.buffer,
    // The source level's activations, for act' (sparse.wgsl reads them as `input`).
    input: a.aux ?? a.weightBySource,
    out: a.out,
    // Without weightParts the input and partials bindings are unread: bound to placeholders.
    input_quads: a.weightParts?.inputColumns.buffer ?? a.gradColumns.buffer,
    partials: a.weightParts?.partials ?? unusedOutput(rec),
  };
  return prepare(
    rec,
    kernel,
    blockParams(a.rows, b, a.gradColumns),
    pickBindings(kernel, bindings),
    group === 4 ? laneGroups(a.rows, GROUP_ROWS, b.src / 4) : transposeGroups(a.rows, COLUMN_ROWS, b, accumulate),
  );
}
