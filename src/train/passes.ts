import type { TieBuffers } from '../graph/blockBuffers.js';
import type { Block, Level, Structure } from '../graph/structure.js';
import { blockFloats, isMasked } from '../graph/structure.js';
import { activationGrad, biasGrad, matmul, type MatmulArgs } from '../kernels/dense.js';
import { dropout, dropoutKeep, type DropoutMasks } from '../kernels/dropout.js';
import type { Dispatch, Recorder } from '../kernels/dispatch.js';
import { graphBackward, graphEdgeGrad, graphForward } from '../kernels/graph.js';
import { loss } from '../kernels/loss.js';
import { accumulateStatistics } from '../kernels/score.js';
import { tieGradients } from '../kernels/tie.js';
import { NARROW_MAX, narrowBackward } from '../kernels/narrow.js';
import { poolForward, poolGrad, type PoolBuffers } from '../kernels/pool.js';
import { type ByteColumns, type CsrBuffers, edgeGrad, edgeGradParts, edgeGradParts32, spmm, spmmTranspose, spmmTransposeColumns, toColumns, weightsBySource } from '../kernels/sparse.js';
import type { LossName } from './options.js';
import { type BufferSlice, STATS_SLOT, type Workspace } from './workspace.js';

/** What the passes read of a network: its structure and its GPU buffers. */
export interface GraphView {
  readonly structure: Structure;
  readonly params: GPUBuffer;
  readonly grads: GPUBuffer;
  /** Running per-edge statistics: 3 floats (Σ|g|, Σg, Σg²) per parameter float. */
  readonly edgeStats: GPUBuffer;
  /** GPU topology of a sparse block. */
  csr(block: Block): CsrBuffers;
  /** 0/1 mask of a dense block that lacks some edges (see {@link isMasked}). */
  mask(block: Block): GPUBuffer;
  /** The sources with edges of a masked dense block, where few enough to skip the others (see {@link ActiveRows}). */
  activeRows(block: Block): ActiveRows | null;
  /** The groups of values that share one parameter (a convolution's), or null. */
  ties(): TieBuffers | null;
  /** GPU index buffers of a pooling level's windows. */
  poolWindows(level: Level): PoolBuffers;
}

/** Ascending indices (u32, on the GPU) of the rows of a block's weight matrix that hold edges. */
export interface ActiveRows {
  indices: GPUBuffer;
  count: number;
  /** The block stores only these rows ({@link Block.rows}), not all of its sources'. */
  compact: boolean;
}

/**
 * The values of `promises` once all have settled, in order; the first rejection is thrown only
 * then. Recording requests its kernels together so that they compile together, and a failed
 * one must not leave the others still creating buffers for a plan whose owner the caller is
 * already destroying.
 */
export async function settleAll<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> | T[K] }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

const slice = (buffer: GPUBuffer, offsetFloats: number, floats: number) => ({ buffer, offset: offsetFloats * 4, size: Math.max(1, floats) * 4 });

function weights(net: GraphView, b: Block) {
  return slice(net.params, b.weightOffset, blockFloats(b));
}

/**
 * Hidden level `level`'s `values` under dropout `drop`: its activations in the forward, its
 * pre-activations' gradient in the backward (`backward`; a ReLU level's already holds the
 * mask, see shaders/dropout.wgsl, and is only scaled). None where there is no dropout or the
 * level is not hidden, or in a fused tail, whose graph kernels drop its levels themselves.
 */
function dropLevel(rec: Recorder, ws: Workspace, level: Level, rows: number, values: BufferSlice, drop: DropoutMasks | undefined, backward = false): Promise<Dispatch>[] {
  if (!drop || drop.rate === 0 || level.role !== 'hidden' || ws.inTail(level.id)) return [];
  const mask = !(backward && level.activation === 'relu');
  return [dropout(rec, { ...drop, count: rows * level.size, level: level.id, values, mask })];
}

