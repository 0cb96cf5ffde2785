import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { buildCsr } from '../../src/graph/csr.js';
import { FUSE_MAX_LEVEL, feederAdds, fusedTail } from '../../src/graph/fusion.js';
import { Network } from '../../src/graph/network.js';
import { blockFloats, completeBlock, isMasked, type LevelSpec, parameterSlots, Structure, storageIndex } from '../../src/graph/structure.js';
import { writeView } from '../../src/gpu/upload.js';
import type { Activation } from '../../src/kernels/activation.js';
import { GRAPH_DENSE_OUTPUTS_MAX, graphBackward, graphEdgeGrad, graphForward, graphPartialFloats, graphTables, tailPartialFloats } from '../../src/kernels/graph.js';
import { graphLossRef, graphOutputRef, tailBackwardRef, tailEdgeGradRef, tailForwardRef } from '../../src/reference/graph.js';
import { Workspace } from '../../src/train/workspace.js';
import { randomClassification } from '../helpers/datasets.js';
import { randomEdges } from '../helpers/edges.js';
import { centralDifferences } from '../helpers/finiteDifference.js';
import { useHarness } from '../helpers/harness.js';
import { randomArray, relativeError, report } from '../helpers/numeric.js';

// f32 sums of at most a few dozen products (a few hundred rows for the weight gradients) against float64.
const TOL = 1e-5;
const FD_TOL = 1e-3;

const h = useHarness();


/**
 * A grown-looking graph: inputs → A (relu) → B (tanh) → outputs (sigmoid), with sparse blocks
 * A→B, A→out, B→out (the tail's own edges), and blocks into each tail level from the inputs
 * (a complete dense one into the outputs). `denseInner`: A→B stored dense, lacking some edges
 * (a split's ε block between two small levels).
 */
function tailedStructure(rng: Random, inputs = 7, a = 6, b = 5, outputs = 4, denseInner = false, second: Activation = 'tanh'): Structure {
  const levels: LevelSpec[] = [
    { id: 0, size: inputs, activation: 'identity', role: 'input' },
    { id: 2, size: a, activation: 'relu', role: 'hidden' },
    { id: 3, size: b, activation: second, role: 'hidden' },
    { id: 1, size: outputs, activation: 'sigmoid', role: 'output' },
  ];
  const sizes = new Map(levels.map((l) => [l.id, l.size]));
  const sparse = (src: number, dst: number, density: number) => {
    const [d, s] = [sizes.get(dst)!, sizes.get(src)!];
    const edges = randomEdges(rng, d, s, Math.max(1, Math.round(d * s * density)));
    return { src, dst, topology: buildCsr(d, s, edges.d, edges.s).block };
  };
  return new Structure(levels, [
    { src: 0, dst: 1, topology: completeBlock(outputs, inputs), form: 'dense' },
    sparse(0, 2, 0.5),
    sparse(0, 3, 0.3),
    { ...sparse(2, 3, 0.6), ...(denseInner ? { form: 'dense' as const } : {}) },
    sparse(2, 1, 0.5),
    sparse(3, 1, 0.7),
  ]);
}

/**
 * A tail with a feeder: inputs → F (`feeder`, relu) → A (`tailLevel`, tanh) → outputs (identity), F also feeding the
 * outputs through a complete dense block (`adds`: the graph backward adds to F's gradient) or,
 * without `adds`, a level G (relu) that feeds the outputs densely, so that the graph backward
 * writes F's gradient whole (and, with `feederToOutputs`, a sparse block F→out that the graph
 * kernels walk). Sparse blocks F→A and A→out; inputs → F sparse, inputs → A sparse.
 */
