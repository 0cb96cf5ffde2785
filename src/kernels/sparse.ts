import type { Activation } from './activation.js';
import { activationCode } from './activation.js';
import { type Dispatch, noStats, pickBindings, prepare, type Recorder } from './dispatch.js';
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
  /** (first edge, count ≤ 8) pairs: runs of CSR edges into one destination, see {@link edgeChunks}. */
  chunks: BindingResource;
  chunkCount: number;
}

/** Edges per chunk of edge_grad (8 in sparse.wgsl). */
export const EDGE_CHUNK = 8;

/**
 * The work list of edge_grad: each destination's CSR edge run cut into chunks of at most
 * {@link EDGE_CHUNK}, as (first edge, count) pairs.
 */
export function edgeChunks(dstPtr: ArrayLike<number>, dst: number): Uint32Array {
  const pairs: number[] = [];
  for (let i = 0; i < dst; i++) {
    for (let e = dstPtr[i]!; e < dstPtr[i + 1]!; e += EDGE_CHUNK) pairs.push(e, Math.min(EDGE_CHUNK, dstPtr[i + 1]! - e));
  }
  return Uint32Array.from(pairs);
}

/** Batch rows per invocation of spmm / spmm_t (ROWS in sparse.wgsl). */
const ROWS = 8;

/** Forward through a sparse block: out (rows × dst) [+]= input · W, optionally finished with bias + activation. */
export async function spmm(
  rec: Recorder,
  a: {
    rows: number;
    block: CsrBuffers;
    weight: BindingResource;
    input: BindingResource;
    out: BindingResource;
    accumulate?: boolean;
    /** Finish with act(· + bias). */
    bias?: BindingResource;
    activation?: Activation;
  },
): Promise<Dispatch> {
  const kernel = await rec.kernels.get({
    ...family('sparse'),
    entryPoint: 'spmm',
    constants: { ACCUMULATE: a.accumulate ?? false, FINISH: a.bias ? 1 : 0, ACT: activationCode(a.activation ?? 'identity') },
  });
  const b = a.block;
  return prepare(
    rec,
    kernel,
    { rows: a.rows, dst: b.dst, src: b.src, edges: b.edges, chunks: b.chunkCount },
    pickBindings(kernel, { dst_ptr: b.dstPtr, src_of: b.srcOf, weight: a.weight, input: a.input, bias: a.bias ?? a.input, out: a.out }),
    [Math.ceil(a.rows / (8 * ROWS)), Math.ceil(b.dst / 8), 1],
  );
}

/** Input gradient through a sparse block: out (rows × src) [+]= grad · Wᵀ, optionally × act'(aux). */
export async function spmmTranspose(
  rec: Recorder,
  a: {
    rows: number;
    block: CsrBuffers;
    weight: BindingResource;
    grad: BindingResource;
    out: BindingResource;
    accumulate?: boolean;
    /** Finish by multiplying with act'(aux), aux the source level's activations. */
    aux?: BindingResource;
    activation?: Activation;
  },
): Promise<Dispatch> {
  const kernel = await rec.kernels.get({
    ...family('sparse'),
    entryPoint: 'spmm_t',
    constants: { ACCUMULATE: a.accumulate ?? false, FINISH: a.aux ? 2 : 0, ACT: activationCode(a.activation ?? 'identity') },
  });
  const b = a.block;
  return prepare(
    rec,
    kernel,
    { rows: a.rows, dst: b.dst, src: b.src, edges: b.edges, chunks: b.chunkCount },
    pickBindings(kernel, { src_ptr: b.srcPtr, src_edges: b.srcEdges, dst_of: b.dstOf, weight: a.weight, grad: a.grad, aux: a.aux ?? a.grad, out: a.out }),
    [Math.ceil(a.rows / (8 * ROWS)), Math.ceil(b.src / 8), 1],
  );
}

/** Per-edge weight gradients; with `stats`, also adds (|g|, g, g²) to 3 running sums per edge. */
export async function edgeGrad(
  rec: Recorder,
  a: { rows: number; block: CsrBuffers; grad: BindingResource; input: BindingResource; wgrad: BindingResource; stats?: BindingResource },
): Promise<Dispatch> {
  const kernel = await rec.kernels.get({ ...family('sparse'), entryPoint: 'edge_grad', constants: { STATS: Boolean(a.stats) } });
  const b = a.block;
  const stats = a.stats ?? noStats(rec);
  return prepare(
    rec,
    kernel,
    { rows: a.rows, dst: b.dst, src: b.src, edges: b.edges, chunks: b.chunkCount },
    pickBindings(kernel, { dst_of: b.dstOf, src_of: b.srcOf, grad: a.grad, input: a.input, wgrad: a.wgrad, edge_stats: stats, chunks: b.chunks }),
    kernel.groupsFor1D(b.chunkCount),
  );
}
