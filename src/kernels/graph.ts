import type { FusedTail } from '../graph/fusion.js';
import { activationCode } from './activation.js';
import { type Dispatch, noStats, pickBindings, prepare, type Recorder } from './dispatch.js';
import type { BindingResource, Kernel } from './kernel.js';
import { family } from './sources.js';

/** Batch rows per invocation of graph_forward / graph_backward (ROWS in shaders/graph.wgsl). */
const ROWS = 16;
/** Edges per chunk of graph_edge_grad at most. */
export const GRAPH_CHUNK = 8;

/** The tables of shaders/graph.wgsl (4 u32 per entry; see its header). */
export interface GraphTableValues {
  neurons: Uint32Array;
  edges: Uint32Array;
  sources: Uint32Array;
  outEdges: Uint32Array;
  chunks: Uint32Array;
}

/**
 * The graph kernels' tables for `tail`, whose level `id` starts at float `base(id)` of the
 * arenas (batch-major: row r, neuron i at base + r·size + i).
 */
export function graphTables(tail: FusedTail, base: (levelId: number) => number): GraphTableValues {
  const size = new Map(tail.levels.map((l) => [l.id, l.size]));
  const order = new Map(tail.levels.map((l, i) => [l.id, i]));
  const byEvaluation = (a: { src: number }, b: { src: number }) => order.get(a.src)! - order.get(b.src)!;
  const neurons: number[] = [];
  const edges: number[] = [];
  const chunks: number[][] = [];
  for (const level of tail.levels) {
    const into = tail.inner.filter((b) => b.dst === level.id).sort(byEvaluation);
    const pre = tail.outer.some((b) => b.dst === level.id) ? 1 : 0;
    const code = activationCode(level.activation);
    for (let i = 0; i < level.size; i++) {
      const at = base(level.id) + i;
      const first = edges.length / 4;
      for (const b of into) {
        for (let e = b.topology.dstPtr[i]!; e < b.topology.dstPtr[i + 1]!; e++) {
          edges.push(base(b.src) + b.topology.srcOf[e]!, size.get(b.src)!, b.weightOffset + e, 0);
        }
      }
      const end = edges.length / 4;
      neurons.push(at, level.size, first, end, level.biasOffset + i, code, pre, 0);
      for (let e = first; e < end; e += GRAPH_CHUNK) chunks.push([e, Math.min(GRAPH_CHUNK, end - e), at, level.size]);
      chunks.push([level.biasOffset + i, 0, at, level.size]);
    }
  }
  const sources: number[] = [];
  const outEdges: number[] = [];
  for (const level of tail.levels.slice(0, -1).reverse()) {
    const out = tail.inner.filter((b) => b.src === level.id);
    const code = activationCode(level.activation);
    for (let j = 0; j < level.size; j++) {
      const first = outEdges.length / 4;
      for (const b of out) {
        const t = b.topology;
        for (let s = t.srcPtr[j]!; s < t.srcPtr[j + 1]!; s++) {
          const e = t.srcEdges[s]!;
          outEdges.push(base(b.dst) + t.dstOf[e]!, size.get(b.dst)!, b.weightOffset + e, 0);
        }
      }
      sources.push(base(level.id) + j, level.size, first, outEdges.length / 4, code, 0, 0, 0);
    }
  }
  // By falling count (biases last), so neighbouring invocations take the same branch.
  chunks.sort((a, b) => b[1]! - a[1]!);
  return {
    neurons: Uint32Array.from(neurons),
    edges: Uint32Array.from(edges),
    sources: Uint32Array.from(sources),
    outEdges: Uint32Array.from(outEdges),
    chunks: Uint32Array.from(chunks.flat()),
  };
}

/** The tables on the GPU, with their entry counts. */
export interface GraphTables {
  neurons: BindingResource;
  edges: BindingResource;
  sources: BindingResource;
  outEdges: BindingResource;
  chunks: BindingResource;
  neuronCount: number;
  sourceCount: number;
  chunkCount: number;
}

/** Upload `values` with `upload` (never given an empty array: bindings need at least 16 bytes here). */
export function uploadGraphTables(values: GraphTableValues, upload: (name: string, values: Uint32Array) => BindingResource): GraphTables {
  const up = (name: string, v: Uint32Array) => upload(name, v.length ? v : new Uint32Array(4));
  return {
    neurons: up('neurons', values.neurons),
    edges: up('edges', values.edges),
    sources: up('sources', values.sources),
    outEdges: up('outEdges', values.outEdges),
    chunks: up('chunks', values.chunks),
    neuronCount: values.neurons.length / 8,
    sourceCount: values.sources.length / 8,
    chunkCount: values.chunks.length / 4,
  };
}

/** Workgroups of graph_forward / graph_backward: one invocation per {@link ROWS} batch rows. */
function rowGroups(rows: number, kernel: Kernel): [number, number, number] {
  return [Math.ceil(rows / (ROWS * kernel.workgroupSize[0])), 1, 1];
}

function graphParams(rows: number, t: GraphTables): Record<string, number> {
  return { rows, neurons: t.neuronCount, sources: t.sourceCount, chunks: t.chunkCount };
}

/** Every tail neuron's activation for `rows` batch rows, into the activation arena. */
export async function graphForward(
  rec: Recorder,
  a: { rows: number; tables: GraphTables; params: BindingResource; arena: BindingResource },
): Promise<Dispatch> {
  const kernel = await rec.kernels.get({ ...family('graph'), entryPoint: 'graph_forward' });
  const t = a.tables;
  return prepare(rec, kernel, graphParams(a.rows, t), pickBindings(kernel, { neurons: t.neurons, edges: t.edges, param: a.params, arena: a.arena }), rowGroups(a.rows, kernel));
}

/** Every hidden tail neuron's pre-activation gradient, into the gradient arena (the output level's must be there). */
export async function graphBackward(
  rec: Recorder,
  a: { rows: number; tables: GraphTables; params: BindingResource; activations: BindingResource; gradients: BindingResource },
): Promise<Dispatch> {
  const kernel = await rec.kernels.get({ ...family('graph'), entryPoint: 'graph_backward' });
  const t = a.tables;
  const bindings = { sources: t.sources, out_edges: t.outEdges, param: a.params, act: a.activations, grad_out: a.gradients };
  return prepare(rec, kernel, graphParams(a.rows, t), pickBindings(kernel, bindings), rowGroups(a.rows, kernel));
}

/** Gradients of the tail's edge weights and biases, into `wgrad` (the flat gradient buffer); with `stats`, the edges' running statistics too. */
export async function graphEdgeGrad(
  rec: Recorder,
  a: { rows: number; tables: GraphTables; activations: BindingResource; gradients: BindingResource; wgrad: BindingResource; stats?: BindingResource },
): Promise<Dispatch> {
  const kernel = await rec.kernels.get({ ...family('graph'), entryPoint: 'graph_edge_grad', constants: { STATS: Boolean(a.stats) } });
  const t = a.tables;
  const bindings = { chunks: t.chunks, edges: t.edges, act: a.activations, grad: a.gradients, wgrad: a.wgrad, edge_stats: a.stats ?? noStats(rec) };
  return prepare(rec, kernel, graphParams(a.rows, t), pickBindings(kernel, bindings), kernel.groupsFor1D(t.chunkCount));
}
