import { describe, expect, it } from 'vitest';
import { subset } from '../../src/data/dataset.js';
import { Random } from '../../src/data/random.js';
import { ConfigError } from '../../src/errors.js';
import { normaliseRef, selectRef } from '../../src/reference/score.js';
import { graphGradientsRef } from '../../src/reference/graph.js';
import { relativeError } from '../helpers/numeric.js';
import { randomClassification } from '../helpers/datasets.js';
import { useRuntime } from '../helpers/runtime.js';
import { fusedTail } from '../../src/graph/fusion.js';
import { Structure, storageIndex } from '../../src/graph/structure.js';
import { convolutionConnections } from '../../src/graph/connections.js';
import { buildCsr } from '../../src/graph/csr.js';
import { completeGroups, sortPicked, wholeGroups } from '../../src/graph/selection.js';
import type { Network } from '../../src/graph/network.js';
import { rowParts } from '../../src/data/gpuDataset.js';
import { collectStatistics } from '../../src/train/singlePass.js';

const runtime = useRuntime();

const dataset = (rng: Random, rows: number) => randomClassification(rng, rows, 8, 3);

describe('edge statistics and selection', () => {
  it('exact-mode statistics give abs-grad = mean over batches of |∂loss/∂w|', async () => {
    const rng = new Random(1);
    const data = dataset(rng, 40);
    const net = runtime().createNetwork({ sizes: [8, 5, 3], seed: 1 });
    await net.collectEdgeStatistics(data, { batchSize: 16 });
    expect(net.statisticsBatches).toBe(3);
    // Per-batch gradients, computed one batch at a time, averaged in |·| on the CPU.
    const block = net.structure.blocksInto(2)[0]!;
    const want = new Float64Array(block.topology.srcOf.length);
    for (const [start, rows] of [
      [0, 16],
      [16, 16],
      [32, 8],
    ]) {
      const g = await net.parameterGradients(subset(data, Array.from({ length: rows! }, (_, i) => start! + i)));
      for (let e = 0; e < want.length; e++) {
        const k = block.topology.srcOf[e]! * block.topology.dst + block.topology.dstOf[e]!;
        want[e] = want[e]! + Math.abs(g[block.weightOffset + k]!) / 3;
      }
    }
    const [got] = await net.scoreEdges(2, { metric: 'abs-grad' });
    const err = relativeError(got!.scores, want);
    console.info(`exact abs-grad scores vs per-batch gradients: relative error ${err.relative.toExponential(2)} (tolerance 1e-5)`);
    expect(err.relative).toBeLessThanOrEqual(1e-5);
    net.destroy();
  });

  it('an exact pass with label smoothing takes the gradients of the smoothed loss, as training does', async () => {
    const data = dataset(new Random(4), 40);
    const net = runtime().createNetwork({ sizes: [8, 5, 3], seed: 4 });
    const block = net.structure.blocksInto(2)[0]!;
    const params = await net.getParameters();
    const absGrad = async (labelSmoothing: number) => {
      // One batch of every row: abs-grad is |∂loss/∂w| of the whole data.
      await net.collectEdgeStatistics(data, { batchSize: 40, labelSmoothing });
      return (await net.scoreEdges(2, { metric: 'abs-grad' }))[0]!.scores;
    };
    const want = (smoothing: number) => {
      const g = graphGradientsRef(net.structure, params, data.x, 40, { labels: data.labels!, smoothing });
      return Float64Array.from(block.topology.srcOf, (src, e) => Math.abs(g[block.weightOffset + src * block.topology.dst + block.topology.dstOf[e]!]!));
    };
    for (const smoothing of [0, 0.3]) {
      const err = relativeError(await absGrad(smoothing), want(smoothing));
      console.info(`exact abs-grad with label smoothing ${smoothing} vs the float64 gradients: relative error ${err.relative.toExponential(2)} (tolerance 1e-5)`);
      expect(err.relative).toBeLessThanOrEqual(1e-5);
    }
    // The smoothed gradients are not the plain ones.
    expect(relativeError(want(0.3), want(0)).relative).toBeGreaterThan(1e-2);
    net.destroy();
  });

  it('exact-mode statistics over data larger than one upload (parts of whole batches) are those of one pass', async () => {
    const data = dataset(new Random(2), 100);
    const net = runtime().createNetwork({ sizes: [8, 5, 3], seed: 2 });
    const whole = await collectStatistics(net, data, { batchSize: 16 });
    const once = await net.gpu.readFloats(net.edgeStats);
    // 36 bytes a row: 1,200 bytes hold 33 rows, so parts of 32 rows (two batches), the last of 4.
    expect(rowParts(data, 1200, 16).map((p) => p.rows)).toEqual([32, 32, 32, 4]);
    expect(await collectStatistics(net, data, { batchSize: 16, maxUploadBytes: 1200 })).toBe(whole);
    expect(await net.gpu.readFloats(net.edgeStats)).toEqual(once);
    net.destroy();
  });

  it('a statistics pass with stray options is a ConfigError naming the option; the statistics stay as they were', async () => {
    const data = dataset(new Random(3), 40);
    const net = runtime().createNetwork({ sizes: [8, 5, 3], seed: 3 });
    await net.collectEdgeStatistics(data, { batchSize: 16 });
    const stats = await net.gpu.readFloats(net.edgeStats);
    const bytes = runtime().liveBytes;
    const cases: [unknown, RegExp][] = [
      // A batch size of 0 looped until the process ran out of memory.
      [{ batchSize: 0 }, /batchSize must be a positive integer, got 0/],
      [{ batchSize: 2.5 }, /batchSize must be a positive integer/],
      [{ batchSize: '16' }, /batchSize must be a positive integer/],
      [{ loss: 'hinge' }, /unknown loss "hinge"/],
      [{ labelSmoothing: 1.5 }, /labelSmoothing must be a finite number in \[0, 1\], got 1.5/],
      [{ loss: 'mse', labelSmoothing: 0.1 }, /labelSmoothing applies to the softmax-cross-entropy loss, not mse/],
      [{ maxUploadBytes: -1 }, /maxUploadBytes must be a finite number/],
      // 36 bytes a row: 400 bytes hold 11 rows, not a batch of 16.
      [{ batchSize: 16, maxUploadBytes: 400 }, /maxUploadBytes 400 holds less than a batch of 16 statistics rows \(576 bytes\)/],
      [null, /collectEdgeStatistics: options must be an object, got null/],
    ];
    for (const [options, message] of cases) {
      await expect(net.collectEdgeStatistics(data, options as never), JSON.stringify(options)).rejects.toThrow(message);
      await expect(net.collectEdgeStatistics(data, options as never)).rejects.toBeInstanceOf(ConfigError);
    }
    expect(net.statisticsBatches).toBe(3);
    expect(await net.gpu.readFloats(net.edgeStats)).toEqual(stats);
    expect(runtime().liveBytes).toBe(bytes);
    net.destroy();
  });

  it('running statistics of a grown network (dense, CSR and fused-tail blocks) are (|g|, g, g²) of its gradients', async () => {
    const rng = new Random(6);
    const rows = 48;
    const data = randomClassification(rng, rows, 120, 10);
    // 120 → 10 stays dense (over 1,024 edges); three splits of its edges make levels of a few
    // neurons, CSR blocks and a fused tail.
    const net = runtime().createNetwork({ sizes: [120, 10], seed: 6 });
    for (let k = 0; k < 3; k++) {
      await net.collectEdgeStatistics(data);
      await net.splitEdges(1, await net.selectEdgesToSplit(1, { threshold: 0.2, maxToReplace: 4 }));
    }
    const s = net.structure;
    expect(new Set(s.blocks.map((b) => b.form))).toEqual(new Set(['dense', 'sparse']));
    expect(fusedTail(s)).not.toBeNull();
    // One step over all rows in order: its statistics are those of the gradients at these weights.
    const g = await net.parameterGradients(data);
    await net.fit(data, { epochs: 1, batchSize: data.rows, shuffle: false, edgeStatistics: true });
    expect(net.statisticsBatches).toBe(1);
    const stats = await net.gpu.readFloats(net.edgeStats, 0, 3 * s.floats);
    const edges = s.blocks.flatMap((b) => Array.from(b.topology.srcOf, (_, e) => b.weightOffset + storageIndex(b, e)));
    const got = edges.flatMap((p) => [stats[3 * p]!, stats[3 * p + 1]!, stats[3 * p + 2]!]);
    const want = edges.flatMap((p) => [Math.abs(g[p]!), g[p]!, g[p]! * g[p]!]);
    const err = relativeError(got, want);
    console.info(`running statistics of ${edges.length} edges vs their gradients: relative error ${err.relative.toExponential(2)} (tolerance 1e-6)`);
    expect(err.relative).toBeLessThanOrEqual(1e-6);
    // readEdgeStatistics: the same sums and the weights, block by block in edge-id order, from
    // which the built-in metrics follow on the CPU.
    const params = await net.getParameters();
    const read = await net.readEdgeStatistics(1);
    expect(read.map((r) => r.block)).toEqual(s.blocksInto(1).map((b) => b.id));
    for (const r of read) {
      const b = s.blocks[r.block]!;
      const at = Array.from(b.topology.srcOf, (_, e) => b.weightOffset + storageIndex(b, e));
      expect([r.weights, r.sumAbs, r.sum, r.sumSq]).toEqual([0, 1, 2, 3].map((j) => Float32Array.from(at, (p) => (j === 0 ? params[p]! : stats[3 * p + j - 1]!))));
    }
    const absGrad = await net.scoreEdges(1, { metric: 'abs-grad' });
    const fromSums = read.map((r) => Float32Array.from(r.sumAbs, (v) => v / net.statisticsBatches));
    expect(relativeError(absGrad.flatMap((x) => [...x.scores]), fromSums.flatMap((x) => [...x])).relative).toBeLessThanOrEqual(1e-6);
    net.destroy();
  });

  it('running statistics accumulate during fit, and selection matches the CPU selection of the read scores', async () => {
    const rng = new Random(2);
    const data = dataset(rng, 64);
    const net = runtime().createNetwork({ sizes: [8, 5, 3], seed: 2 });
    await net.fit(data, { epochs: 1, batchSize: 16, edgeStatistics: true });
    expect(net.statisticsBatches).toBe(4);
    const [scores] = await net.scoreEdges(2);
    const wanted = selectRef(normaliseRef(scores!.scores), 0.5, true, 4);
    const picked = await net.selectEdgesToSplit(2, { threshold: 0.5, maxToReplace: 4 });
    expect(picked.map((r) => r.edge)).toEqual(wanted);
    expect(picked.every((r) => r.block === scores!.block)).toBe(true);
    net.destroy();
  });

  it('pruning selects only ε edges of the last split, least significant first', async () => {
    const rng = new Random(3);
    const data = dataset(rng, 64);
    const net = runtime().createNetwork({ sizes: [8, 5, 3], seed: 3 });
    await net.fit(data, { epochs: 1, batchSize: 16, edgeStatistics: true });
    const picked = await net.selectEdgesToSplit(2, { threshold: 0.3, maxToReplace: 5 });
    await net.splitEdges(2, picked);
    await net.fit(data, { epochs: 2, batchSize: 16, edgeStatistics: true });
    const candidates = new Set(net.pruneCandidates.map((r) => `${r.block}:${r.edge}`));
    const prune = await net.selectEdgesToPrune({ threshold: 0.1 });
    expect(prune.length).toBeGreaterThan(0);
    expect(prune.every((r) => candidates.has(`${r.block}:${r.edge}`))).toBe(true);
    const inverted = await net.selectEdgesToPrune({ threshold: 0.1, invertedLikeReference: true });
    expect(inverted.every((r) => candidates.has(`${r.block}:${r.edge}`))).toBe(true);
    expect(inverted.some((r) => prune.some((q) => q.block === r.block && q.edge === r.edge))).toBe(false);
    const before = net.parameterCount;
    const report = await net.pruneEdges(prune);
    expect(report.parametersAfter).toBe(before - prune.length);
    net.destroy();
  });

  // The prune's candidates chosen on the CPU from the read scores: each group of levels
  // normalised on its own, candidates below the threshold, least significant first.
  async function pruneRef(net: Network, groups: number[][], candidates: Set<string>, threshold: number): Promise<string[]> {
    const picked: { key: string; score: number }[] = [];
    for (const levels of groups) {
      const blocks = (await Promise.all(levels.map((l) => net.scoreEdges(l)))).flat();
      const normalised = normaliseRef(blocks.flatMap((b) => Array.from(b.scores)));
      let at = 0;
      for (const b of blocks) {
        b.scores.forEach((_, e) => {
          const key = `${b.block}:${e}`;
          if (candidates.has(key) && normalised[at + e]! < threshold) picked.push({ key, score: normalised[at + e]! });
        });
        at += b.scores.length;
      }
    }
    return picked.sort((x, y) => x.score - y.score).map((p) => p.key);
  }

  it('prune normalisation together (one min–max over both levels) or per level matches the CPU selection', async () => {
    const rng = new Random(4);
    const data = dataset(rng, 64);
    const net = runtime().createNetwork({ sizes: [8, 12, 3], seed: 4 });
    await net.fit(data, { epochs: 1, batchSize: 16, edgeStatistics: true });
    const split = await net.splitEdges(2, await net.selectEdgesToSplit(2, { threshold: 0.1, maxToReplace: 10 }));
    await net.fit(data, { epochs: 2, batchSize: 16, edgeStatistics: true });
    const candidates = new Set(net.pruneCandidates.map((r) => `${r.block}:${r.edge}`));
    const key = (edges: { block: number; edge: number }[]) => edges.map((r) => `${r.block}:${r.edge}`);
    const threshold = 0.5;
    const together = key(await net.selectEdgesToPrune({ threshold }));
    const perLevel = key(await net.selectEdgesToPrune({ threshold, normalization: 'per-level' }));
    expect(together).toEqual(await pruneRef(net, [[split.level, 2]], candidates, threshold));
    expect(perLevel).toEqual(await pruneRef(net, [[split.level], [2]], candidates, threshold));
    console.info(`split ${split.edgesSplit}, candidates ${candidates.size}, together ${together.length}, per-level ${perLevel.length}`);
    expect(perLevel.length).toBeGreaterThan(0);
    expect(perLevel).not.toEqual(together); // the grouping matters here, so a wrong one would show
    await expect(net.selectEdgesToPrune({ threshold, normalization: 'sideways' as never })).rejects.toThrow(/prune normalization/);
    net.destroy();
  });

  it('rejects thresholds outside (0, 1] and non-expandable levels, changing nothing', async () => {
    const net = runtime().createNetwork({ sizes: [8, 5, 3], seed: 0 });
    for (const threshold of [0, -0.5, 1.5, Number.NaN]) {
      await expect(net.selectEdgesToSplit(2, { threshold })).rejects.toThrow(ConfigError);
    }
    await expect(net.selectEdgesToSplit(1, { threshold: 0.5 })).rejects.toThrow(/not expandable/);
    await expect(net.selectEdgesToSplit(2, { threshold: 0.5, maxToReplace: 0 })).rejects.toThrow(ConfigError);
    await expect(net.scoreEdges(2, { metric: 'magic' as never })).rejects.toThrow(ConfigError);
    net.destroy();
  });
});

