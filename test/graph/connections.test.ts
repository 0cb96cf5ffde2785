import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { Random } from '../../src/data/random.js';
import { CheckpointError, ConfigError, ShapeError } from '../../src/errors.js';
import { convolutionConnections, keptConvolutionConnections, keptConvolutionCounts, localConnections, randomConnections } from '../../src/graph/connections.js';
import { csrProblems, sharedSourceGroup } from '../../src/graph/csr.js';
import { parameterSlots, storageIndex, unequalTies } from '../../src/graph/structure.js';
import { describeCheckpoint } from '../../src/io/checkpoint.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { graphLossRef, graphOutputRef } from '../../src/reference/graph.js';
import { randomClassification } from '../helpers/datasets.js';
import { everySlotFile } from '../helpers/checkpointFiles.js';
import { edgePairs as pairs, freeValueGradients, randomGeometry } from '../helpers/edges.js';
import { centralDifferences } from '../helpers/finiteDifference.js';
import { relativeError } from '../helpers/numeric.js';
import { useRuntime } from '../helpers/runtime.js';

const runtime = useRuntime();

/** Random rows in [−1, 1) unless told otherwise. */
const data = (rng: Random, rows: number, features: number, classes: number, lo = -1, hi = 1): Dataset => randomClassification(rng, rows, features, classes, lo, hi);

describe('localConnections', () => {
  it("joins each window position's filters to every pixel and channel of its window", () => {
    const local = localConnections({ width: 4, height: 4, kernel: 3, filters: 2 });
    expect([local.outWidth, local.outHeight, local.size, local.sources.length]).toEqual([2, 2, 8, 2 * 2 * 2 * 9]);
    // Neuron 3 is position (0, 1), filter 1: the window of columns 1–3, rows 0–2.
    const into3 = Array.from(local.sources).filter((_, k) => local.destinations[k] === 3);
    expect(into3).toEqual([1, 2, 3, 5, 6, 7, 9, 10, 11]);
    // Channels innermost: a 2×2 RGB image, one 2×2 window, reads all 12 values.
    const rgb = localConnections({ width: 2, height: 2, channels: 3, kernel: 2, filters: 1 });
    expect(pairs(rgb)).toEqual(Array.from({ length: 12 }, (_, s) => `${s}→0`).sort());
  });

  it('strides, and pads with windows that have no edges past the image', () => {
    const strided = localConnections({ width: 28, height: 28, kernel: 4, stride: 2, filters: 8 });
    expect([strided.outWidth, strided.outHeight, strided.size, strided.sources.length]).toEqual([13, 13, 13 * 13 * 8, 13 * 13 * 8 * 16]);
    const padded = localConnections({ width: 3, height: 3, kernel: 3, padding: 1, filters: 1 });
    expect(padded.size).toBe(9);
    const degree = (d: number) => Array.from(padded.destinations).filter((x) => x === d).length;
    expect([degree(0), degree(1), degree(4)]).toEqual([4, 6, 9]);
  });

  it('refuses shapes that are not ones, with a ConfigError naming the field', () => {
    expect(() => localConnections({ width: 4, height: 4, kernel: 0, filters: 1 })).toThrow(/kernel must be a positive integer, got 0/);
    expect(() => localConnections({ width: 4, height: 4, kernel: 2, filters: 1.5 })).toThrow(/filters must be a positive integer, got 1.5/);
    expect(() => localConnections({ width: 4, height: 4, kernel: 2, padding: 2, filters: 1 })).toThrow(/padding must be an integer in \[0, kernel\), got 2/);
    expect(() => localConnections({ width: 2, height: 4, kernel: 3, filters: 1 })).toThrow(ConfigError);
    expect(() => localConnections({ width: 2, height: 4, kernel: 3, filters: 1 })).toThrow(/a 3×3 window does not fit a 2×4 image/);
  });
});