/**
 * The keep probability under `drop` of source level `level`, whose activations a backward
 * kernel reads for its derivative (`dropKeep`: they are stored dropped out). 1 where it is not
 * dropped: no dropout, or not a hidden level.
 */
function keepOf(level: Level, drop: DropoutMasks | undefined): number {
  return drop && drop.rate > 0 && level.role === 'hidden' ? dropoutKeep(drop.rate) : 1;
}

/**
 * Every level's activations from the batch in the workspace, level by level. The levels of a
 * fused tail get only their blocks from earlier levels here (summed, unfinished); one graph
 * dispatch then adds the tail's own edges, the biases and the activations. With `drop`
 * (training's dropout, `FitOptions.dropout`), each hidden level's activations are dropped out
 * once complete.
 */
export async function recordForward(rec: Recorder, net: GraphView, ws: Workspace, rows: number, drop?: DropoutMasks): Promise<Dispatch[]> {
  const s = net.structure;
  const out: Promise<Dispatch>[] = [];
  for (const level of s.levels.slice(1)) {
    if (level.pool) {
      const windows = net.poolWindows(level);
      const kind = level.pool.kind;
      out.push(poolForward(rec, { rows, kind, windows, input: ws.activation(level.pool.source), out: ws.activation(level.id), ...ws.poolWinners(level.id), activation: level.activation }));
    }
    const fused = ws.inTail(level.id);
    const blocks = s.blocksInto(level.id).filter((b) => !ws.inTail(b.src) && !ws.fed(b));
    for (const [k, b] of blocks.entries()) {
      // Blocks into one level are summed; the last adds the bias and applies the activation.
      out.push(blockForward(rec, net, ws, rows, b, k > 0, !fused && k === blocks.length - 1));
    }
    out.push(...dropLevel(rec, ws, level, rows, ws.activation(level.id), drop));
    // Its activations as columns too, where a block out of it reads them so.
    const columns = ws.activationColumnsOf(level.id);
    if (columns) out.push(toColumns(rec, { rows, width: level.size, input: ws.activation(level.id), out: columns }));
  }
  const tail = ws.tail;
  // Its hidden levels dropped out in the dispatch.
  if (tail) out.push(graphForward(rec, { rows, tables: tail.tables, params: net.params, arena: tail.activations, feederArena: tail.feederActivations, ...(drop ? { drop } : {}) }));
  return settleAll(out);
}

/** One block's product into its destination level: assigned or `accumulate`d, and when `finish`, + bias and activation. */
async function blockForward(rec: Recorder, net: GraphView, ws: Workspace, rows: number, b: Block, accumulate: boolean, finish: boolean): Promise<Dispatch> {
  const level = net.structure.level(b.dst);
  const bias = slice(net.params, level.biasOffset, level.size);
  const input = ws.activation(b.src);
  const target = ws.activation(level.id);
  if (b.form === 'dense') {
    const { lhs, sources } = denseInput(net, ws, b, 'k');
    return matmul(rec, {
      m: rows,
      n: level.size,
      k: sources,
      ...lhs,
      rhs: weights(net, b),
      out: target,
      accumulate,
      ...(finish ? { epilogue: 'bias-activation' as const, bias, activation: level.activation } : {}),
    });
  }
  return spmm(rec, {
    rows,
    block: net.csr(b),
    weight: weights(net, b),
    input,
    ...csrInput(ws, b),
    ...(ws.readsColumns(b) ? { inputFloatColumns: ws.activationColumnsOf(b.src)! } : {}),
    out: target,
    accumulate,
    ...(finish ? { bias, activation: level.activation } : {}),
  });
}

/** The byte columns that a CSR block out of the input level of a packed batch reads (see {@link ByteColumns}). */
function csrInput(ws: Workspace, b: Block): { inputColumns?: ByteColumns } {
  return b.src === ws.structure.input.id && ws.xColumns ? { inputColumns: ws.xColumns } : {};
}

