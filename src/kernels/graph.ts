import { type FusedTail, feederAdds } from '../graph/fusion.js';
import { type Block, storageIndex } from '../graph/structure.js';
import { activationCode } from './activation.js';
import { type Dispatch, pickBindings, prepare, type Recorder } from './dispatch.js';
import { checkBindings, checkSizes, words } from './bounds.js';
import { checkDropoutRate, type DropoutMasks, dropoutKeep, dropoutScale, dropoutThreshold } from './dropout.js';
import { type BindingResource, type Kernel, reflectedWorkgroupSize } from './kernel.js';
import { family } from './sources.js';

/** Batch rows per invocation of graph_forward / graph_backward (ROWS in shaders/graph.wgsl). */
export const GRAPH_ROWS = 16;

/**
 * Batch rows per workgroup of graph_forward and graph_backward (the fewer of the two): their
 * `@workgroup_size` as shaders/graph.wgsl writes it, {@link GRAPH_ROWS} rows an invocation.
 */
export function graphWorkgroupRows(): number {
  const invocations = (entryPoint: string) => reflectedWorkgroupSize({ ...family('graph'), entryPoint })[0];
  return GRAPH_ROWS * Math.min(invocations('graph_forward'), invocations('graph_backward'));
}

/**
 * Output levels of at most this many neurons (a classifier's) take their tail edges densely
 * (OUTPUTS in shaders/graph.wgsl): each source's rows are loaded once for all the outputs, and
 * the outputs' gradients once per invocation, instead of one source or gradient row load per
 * edge and row.
 */
export const GRAPH_DENSE_OUTPUTS_MAX = 12;

/** An absent edge in the `outputEdges` table. */
const NONE = 0xffffffff;

/** The tables of shaders/graph.wgsl (4 u32 per entry; see its header). */
export interface GraphTableValues {
  neurons: Uint32Array;
  edges: Uint32Array;
  sources: Uint32Array;
  outEdges: Uint32Array;
  /**
   * Per tail neuron in the order of `neurons`: its level's id, its index, 1 where its level is
   * hidden (0 the output), its level's size (where dropout's mask is drawn); then the same
   * entry again for each hidden tail neuron in the order of `sources` (where the backward
   * walks them).
   */
  drops: Uint32Array;
  /**
   * With dense outputs (`denseOutputs` > 0): per hidden tail neuron's entry of `sources` and
   * output neuron, the edge's entry in `outEdges` and its weight's parameter index (2 u32), or
   * 0xffffffff twice where the neuron has no edge to that output, each neuron's row padded to
   * whole entries of 4 u32; empty otherwise.
   */
  outputEdges: Uint32Array;
  /** The output level's size where its tail edges run densely (≤ {@link GRAPH_DENSE_OUTPUTS_MAX}), else 0. */
  denseOutputs: number;
  /** The feeders' entries at the end of `sources`. */
  feederSources: number;
  /** The output level's neurons: the last entries of `neurons`. */
  outputs: number;
  /**
   * The activation codes of the tail's levels and feeders, bit c for code c (ACTS_BY in
   * shaders/activation.wgsl): the graph kernels compile only those cases.
   */
  activationCodes: number;
  /**
   * Whether a hidden tail level is not ReLU: under dropout the backward then draws such a
   * level's masks again (`DROP_REDRAW`), where a ReLU level's derivative already holds them.
   */
  redrawsMasks: boolean;
}

/**
 * The graph kernels' tables for `tail`, whose level `id` starts at float `base(id)` of its
 * arenas (the tail's, or the feeders'; batch-major: row r, neuron i at base + r·size + i).
 */
