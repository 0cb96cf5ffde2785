import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { Random } from '../../src/data/random.js';
import { ConfigError, ShapeError } from '../../src/errors.js';
import { csrProblems } from '../../src/graph/csr.js';
import { FUSE_MAX_LEVEL, fusedTail } from '../../src/graph/fusion.js';
import { type EdgeRef, translateEdgeList, translateEdges } from '../../src/graph/growth.js';
import { Network } from '../../src/graph/network.js';
import { type Block, blockFloats, DENSE_FROM, isMasked, parameterSlots, storageIndex } from '../../src/graph/structure.js';
import type { Activation } from '../../src/kernels/activation.js';
import { family } from '../../src/kernels/sources.js';
import { graphGradientsRef, graphLossRef, graphOutputRef } from '../../src/reference/graph.js';
import { centralDifferences } from '../helpers/finiteDifference.js';
import { relativeError } from '../helpers/numeric.js';
import { COLUMNS_FROM_EDGES_PER_VALUE, Workspace, workspaceChoices } from '../../src/train/workspace.js';
import { randomClassification as data } from '../helpers/datasets.js';
import { gpuChoices, useRuntime } from '../helpers/runtime.js';

const runtime = useRuntime();

/** `count` random distinct edges into level `target`. */
function pickEdges(net: Network, rng: Random, target: number, count: number): EdgeRef[] {
  const all = net.structure.blocks.filter((b) => b.dst === target).flatMap((b) => Array.from({ length: b.topology.srcOf.length }, (_, edge) => ({ block: b.id, edge })));
  const order = rng.permutation(all.length);
  return Array.from(order.subarray(0, Math.min(count, all.length)), (i) => all[i]!);
}

async function checkInvariants(net: Network, probe: Dataset): Promise<void> {
  const s = net.structure;
  for (const b of s.blocks) expect(csrProblems(b.topology), `block ${b.id}`).toEqual([]);
  const biases = s.levels.slice(1).reduce((n, l) => n + l.size, 0);
  expect(net.parameterCount).toBe(s.edgeCount + biases);
  const ids = new Set(s.levels.map((l) => l.id));
  for (const b of s.blocks) expect(ids.has(b.src) && ids.has(b.dst)).toBe(true);
  // Offsets do not overlap.
  const ranges = [...s.blocks.map((b) => [b.weightOffset, blockFloats(b)]), ...s.levels.slice(1).map((l) => [l.biasOffset, l.size])].sort((a, b) => a[0]! - b[0]!);
  for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]!).toBeGreaterThanOrEqual(ranges[i - 1]![0]! + ranges[i - 1]![1]!);
  const params = await net.getParameters();
  const want = graphOutputRef(s, params, probe.x, probe.rows);
  const err = relativeError(await net.predict(probe), want);
  expect(err.relative).toBeLessThanOrEqual(1e-5);
}

