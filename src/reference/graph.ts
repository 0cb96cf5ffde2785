/** CPU reference of a whole graph network (float64) over its flat parameter buffer. */
import { type Block, type Level, type Structure, storageIndex } from '../graph/structure.js';
import { type FusedTail, feederAdds } from '../graph/fusion.js';
import { dropoutKeep, dropoutScale } from '../kernels/dropout.js';
import { activate, activateGrad } from './dense.js';
import { dropoutMaskRef } from './dropout.js';
import { mseRef, softmaxXentRef } from './loss.js';
import { poolRef } from './pool.js';
import { edgeGradRef, spmmRef, spmmTRef } from './sparse.js';

/** A block's weights in edge-id (CSR) order, whatever its storage form. */
export function edgeWeights(b: Block, params: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: b.topology.srcOf.length }, (_, e) => params[b.weightOffset + storageIndex(b, e)]!);
}

/**
 * Dropout of a training step (see `FitOptions.dropout`): its rate, the masks' seed and the step
 * they are drawn for; `inputRate`, the inputs' (`FitOptions.inputDropout`; default 0).
 */
export interface DropoutRef {
  rate: number;
  seed: number;
  step: number;
  inputRate?: number;
}

/** A hidden level's factor per value (rows × size) under `drop`: 0 dropped, 1 / (1 − rate) kept; null without dropout. */
function levelFactors(level: Level, rows: number, drop: DropoutRef | undefined, rate = drop?.rate ?? 0): Float64Array | null {
  if (!drop || rate <= 0) return null;
  const scale = dropoutScale(rate);
  return Float64Array.from(dropoutMaskRef(rows * level.size, rate, drop.seed, level.id, drop.step), (keep) => keep * scale);
}

/** Each dropped level's factor per value under `drop` (0 dropped, 1 / (1 − rate) kept), by level id; none without dropout. */
function dropoutFactors(s: Structure, rows: number, drop: DropoutRef | undefined): Map<number, Float64Array> {
  const factors = new Map<number, Float64Array>();
  if (!drop) return factors;
  const dropped = (level: Level, rate: number) => {
    const f = levelFactors(level, rows, drop, rate);
    if (f) factors.set(level.id, f);
  };
  dropped(s.input, drop.inputRate ?? 0);
  for (const level of s.levels.filter((l) => l.role === 'hidden')) dropped(level, drop.rate);
  return factors;
}

/** Activations of every level for `x` (rows × inputs), by level id; with `drop`, each hidden level's (and the inputs', at `drop.inputRate`) after dropout. */
export function graphForwardRef(s: Structure, params: ArrayLike<number>, x: ArrayLike<number>, rows: number, drop?: DropoutRef): Map<number, Float64Array> {
  return forwardLevels(s, params, x, rows, dropoutFactors(s, rows, drop)).acts;
}

/** The activations (after dropout, `factors`) and the activations before it, by level id. */
function forwardLevels(s: Structure, params: ArrayLike<number>, x: ArrayLike<number>, rows: number, factors: ReadonlyMap<number, Float64Array>) {
  const inputFactor = factors.get(s.input.id);
  const acts = new Map<number, Float64Array>([[s.input.id, Float64Array.from(x, (v, i) => (inputFactor ? v * inputFactor[i]! : v))]]);
  const undropped = new Map<number, Float64Array>();
  for (const level of s.levels.slice(1)) {
    let a: Float64Array;
    if (level.pool) {
      a = poolRef(level.pool.topology, acts.get(level.pool.source)!, rows, level.activation, level.pool.kind).out;
    } else {
      a = new Float64Array(rows * level.size);
      for (const b of s.blocksInto(level.id)) {
        const part = spmmRef(b.topology, edgeWeights(b, params), acts.get(b.src)!, rows);
        for (let i = 0; i < a.length; i++) a[i] = a[i]! + part[i]!;
      }
      for (let i = 0; i < a.length; i++) a[i] = activate(level.activation, a[i]! + params[level.biasOffset + (i % level.size)]!);
    }
    undropped.set(level.id, a);
    const factor = factors.get(level.id);
    acts.set(level.id, factor ? a.map((v, i) => v * factor[i]!) : a);
  }
  return { acts, undropped };
}

/** Network outputs (rows × outputs). */
export function graphOutputRef(s: Structure, params: ArrayLike<number>, x: ArrayLike<number>, rows: number): Float64Array {
  return graphForwardRef(s, params, x, rows).get(s.output.id)!;
}