/**
 * The input of dense block `b`'s products and how many of its sources they walk (the inner
 * dimension of the forward, `along` k, or the rows of the weight gradient, `along` m). Out of
 * the input level of a packed batch (every u8 batch: `batchBytes` in batchInputs.ts): a block storing
 * only its rows with edges reads their bytes packed for it alone (`Workspace.xPicked`), a plain
 * one the packed rows. A block out of the inputs that walks only some rows without storing only
 * those does not occur (`compactRows` stores them); here it is a broken invariant, which would
 * read bytes as floats.
 * Elsewhere: the source level's activations, walking only the rows with edges where the block
 * lists them (see {@link ActiveRows}).
 */
function denseInput(net: GraphView, ws: Workspace, b: Block, along: 'k' | 'm'): { lhs: Pick<MatmulArgs, 'lhs' | 'lhsBytes' | 'activeRows'>; sources: number } {
  const active = net.activeRows(b);
  if (b.src === ws.structure.input.id && ws.xBytes) {
    const picked = ws.xPicked.get(b);
    if (picked) return { lhs: { lhs: picked.buffer.buffer, lhsBytes: { ...ws.xBytes, words: picked.words } }, sources: b.rows!.length };
    if (active) throw new Error(`block ${b.src}→${b.dst} cannot read a packed batch (only plain dense, compact dense and CSR blocks can)`);
    return { lhs: { lhs: ws.activation(b.src), lhsBytes: ws.xBytes }, sources: b.topology.src };
  }
  return { lhs: { lhs: ws.activation(b.src), ...(active ? { activeRows: { ...active, along } } : {}) }, sources: b.topology.src };
}

/** What the softmax cross-entropy trains towards beyond the labels: training's label smoothing and class weights (none: the plain loss). */
export interface LossTarget {
  /** Label smoothing ε (0: none). */
  smoothing?: number;
  /** One weight per class, in a storage buffer (see classWeightsBuffer). */
  classWeights?: GPUBuffer;
}

/**
 * The loss over the outputs, accumulated into stats slot `statsSlot` (0 train, 1 validation);
 * when `writeGrad`, also the gradient w.r.t. the output level's pre-activation. `target`: the
 * softmax cross-entropy's label smoothing and class weights (training's; none the plain loss).
 */
export async function recordLoss(
  rec: Recorder,
  net: GraphView,
  ws: Workspace,
  rows: number,
  lossName: LossName,
  writeGrad: boolean,
  statsSlot: 0 | 1,
  target: LossTarget = {},
): Promise<Dispatch[]> {
  const last = net.structure.output;
  const dz = ws.gradient(last.id);
  // With an identity output the loss writes dz directly; otherwise da, then da ⊙ act'.
  const direct = last.activation === 'identity';
  const out = [
    loss(rec, {
      entry: lossName === 'mse' ? 'mse' : 'softmax_xent',
      rows,
      classes: last.size,
      logits: ws.output,
      labels: ws.labels.buffer,
      targets: ws.targets.buffer,
      grad: direct ? dz : ws.outputGrad.buffer,
      writeGrad,
      stats: { buffer: ws.stats.buffer, offset: statsSlot * STATS_SLOT, size: 16 },
      smoothing: target.smoothing ?? 0,
      ...(target.classWeights ? { classWeights: target.classWeights } : {}),
    }),
  ];
  if (writeGrad && !direct) {
    out.push(activationGrad(rec, { m: rows, n: last.size, activation: last.activation, da: ws.outputGrad.buffer, a: ws.output, dz }));
  }
  return settleAll(out);
}

/**
 * Weight, bias and input gradients from the output level down. A level that feeds several
 * blocks receives the sum of their input gradients: the first block processed assigns, the
 * others accumulate, each multiplying its own part by the level's activation derivative. With
 * `drop` (the forward's), each hidden level's gradient takes its mask once complete.
 */