describe('edge splitting', () => {
  it('preserves the function for non-negative parents (output layer and a hidden layer)', async () => {
    const rng = new Random(1);
    const net = runtime().createNetwork({ sizes: [12, 9, 5], seed: 3, expandable: [1, 2] });
    const probe = data(rng, 64, 12, 5);
    for (const target of [2, 1, 2]) {
      const report = await net.splitEdges(target, pickEdges(net, rng, target, 6), {}, probe);
      const scale = Math.max(...(await net.predict(probe)).map(Math.abs));
      console.info(`split into level ${target}: output change ${report.outputChange!.toExponential(2)} (relative ${(report.outputChange! / scale).toExponential(2)})`);
      expect(report.outputChange! / scale).toBeLessThanOrEqual(1e-5);
      expect(report.neuronsAdded).toBe(6);
      expect(report.parametersAfter).toBe(net.parameterCount);
      await checkInvariants(net, probe);
    }
    expect(net.structure.levels).toHaveLength(6);
    net.destroy();
  });

  it('measures and reports the change for signed inputs', async () => {
    const rng = new Random(2);
    const net = runtime().createNetwork({ sizes: [6, 4, 3], seed: 1, expandable: [1] });
    const probe = data(rng, 50, 6, 3, -1, 1);
    const report = await net.splitEdges(1, pickEdges(net, rng, 1, 10), {}, probe);
    console.info(`signed inputs: output change ${report.outputChange!.toExponential(2)}`);
    expect(report.outputChange!).toBeGreaterThan(1e-4);
    await checkInvariants(net, probe);
    net.destroy();
  });

  it('an exact split keeps the function for signed parents (inputs, tanh and identity units)', async () => {
    const rng = new Random(4);
    const net = runtime().createNetwork({ sizes: [6, 5, 4, 3], activations: ['tanh', 'identity', 'identity'], seed: 2, expandable: [1, 2, 3] });
    const probe = data(rng, 50, 6, 3, -1, 1);
    let epsilonEdges = 0;
    for (const target of [1, 2, 3, 3]) {
      // The same edges split the single way in a copy, for comparison.
      const plain = runtime().loadNetwork(await runtime().saveNetwork(net));
      const edges = pickEdges(net, rng, target, 5);
      const scale = Math.max(...(await net.predict(probe)).map(Math.abs));
      const exact = await net.splitEdges(target, edges, { exact: true }, probe);
      const before = plain.parameterCount;
      const single = await plain.splitEdges(target, edges, {}, probe);
      console.info(`signed parents, split into level ${target}: output change exact ${exact.outputChange!.toExponential(2)}, single ${single.outputChange!.toExponential(2)} (scale ${scale.toFixed(2)})`);
      expect(exact.outputChange! / scale).toBeLessThanOrEqual(1e-5);
      expect(single.outputChange!).toBeGreaterThan(100 * exact.outputChange!);
      // Two neurons an edge: twice the single split's new in- and out-edges and biases; the
      // 5 split edges are removed once either way.
      expect(exact.neuronsAdded).toBe(10);
      expect(exact.parametersAfter - exact.parametersBefore + 5).toBe(2 * (single.parametersAfter - before + 5));
      expect(exact.epsilonEdges).toBe(2 * single.epsilonEdges);
      epsilonEdges = exact.epsilonEdges;
      plain.destroy();
      await checkInvariants(net, probe);
    }
    // The last split's ε edges are the pruning candidates; its ±1 and ±w edges are not.
    expect(net.pruneCandidates).toHaveLength(epsilonEdges);
    net.destroy();
  });

  it('an exact split of listed levels makes pairs only of the edges out of them', async () => {
    const rng = new Random(6);
    const net = runtime().createNetwork({ sizes: [5, 4, 3], activations: ['tanh', 'identity'], seed: 4, expandable: [2] });
    const probe = data(rng, 40, 5, 3, -1, 1);
    // A first split gives the output ReLU parents (the new level) beside the tanh level 1.
    await net.splitEdges(2, pickEdges(net, rng, 2, 4), { exact: true });
    const edges = pickEdges(net, rng, 2, 8);
    const fromTanh = edges.filter((r) => net.structure.blocks[r.block]!.src === 1).length;
    expect(fromTanh).toBeGreaterThan(0);
    expect(fromTanh).toBeLessThan(edges.length);
    const scale = Math.max(...(await net.predict(probe)).map(Math.abs));
    const report = await net.splitEdges(2, edges, { exact: [1] }, probe);
    console.info(`pairs for ${fromTanh} of ${edges.length} edges: output change ${report.outputChange!.toExponential(2)}`);
    expect(report.neuronsAdded).toBe(edges.length + fromTanh);
    expect(report.outputChange! / scale).toBeLessThanOrEqual(1e-5);
    await checkInvariants(net, probe);
    net.destroy();
  });

  it('an exact split writes ±1 into p → h±, ±w into h± → c, and carries −m₁ with −w', async () => {
    const net = runtime().createNetwork({ sizes: [3, 2], seed: 0 });
    const train = data(new Random(5), 20, 3, 2, -1, 1);
    await net.fit(train, { epochs: 1, batchSize: 10, optimizer: { name: 'adam', lr: 0.01 } });
    const before = await net.getParameters();
    const block = net.structure.blocks[0]!;
    const edge = 4; // CSR order: destination 1, source 1
    const at = block.weightOffset + storageIndex(block, edge);
    const w = before[at]!;
    const momentsBefore = (await net.state()).optimizer!;
    await net.splitEdges(1, [{ block: 0, edge }], { exact: true });
    const s = net.structure;
    const params = await net.getParameters();
    const into = s.blocks.find((b) => b.dst !== 1)!;
    const out = s.blocks.find((b) => b.src === into.dst)!;
    expect(s.level(into.dst).size).toBe(2);
    // Into h⁺ (neuron 0) and h⁻ (neuron 1) from parent 1: +1 and −1.
    expect([0, 1].map((e) => params[into.weightOffset + storageIndex(into, e)])).toEqual([1, -1]);
    // Out-edges in CSR order (destination, then source): to output 1 from h⁺ and h⁻ are edges 2 and 3.
    const toChild = [2, 3].map((e) => params[out.weightOffset + storageIndex(out, e)]!);
    expect(toChild).toEqual([w, -w]);
    const moments = (await net.state()).optimizer!;
    const [m1, m2] = [moments.moment1, moments.moment2];
    expect([m1[out.weightOffset + storageIndex(out, 2)], m1[out.weightOffset + storageIndex(out, 3)]]).toEqual([momentsBefore.moment1[at], -momentsBefore.moment1[at]!]);
    expect([m2[out.weightOffset + storageIndex(out, 2)], m2[out.weightOffset + storageIndex(out, 3)]]).toEqual([momentsBefore.moment2[at], momentsBefore.moment2[at]]);
    net.destroy();
  });

  it("a split's new values are born at the optimizer's step count (Adam counts from there); survivors keep their births, a reset restarts all", async () => {
    const net = runtime().createNetwork({ sizes: [3, 2], seed: 0 });
    const train = data(new Random(6), 20, 3, 2, 0, 1);
    const adam = { name: 'adam', lr: 0.01 } as const;
    await net.fit(train, { epochs: 1, batchSize: 10, optimizer: adam }); // 2 steps
    await net.splitEdges(1, [{ block: 0, edge: 4 }]);
    const s = net.structure;
    const births = (await net.state()).optimizer!.births!;
    const bornAt = (value: number) => births[value];
    // Edge 4 (source 1 → output 1) became 1 → h → output 1: h → 1 carries its weight and
    // moments, and so its birth; the other new values (1 → h, h → output 0 with ε) are new.
    for (const b of s.blocks) {
      for (let e = 0; e < b.topology.srcOf.length; e++) {
        const moved = b.src === 2 && b.topology.dstOf[e] === 1;
        const fresh = (b.src === 2 || b.dst === 2) && !moved;
        expect(bornAt(b.weightOffset + storageIndex(b, e)), `${b.src}→${b.dst} edge ${e}`).toBe(fresh ? 2 : 0);
      }
    }
    expect(bornAt(s.level(2).biasOffset)).toBe(2);
    expect(bornAt(s.level(1).biasOffset)).toBe(0);
    await net.fit(train, { epochs: 1, batchSize: 10, optimizer: adam }); // steps 3 and 4
    await net.pruneEdges(net.pruneCandidates.slice(0, 1));
    expect((await net.state()).optimizer!.births!.includes(2)).toBe(true);
    await net.pruneEdges(net.pruneCandidates.slice(0, 1), { resetOptimizer: true });
    const after = net.structure;
    const reset = (await net.state()).optimizer!.births!;
    for (const b of after.blocks) for (let e = 0; e < b.topology.srcOf.length; e++) expect(reset[b.weightOffset + storageIndex(b, e)]).toBe(4);
    net.destroy();
  });

  it('a split into blocks of hinges keeps the function and writes 1 in, knots as biases, w and 0 out', async () => {
    const rng = new Random(8);
    const net = runtime().createNetwork({ sizes: [12, 9, 5], seed: 6, expandable: [1, 2] });
    const probe = data(rng, 64, 12, 5);
    const edges = pickEdges(net, rng, 2, 5);
    const weights = await net.getParameters();
    const w = edges.map((r) => {
      const b = net.structure.blocks[r.block]!;
      return weights[b.weightOffset + storageIndex(b, r.edge)]!;
    });
    const children = edges.map((r) => net.structure.blocks[r.block]!.topology.dstOf[r.edge]!);
    const report = await net.splitEdges(2, edges, { neuronsPerEdge: 3 }, probe);
    const scale = Math.max(...(await net.predict(probe)).map(Math.abs));
    console.info(`hinges (3 a split edge): output change ${report.outputChange!.toExponential(2)} (relative ${(report.outputChange! / scale).toExponential(2)})`);
    expect(report.outputChange! / scale).toBeLessThanOrEqual(1e-5);
    expect(report.neuronsAdded).toBe(15);
    const s = net.structure;
    const level = s.level(report.level);
    const params = await net.getParameters();
    // Neuron h is hinge ⌊h / 5⌋ of edge h % 5: bias −knot, knots 0, 1/3, 2/3.
    expect(Array.from(params.subarray(level.biasOffset, level.biasOffset + 15))).toEqual(Array.from({ length: 15 }, (_, h) => (h < 5 ? 0 : Math.fround(-Math.floor(h / 5) / 3))));
    const into = s.blocks.find((b) => b.dst === level.id)!;
    const out = s.blocks.find((b) => b.src === level.id)!;
    const candidates = new Set(net.pruneCandidates.filter((r) => r.block === out.id).map((r) => r.edge));
    for (let t = 0; t < 5; t++) {
      for (let m = 0; m < 3; m++) {
        const h = m * 5 + t;
        // Its own out-edge: w for the first hinge, exactly 0 (and not a candidate) for the others.
        const own = Array.from(out.topology.srcOf.keys()).find((e) => out.topology.srcOf[e] === h && out.topology.dstOf[e] === children[t])!;
        expect(params[out.weightOffset + storageIndex(out, own)]).toBe(m === 0 ? w[t] : 0);
        expect(candidates.has(own)).toBe(false);
      }
    }
    // The first hinges' in-weight from their parent is 1, as the others'.
    expect(Array.from(into.topology.srcOf.keys()).filter((e) => params[into.weightOffset + storageIndex(into, e)] === 1)).toHaveLength(15);
    // Candidates: every new edge but the 15 in-edges of weight 1 and the 15 own out-edges.
    expect(net.pruneCandidates).toHaveLength(report.epsilonEdges);
    expect(report.epsilonEdges).toBe(into.topology.srcOf.length - 15 + out.topology.srcOf.length - 15);
    await checkInvariants(net, probe);
    // Exact pairs get their hinges too: relu(−x − knot) for h⁻.
    const signed = data(rng, 64, 12, 5, -1, 1);
    const pair = await net.splitEdges(2, pickEdges(net, rng, 2, 4), { exact: true, neuronsPerEdge: 2, knotSpacing: 0.25 }, signed);
    expect(pair.neuronsAdded).toBe(16);
    expect(pair.outputChange! / Math.max(...(await net.predict(signed)).map(Math.abs))).toBeLessThanOrEqual(1e-5);
    const second = net.structure.level(pair.level);
    const knots = Array.from((await net.getParameters()).subarray(second.biasOffset, second.biasOffset + 16));
    expect(knots).toEqual(Array.from({ length: 16 }, (_, h) => (h < 8 ? 0 : -0.25)));
    await checkInvariants(net, signed);
    await expect(net.splitEdges(2, pickEdges(net, rng, 2, 2), { neuronsPerEdge: 0 })).rejects.toThrow(ConfigError);
    await expect(net.splitEdges(2, pickEdges(net, rng, 2, 2), { neuronsPerEdge: 2, knotSpacing: -1 })).rejects.toThrow(/knotSpacing/);
    net.destroy();
  });

  it('writes 1 into p → h, w into h → c, ε elsewhere, and removes the split edge', async () => {
    const net = runtime().createNetwork({ sizes: [3, 2], seed: 0 });
    const before = await net.getParameters();
    const block = net.structure.blocks[0]!;
    const edge = 4; // CSR order: destination 1, source 1
    const w = before[block.weightOffset + block.topology.srcOf[edge]! * 2 + block.topology.dstOf[edge]!]!;
    await net.splitEdges(1, [{ block: 0, edge }]);
    const s = net.structure;
    const params = await net.getParameters();
    const into = s.blocks.find((b) => b.dst !== 1)!;
    const out = s.blocks.find((b) => b.src === into.dst)!;
    expect(into.topology.srcOf.length).toBe(1);
    expect(params[into.weightOffset + storageIndex(into, 0)]).toBe(1);
    expect(s.blocks.find((b) => b.src === 0 && b.dst === 1)!.topology.srcOf.length).toBe(5);
    // The new neuron's out-edges in CSR order: edge c goes to output c.
    const outWeights = Array.from({ length: 2 }, (_, c) => params[out.weightOffset + storageIndex(out, c)]!);
    expect(outWeights[1]).toBe(w);
    expect(outWeights[0]!).toBeGreaterThanOrEqual(0);
    expect(outWeights[0]!).toBeLessThan(1e-8);
    expect(net.pruneCandidates).toHaveLength(1);
    net.destroy();
  });
});

