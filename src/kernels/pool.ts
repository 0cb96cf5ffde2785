import type { Activation } from './activation.js';
import { activationCode, activationGradConstants } from './activation.js';
import { type Dispatch, pickBindings, prepare, type Recorder, unusedOutput } from './dispatch.js';
import { unknownChoice } from '../args.js';
import { ConfigError } from '../errors.js';
import { checkBindings, checkSizes, words } from './bounds.js';
import type { BindingResource } from './kernel.js';
import type { CsrBlock } from '../graph/csr.js';
import { checkBlock, type CsrBuffers, csrBuffers, laneGroups } from './sparse.js';
import { family } from './sources.js';

/** A pooling level's windows on the GPU: a block's two edge orders, and whether they partition the sources. */
export interface PoolBuffers extends CsrBuffers {
  /** Every source is in exactly one window (see {@link partitions}). */
  partition: boolean;
}

/** Whether every source of `windows` is in exactly one window: 2×2 pooling with stride 2 over an even image, say. */
export function partitions(windows: CsrBlock): boolean {
  for (let j = 0; j < windows.src; j++) if (windows.srcPtr[j + 1]! - windows.srcPtr[j]! !== 1) return false;
  return true;
}

/** A pooling level's windows uploaded (`upload` as for {@link csrBuffers}). */
export function poolBuffers(windows: CsrBlock, upload: (name: string, values: Uint32Array) => BindingResource): PoolBuffers {
  return { ...csrBuffers(windows, upload), partition: partitions(windows) };
}

/** Batch rows an invocation of the pooling kernels takes (shaders/pool.wgsl; 8×8 workgroups, as the sparse kernels'). */
const POOL_ROWS = 4;

/** How a pooling level pools its windows: the largest value, or the mean. */
export type PoolKind = 'max' | 'average';

/** The kinds of pooling. */
export const POOL_KINDS: readonly PoolKind[] = ['max', 'average'];

/**
 * Pooling's forward (shaders/pool.wgsl `pool_forward`): `out[r, i]` = act(the largest
 * `input[r, j]` over window i's sources j), and `argmax[r, i]` = that source (the first in edge
 * order on a tie), for {@link poolGrad}; with `kind` `'average'`, act(the window's mean) and no
 * argmax. `windows` are the block's edges (each window at least one); `input` rows × src, `out`
 * rows × dst f32, `argmax` rows × dst u32.
 */
export async function poolForward(
  rec: Recorder,
  a: { rows: number; kind: PoolKind; windows: PoolBuffers; input: BindingResource; out: BindingResource; argmax?: BindingResource; activation?: Activation },
): Promise<Dispatch> {
  checkSizes('poolForward', { rows: a.rows });
  checkBlock('poolForward', a.windows);
  const argmax = winners(rec, 'poolForward', a);
  const { dst, src } = a.windows;
  checkBindings('poolForward', {
    input: words(a.input, a.rows * src, 'rows × src floats'),
    out: words(a.out, a.rows * dst, 'rows × dst floats'),
    argmax: words(a.kind === 'max' ? a.argmax : undefined, a.rows * dst, 'rows × dst u32s'),
  });
  const constants = { ACT: activationCode(a.activation ?? 'identity'), AVERAGE: a.kind === 'average' };
  const kernel = await rec.kernels.get({ ...family('pool'), entryPoint: 'pool_forward', constants });
  const w = a.windows;
  const bindings = { dst_ptr: w.dstPtr, src_of: w.srcOf, input: a.input, out: a.out, argmax };
  return prepare(rec, kernel, { rows: a.rows, dst: w.dst, src: w.src }, pickBindings(kernel, bindings), laneGroups(a.rows, POOL_ROWS, w.dst));
}

/**
 * Pooling's input gradient (shaders/pool.wgsl `pool_grad`): each source j gets the gradient of
 * every window whose maximum it held (`argmax`, as {@link poolForward} left it), or with `kind`
 * `'average'` each window's gradient ÷ its size, times act'(`aux`) (`aux` the source level's
 * activations, `activation` its activation), added to what `out` holds when `accumulate`.
 * `grad` rows × dst, `out` and `aux` rows × src. Where the windows partition the sources
 * ({@link partitions}) it runs window by window (`pool_grad_windows`), with the same values.
 */
export async function poolGrad(
  rec: Recorder,
  a: {
    rows: number;
    kind: PoolKind;
    windows: PoolBuffers;
    argmax?: BindingResource;
    grad: BindingResource;
    aux: BindingResource;
    activation: Activation;
    out: BindingResource;
    accumulate?: boolean;
    /** Dropout's keep probability on the source level (see `MatmulArgs.dropKeep`); default 1. */
    dropKeep?: number;
  },
): Promise<Dispatch> {
  checkSizes('poolGrad', { rows: a.rows });
  checkBlock('poolGrad', a.windows);
  const argmax = winners(rec, 'poolGrad', a);
  const { dst, src } = a.windows;
  checkBindings('poolGrad', {
    argmax: words(a.kind === 'max' ? a.argmax : undefined, a.rows * dst, 'rows × dst u32s'),
    grad: words(a.grad, a.rows * dst, 'rows × dst floats'),
    aux: words(a.aux, a.rows * src, 'rows × src floats'),
    out: words(a.out, a.rows * src, 'rows × src floats'),
  });
  const constants = { ...activationGradConstants(a.activation, a.dropKeep), ACCUMULATE: a.accumulate ?? false, AVERAGE: a.kind === 'average' };
  const w = a.windows;
  const byWindow = w.partition;
  const kernel = await rec.kernels.get({ ...family('pool'), entryPoint: byWindow ? 'pool_grad_windows' : 'pool_grad', constants });
  const bindings = { dst_ptr: w.dstPtr, src_of: w.srcOf, src_ptr: w.srcPtr, src_edges: w.srcEdges, dst_of: w.dstOf, argmax, grad: a.grad, aux: a.aux, out: a.out };
  return prepare(rec, kernel, { rows: a.rows, dst: w.dst, src: w.src }, pickBindings(kernel, bindings), laneGroups(a.rows, POOL_ROWS, byWindow ? w.dst : w.src));
}

/** Max pooling's winners; average pooling has none, and binds a placeholder it never reads. */
function winners(rec: Recorder, fn: string, a: { kind: PoolKind; argmax?: BindingResource }): BindingResource {
  if (!POOL_KINDS.includes(a.kind)) throw new ConfigError(`${fn}: ${unknownChoice('kind', a.kind, POOL_KINDS)}`);
  if (a.kind === 'average') return unusedOutput(rec);
  if (!a.argmax) throw new ConfigError(`${fn}: max pooling needs its argmax buffer`);
  return a.argmax;
}