function fedStructure(rng: Random, adds: boolean, feederToOutputs = false, feeder: Activation = 'relu', tailLevel: Activation = 'tanh'): Structure {
  const levels: LevelSpec[] = [
    { id: 0, size: 6, activation: 'identity', role: 'input' },
    { id: 2, size: 5, activation: feeder, role: 'hidden' },
    ...(adds ? [] : [{ id: 4, size: 3, activation: 'relu' as const, role: 'hidden' as const }]),
    { id: 3, size: 4, activation: tailLevel, role: 'hidden' },
    { id: 1, size: 3, activation: 'identity', role: 'output' },
  ];
  const sizes = new Map(levels.map((l) => [l.id, l.size]));
  const sparse = (src: number, dst: number, density: number) => {
    const [d, s] = [sizes.get(dst)!, sizes.get(src)!];
    const edges = randomEdges(rng, d, s, Math.max(1, Math.round(d * s * density)));
    return { src, dst, topology: buildCsr(d, s, edges.d, edges.s).block };
  };
  const dense = (src: number, dst: number) => ({ src, dst, topology: completeBlock(sizes.get(dst)!, sizes.get(src)!), form: 'dense' as const });
  return new Structure(levels, [
    sparse(0, 2, 0.5),
    sparse(0, 3, 0.3),
    sparse(2, 3, 0.6),
    sparse(3, 1, 0.7),
    ...(adds ? [dense(2, 1)] : [dense(2, 4), dense(4, 1)]),
    ...(feederToOutputs ? [sparse(2, 1, 0.6)] : []),
  ]);
}

describe('fused tail (src/graph/fusion.ts)', () => {
  it('runs the sparse blocks of a feeder (a level before the tail) into the tail, and its dense block into the output as a block', () => {
    const adding = fusedTail(fedStructure(new Random(2), true))!;
    expect(adding.levels.map((l) => l.id)).toEqual([3, 1]);
    expect(adding.feeders.map((l) => l.id)).toEqual([2]);
    expect(adding.fed.map((b) => `${b.src}→${b.dst}`)).toEqual(['2→3']);
    expect(adding.outer.map((b) => `${b.src}→${b.dst}`).sort()).toEqual(['0→3', '2→1']);
    expect(feederAdds(adding, adding.feeders[0]!)).toBe(true);
    const writing = fusedTail(fedStructure(new Random(2), false))!;
    expect(writing.feeders.map((l) => l.id)).toEqual([2]);
    expect(writing.outer.map((b) => `${b.src}→${b.dst}`).sort()).toEqual(['0→3', '4→1']);
    expect(feederAdds(writing, writing.feeders[0]!)).toBe(false);
  });

  it('takes the last levels whose out-blocks are sparse, and none of a plain network', () => {
    const s = tailedStructure(new Random(1));
    const tail = fusedTail(s)!;
    expect(tail.levels.map((l) => l.id)).toEqual([2, 3, 1]);
    expect(tail.inner.map((b) => `${b.src}→${b.dst}`).sort()).toEqual(['2→1', '2→3', '3→1']);
    expect(tail.outer.map((b) => `${b.src}→${b.dst}`).sort()).toEqual(['0→1', '0→2', '0→3']);
    expect(fusedTail(Structure.chain([7, 6, 4], ['relu', 'identity']))).toBeNull();
  });

  it("names the activations of the tail's levels and feeders for the graph kernels to compile, and no other", () => {
    const codes = (s: Structure) => graphTables(fusedTail(s)!, () => 0).activationCodes;
    // relu (1), tanh (2), sigmoid (3); identity (0) only at the inputs, which are no tail level.
    expect(codes(tailedStructure(new Random(1)))).toBe(0b1110);
    // The feeder's relu, the tail's tanh and the identity output.
    expect(codes(fedStructure(new Random(2), true))).toBe(0b0111);
  });

  it('stops at a level over the size limit or with a dense block into the output; takes a dense block into a hidden level', () => {
    const levels = (middle: number): LevelSpec[] => [
      { id: 0, size: 4, activation: 'identity', role: 'input' },
      { id: 2, size: middle, activation: 'relu', role: 'hidden' },
      { id: 3, size: 3, activation: 'relu', role: 'hidden' },
      { id: 1, size: 2, activation: 'identity', role: 'output' },
    ];
    const oneEdge = (src: number, dst: number, s: number, d: number, form: 'dense' | 'sparse' = 'sparse') => ({ src, dst, topology: buildCsr(d, s, [0], [0]).block, form });
    const blocks = (middle: number, out: 'dense' | 'sparse') => [oneEdge(0, 2, 4, middle), oneEdge(2, 3, middle, 3, out), oneEdge(3, 1, 3, 2)];
    expect(fusedTail(new Structure(levels(5), blocks(5, 'sparse')))!.levels.map((l) => l.id)).toEqual([2, 3, 1]);
    expect(fusedTail(new Structure(levels(FUSE_MAX_LEVEL + 1), blocks(FUSE_MAX_LEVEL + 1, 'sparse')))!.levels.map((l) => l.id)).toEqual([3, 1]);
    const denseInner = fusedTail(new Structure(levels(5), blocks(5, 'dense')))!;
    expect(denseInner.levels.map((l) => l.id)).toEqual([2, 3, 1]);
    expect(denseInner.inner.map((b) => `${b.src}→${b.dst} ${b.form}`).sort()).toEqual(['2→3 dense', '3→1 sparse']);
    const denseOut = [oneEdge(0, 2, 4, 5), oneEdge(2, 3, 5, 3), oneEdge(2, 1, 5, 2, 'dense'), oneEdge(3, 1, 3, 2)];
    expect(fusedTail(new Structure(levels(5), denseOut))!.levels.map((l) => l.id)).toEqual([3, 1]);
  });
});