describe('translateEdges', () => {
  it('finds every edge of one structure in the next by its levels and neurons, −1 where it is gone', async () => {
    const rng = new Random(12);
    const net = runtime().createNetwork({ sizes: [6, 5, 3], seed: 2 });
    const all = (s: typeof net.structure) => s.blocks.flatMap((b) => Array.from({ length: b.topology.srcOf.length }, (_, edge) => ({ block: b.id, edge })));
    const key = (s: typeof net.structure, r: EdgeRef) => {
      const b = s.blocks[r.block]!;
      return `${b.src}>${b.dst}:${b.topology.srcOf[r.edge]}>${b.topology.dstOf[r.edge]}`;
    };
    for (let step = 0; step < 4; step++) {
      const before = net.structure;
      if (step % 2 === 0) await net.splitEdges(2, pickEdges(net, rng, 2, 3));
      else await net.pruneEdges(net.pruneCandidates.filter(() => rng.uniform(0, 1) < 0.5));
      const after = net.structure;
      const where = new Map(all(after).map((r) => [key(after, r), r]));
      const refs = all(before);
      const want = refs.map((r) => where.get(key(before, r)) ?? { block: -1, edge: -1 });
      expect(want.some((r) => r.block < 0)).toBe(true); // a split removes its edges, a prune its candidates
      expect(translateEdges(before, after, refs)).toEqual(want);
      const list = translateEdgeList(before, after, { blocks: Uint32Array.from(refs, (r) => r.block), edges: Uint32Array.from(refs, (r) => r.edge) });
      const found = want.filter((r) => r.block >= 0);
      expect(Array.from(list.blocks)).toEqual(found.map((r) => r.block));
      expect(Array.from(list.edges)).toEqual(found.map((r) => r.edge));
    }
    net.destroy();
  });
});