/** Mean loss of the graph network over the rows (with `drop`, under that step's dropout). */
export function graphLossRef(
  s: Structure,
  params: ArrayLike<number>,
  x: ArrayLike<number>,
  rows: number,
  y: { labels: ArrayLike<number> } | { targets: ArrayLike<number> },
  drop?: DropoutRef,
): number {
  const out = graphForwardRef(s, params, x, rows, drop).get(s.output.id)!;
  const classes = s.output.size;
  const sum = 'labels' in y ? softmaxXentRef(out, y.labels, rows, classes).lossSum : mseRef(out, y.targets, rows, classes).lossSum;
  return sum / rows;
}


/**
 * The gradient of the mean loss over the rows with respect to every slot of the flat parameter
 * buffer (laid out as `params`; 0 where a slot holds no parameter), by backpropagation in
 * float64 through every block and level of `s`. Activation derivatives are taken from the
 * activations, as the kernels take them (ReLU's is 0 at 0), so a split neuron sitting exactly
 * on its kink compares exactly, where finite differences average the two sides. Levels that
 * pool and blocks that share weights are not covered (their tests use finite differences
 * over the shared values). `y.smoothing`: the softmax cross-entropy's label smoothing (default 0);
 * `y.classWeights`: its class weights (default none). `drop`: the gradient under that step's
 * dropout, each hidden level's derivative taken as d(factor · act(z))/dz from the activations
 * before dropout (not as the kernels take it, from those after).
 */
export function graphGradientsRef(
  s: Structure,
  params: ArrayLike<number>,
  x: ArrayLike<number>,
  rows: number,
  y: { labels: ArrayLike<number>; smoothing?: number; classWeights?: ArrayLike<number> } | { targets: ArrayLike<number> },
  drop?: DropoutRef,
): Float64Array {
  if (s.levels.some((l) => l.pool) || s.blocks.some((b) => b.ties)) throw new Error('graphGradientsRef: pooling levels and shared weights are not covered');
  const factors = dropoutFactors(s, rows, drop);
  const { acts, undropped } = forwardLevels(s, params, x, rows, factors);
  const out = acts.get(s.output.id)!;
  const classes = s.output.size;
  // Gradients with respect to each level's pre-activations (rows × size), from the output back.
  const pre = new Map<number, Float64Array>([[s.output.id, 'labels' in y ? softmaxXentRef(out, y.labels, rows, classes, 1 / rows, y.smoothing, y.classWeights).grad : mseRef(out, y.targets, rows, classes).grad]]);
  const grads = new Float64Array(params.length);
  const levels = s.levels.slice(1);
  for (let li = levels.length - 1; li >= 0; li--) {
    const level = levels[li]!;
    let g = pre.get(level.id);
    if (!g) {
      // Levels evaluate in list order, so every level this one feeds is done.
      g = new Float64Array(rows * level.size);
      for (const b of s.blocks.filter((b) => b.src === level.id)) {
        const into = spmmTRef(b.topology, edgeWeights(b, params), pre.get(b.dst)!, rows);
        for (let i = 0; i < g.length; i++) g[i] = g[i]! + into[i]!;
      }
      const a = undropped.get(level.id)!;
      const factor = factors.get(level.id);
      for (let i = 0; i < g.length; i++) g[i] = g[i]! * activateGrad(level.activation, a[i]!) * (factor ? factor[i]! : 1);
      pre.set(level.id, g);
    }
    for (let r = 0; r < rows; r++) for (let i = 0; i < level.size; i++) grads[level.biasOffset + i] = grads[level.biasOffset + i]! + g[r * level.size + i]!;
    for (const b of s.blocksInto(level.id)) {
      const edgeGrads = edgeGradRef(b.topology, g, acts.get(b.src)!, rows);
      for (let e = 0; e < edgeGrads.length; e++) grads[b.weightOffset + storageIndex(b, e)] = edgeGrads[e]!;
    }
  }
  return grads;
}

/**
 * CPU reference of graph_forward (shaders/graph.wgsl): each tail level's activations, in
 * evaluation order, from its pre-sum (`pre`, by level id; absent = 0), the tail's own edges,
 * the edges from its feeders (whose activations `feeders` holds, by level id) and the biases;
 * with `drop` (DROP), each hidden tail level's after that step's dropout.
 */