describe('randomConnections', () => {
  it('draws each edge with the density, the same for a seed, and leaves no output without an edge', () => {
    const c = randomConnections(784, 344, 0.1, 7);
    expect(Math.abs(c.sources.length / (784 * 344) - 0.1)).toBeLessThan(0.005);
    expect(pairs(randomConnections(784, 344, 0.1, 7))).toEqual(pairs(c));
    expect(pairs(randomConnections(784, 344, 0.1, 8))).not.toEqual(pairs(c));
    const thin = randomConnections(3, 50, 0.01, 1);
    expect(new Set(Array.from(thin.destinations)).size).toBe(50);
    expect(() => randomConnections(3, 4, 0)).toThrow(/density must be in \(0, 1\], got 0/);
    expect(() => randomConnections(0, 4, 0.5)).toThrow(/inputs and outputs must be positive integers/);
  });
});

describe('a network started with given connections', () => {
  // 4 filters: spmm and edge_grad_parts32 take each window position's four at once (GROUP 4).
  const local = localConnections({ width: 4, height: 4, kernel: 3, filters: 4 });

  it('holds exactly those edges, counts them, and starts each weight within U(±1/√in-degree)', async () => {
    const net = runtime().createNetwork({ sizes: [16, local.size, 3], seed: 1, connections: [local] });
    const [first, second] = net.structure.blocks;
    expect(csrProblems(first!.topology)).toEqual([]);
    expect(pairs({ sources: first!.topology.srcOf, destinations: first!.topology.dstOf })).toEqual(pairs(local));
    expect(second!.topology.srcOf.length).toBe(local.size * 3);
    expect(net.parameterCount).toBe(144 + 16 + 48 + 3);
    const params = await net.getParameters();
    const weights = Array.from({ length: 144 }, (_, e) => params[first!.weightOffset + storageIndex(first!, e)]!);
    expect(Math.max(...weights.map(Math.abs))).toBeLessThanOrEqual(1 / 3); // in-degree 9
    expect(Math.max(...weights.map(Math.abs))).toBeGreaterThan(0.8 / 3);
    await expect(net.getWeights()).rejects.toThrow(/this network is a graph \(it has grown, or started with sparse connections\)/);
    expect(() => net.layers).toThrow(ConfigError);
    net.destroy();
  });

  it('a complete network draws the same parameters as before, with or without null entries', async () => {
    const plain = runtime().createNetwork({ sizes: [5, 4, 3], seed: 9 });
    const nulls = runtime().createNetwork({ sizes: [5, 4, 3], seed: 9, connections: [null, undefined] });
    const params = await plain.getParameters();
    expect(await nulls.getParameters()).toEqual(params);
    // nn.Linear's draws in storage order, weights then biases, block by block.
    const rng = new Random(9);
    const want: number[] = [];
    for (const [fanIn, size] of [[5, 4], [4, 3]] as const) {
      const bound = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < fanIn * size + size; i++) want.push(Math.fround(rng.uniform(-bound, bound)));
    }
    const got = plain.structure.blocks.flatMap((b) => {
      const level = plain.structure.level(b.dst);
      return [...params.subarray(b.weightOffset, b.weightOffset + b.topology.src * b.topology.dst), ...params.subarray(level.biasOffset, level.biasOffset + level.size)];
    });
    expect(got).toEqual(want);
    plain.destroy();
    nulls.destroy();
  });

  for (const form of ['sparse', 'dense'] as const) {
    it(`computes the CPU reference's outputs and gradients, stored ${form === 'dense' ? 'dense with its absent edges at 0' : 'as CSR'}`, async () => {
      // denseFrom 0 stores every block dense: the absent edges are zeros the kernels mask.
      const net = runtime().createNetwork({ sizes: [16, local.size, 3], seed: 2, connections: [local], ...(form === 'dense' ? { denseFrom: 0 } : {}) });
      expect(net.structure.blocks[0]!.form).toBe(form);
      expect(sharedSourceGroup(net.structure.blocks[0]!.topology)).toBe(4);
      const rng = new Random(3);
      const probe = data(rng, 40, 16, 3);
      const params = await net.getParameters();
      const forward = relativeError(await net.predict(probe), graphOutputRef(net.structure, params, probe.x, probe.rows));
      const batch = data(rng, 6, 16, 3);
      const grads = await net.parameterGradients(batch);
      const slots = parameterSlots(net.structure);
      const live = Array.from(slots.keys()).filter((i) => slots[i] === 1);
      const fd = centralDifferences((v) => {
        const p = Float64Array.from(params);
        live.forEach((slot, k) => (p[slot] = v[k]!));
        return graphLossRef(net.structure, p, batch.x, batch.rows, { labels: batch.labels! });
      }, live.map((i) => params[i]!));
      const backward = relativeError(live.map((i) => grads[i]!), fd);
      console.info(`connections (${form}): forward vs CPU ${forward.relative.toExponential(2)} (tolerance 1e-5), gradients vs finite differences ${backward.relative.toExponential(2)} (tolerance 1e-3)`);
      expect(forward.relative).toBeLessThanOrEqual(1e-5);
      expect(backward.relative).toBeLessThanOrEqual(1e-3);
      // Training keeps the absent edges absent (0) and lowers the loss.
      const train = data(rng, 256, 16, 3);
      const reports = await net.fit(train, { optimizer: { name: 'adam', lr: 0.02 }, batchSize: 32, epochs: 8, validation: train });
      expect(reports.at(-1)!.valLoss).toBeLessThan(reports[0]!.valLoss);
      const after = await net.getParameters();
      expect(Array.from(slots.keys()).filter((i) => slots[i] === 0 && after[i] !== 0)).toEqual([]);
      net.destroy();
    });
  }

  it('grows like any network: its locally connected edges split and their outputs are preserved for non-negative inputs', async () => {
    const net = runtime().createNetwork({ sizes: [16, local.size, 3], seed: 4, connections: [local], expandable: [1, 2] });
    const rng = new Random(5);
    const train = data(rng, 128, 16, 3, 0, 1);
    await net.fit(train, { batchSize: 32, epochs: 1, edgeStatistics: true });
    const edges = await net.selectEdgesToSplit(1, { threshold: 0.3, maxToReplace: 6 });
    expect(edges.length).toBeGreaterThan(0);
    const probe = data(rng, 64, 16, 3, 0, 1);
    const before = await net.predict(probe);
    const split = await net.splitEdges(1, edges, {}, probe);
    const scale = Math.max(...before.map(Math.abs));
    expect(split.outputChange! / scale).toBeLessThan(1e-5);
    expect(net.structure.levels).toHaveLength(4);
    // A checkpoint keeps the grown sparse start, outputs bit for bit.
    const again = runtime().loadNetwork(await runtime().saveNetwork(net));
    expect(await again.predict(probe)).toEqual(await net.predict(probe));
    again.destroy();
    net.destroy();
  });

  it('refuses bad connections with a ShapeError naming the block and the edge, allocating nothing', () => {
    const live = runtime().liveBytes;
    const create = (connections: unknown) => () => runtime().createNetwork({ sizes: [4, 3, 2], connections: connections as never });
    const cases: [unknown, RegExp][] = [
      [[{ sources: [0, 5], destinations: [0, 1] }], /connections\[0\] \(4 → 3\): edge 1: source 5 is not an integer in \[0, 4\)/],
      [[null, { sources: [0], destinations: [2] }], /connections\[1\] \(3 → 2\): edge 0: destination 2 is not an integer in \[0, 2\)/],
      [[{ sources: [1, 1], destinations: [0, 0] }], /connections\[0\] \(4 → 3\): duplicate edge 1 → 0/],
      [[{ sources: [0, 1], destinations: [0] }], /connections\[0\] \(4 → 3\): 1 destinations but 2 sources/],
      [[{ sources: [], destinations: [] }], /connections\[0\] \(4 → 3\): no edges/],
      [[{ sources: [0.5], destinations: [0] }], /source 0.5 is not an integer/],
      [[{ from: [0], to: [0] }], /connections\[0\] \(4 → 3\): expected \{ sources, destinations \}/],
      [[null, null, null], /connections must list at most one entry per block \(2\), got 3/],
      [[localConnections({ width: 2, height: 2, kernel: 1, filters: 1 })], /connections\[0\] \(4 → 3\): these connections feed a level of 4 neurons; sizes\[1\] is 3/],
    ];
    for (const [connections, message] of cases) {
      expect(create(connections)).toThrow(ShapeError);
      expect(create(connections)).toThrow(message);
    }
    expect(runtime().liveBytes).toBe(live);
  });
});