describe('an expansion of two levels (sameExpansion)', () => {
  it('keeps both splits as pruning candidates, scores both for the prune, and checkpoints them', async () => {
    const rng = new Random(9);
    const net = runtime().createNetwork({ sizes: [5, 6, 3], seed: 5, expandable: [1, 2] });
    const train = data(rng, 60, 5, 3);
    const before = net.structure;
    const intoHidden = pickEdges(net, rng, 1, 3);
    const intoOutput = pickEdges(net, rng, 2, 3);
    const first = await net.splitEdges(1, intoHidden);
    const second = await net.splitEdges(2, translateEdges(before, net.structure, intoOutput), { sameExpansion: true });
    const candidates = net.pruneCandidates;
    expect(candidates).toHaveLength(first.epsilonEdges + second.epsilonEdges);
    const levelOf = (r: EdgeRef) => net.structure.blocks[r.block]!;
    // Each split's ε edges: into its new level, or from it into the level it expanded.
    for (const split of [first, second]) expect(candidates.some((r) => levelOf(r).dst === split.level || levelOf(r).src === split.level)).toBe(true);
    await net.fit(train, { epochs: 1, batchSize: 20, edgeStatistics: true });
    const weak = await net.selectEdgesToPrune({ threshold: 1 });
    for (const split of [first, second]) expect(weak.some((r) => levelOf(r).dst === split.level || levelOf(r).src === split.level)).toBe(true);
    const restored = runtime().loadNetwork(await runtime().saveNetwork(net));
    expect((await restored.state()).lastSplits).toEqual([
      { level: first.level, target: 1 },
      { level: second.level, target: 2 },
    ]);
    expect(restored.pruneCandidates).toEqual(candidates);
    // Edge statistics are not checkpointed: a gradient metric is refused until they are
    // collected again (every score would be 0, and the prune would take every candidate).
    await expect(restored.selectEdgesToPrune({ threshold: 1 })).rejects.toThrow(/metric abs-grad scores edges by their gradients, and the network holds no gradient statistics/);
    await expect(restored.scoreEdges(2, { metric: 'taylor' })).rejects.toBeInstanceOf(ConfigError);
    const restoredWeak = await restored.selectEdgesToPrune({ threshold: 1, metric: 'weight-abs' });
    for (const split of [first, second]) expect(restoredWeak.some((r) => levelOf(r).dst === split.level || levelOf(r).src === split.level)).toBe(true);
    // Without sameExpansion a split starts a new expansion: only its own ε edges are candidates.
    const third = await net.splitEdges(1, pickEdges(net, rng, 1, 2));
    expect(net.pruneCandidates).toHaveLength(third.epsilonEdges);
    // Two splits into one level share its edges in their groups: each edge is taken once.
    await net.splitEdges(1, pickEdges(net, rng, 1, 2), { sameExpansion: true });
    const once = await net.selectEdgesToPrune({ threshold: 1, metric: 'weight-abs' });
    expect(once.length).toBeGreaterThan(0);
    expect(new Set(once.map((r) => `${r.block}:${r.edge}`)).size).toBe(once.length);
    await net.pruneEdges(once);
    await checkInvariants(net, train);
    restored.destroy();
    net.destroy();
  });
});