export function tailForwardRef(
  tail: FusedTail,
  params: ArrayLike<number>,
  pre: ReadonlyMap<number, ArrayLike<number>>,
  rows: number,
  feeders: ReadonlyMap<number, ArrayLike<number>> = new Map(),
  drop?: DropoutRef,
): Map<number, Float64Array> {
  const output = tail.levels[tail.levels.length - 1]!;
  const acts = new Map<number, ArrayLike<number>>(feeders);
  const tailActs = new Map<number, Float64Array>();
  for (const level of tail.levels) {
    const z = Float64Array.from(pre.get(level.id) ?? new Float64Array(rows * level.size));
    for (const b of [...tail.fed, ...tail.inner].filter((x) => x.dst === level.id)) {
      const part = spmmRef(b.topology, edgeWeights(b, params), acts.get(b.src)!, rows);
      for (let i = 0; i < z.length; i++) z[i] = z[i]! + part[i]!;
    }
    const f = level !== output ? levelFactors(level, rows, drop) : null;
    const a = z.map((v, i) => activate(level.activation, v + params[level.biasOffset + (i % level.size)]!) * (f ? f[i]! : 1));
    acts.set(level.id, a);
    tailActs.set(level.id, a);
  }
  return tailActs;
}

/**
 * CPU reference of graph_backward: the gradients (w.r.t. pre-activations) of the tail's hidden
 * levels and of its feeders, later levels first, from the output level's gradient and the
 * activations (`acts`: the tail's and the feeders'). A feeder that `feederAdds` (graph/fusion.ts) gets its
 * part added to what `before` holds for it (its gradient from its blocks into the output).
 * `drop` (DROP, the forward's): every derivative is taken at the dropped-out activation times
 * 1 − rate (the value before dropout where it was kept), and a hidden tail level's gradient is
 * multiplied by its dropout factors; a feeder's is not (its mask is applied after the graph
 * kernels, as the block kernels apply it).
 */
export function tailBackwardRef(
  tail: FusedTail,
  params: ArrayLike<number>,
  acts: ReadonlyMap<number, ArrayLike<number>>,
  outputGrad: ArrayLike<number>,
  rows: number,
  before: ReadonlyMap<number, ArrayLike<number>> = new Map(),
  drop?: DropoutRef,
): Map<number, Float64Array> {
  const keep = drop && drop.rate > 0 ? dropoutKeep(drop.rate) : 1;
  const output = tail.levels[tail.levels.length - 1]!;
  const grads = new Map<number, Float64Array>([[output.id, Float64Array.from(outputGrad)]]);
  const walked = [...tail.fed, ...tail.inner];
  for (const level of [...tail.feeders, ...tail.levels.slice(0, -1)].reverse()) {
    const dz = new Float64Array(rows * level.size);
    for (const b of walked.filter((x) => x.src === level.id)) {
      const part = spmmTRef(b.topology, edgeWeights(b, params), grads.get(b.dst)!, rows);
      for (let i = 0; i < dz.length; i++) dz[i] = dz[i]! + part[i]!;
    }
    const a = acts.get(level.id)!;
    const feeder = tail.feeders.includes(level);
    const prior = feeder && feederAdds(tail, level) ? before.get(level.id)! : null;
    const f = feeder ? null : levelFactors(level, rows, drop);
    grads.set(level.id, dz.map((v, i) => (prior ? prior[i]! : 0) + v * activateGrad(level.activation, a[i]! * keep) * (f ? f[i]! : 1)));
  }
  return grads;
}

/**
 * CPU reference of graph_edge_grad: the gradient of every tail edge weight and tail bias, by
 * index in the flat parameter buffer.
 */
export function tailEdgeGradRef(
  tail: FusedTail,
  acts: ReadonlyMap<number, ArrayLike<number>>,
  grads: ReadonlyMap<number, ArrayLike<number>>,
  rows: number,
): Map<number, number> {
  const out = new Map<number, number>();
  for (const b of [...tail.fed, ...tail.inner]) {
    edgeGradRef(b.topology, grads.get(b.dst)!, acts.get(b.src)!, rows).forEach((g, e) => out.set(b.weightOffset + storageIndex(b, e), g));
  }
  for (const level of tail.levels) {
    const dz = grads.get(level.id)!;
    for (let i = 0; i < level.size; i++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += dz[r * level.size + i]!;
      out.set(level.biasOffset + i, sum);
    }
  }
  return out;
}