describe('graph kernels (shaders/graph.wgsl) against the CPU reference', () => {
  const cases: [string, (rng: Random) => Structure, number[]][] = [
    // Row counts: a multiple of the kernels' 16 rows per invocation, and one that is not.
    ['', (rng) => tailedStructure(rng), [64, 37]],
    [', a feeder added to', (rng) => fedStructure(rng, true), [37]],
    [', a feeder written whole', (rng) => fedStructure(rng, false), [37]],
    [', a feeder with edges into the outputs', (rng) => fedStructure(rng, false, true), [37]],
    // Past GRAPH_DENSE_OUTPUTS_MAX outputs, the output level's edges are walked by destination.
    [', 13 outputs', (rng) => tailedStructure(rng, 7, 6, 5, GRAPH_DENSE_OUTPUTS_MAX + 1), [37]],
    [', a dense block between hidden levels', (rng) => tailedStructure(rng, 7, 6, 5, 4, true), [37]],
  ];
  // DROP: the first case again under a step's dropout with its hidden levels ReLU (their
  // derivatives hold the masks), tanh, sigmoid or identity (the backward draws the masks again);
  // and tails fed by a tanh level (whose derivative is taken at its dropped values times keep).
  const dropped = { rate: 0.3, seed: 3, step: 11 };
  const underDropout: [string, (rng: Random) => Structure, number[], typeof dropped][] = [
    [', under dropout', (rng) => tailedStructure(rng, 7, 6, 5, 4, false, 'relu'), [64, 37], dropped],
    [', a tanh level under dropout', (rng) => tailedStructure(rng, 7, 6, 5, 4, false, 'tanh'), [64, 37], dropped],
    [', a sigmoid level under dropout', (rng) => tailedStructure(rng, 7, 6, 5, 4, false, 'sigmoid'), [37], dropped],
    [', an identity level under dropout', (rng) => tailedStructure(rng, 7, 6, 5, 4, false, 'identity'), [37], dropped],
    [', a tanh feeder under dropout', (rng) => fedStructure(rng, false, true, 'tanh', 'relu'), [37], dropped],
    [', a tanh feeder and tanh level under dropout', (rng) => fedStructure(rng, false, true, 'tanh', 'tanh'), [37], dropped],
  ];
  for (const [what, structure, rowCounts, drop] of [...cases, ...underDropout]) for (const rows of rowCounts) {
    it(`graph_forward, graph_backward and graph_edge_grad${what}, ${rows} rows`, async () => {
      const rng = new Random(rows);
      const s = structure(rng);
      const ws = new Workspace(h.rec.device, h.owner, s, rows);
      const tail = ws.tail!;
      expect(tail).not.toBeNull();
      // Which walk of the output level's edges this case runs (see GRAPH_DENSE_OUTPUTS_MAX).
      expect(tail.tables.denseOutputs).toBe(s.output.size <= GRAPH_DENSE_OUTPUTS_MAX ? s.output.size : 0);
      if (what.includes('edges into the outputs')) expect(tail.tail.fed.some((b) => b.dst === s.output.id)).toBe(true);
      if (what.includes('dense block')) expect(tail.tail.inner.some((b) => b.form === 'dense' && isMasked(b))).toBe(true);
      // graph_edge_grad sums each edge's parts where graph_backward left them, by out-edge:
      // every edge of the tables (the feeders' included) is an out-edge exactly once.
      const tailEdges = [...tail.tail.fed, ...tail.tail.inner].flatMap((b) => Array.from({ length: b.topology.srcOf.length }, (_, e) => b.weightOffset + storageIndex(b, e)));
      const outEdgeParams = Array.from(graphTables(tail.tail, () => 0).outEdges.filter((_, i) => i % 4 === 2));
      expect(outEdgeParams.sort((x, y) => x - y)).toEqual(tailEdges.sort((x, y) => x - y));
      // What the workspace checks against the adapter before the tables exist is what they take.
      expect(tailPartialFloats(rows, tail.tail)).toBe(graphPartialFloats(rows, tail.tables));
      const params = randomArray(rng, s.floats);
      const paramBuffer = h.input(params);
      const read = (slice: { buffer: GPUBuffer; offset: number }, floats: number) => h.runtime().gpu.readFloats(slice.buffer, slice.offset / 4, floats);
      const readAct = (id: number, size: number) => read(ws.activation(id), rows * size);
      const readGrad = (id: number, size: number) => read(ws.gradient(id), rows * size);

      // Forward: blocks from the inputs have left pre-sums in every tail level, and the block
      // kernels the feeders' activations (non-negative: they are ReLU's).
      const pre = new Map(tail.tail.levels.map((l) => [l.id, randomArray(rng, rows * l.size)]));
      const feederActs = new Map(tail.tail.feeders.map((l) => [l.id, randomArray(rng, rows * l.size, 0, 1)]));
      for (const [id, values] of [...pre, ...feederActs]) writeView(h.rec.device, ws.activation(id).buffer, ws.activation(id).offset, values);
      const tailDrop = drop ? { drop: { ...drop, counter: h.input(new Float32Array([drop.step, 0, 0, 0])) } } : {};
      h.run(await graphForward(h.rec, { rows, tables: tail.tables, params: paramBuffer, arena: tail.activations, feederArena: tail.feederActivations, ...tailDrop }));
      const wantActs = tailForwardRef(tail.tail, params, pre, rows, feederActs, drop);
      const acts = new Map<number, Float32Array>(feederActs);
      for (const l of tail.tail.levels) {
        acts.set(l.id, await readAct(l.id, l.size));
        report(`graph_forward level ${l.id} (${l.activation})${what}, ${rows} rows`, relativeError(acts.get(l.id)!, wantActs.get(l.id)!), TOL);
      }

      // Backward from a random output gradient, through the activations just computed.
      const output = s.output;
      const outputGrad = randomArray(rng, rows * output.size);
      writeView(h.rec.device, ws.gradient(output.id).buffer, ws.gradient(output.id).offset, outputGrad);
      // What a feeder's dense block into the outputs wrote of its gradient (kept or overwritten).
      const before = new Map(tail.tail.feeders.map((l) => [l.id, randomArray(rng, rows * l.size)]));
      for (const [id, values] of before) writeView(h.rec.device, ws.gradient(id).buffer, ws.gradient(id).offset, values);
      const arenas = { activations: tail.activations, gradients: tail.gradients, feederActivations: tail.feederActivations };
      h.run(await graphBackward(h.rec, { rows, tables: tail.tables, params: paramBuffer, ...arenas, feederGradients: tail.feederGradients, partials: tail.partials, ...tailDrop }));
      const wantGrads = tailBackwardRef(tail.tail, params, acts, outputGrad, rows, before, drop);
      const grads = new Map<number, Float32Array>([[output.id, outputGrad]]);
      for (const l of [...tail.tail.feeders, ...tail.tail.levels.slice(0, -1)]) {
        grads.set(l.id, await readGrad(l.id, l.size));
        report(`graph_backward level ${l.id}${what}, ${rows} rows`, relativeError(grads.get(l.id)!, wantGrads.get(l.id)!), TOL);
      }

      // Weight and bias gradients, run twice: they are stored, not added.
      const wgrad = h.output(s.floats);
      const step = await graphEdgeGrad(h.rec, { rows, tables: tail.tables, gradients: tail.gradients, partials: tail.partials, wgrad });
      h.run([step, step]);
      const want = tailEdgeGradRef(tail.tail, acts, grads, rows);
      const got = await h.read(wgrad, s.floats);
      const at = [...want.keys()];
      report(`graph_edge_grad, ${rows} rows`, relativeError(at.map((p) => got[p]!), at.map((p) => want.get(p)!)), TOL);
      // Nothing outside the tail's edges and biases is written (the blocks from the inputs are the block kernels').
      const written = new Set(at);
      expect(Array.from(got).every((v, p) => written.has(p) || v === 0)).toBe(true);
    });
  }

  const networks: [string, (rng: Random) => Structure][] = [
    ['', (rng) => tailedStructure(rng, 6, 5, 4, 3)],
    [' and a feeder added to', (rng) => fedStructure(rng, true)],
    [' and a feeder written whole', (rng) => fedStructure(rng, false)],
    [' and a feeder with edges into the outputs', (rng) => fedStructure(rng, false, true)],
    [' and a dense block between hidden levels', (rng) => tailedStructure(rng, 6, 5, 4, 3, true)],
  ];
  for (const [what, structure] of networks) for (const fuse of [true, false]) it(`a network with a fused tail${what}, run ${fuse ? 'by the graph kernels' : 'block by block'}: outputs match the CPU graph, gradients match finite differences`, async () => {
    const rng = new Random(5);
    const s = structure(rng);
    expect(fusedTail(s)).not.toBeNull();
    // Slots that hold no parameter (a dense block's absent edges) are 0, as a network keeps them:
    // the block kernels multiply them, the graph kernels skip them.
    const slots = parameterSlots(s);
    const params = randomArray(rng, s.floats).map((v, i) => (slots[i] ? v : 0));
    const net = new Network(h.runtime(), { structure: s, params, expandable: [1], seed: 0 });
    net.fuseTail = fuse;
    try {
      const rows = 9;
      const batch = randomClassification(rng, rows, 6, 3);
      report(`network outputs (fuseTail ${fuse})`, relativeError(await net.predict(batch), graphOutputRef(s, params, batch.x, rows)), TOL);
      const grads = await net.parameterGradients(batch);
      const live: number[] = [];
      for (const b of s.blocks) for (let i = 0; i < blockFloats(b); i++) live.push(b.weightOffset + i);
      for (const l of s.levels.slice(1)) for (let i = 0; i < l.size; i++) live.push(l.biasOffset + i);
      const base = Float64Array.from(params);
      const fd = centralDifferences((sub) => {
        const p = Float64Array.from(base);
        live.forEach((at, i) => (p[at] = sub[i]!));
        return graphLossRef(s, p, batch.x, rows, { labels: batch.labels! });
      }, live.map((at) => base[at]!));
      report(`network gradients (fuseTail ${fuse}) against finite differences`, relativeError(live.map((at) => grads[at]!), fd), FD_TOL);
    } finally {
      net.destroy();
    }
  });
});