describe('sortPicked: the picked (index, score) pairs in a fixed order', () => {
  it('orders as a comparison sort by score (either way), then by index, ±0 tied', () => {
    const rng = new Random(4);
    const n = 3000;
    const indices = rng.permutation(4 * n).subarray(0, n);
    // Few distinct scores, so ties are common; signed values and both zeros included.
    const palette = Float32Array.from([0, -0, 1, 0.25, -0.5, 1e-30, -1e-30, 0.7, 3.5e38, Number.MIN_VALUE]);
    const scores = Float32Array.from({ length: n }, () => palette[rng.int(palette.length)]!);
    const pairs = new Uint32Array(2 * n);
    const bits = new Uint32Array(scores.buffer);
    for (let i = 0; i < n; i++) (pairs[2 * i] = indices[i]!), (pairs[2 * i + 1] = bits[i]!);
    for (const above of [false, true]) {
      const want = Array.from({ length: n }, (_, i) => i).sort((x, y) => (above ? scores[y]! - scores[x]! : scores[x]! - scores[y]!) || indices[x]! - indices[y]!);
      const sorted = sortPicked(pairs, above);
      const sortedScores = new Float32Array(sorted.buffer);
      expect(Array.from({ length: n }, (_, i) => sorted[2 * i])).toEqual(want.map((i) => indices[i]));
      // The scores come back with their indices (−0 as +0, equal to it).
      for (let i = 0; i < n; i++) expect(sortedScores[2 * i + 1]! === scores[want[i]!]!).toBe(true);
    }
  });
});