describe('grown networks', () => {
  it('random split / train / prune sequences keep the invariants and match the CPU reference', async () => {
    const rng = new Random(7);
    const net = runtime().createNetwork({ sizes: [10, 8, 4], seed: 2, expandable: [1, 2] });
    const train = data(rng, 120, 10, 4);
    for (let round = 0; round < 6; round++) {
      const target = rng.next() < 0.5 ? 1 : 2;
      await net.splitEdges(target, pickEdges(net, rng, target, 1 + rng.int(5)), { fullyConnected: rng.next() < 0.3, exact: rng.next() < 0.3, neuronsPerEdge: 1 + rng.int(3) });
      await checkInvariants(net, train);
      await net.fit(train, { epochs: 1, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } });
      const candidates = net.pruneCandidates;
      const drop = candidates.filter(() => rng.next() < 0.5);
      if (drop.length) await net.pruneEdges(drop);
      await checkInvariants(net, train);
    }
    net.destroy();
  });

  // Finite differences average the two sides of a ReLU kink, and a split neuron often sits
  // exactly on one (a dead parent, an untrained bias of 0): there they disagree with any
  // backward pass. Backpropagation in float64 takes the kernels' convention (ReLU' = 0 at 0),
  // so it checks every parameter of random grown networks exactly.
  it('the CPU backpropagation equals central differences of the CPU loss away from kinks', async () => {
    const rng = new Random(39);
    const net = runtime().createNetwork({ sizes: [6, 5, 4], activations: ['tanh', 'identity'], seed: 1, expandable: [1, 2] });
    await net.splitEdges(2, pickEdges(net, rng, 2, 4), { exact: true });
    await net.splitEdges(1, pickEdges(net, rng, 1, 3), { neuronsPerEdge: 2 });
    const s = net.structure;
    // Random values in every parameter slot: no pre-activation sits on a ReLU kink.
    const params = await net.getParameters();
    const slots = parameterSlots(s);
    for (let i = 0; i < params.length; i++) params[i] = slots[i] ? rng.next() - 0.5 : 0;
    const batch = data(rng, 9, 6, 4, -1, 1);
    const want = centralDifferences((p) => graphLossRef(s, p, batch.x, batch.rows, { labels: batch.labels! }), Float64Array.from(params), 1e-6);
    const err = relativeError(graphGradientsRef(s, params, batch.x, batch.rows, { labels: batch.labels! }), want);
    console.info(`CPU backpropagation of a grown network vs central differences: relative error ${err.relative.toExponential(2)} (tolerance 1e-6)`);
    expect(err.relative).toBeLessThanOrEqual(1e-6);
    net.destroy();
  });

  it('gradients of random split / train / prune sequences equal backpropagation on the CPU (every block form, software and GPU choices)', async () => {
    const rt = runtime();
    let worst = 0;
    for (let seed = 0; seed < 6; seed++) {
      const rng = new Random(40 + seed);
      const inputs = 3 + rng.int(12);
      const sizes = [inputs, ...Array.from({ length: rng.int(3) }, () => 2 + rng.int(20)), 2 + rng.int(8)];
      const activations = sizes.slice(1).map((_, i) => (i === sizes.length - 2 ? 'identity' : (['relu', 'tanh', 'identity'] as const)[rng.int(3)]!));
      const expandable = sizes.slice(1).map((_, i) => i + 1);
      // CSR blocks, dense blocks with masks, the software adapter's choice; a GPU's forms.
      const spec = { sizes, activations, seed, expandable, denseFrom: [1, 0, DENSE_FROM][seed % 3]! };
      const net = seed % 2 === 1 ? new Network({ gpu: rt.gpu, kernels: gpuChoices(rt.gpu) }, spec) : rt.createNetwork(spec);
      const signed = seed % 3 === 2;
      const train = data(rng, 50, inputs, sizes.at(-1)!, signed ? -1 : 0, 1);
      for (let round = 0; round < 4; round++) {
        const target = expandable[rng.int(expandable.length)]!;
        const options = { fullyConnected: rng.next() < 0.2, exact: rng.next() < 0.3, neuronsPerEdge: 1 + rng.int(3), sameExpansion: rng.next() < 0.3 };
        await net.splitEdges(target, pickEdges(net, rng, target, 1 + rng.int(8)), options);
        await net.fit(train, { epochs: 1, batchSize: 16, optimizer: { name: 'adam', lr: 0.01 } });
        const drop = net.pruneCandidates.filter(() => rng.next() < 0.5);
        if (drop.length) await net.pruneEdges(drop);
      }
      // 37 rows: an invocation's last rows past the batch.
      const batch = data(rng, 37, inputs, sizes.at(-1)!, signed ? -1 : 0, 1);
      const s = net.structure;
      const want = graphGradientsRef(s, await net.getParameters(), batch.x, batch.rows, { labels: batch.labels! });
      const err = relativeError(await net.parameterGradients(batch), want);
      worst = Math.max(worst, err.relative);
      expect(err.relative, `seed ${seed}: ${s.levels.length} levels, ${s.blocks.length} blocks`).toBeLessThanOrEqual(1e-5);
      net.destroy();
    }
    console.info(`gradients of 6 random grown networks against CPU backpropagation: worst relative error ${worst.toExponential(2)} (tolerance 1e-5)`);
  });

  // The parameter gradients of `net` on `batch` against central differences of the CPU loss:
  // those of the blocks that `blocks` keeps and of their destinations' biases.
  const expectFiniteDifferences = async (net: Network, batch: Dataset, blocks: (b: Block) => boolean = () => true) => {
    const s = net.structure;
    const params = Float64Array.from(await net.getParameters());
    const grads = await net.parameterGradients(batch);
    const live: number[] = [];
    const kept = s.blocks.filter(blocks);
    for (const b of kept) for (let i = 0; i < blockFloats(b); i++) live.push(b.weightOffset + i);
    for (const l of s.levels.slice(1)) if (kept.some((b) => b.dst === l.id)) for (let i = 0; i < l.size; i++) live.push(l.biasOffset + i);
    const fd = centralDifferences((sub) => {
      const p = Float64Array.from(params);
      live.forEach((at, i) => (p[at] = sub[i]!));
      return graphLossRef(s, p, batch.x, batch.rows, { labels: batch.labels! });
    }, live.map((at) => params[at]!));
    const err = relativeError(live.map((at) => grads[at]!), fd);
    console.info(`grown network (${s.levels.length} levels, ${s.blocks.length} blocks): gradient relative error ${err.relative.toExponential(2)} (tolerance 1e-3)`);
    expect(err.relative).toBeLessThanOrEqual(1e-3);
  };

  // denseFrom 1: incomplete blocks are CSR; 0: they are dense with masked absent edges.
  for (const denseFrom of [1, 0]) {
  it(`gradients of a grown network match finite differences of the CPU loss (denseFrom ${denseFrom})`, async () => {
    const rng = new Random(9);
    const net = runtime().createNetwork({ sizes: [5, 4, 3], activations: ['tanh', 'identity'], seed: 4, expandable: [1, 2], denseFrom });
    const batch = data(rng, 6, 5, 3);
    await net.splitEdges(2, pickEdges(net, rng, 2, 3));
    // Hinges: a level whose new biases are not zero (the knots).
    await net.splitEdges(1, pickEdges(net, rng, 1, 2), { neuronsPerEdge: 2 });
    await net.pruneEdges(net.pruneCandidates.slice(0, 2));
    // Move the ε weights off zero so every path carries gradient.
    await net.fit(batch, { epochs: 3, batchSize: 6, optimizer: { name: 'adam', lr: 0.05 } });
    const s = net.structure;
    expect(s.blocks.some((b) => (denseFrom === 1 ? b.form === 'sparse' : isMasked(b)))).toBe(true);
    // With denseFrom 0 the split of level 1 gives a masked block out of the inputs that stores only its rows with edges.
    if (denseFrom === 0) expect(s.blocks.some((b) => b.rows !== null)).toBe(true);
    await expectFiniteDifferences(net, batch);
    net.destroy();
  });
  }

  it('gradients match finite differences where a CSR block out of a hidden level runs on the block kernels (its weight gradient in parts from spmm_t)', async () => {
    const rng = new Random(10);
    // Only the first layer grows, into a hidden level too wide for a fused tail: the new
    // level's CSR block into it runs on the block kernels.
    const net = runtime().createNetwork({ sizes: [3, FUSE_MAX_LEVEL + 1, 2], activations: ['tanh', 'identity'], seed: 5, expandable: [1] });
    const batch = data(rng, 37, 3, 2);
    await net.splitEdges(1, pickEdges(net, rng, 1, 6));
    // Most of the new ε edges go, so the block out of the new level is sparse.
    await net.pruneEdges(net.pruneCandidates.filter((_, i) => i % 10 !== 0));
    await net.fit(batch, { epochs: 3, batchSize: 37, optimizer: { name: 'adam', lr: 0.05 } });
    const s = net.structure;
    expect(fusedTail(s)).toBeNull();
    const fromHidden = (b: Block) => b.form === 'sparse' && s.level(b.src).role === 'hidden';
    expect(s.blocks.some(fromHidden)).toBe(true);
    // The new level's blocks in and out (the wide level's 1,500 other weights take long on the CPU).
    const level = s.blocks.find(fromHidden)!.src;
    await expectFiniteDifferences(net, batch, (b) => b.src === level || b.dst === level);
    net.destroy();
  });

  for (const columns of [true, false]) {
    const how = columns ? 'over f32 columns (a software adapter)' : 'over batch-major rows (a GPU: no f32 columns there)';
    it(`gradients and outputs match the CPU where a big CSR block out of a hidden level runs ${how}`, async () => {
      const rng = new Random(12);
      // 20 splits of the 4→24 layer: a new level whose block into the 24 neurons (480 edges: CSR,
      // below DENSE_FROM_EDGES) has edges enough for columns; the 24 feed the output densely, so
      // there is no fused tail.
      const spec = { sizes: [4, 24, 48], activations: ['tanh', 'identity'] as Activation[], seed: 6, expandable: [1], denseFrom: DENSE_FROM };
      const rt = runtime();
      const net = columns ? rt.createNetwork(spec) : new Network({ gpu: rt.gpu, kernels: gpuChoices(rt.gpu) }, spec);
      const batch = data(rng, 37, 4, 48);
      await net.splitEdges(1, pickEdges(net, rng, 1, 20));
      const s = net.structure;
      expect(fusedTail(s)).toBeNull();
      const owner = rt.gpu.memory.owner('test.workspace');
      const ws = new Workspace(rt.gpu.device, owner, s, batch.rows, null, workspaceChoices(net));
      const big = s.blocks.filter((b) => ws.takesParts(b) && b.topology.srcOf.length >= COLUMNS_FROM_EDGES_PER_VALUE * (s.level(b.src).size + s.level(b.dst).size));
      const columnBlocks = s.blocks.filter((b) => ws.readsColumns(b));
      owner.destroy();
      expect(big.length).toBe(1);
      expect(columnBlocks).toEqual(columns ? big : []);
      const level = big[0]!.src;
      expect(s.level(level).role).toBe('hidden');
      await net.fit(batch, { epochs: 3, batchSize: 37, optimizer: { name: 'adam', lr: 0.05 } });
      const out = relativeError(await net.predict(batch), graphOutputRef(s, Float64Array.from(await net.getParameters()), batch.x, batch.rows));
      console.info(`${how}: outputs against the CPU, relative error ${out.relative.toExponential(2)} (tolerance 1e-5)`);
      expect(out.relative).toBeLessThanOrEqual(1e-5);
      await expectFiniteDifferences(net, batch, (b) => b.src === level || b.dst === level);
      net.destroy();
    });
  }

  it('a grown network computes the same whether its incomplete blocks are CSR or dense with masks', async () => {
    const grow = async (denseFrom: number) => {
      const rng = new Random(21);
      const net = runtime().createNetwork({ sizes: [12, 6, 4], seed: 3, expandable: [1, 2], denseFrom });
      await net.splitEdges(2, pickEdges(net, rng, 2, 5));
      await net.splitEdges(1, pickEdges(net, rng, 1, 4));
      await net.pruneEdges(net.pruneCandidates.filter((_, i) => i % 3 === 0));
      return net;
    };
    const sparse = await grow(1);
    const dense = await grow(0);
    expect(sparse.structure.blocks.some((b) => b.form === 'sparse')).toBe(true);
    expect(dense.structure.blocks.every((b) => b.form === 'dense') && dense.structure.blocks.some((b) => isMasked(b))).toBe(true);
    // Some masked block leaves sources without edges, so its products walk only the others.
    expect(dense.structure.blocks.some((b) => dense.activeRows(b) !== null)).toBe(true);
    // ...and the one out of the inputs stores only those rows (compact).
    expect(dense.structure.blocks.some((b) => b.rows !== null && dense.activeRows(b)?.compact === true)).toBe(true);
    // Per-edge weights, whatever the storage.
    const edgeWeights = async (net: Network) => {
      const p = await net.getParameters();
      return net.structure.blocks.flatMap((b) => Array.from({ length: b.topology.srcOf.length }, (_, e) => p[b.weightOffset + storageIndex(b, e)]!));
    };
    expect(await edgeWeights(dense)).toEqual(await edgeWeights(sparse));
    const rng = new Random(22);
    const train = data(rng, 96, 12, 4);
    for (const net of [sparse, dense]) await net.fit(train, { epochs: 3, batchSize: 32, optimizer: { name: 'adam', lr: 0.02 }, shuffle: false });
    const w = relativeError(await edgeWeights(dense), await edgeWeights(sparse));
    const out = relativeError(await dense.predict(train), await sparse.predict(train));
    console.info(`CSR vs masked dense after 3 epochs: weights relative error ${w.relative.toExponential(2)}, outputs ${out.relative.toExponential(2)} (tolerance 1e-4)`);
    expect(w.relative).toBeLessThanOrEqual(1e-4);
    expect(out.relative).toBeLessThanOrEqual(1e-4);
    // Absent edges of the masked blocks are still exactly zero after training.
    const p = await dense.getParameters();
    for (const b of dense.structure.blocks.filter((x) => isMasked(x))) {
      const present = new Set(Array.from({ length: b.topology.srcOf.length }, (_, e) => storageIndex(b, e)));
      for (let k = 0; k < blockFloats(b); k++) if (!present.has(k)) expect(p[b.weightOffset + k]).toBe(0);
    }
    sparse.destroy();
    dense.destroy();
  });

  it('live GPU bytes stay bounded over 50 expansion cycles', async () => {
    const rng = new Random(11);
    const rt = runtime();
    const start = rt.liveBytes;
    const net = rt.createNetwork({ sizes: [16, 8, 4], seed: 5 });
    const train = data(rng, 64, 16, 4);
    await net.fit(train, { epochs: 1, batchSize: 32 });
    let peakRatio = 0;
    for (let cycle = 0; cycle < 50; cycle++) {
      await net.splitEdges(2, pickEdges(net, rng, 2, 4));
      await net.pruneEdges(net.pruneCandidates);
      const need = 32 * net.structure.floats; // params, grads, two moments, births (4 B each) + 3 statistics floats
      peakRatio = Math.max(peakRatio, (rt.liveBytes - start) / need);
    }
    console.info(`after 50 cycles: ${net.structure.levels.length} levels, ${net.parameterCount} parameters, live/needed ≤ ${peakRatio.toFixed(2)}`);
    expect(peakRatio).toBeLessThanOrEqual(2);
    net.destroy();
    expect(rt.liveBytes).toBe(start);
  });
});