export function graphTables(tail: FusedTail, base: (levelId: number) => number): GraphTableValues {
  const reached = [...tail.feeders, ...tail.levels];
  const size = new Map(reached.map((l) => [l.id, l.size]));
  const order = new Map(reached.map((l, i) => [l.id, i]));
  const byEvaluation = (a: { src: number }, b: { src: number }) => order.get(a.src)! - order.get(b.src)!;
  const walked = [...tail.fed, ...tail.inner];
  const feeder = new Set(tail.feeders.map((l) => l.id));
  const output = tail.levels[tail.levels.length - 1]!;
  const denseOutputs = output.size <= GRAPH_DENSE_OUTPUTS_MAX ? output.size : 0;
  const neurons: number[] = [];
  const edges: number[] = [];
  const drops: number[] = [];
  for (const level of tail.levels) {
    // Dense outputs: the output level's in-edges from the tail's own levels are walked from
    // their sources (outputEdges); only those from feeders stay here.
    const into = walked.filter((b) => b.dst === level.id && !(level === output && denseOutputs && !feeder.has(b.src))).sort(byEvaluation);
    const pre = tail.outer.some((b) => b.dst === level.id) ? 1 : 0;
    const code = activationCode(level.activation);
    for (let i = 0; i < level.size; i++) {
      const at = base(level.id) + i;
      const first = edges.length / 4;
      // Edges from feeders first (feeders come first in evaluation order): [first, mid).
      let mid = first;
      for (const b of into) {
        for (let e = b.topology.dstPtr[i]!; e < b.topology.dstPtr[i + 1]!; e++) {
          edges.push(base(b.src) + b.topology.srcOf[e]!, size.get(b.src)!, b.weightOffset + storageIndex(b, e), 0);
        }
        if (feeder.has(b.src)) mid = edges.length / 4;
      }
      const end = edges.length / 4;
      neurons.push(at, level.size, first, end, level.biasOffset + i, code, pre, mid);
      drops.push(level.id, i, level === output ? 0 : 1, level.size);
    }
  }
  const sources: number[] = [];
  const outEdges: number[] = [];
  const outputEdges: number[] = [];
  const sourceDrops: number[] = [];
  let feederSources = 0;
  // Source j's out-edges in `blocks` onto outEdges; into `row` (outputEdges' for j) too, if given.
  const pushOutEdges = (blocks: readonly Block[], j: number, row?: number[]) => {
    for (const b of blocks) {
      const t = b.topology;
      for (let s = t.srcPtr[j]!; s < t.srcPtr[j + 1]!; s++) {
        const e = t.srcEdges[s]!;
        const param = b.weightOffset + storageIndex(b, e);
        if (row) {
          row[2 * t.dstOf[e]!] = outEdges.length / 4;
          row[2 * t.dstOf[e]! + 1] = param;
        }
        outEdges.push(base(b.dst) + t.dstOf[e]!, size.get(b.dst)!, param, 0);
      }
    }
  };
  // The tail's hidden levels, then its feeders, later levels first. A feeder whose blocks into
  // the output level wrote its gradient already gets its fed edges' part added (adds = 1), and
  // only its neurons with such edges are listed; otherwise every neuron is written.
  for (const level of [...tail.feeders, ...tail.levels.slice(0, -1)].reverse()) {
    const out = walked.filter((b) => b.src === level.id);
    const code = activationCode(level.activation);
    const adds = feeder.has(level.id) && feederAdds(tail, level) ? 1 : 0;
    // Dense outputs: a hidden tail neuron's edges into hidden levels first, then those into the
    // outputs (a feeder's are all walked as edges: its rows live in the feeder arena).
    const byEdge = !denseOutputs || feeder.has(level.id);
    const hiddenOut = byEdge ? out : out.filter((b) => b.dst !== output.id);
    const outputOut = byEdge ? [] : out.filter((b) => b.dst === output.id);
    for (let j = 0; j < level.size; j++) {
      const first = outEdges.length / 4;
      pushOutEdges(hiddenOut, j);
      const hiddenEnd = outEdges.length / 4;
      // This neuron's outputEdges row: with dense outputs, for hidden tail neurons only.
      const row = byEdge ? undefined : new Array<number>(2 * denseOutputs).fill(NONE);
      pushOutEdges(outputOut, j, row);
      const end = outEdges.length / 4;
      if (adds && end === first) continue;
      const bias = feeder.has(level.id) ? 0 : level.biasOffset + j;
      sources.push(base(level.id) + j, level.size, first, end, code, adds, bias, hiddenEnd);
      if (feeder.has(level.id)) feederSources++;
      else sourceDrops.push(level.id, j, 1, level.size);
      if (row) outputEdges.push(...row, ...(row.length % 4 ? [NONE, NONE] : []));
    }
  }
  const activationCodes = reached.reduce((bits, l) => bits | (1 << activationCode(l.activation)), 0);
  return {
    neurons: Uint32Array.from(neurons),
    edges: Uint32Array.from(edges),
    sources: Uint32Array.from(sources),
    outEdges: Uint32Array.from(outEdges),
    drops: Uint32Array.from([...drops, ...sourceDrops]),
    outputEdges: Uint32Array.from(outputEdges),
    denseOutputs,
    feederSources,
    outputs: output.size,
    activationCodes,
    redrawsMasks: tail.levels.slice(0, -1).some((l) => l.activation !== 'relu'),
  };
}

/**
 * The tables on the GPU, with their entry counts: `neurons`, `edges`, `sources`, `outEdges`,
 * `drops` and `outputEdges` one after another in one buffer (`tables`, vec4 entries;
 * graph_backward under dropout binds 8 storage buffers, WebGPU's default limit), each from its
 * entry offset.
 */