export async function recordBackward(rec: Recorder, net: GraphView, ws: Workspace, rows: number, drop?: DropoutMasks): Promise<Dispatch[]> {
  const s = net.structure;
  // Levels whose input gradient a block has already assigned (the others then add to it).
  const assigned = new Set<number>();
  const out: Promise<Dispatch | Dispatch[]>[] = [];
  const levelPasses = (level: Level) => {
    const dz = ws.gradient(level.id);
    // Complete now (the blocks out of the level came first): dropped out, and as columns too, where a block into it reads them so.
    out.push(...dropLevel(rec, ws, level, rows, dz, drop, true));
    const dzColumns = ws.gradientColumnsOf(level.id);
    if (dzColumns) out.push(toColumns(rec, { rows, width: level.size, input: dz, out: dzColumns }));
    for (const b of s.blocksInto(level.id).reverse()) {
      if (ws.inTail(b.src) || ws.fed(b)) continue;
      const input = ws.activation(b.src);
      const active = net.activeRows(b);
      const floats = blockFloats(b);
      const wgrad = slice(net.grads, b.weightOffset, floats);
      const source = s.level(b.src);
      // Absent edges of a masked dense block get no gradient, so they stay zero.
      const mask = isMasked(b) ? { mask: net.mask(b) } : {};
      // A CSR block out of a hidden level may take its weight gradient in parts from its input gradient.
      const byParts = b.form === 'sparse' && ws.takesParts(b);
      // A hidden source's gradient: the first block out of it assigns, the others add.
      const accumulate = assigned.has(b.src);
      if (source.role !== 'input') assigned.add(b.src);
      if (b.form === 'dense' && source.role !== 'input' && level.size <= NARROW_MAX && !active && rec.kernels.software) {
        // Into a narrow level (a classifier's output) from a hidden one: both products in one
        // pass over the batch (shaders/narrow.wgsl). On a software adapter only: its one
        // invocation per 8 source neurons walking the whole batch leaves a GPU idle, where the
        // two products below spread over the rows.
        out.push(
          narrowBackward(rec, { rows, src: source.size, n: level.size, act: input, dz, weight: weights(net, b), dx: ws.gradient(b.src), dw: wgrad, activation: source.activation, dropKeep: keepOf(source, drop), accumulate, ...mask }),
        );
        continue;
      }
      if (b.form === 'dense') {
        const { lhs, sources } = denseInput(net, ws, b, 'm');
        out.push(matmul(rec, { m: sources, n: level.size, k: rows, ...lhs, transLhs: true, rhs: dz, out: wgrad, ...mask }));
      } else if (ws.takesParts32(b)) {
        const csr = net.csr(b);
        out.push(edgeGradParts32(rec, { rows, block: csr, grad: dz, input, ...csrInput(ws, b), partials: ws.edgeParts.buffer }));
        out.push(edgeGradParts(rec, { rows, block: csr, partials: ws.edgeParts.buffer, wgrad, partRows: 32 }));
      } else if (!byParts) {
        out.push(edgeGrad(rec, { rows, block: net.csr(b), grad: dz, input, ...csrInput(ws, b), wgrad }));
      }
      if (source.role === 'input') continue;
      const finishing = { aux: ws.activation(b.src), activation: source.activation, dropKeep: keepOf(source, drop) };
      if (b.form === 'dense') {
        out.push(
          matmul(rec, {
            m: rows,
            n: source.size,
            k: level.size,
            lhs: dz,
            rhs: weights(net, b),
            transRhs: true,
            out: ws.gradient(b.src),
            accumulate,
            epilogue: 'activation-grad',
            ...finishing,
          }),
        );
      } else if (ws.readsColumns(b)) {
        // Over f32 columns (byParts holds): the weights in by-source order first.
        const csr = net.csr(b);
        const weightBySource = ws.weightBySource.buffer;
        const weightParts = { inputColumns: ws.activationColumnsOf(b.src)!, partials: ws.edgeParts.buffer };
        out.push(weightsBySource(rec, { block: csr, weight: weights(net, b), out: weightBySource }));
        out.push(spmmTransposeColumns(rec, { rows, block: csr, weightBySource, gradColumns: dzColumns!, out: ws.gradient(b.src), accumulate, ...finishing, weightParts }));
        out.push(edgeGradParts(rec, { rows, block: csr, partials: ws.edgeParts.buffer, wgrad, bySource: true }));
      } else {
        // With its weight gradient in parts, summed after (see spmmTranspose).
        const parts = byParts ? { weightParts: { input, partials: ws.edgeParts.buffer } } : {};
        out.push(spmmTranspose(rec, { rows, block: net.csr(b), weight: weights(net, b), grad: dz, out: ws.gradient(b.src), accumulate, ...finishing, ...parts }));
        if (byParts) out.push(edgeGradParts(rec, { rows, block: net.csr(b), partials: ws.edgeParts.buffer, wgrad }));
      }
    }
    if (level.pool) {
      // Each window's gradient to the source that held its maximum, or to all of its sources evenly.
      const source = s.level(level.pool.source);
      const accumulate = assigned.has(source.id);
      assigned.add(source.id);
      const windows = net.poolWindows(level);
      const aux = ws.activation(source.id);
      out.push(poolGrad(rec, { rows, kind: level.pool.kind, windows, ...ws.poolWinners(level.id), grad: dz, aux, activation: source.activation, dropKeep: keepOf(source, drop), out: ws.gradient(source.id), accumulate }));
    } else if (!ws.inTail(level.id)) {
      out.push(biasGrad(rec, { m: rows, n: level.size, dz, db: slice(net.grads, level.biasOffset, level.size) }));
    }
  };
  // The output level's blocks from outside the tail first: they need only the loss's gradient,
  // and they write the gradients of the tail's feeders that the graph backward then adds to.
  const [output, ...earlier] = [...s.levels.slice(1)].reverse();
  levelPasses(output!);
  const tail = ws.tail;
  if (tail) {
    // The tail's own edges and biases and its feeders' edges into it: its hidden levels' and
    // its feeders' gradients, then every weight's.
    const arenas = { rows, tables: tail.tables, activations: tail.activations, gradients: tail.gradients, feederActivations: tail.feederActivations };
    out.push(graphBackward(rec, { ...arenas, params: net.params, feederGradients: tail.feederGradients, partials: tail.partials, ...(drop ? { drop } : {}) }));
    out.push(graphEdgeGrad(rec, { rows, tables: tail.tables, gradients: tail.gradients, partials: tail.partials, wgrad: net.grads }));
    for (const feeder of tail.tail.feeders) assigned.add(feeder.id);
  }
  for (const level of earlier) levelPasses(level);
  // Last: each shared value's slots get the sum of their gradients (every one is written by now).
  const ties = net.ties();
  if (ties) out.push(tieGradients(rec, { groups: ties.count, start: ties.start, members: ties.members, grads: net.grads }));
  return (await settleAll(out)).flat();
}

/**
 * The step's gradients added to the running per-edge statistics: one pass over the parameters'
 * gradients (shaders/score.wgsl accumulate), whatever the blocks' forms, after the backward
 * pass (before or after the update, which does not change the gradients).
 */
export function recordStatistics(rec: Recorder, net: GraphView): Promise<Dispatch> {
  return accumulateStatistics(rec, { count: liveFloats(net), grads: net.grads, sums: net.edgeStats });
}

/**
 * How many floats of the parameter-parallel buffers a pass over the parameters walks: the
 * structure's, rounded up to whole vec4s (so the kernels keep their 4-a-lane entry points), not
 * the buffers' capacity, which growth may leave up to twice as large.
 */
export function liveFloats(net: GraphView): number {
  return Math.min(net.grads.size / 4, Math.ceil(net.structure.floats / 4) * 4);
}