describe('bad input to the research API: a clear error, and the network unchanged', () => {
  it('rejects missing edges, wrong targets and non-expandable layers', async () => {
    const net = runtime().createNetwork({ sizes: [4, 3, 2], seed: 0 });
    const before = await net.getParameters();
    const structure = net.structure;
    await expect(net.splitEdges(2, [{ block: 1, edge: 99 }])).rejects.toThrow(ShapeError);
    await expect(net.splitEdges(2, [{ block: 7, edge: 0 }])).rejects.toThrow(ShapeError);
    await expect(net.splitEdges(2, [{ block: 0, edge: 0 }])).rejects.toThrow(/does not feed level 2/);
    await expect(net.splitEdges(1, [{ block: 0, edge: 0 }])).rejects.toThrow(ConfigError);
    await expect(net.splitEdges(2, [])).rejects.toThrow(ShapeError);
    await expect(net.splitEdges(2, [{ block: 1, edge: 0 }, { block: 1, edge: 0 }])).rejects.toThrow(/twice/);
    await expect(net.pruneEdges([{ block: 0, edge: -1 }])).rejects.toThrow(ShapeError);
    // What a plain-JavaScript caller might pass instead of EdgeRefs.
    const malformed = [5, null, { block: 1 }, { block: '1', edge: 0 }, { block: 1, edge: 0.5 }] as unknown as EdgeRef[];
    for (const r of malformed) {
      await expect(net.splitEdges(2, [{ block: 1, edge: 0 }, r])).rejects.toThrow(/edge 1 must be an EdgeRef \{block, edge\} of integers, got /);
      await expect(net.pruneEdges([r])).rejects.toThrow(/edge 0 must be an EdgeRef/);
    }
    await expect(net.splitEdges(2, [{ block: 7, edge: 0 }])).rejects.toThrow('there is no block 7 (the network has blocks 0–1)');
    // A switch that is not true or false: "false" acted as true, and a resetOptimizer of "x"
    // reached the rewrite kernel's pipeline constant as NaN (a ShaderCompileError after the plan).
    await expect(net.splitEdges(2, [{ block: 1, edge: 0 }], { fullyConnected: 'false' as never })).rejects.toThrow('splitEdges: options.fullyConnected must be true or false, got "false"');
    await expect(net.splitEdges(2, [{ block: 1, edge: 0 }], { resetOptimizer: 'x' as never })).rejects.toThrow(ConfigError);
    await expect(net.pruneEdges([{ block: 1, edge: 0 }], { resetOptimizer: 1 as never })).rejects.toThrow('pruneEdges: options.resetOptimizer must be true or false, got 1');
    await expect(net.selectEdgesToPrune({ threshold: 0.5, invertedLikeReference: 'yes' as never })).rejects.toThrow(/invertedLikeReference must be true or false/);
    await expect(net.fit(data(new Random(1), 8, 4, 2), { expansion: { lateSplits: 'no' as never } })).rejects.toThrow('expansion.lateSplits must be true or false, got "no"');
    await expect(net.fit(data(new Random(1), 8, 4, 2), { shuffle: 0 as never })).rejects.toThrow('shuffle must be true or false, got 0');
    // A research user's kernel with a constant that is not a number.
    await expect(runtime().kernels.get({ ...family('rewrite'), entryPoint: 'rewrite', constants: { RESET_MOMENTS: 'x' as never } })).rejects.toThrow('override RESET_MOMENTS must be a finite number or a boolean, got "x"');
    expect(net.structure).toBe(structure);
    expect(await net.getParameters()).toEqual(before);
    net.destroy();
  });
});