export interface GraphTables {
  tables: BindingResource;
  /** Entry (vec4) of `tables` where `edges` starts; `neurons` starts at 0. */
  edgesAt: number;
  /** Entry where `sources` starts. */
  sourcesAt: number;
  /** Entry where `outEdges` starts. */
  outEdgesAt: number;
  /** Entry where `drops` starts. */
  dropsAt: number;
  /** Entry where `outputEdges` starts. */
  outputEdgesAt: number;
  /** See {@link GraphTableValues}. */
  denseOutputs: number;
  neuronCount: number;
  sourceCount: number;
  /** Entries of `outEdges`: every edge the tables hold. */
  outEdgeCount: number;
  /** See {@link GraphTableValues}. */
  feederSourceCount: number;
  outputCount: number;
  activationCodes: number;
  /** See {@link GraphTableValues}. */
  redrawsMasks: boolean;
}

/** Upload `values` with `upload` (never given an empty array: bindings need at least 16 bytes here). */
export function uploadGraphTables(values: GraphTableValues, upload: (name: string, values: Uint32Array) => BindingResource): GraphTables {
  const parts = [values.neurons, values.edges, values.sources, values.outEdges, values.drops, values.outputEdges];
  const tables = new Uint32Array(parts.reduce((n, p) => n + p.length, 0));
  const at = parts.map((_, i) => parts.slice(0, i).reduce((n, p) => n + p.length, 0));
  parts.forEach((p, i) => tables.set(p, at[i]));
  return {
    tables: upload('tables', tables.length ? tables : new Uint32Array(4)),
    edgesAt: at[1]! / 4,
    sourcesAt: at[2]! / 4,
    outEdgesAt: at[3]! / 4,
    dropsAt: at[4]! / 4,
    outputEdgesAt: at[5]! / 4,
    denseOutputs: values.denseOutputs,
    neuronCount: values.neurons.length / 8,
    sourceCount: values.sources.length / 8,
    outEdgeCount: values.outEdges.length / 4,
    feederSourceCount: values.feederSources,
    outputCount: values.outputs,
    activationCodes: values.activationCodes,
    redrawsMasks: values.redrawsMasks,
  };
}

/** Workgroups of graph_forward / graph_backward: one invocation per {@link GRAPH_ROWS} batch rows. */
function rowGroups(rows: number, kernel: Kernel): [number, number, number] {
  return [Math.ceil(rows / (GRAPH_ROWS * kernel.workgroupSize[0])), 1, 1];
}

function graphParams(rows: number, t: GraphTables, drop?: { rate: number; seed?: number }): Record<string, number> {
  return {
    drops_at: t.dropsAt,
    output_edges_at: t.outputEdgesAt,
    drop_seed: drop?.seed ?? 0,
    drop_threshold: drop ? dropoutThreshold(drop.rate) : 0,
    drop_scale: drop ? dropoutScale(drop.rate) : 1,
    drop_keep: drop ? dropoutKeep(drop.rate) : 1,
    rows,
    neurons: t.neuronCount,
    sources: t.sourceCount,
    out_edges: t.outEdgeCount,
    feeder_sources: t.feederSourceCount,
    outputs: t.outputCount,
    edges_at: t.edgesAt,
    sources_at: t.sourcesAt,
    out_edges_at: t.outEdgesAt,
  };
}

/** Entries of the partial gradients: every edge of the tables, then every hidden tail neuron's bias. */
function partialEntries(t: Pick<GraphTables, 'outEdgeCount' | 'sourceCount' | 'feederSourceCount'>): number {
  return t.outEdgeCount + t.sourceCount - t.feederSourceCount;
}

/**
 * Floats of the partial gradients that graph_backward writes for `rows` batch rows and
 * graph_edge_grad sums: per {@link GRAPH_ROWS} rows, one for each edge of the tables and each
 * hidden tail neuron's bias (at least 4).
 */
export function graphPartialFloats(rows: number, tables: Pick<GraphTables, 'outEdgeCount' | 'sourceCount' | 'feederSourceCount'>): number {
  return partialFloats(rows, partialEntries(tables));
}

/** {@link graphPartialFloats} of `tail`'s tables, from the tail itself (before they are built). */
export function tailPartialFloats(rows: number, tail: FusedTail): number {
  const edges = [...tail.fed, ...tail.inner].reduce((n, b) => n + b.topology.srcOf.length, 0);
  const hiddenNeurons = tail.levels.slice(0, -1).reduce((n, l) => n + l.size, 0);
  return partialFloats(rows, edges + hiddenNeurons);
}

function partialFloats(rows: number, entries: number): number {
  return Math.max(4, Math.ceil(rows / GRAPH_ROWS) * entries);
}

/**
 * The partial gradients' binding against {@link graphPartialFloats}. The arenas and parameters
 * are reached through the tables' values (offsets that stay on the GPU), and are not checked.
 */