describe('shared weights in selections (a convolution: each weight an edge at every position)', () => {
  // 3×3 image, 2×2 windows, 2 filters: 4 positions; weight 0 is filter 0's top-left entry, on 4 edges.
  const conv = convolutionConnections({ width: 3, height: 3, kernel: 2, filters: 2 });
  const built = buildCsr(conv.size, 9, conv.destinations, conv.sources);
  const ties = new Uint32Array(conv.ties.length);
  conv.ties.forEach((t, k) => (ties[built.idOf[k]!] = t));
  const s = Structure.chain([9, conv.size, 2], ['relu', 'identity'], undefined, [{ topology: built.block, ties, biasTies: conv.biasTies }]);
  const edgesOf = (tie: number) => Array.from(ties.keys()).filter((e) => ties[e] === tie).map((edge) => ({ block: 0, edge }));
  const plain = { block: 1, edge: 0 };

  it('completeGroups keeps a weight only with all of its edges, and every unshared edge', () => {
    expect(completeGroups(s, [...edgesOf(0), plain])).toEqual([...edgesOf(0), plain]);
    expect(completeGroups(s, [...edgesOf(0).slice(1), ...edgesOf(3), plain])).toEqual([...edgesOf(3), plain]);
  });

  it('wholeGroups takes weights whole, in order, while their edges fit in max', () => {
    const listed = [...edgesOf(5), ...edgesOf(2), plain];
    expect(wholeGroups(s, listed, 8)).toEqual([...edgesOf(5), ...edgesOf(2)]);
    expect(wholeGroups(s, listed, 7)).toEqual(edgesOf(5)); // the second weight's 4 edges do not fit
    expect(wholeGroups(s, listed, 3)).toEqual([]);
    expect(wholeGroups(s, listed)).toEqual(listed);
  });
});