describe('convolutionConnections: a convolution, its windows sharing their weights', () => {
  // A 6×6 image, 3×3 windows padded by 1 (edges fewer at the borders), 2 filters: 72 neurons.
  const conv = convolutionConnections({ width: 6, height: 6, kernel: 3, padding: 1, filters: 2 });
  const sizes = [36, conv.size, 3];
  const shared = 2 * 9 + 2 + conv.size * 3 + 3;

  it("has localConnections' edges, each edge's kernel entry as its shared weight and each neuron's filter as its shared bias", () => {
    const local = localConnections({ width: 6, height: 6, kernel: 3, padding: 1, filters: 2 });
    expect(pairs(conv)).toEqual(pairs(local));
    expect(conv.sharedWeights).toBe(18);
    expect(new Set(conv.ties).size).toBe(18);
    expect(Array.from(conv.biasTies.subarray(0, 4))).toEqual([0, 1, 0, 1]);
    // Neuron 14 = position (1, 1) of row 1, filter 0: its window's top-left pixel 0 is entry 0, its centre 7 entry 4.
    const entry = (source: number, destination: number) => conv.ties[Array.from(conv.sources).findIndex((s, k) => s === source && conv.destinations[k] === destination)];
    expect([entry(0, 14), entry(7, 14), entry(7, 15)]).toEqual([0, 4, 13]);
    expect(() => convolutionConnections({ width: 4, height: 4, kernel: 5, filters: 1 })).toThrow(/convolutionConnections: a 5×5 window does not fit/);
  });

  it('less some kernel entries (what splits leave): exactly the whole convolution\'s other edges, in its order, counted before they are built (100 random geometries)', () => {
    const rng = new Random(41);
    for (let n = 0; n < 100; n++) {
      const g = randomGeometry(rng);
      const whole = convolutionConnections(g);
      const gone = new Set(Array.from({ length: rng.int(whole.sharedWeights) }, () => rng.int(whole.sharedWeights)));
      const keep = (entry: number) => !gone.has(entry);
      const kept = keptConvolutionConnections(g, keep);
      const want = Array.from(whole.ties.keys()).filter((e) => keep(whole.ties[e]!));
      expect([Array.from(kept.sources), Array.from(kept.destinations), Array.from(kept.ties)], JSON.stringify(g)).toEqual([want.map((e) => whole.sources[e]), want.map((e) => whole.destinations[e]), want.map((e) => whole.ties[e])]);
      expect(keptConvolutionCounts(g, keep)).toEqual({ size: whole.size, edges: want.length });
    }
    expect(() => keptConvolutionCounts({ width: 8, height: 8, kernel: 3, padding: 3, filters: 1 }, () => true)).toThrow(/padding must be an integer in \[0, kernel\)/);
  });

  it('counts each shared value once, starts the slots of one equal, and its gradients (summed over the slots) match finite differences', async () => {
    const net = runtime().createNetwork({ sizes, seed: 6, connections: [conv] });
    expect(net.parameterCount).toBe(shared);
    expect(net.structure.tieGroups!.count).toBe(20);
    const params = await net.getParameters();
    expect(unequalTies(net.structure, params)).toBeNull();
    const weights = Array.from(new Set(Array.from({ length: conv.sources.length }, (_, e) => params[storageIndex(net.structure.blocks[0]!, e)]!)));
    expect(weights).toHaveLength(18);
    expect(Math.max(...weights.map(Math.abs))).toBeLessThanOrEqual(1 / 3); // fan-in 9, the widest window's
    const rng = new Random(7);
    const probe = data(rng, 30, 36, 3);
    const forward = relativeError(await net.predict(probe), graphOutputRef(net.structure, params, probe.x, probe.rows));
    const { got, fd, grads, first, slotsOf } = await freeValueGradients(net, data(rng, 8, 36, 3));
    expect(first).toHaveLength(shared);
    // Every slot of a shared value holds the same gradient: the sum over its edges.
    expect(slotsOf.filter((list) => list.some((slot) => grads[slot] !== grads[list[0]!]))).toEqual([]);
    const backward = relativeError(got, fd);
    console.info(`convolution: forward vs CPU ${forward.relative.toExponential(2)} (tolerance 1e-5), shared gradients vs finite differences ${backward.relative.toExponential(2)} (tolerance 1e-3)`);
    expect(forward.relative).toBeLessThanOrEqual(1e-5);
    expect(backward.relative).toBeLessThanOrEqual(1e-3);
    net.destroy();
  });

  it('trains with its shared values equal bit for bit, through growth of the layers after it and a checkpoint', async () => {
    const net = runtime().createNetwork({ sizes, seed: 8, connections: [conv] });
    const initial = await net.getParameters();
    const rng = new Random(9);
    const train = data(rng, 192, 36, 3, 0, 1);
    const reports = await net.fit(train, { optimizer: { name: 'adam', lr: 0.02 }, batchSize: 32, epochs: 6, validation: train, edgeStatistics: true });
    expect(reports.at(-1)!.valLoss).toBeLessThan(reports[0]!.valLoss);
    expect(unequalTies(net.structure, await net.getParameters())).toBeNull();
    // The output level grows; the convolution is kept whole, still shared.
    const split = await net.splitEdges(2, await net.selectEdgesToSplit(2, { threshold: 0.3, maxToReplace: 5 }));
    expect(split.parametersAfter - split.parametersBefore).toBeGreaterThan(0);
    expect(net.structure.tieGroups!.count).toBe(20);
    await net.fit(train, { optimizer: { name: 'adam', lr: 0.02 }, batchSize: 32, epochs: 2 });
    const params = await net.getParameters();
    expect(unequalTies(net.structure, params)).toBeNull();
    // The shared weights did train (block 0 keeps its offset and edge ids through growth).
    const convWeight = (values: Float32Array) => values[storageIndex(net.structure.blocks[0]!, 0)];
    expect(convWeight(params)).not.toBe(convWeight(initial));
    const bytes = await runtime().saveNetwork(net);
    const summary = describeCheckpoint(bytes);
    // Each shared value once, the convolution as its windows (version 6), its biases by filter (7).
    expect([summary.version, summary.parameters, summary.blocks[0]!.sharedWeights, summary.blocks[0]!.file]).toEqual([7, net.parameterCount, 18, 'convolution']);
    expect(summary.blocks[0]!.convolution).toEqual({ width: 6, height: 6, channels: 1, kernel: 3, stride: 1, padding: 1, filters: 2 });
    const again = runtime().loadNetwork(bytes);
    expect(again.parameterCount).toBe(net.parameterCount);
    expect(await again.predict(train)).toEqual(await net.predict(train));
    // Resumed training is the same bits: moments and birth steps came back to every slot.
    for (const n of [again, net]) await n.fit(train, { optimizer: { name: 'adam', lr: 0.02 }, batchSize: 32, epochs: 1, seed: 4 });
    expect(unequalTies(again.structure, await again.getParameters())).toBeNull();
    expect(await again.getParameters()).toEqual(await net.getParameters());
    again.destroy();
    net.destroy();
  });

  it('grows as a convolution: a split shared weight becomes a level of neurons shared by position, the function kept, gradients right', async () => {
    const net = runtime().createNetwork({ sizes, seed: 11, connections: [conv], expandable: [1, 2] });
    const rng = new Random(12);
    const train = data(rng, 192, 36, 3, 0, 1);
    await net.fit(train, { optimizer: { name: 'adam', lr: 0.02 }, batchSize: 32, epochs: 2, edgeStatistics: true });
    // Whole shared weights (every edge of each), as many as fit in maxToReplace edges.
    const picked = await net.selectEdgesToSplit(1, { threshold: 0.3, maxToReplace: 100 });
    const block = net.structure.blocks[0]!;
    const weights = new Set(picked.map((r) => block.ties![r.edge]));
    expect(weights.size).toBe(3);
    expect(picked.length).toBe(block.ties!.filter((t) => weights.has(t)).length);
    expect(picked.length).toBeLessThanOrEqual(100);
    const more = await net.selectEdgesToSplit(1, { threshold: 0.3 });
    const next = block.ties!.filter((t) => t === block.ties![more[picked.length]!.edge]).length;
    expect(picked.length + next).toBeGreaterThan(100); // the next weight would not have fit
    expect(more.slice(0, picked.length)).toEqual(picked);
    const probe = data(rng, 40, 36, 3, 0, 1);
    const before = await net.predict(probe);
    const split = await net.splitEdges(1, picked, {}, probe);
    const scale = Math.max(...before.map(Math.abs));
    console.info(`shared split of 3 weights (${picked.length} edges): output change ${(split.outputChange! / scale).toExponential(2)} of the outputs' size (tolerance 1e-5)`);
    expect(split.outputChange! / scale).toBeLessThan(1e-5);
    expect([split.edgesSplit, split.sharedWeightsSplit]).toEqual([picked.length, 3]);
    const s = net.structure;
    const level = s.level(split.level);
    // A neuron per split weight and position it reads, sharing one bias per split weight.
    expect([level.size, new Set(level.biasTies).size]).toEqual([picked.length, 3]);
    const into = s.blocksInto(split.level);
    const out = s.blocks.find((b) => b.src === split.level)!;
    // In: a weight per split and parent; out: a weight per split and filter (2); the biases; less the 3 split.
    const parents = new Set(into.flatMap((b) => Array.from(b.ties!))).size;
    expect(new Set(out.ties).size).toBe(3 * 2);
    expect(split.parametersAfter - split.parametersBefore).toBe(parents + 3 * 2 + 3 - 3);
    expect(net.parameterCount).toBe(split.parametersAfter);
    const params = await net.getParameters();
    expect(unequalTies(s, params)).toBeNull();
    // Gradients of the grown network over its shared values, against finite differences.
    const { got, fd } = await freeValueGradients(net, data(rng, 6, 36, 3, 0, 1));
    const backward = relativeError(got, fd);
    console.info(`grown convolution: shared gradients vs finite differences ${backward.relative.toExponential(2)} (tolerance 1e-3)`);
    expect(backward.relative).toBeLessThanOrEqual(1e-3);
    // Training and the prune of the split's ε weights keep every shared value whole and equal.
    await net.fit(train, { optimizer: { name: 'adam', lr: 0.02 }, batchSize: 32, epochs: 2, edgeStatistics: true });
    const prune = await net.selectEdgesToPrune({ threshold: 0.5 });
    expect(prune.length).toBeGreaterThan(0);
    const pruned = await net.pruneEdges(prune);
    expect(pruned.parametersAfter).toBeLessThan(pruned.parametersBefore);
    expect(unequalTies(net.structure, await net.getParameters())).toBeNull();
    const again = runtime().loadNetwork(await runtime().saveNetwork(net));
    expect(await again.predict(probe)).toEqual(await net.predict(probe));
    again.destroy();
    net.destroy();
  });

  it('refuses what would untie it, naming the problem, and leaves the network as it was', async () => {
    // Shared weights into an expandable level need a convolution's layout (positions × filters).
    const unlaid = { sources: conv.sources, destinations: conv.destinations, ties: conv.ties };
    expect(() => runtime().createNetwork({ sizes, connections: [unlaid], expandable: [1, 2] })).toThrow(ConfigError);
    expect(() => runtime().createNetwork({ sizes, connections: [unlaid], expandable: [1, 2] })).toThrow(/level 1 may be expandable only as a convolution's/);
    expect(() => runtime().createNetwork({ sizes, connections: [{ ...conv, ties: conv.ties.subarray(1) }] })).toThrow(/ties must hold one id per edge \(\d+\), got \d+/);
    expect(() => runtime().createNetwork({ sizes, connections: [{ ...conv, biasTies: [-1, ...conv.biasTies.subarray(1)] }] })).toThrow(/biasTies: entry 0 is -1, not a non-negative integer/);
    const net = runtime().createNetwork({ sizes, seed: 10, connections: [conv] });
    const before = await net.getParameters();
    const count = net.parameterCount;
    await expect(net.pruneEdges([{ block: 0, edge: 3 }])).rejects.toThrow(/prune: block 0 \(0 → 1\) shares weight \d+ among \d+ edges, and 1 of them are listed: a shared weight is removed with all of its edges/);
    const edited = before.slice();
    edited[storageIndex(net.structure.blocks[0]!, 0)] = before[storageIndex(net.structure.blocks[0]!, 0)]! + 0.5;
    expect(() => net.setParameters(edited)).toThrow(/setParameters: slots \d+ and \d+ share one parameter but hold/);
    // A split of the convolution's level takes shared weights whole, and none of the options it cannot keep shared.
    const growing = runtime().createNetwork({ sizes, seed: 10, connections: [conv], expandable: [1, 2] });
    const ties = growing.structure.blocks[0]!.ties!;
    const weight0 = Array.from(ties.keys()).filter((e) => ties[e] === 0).map((edge) => ({ block: 0, edge }));
    await expect(growing.splitEdges(1, weight0.slice(1))).rejects.toThrow(/split: block 0 \(0 → 1\) shares weight 0 among \d+ edges, and \d+ of them are listed: a shared weight is split with all of its edges/);
    await expect(growing.splitEdges(1, weight0, { exact: true })).rejects.toThrow(ConfigError);
    await expect(growing.splitEdges(1, weight0, { exact: [0] })).rejects.toThrow(/level 0 is listed as signed/);
    expect([growing.parameterCount, growing.structure.levels.length]).toEqual([count, 3]);
    growing.destroy();
    expect(net.parameterCount).toBe(count);
    expect(await net.getParameters()).toEqual(before);
    // A checkpoint whose copies of one weight differ (in the every-slot form of version 5) is corrupt.
    const { tensors, metadata } = decodeSafetensors(everySlotFile(await runtime().saveNetwork(net)));
    const weight = tensors.get('blocks.0.weight')!;
    weight.data[0] = weight.data[0]! + 0.5;
    const corrupt = encodeSafetensors(Object.fromEntries(tensors), metadata);
    expect(() => runtime().loadNetwork(corrupt)).toThrow(CheckpointError);
    expect(() => runtime().loadNetwork(corrupt)).toThrow(/checkpoint weights are inconsistent: slots \d+ and \d+ share one parameter/);
    tensors.delete('blocks.0.ties');
    expect(() => runtime().loadNetwork(encodeSafetensors(Object.fromEntries(tensors), metadata))).toThrow(/checkpoint lacks tensor blocks.0.ties/);
    net.destroy();
  });
});