function checkPartials(fn: string, a: { rows: number; tables: GraphTables; partials: BindingResource }): void {
  checkSizes(fn, { rows: a.rows });
  checkBindings(fn, { partials: words(a.partials, graphPartialFloats(a.rows, a.tables), 'graphPartialFloats(rows, tables) floats') });
}

/** `drop` where it drops anything (checked), else undefined. */
function checkDrop(fn: string, drop: DropoutMasks | undefined): DropoutMasks | undefined {
  if (!drop || checkDropoutRate(`${fn}: drop.rate`, drop.rate) === 0) return undefined;
  checkSizes(fn, { 'drop.seed': drop.seed });
  checkBindings(fn, { counter: words(drop.counter, 1, 'the step') });
  return drop;
}

/**
 * Every tail neuron's activation for `rows` batch rows, into the activation arena (reading the
 * feeders' from theirs); with `drop`, each hidden tail level's dropped out as `dropout` would.
 */
export async function graphForward(
  rec: Recorder,
  a: { rows: number; tables: GraphTables; params: BindingResource; arena: BindingResource; feederArena: BindingResource; drop?: DropoutMasks },
): Promise<Dispatch> {
  const t = a.tables;
  const drop = checkDrop('graphForward', a.drop);
  const kernel = await rec.kernels.get({ ...family('graph'), entryPoint: 'graph_forward', constants: { ACTS_BY: t.activationCodes, OUTPUTS: t.denseOutputs, DROP: Boolean(drop) } });
  // Without dropout the counter is never read; the parameters stand in for it.
  const bindings = { tables: t.tables, param: a.params, arena: a.arena, feed_act: a.feederArena, counter: drop?.counter ?? a.params };
  return prepare(rec, kernel, graphParams(a.rows, t, drop), pickBindings(kernel, bindings), rowGroups(a.rows, kernel));
}

/**
 * Every hidden tail neuron's pre-activation gradient, into the gradient arena (the output
 * level's must be there), and the feeders' (added to or written, see the sources table); and
 * every tail edge's weight gradient and every hidden tail neuron's bias gradient in parts of
 * 16 rows into `partials` (at least {@link graphPartialFloats} floats), which
 * {@link graphEdgeGrad} then sums. `drop`: the forward's dropout (the same masks): a hidden
 * tail neuron's gradient is its derivative at the value before dropout times its factor, 0 or
 * 1 / (1 − rate); a feeder's derivative is taken at its value before dropout where it was kept,
 * and its mask is left to `dropout`'s backward, as the block kernels do.
 */
export async function graphBackward(
  rec: Recorder,
  a: {
    rows: number;
    tables: GraphTables;
    params: BindingResource;
    activations: BindingResource;
    gradients: BindingResource;
    feederActivations: BindingResource;
    feederGradients: BindingResource;
    partials: BindingResource;
    drop?: DropoutMasks;
  },
): Promise<Dispatch> {
  const t = a.tables;
  checkPartials('graphBackward', a);
  const drop = checkDrop('graphBackward', a.drop);
  const constants = { ACTS_BY: t.activationCodes, OUTPUTS: t.denseOutputs, DROP: Boolean(drop), DROP_REDRAW: Boolean(drop) && t.redrawsMasks };
  const kernel = await rec.kernels.get({ ...family('graph'), entryPoint: 'graph_backward', constants });
  const bindings = {
    tables: t.tables,
    param: a.params,
    act: a.activations,
    grad_out: a.gradients,
    feed_act: a.feederActivations,
    feed_grad: a.feederGradients,
    partials: a.partials,
    // Without dropout the counter is never read; the parameters stand in for it.
    counter: drop?.counter ?? a.params,
  };
  return prepare(rec, kernel, graphParams(a.rows, t, drop), pickBindings(kernel, bindings), rowGroups(a.rows, kernel));
}

/**
 * Gradients of the tail's edge weights (its feeders' edges into it included) and hidden biases,
 * summed from the parts that {@link graphBackward} left in `partials` for the same rows, and of
 * its output biases (from the gradient arena), into `wgrad` (the flat gradient buffer).
 */
export async function graphEdgeGrad(
  rec: Recorder,
  a: {
    rows: number;
    tables: GraphTables;
    gradients: BindingResource;
    partials: BindingResource;
    wgrad: BindingResource;
  },
): Promise<Dispatch> {
  const t = a.tables;
  checkPartials('graphEdgeGrad', a);
  const kernel = await rec.kernels.get({ ...family('graph'), entryPoint: 'graph_edge_grad' });
  const bindings = { tables: t.tables, partials: a.partials, grad: a.gradients, wgrad: a.wgrad };
  return prepare(rec, kernel, graphParams(a.rows, t), pickBindings(kernel, bindings), kernel.groupsFor1D(partialEntries(t) + t.outputCount));
}
