import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { CheckpointError, ConfigError, ShapeError } from '../../src/errors.js';
import { averagePoolConnections, convolutionConnections, maxPoolConnections, poolConnectionCounts } from '../../src/graph/connections.js';
import { unequalTies } from '../../src/graph/structure.js';
import { CHECKPOINT_VERSION, describeCheckpoint } from '../../src/io/checkpoint.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { graphOutputRef } from '../../src/reference/graph.js';
import { relativeError } from '../helpers/numeric.js';
import { randomClassification as data } from '../helpers/datasets.js';
import { everySlotFile } from '../helpers/checkpointFiles.js';
import { edgePairs as pairs, freeValueGradients } from '../helpers/edges.js';
import { useRuntime } from '../helpers/runtime.js';
import type { Network, NetworkSpec } from '../../src/graph/network.js';

const runtime = useRuntime();

describe('maxPoolConnections', () => {
  it('takes each channel of each window on its own, 2×2 with stride 2 by default', () => {
    const pool = maxPoolConnections({ width: 4, height: 4, channels: 2 });
    expect([pool.outWidth, pool.outHeight, pool.size, pool.sources.length, pool.pool]).toEqual([2, 2, 8, 32, 'max']);
    // Neuron 3 is position (1, 0), channel 1: pixels 2, 3, 6, 7, channel 1 of each.
    expect(Array.from(pool.sources).filter((_, k) => pool.destinations[k] === 3)).toEqual([5, 7, 13, 15]);
    const overlapping = maxPoolConnections({ width: 5, height: 5, kernel: 3, stride: 2, padding: 1 });
    expect([overlapping.outWidth, overlapping.size]).toEqual([3, 9]);
    const degree = (d: number) => Array.from(overlapping.destinations).filter((x) => x === d).length;
    expect([degree(0), degree(1), degree(4)]).toEqual([4, 6, 9]);
    // Counted without building them, as a checkpoint's reader checks them (windows cut by the edge included).
    for (const [spec, built] of [[{ width: 4, height: 4, channels: 2 }, pool], [{ width: 5, height: 5, kernel: 3, stride: 2, padding: 1 }, overlapping]] as const) {
      expect(poolConnectionCounts(spec, 'max')).toEqual({ size: built.size, edges: built.sources.length });
    }
    expect(() => poolConnectionCounts({ width: 3, height: 3, kernel: 3, padding: 3 }, 'average')).toThrow(/averagePoolConnections: padding must be an integer in \[0, kernel\)/);
    expect(pairs(maxPoolConnections({ width: 2, height: 2, kernel: 2 }))).toEqual(['0→0', '1→0', '2→0', '3→0']);
    expect(() => maxPoolConnections({ width: 3, height: 3, kernel: 4 })).toThrow(/maxPoolConnections: a 4×4 window does not fit a 3×3 image/);
    expect(() => maxPoolConnections({ width: 4, height: 4, channels: 0 })).toThrow(/maxPoolConnections: channels must be a positive integer, got 0/);
  });
});

describe('a network with a max-pooling level', () => {
  // A 6×6 image, a 3×3 convolution padded by 1 with 2 filters (72 neurons), 2×2 max pooling
  // (18 neurons), 3 classes.
  const conv = convolutionConnections({ width: 6, height: 6, kernel: 3, padding: 1, filters: 2 });
  const pool = maxPoolConnections({ width: 6, height: 6, channels: 2 });
  const sizes = [36, conv.size, pool.size, 3];
  // The convolution's 18 weights and 2 biases, the output's 18 × 3 weights and 3 biases; the pooling level none.
  const parameters = 18 + 2 + 18 * 3 + 3;

  for (const [kind, windows] of [
    ['max', pool],
    ['average', averagePoolConnections({ width: 6, height: 6, channels: 2, kernel: 3, stride: 2, padding: 1 })],
  ] as const) {
    it(`${kind} pooling: counts no parameters for its windows, computes the CPU reference, and its gradients match finite differences`, async () => {
      const net = runtime().createNetwork({ sizes: [36, conv.size, windows.size, 3], seed: 3, connections: [conv, windows] });
      expect(net.parameterCount).toBe(parameters);
      const s = net.structure;
      expect([s.levels[2]!.biasOffset, s.levels[2]!.pool!.source, s.blocks.length]).toEqual([-1, 1, 2]);
      const params = await net.getParameters();
      const rng = new Random(4);
      const probe = data(rng, 40, 36, 3);
      const forward = relativeError(await net.predict(probe), graphOutputRef(s, params, probe.x, probe.rows));
      const { got, fd, first, grads } = await freeValueGradients(net, data(rng, 8, 36, 3));
      expect(first).toHaveLength(parameters);
      const backward = relativeError(got, fd);
      console.info(`${kind} pooling after a convolution: forward vs CPU ${forward.relative.toExponential(2)} (tolerance 1e-5), gradients vs finite differences ${backward.relative.toExponential(2)} (tolerance 1e-3)`);
      expect(forward.relative).toBeLessThanOrEqual(1e-5);
      expect(backward.relative).toBeLessThanOrEqual(1e-3);
      // The convolution's weights get a gradient through the pooling.
      expect(first.slice(0, 18).some((i) => grads[i] !== 0)).toBe(true);
      net.destroy();
    });
  }

  it('one activation name is every hidden level\'s but the pooling level\'s and the output\'s, which stay identity; a list names each', () => {
    const net = (activations?: NetworkSpec['activations']) => runtime().createNetwork({ sizes, seed: 3, connections: [conv, pool], ...(activations ? { activations } : {}) });
    const levels = (n: Network) => {
      const got = n.structure.levels.slice(1).map((l) => l.activation);
      n.destroy();
      return got;
    };
    expect(levels(net('tanh'))).toEqual(['tanh', 'identity', 'identity']);
    expect(levels(net())).toEqual(['relu', 'identity', 'identity']);
    expect(levels(net(['sigmoid', 'tanh', 'identity']))).toEqual(['sigmoid', 'tanh', 'identity']);
    expect(() => net('tahn' as never)).toThrow(new ConfigError('unknown activation "tahn"; expected one of identity, relu, tanh, sigmoid (did you mean tanh?)'));
    expect(() => net(7 as never)).toThrow(ConfigError);
    // Checked where no level takes it too.
    expect(() => runtime().createNetwork({ sizes: [2, 2], activations: 'swish' as never })).toThrow(ConfigError);
  });

  it('trains, grows after the pooling level with the function kept, and goes through a checkpoint', async () => {
    const net = runtime().createNetwork({ sizes, seed: 5, connections: [conv, pool] });
    const rng = new Random(6);
    const train = data(rng, 192, 36, 3);
    const reports = await net.fit(train, { optimizer: { name: 'adam', lr: 0.02 }, batchSize: 32, epochs: 6, validation: train, edgeStatistics: true });
    expect(reports.at(-1)!.valLoss).toBeLessThan(reports[0]!.valLoss);
    // The output's edges leave the pooling level, whose values (a max of ReLUs) are not negative: a split keeps the function.
    const probe = data(rng, 30, 36, 3);
    const before = await net.predict(probe);
    const split = await net.splitEdges(3, await net.selectEdgesToSplit(3, { threshold: 0.3, maxToReplace: 6 }), {}, probe);
    const scale = Math.max(...before.map(Math.abs));
    console.info(`split after a pooling level: output change ${(split.outputChange! / scale).toExponential(2)} of the outputs' size (tolerance 1e-5)`);
    expect(split.outputChange! / scale).toBeLessThan(1e-5);
    expect(net.structure.sizes).toEqual([36, 72, 18, split.neuronsAdded, 3]);
    expect(net.parameterCount).toBe(split.parametersAfter);
    await net.fit(train, { optimizer: { name: 'adam', lr: 0.02 }, batchSize: 32, epochs: 2, edgeStatistics: true });
    // The grown levels after the pooling level run in the fused tail (the pooling level never
    // does): gradients still right. Checked after training: right after the split, a new neuron
    // whose sources are all 0 on a row (a window of ReLU zeros) sits exactly on ReLU's kink, with
    // its bias at 0, where central differences see half a slope.
    const grown = await freeValueGradients(net, data(rng, 6, 36, 3));
    const grownError = relativeError(grown.got, grown.fd);
    console.info(`grown after a pooling level: gradients vs finite differences ${grownError.relative.toExponential(2)} (tolerance 1e-3)`);
    expect(grownError.relative).toBeLessThanOrEqual(1e-3);
    const pruned = await net.pruneEdges(await net.selectEdgesToPrune({ threshold: 0.5 }));
    expect(pruned.parametersAfter).toBeLessThan(pruned.parametersBefore);
    const params = await net.getParameters();
    expect(relativeError(await net.predict(probe), graphOutputRef(net.structure, params, probe.x, probe.rows)).relative).toBeLessThanOrEqual(1e-5);
    expect(unequalTies(net.structure, params)).toBeNull();

    const bytes = await runtime().saveNetwork(net);
    const summary = describeCheckpoint(bytes);
    expect([summary.version, summary.parameters]).toEqual([CHECKPOINT_VERSION, net.parameterCount]);
    expect(summary.levels[2]).toEqual({ id: 2, size: 18, activation: 'identity', role: 'hidden', pool: { kind: 'max', source: 1, edges: 72, image: { width: 6, height: 6, channels: 2, kernel: 2, stride: 2, padding: 0 } } });
    const again = runtime().loadNetwork(bytes);
    expect(again.parameterCount).toBe(net.parameterCount);
    expect(await again.predict(probe)).toEqual(await net.predict(probe));
    const resumed = await again.fit(train, { optimizer: { name: 'adam', lr: 0.02 }, batchSize: 32, epochs: 1, validation: train });
    expect(Number.isFinite(resumed[0]!.valLoss)).toBe(true);
    again.destroy();
    net.destroy();
  });

  it('refuses what a pooling level cannot be, naming the problem, and a checkpoint that says otherwise', async () => {
    const create = (spec: Parameters<ReturnType<typeof runtime>['createNetwork']>[0]) => () => runtime().createNetwork(spec);
    const onInputs = maxPoolConnections({ width: 6, height: 6 });
    expect(create({ sizes: [36, 9, 3], connections: [onInputs] })).toThrow(/a pooling level must pool a hidden level, not the inputs/);
    expect(create({ sizes: [36, 72, 18], connections: [conv, pool] })).toThrow(/the output level cannot be a pooling level/);
    expect(create({ sizes, connections: [conv, pool], expandable: [2, 3] })).toThrow(ConfigError);
    expect(create({ sizes, connections: [conv, pool], expandable: [2, 3] })).toThrow(/level 2 pools its inputs, so it cannot be expandable/);
    expect(create({ sizes, connections: [conv, { ...pool, ties: new Uint32Array(pool.sources.length) }] })).toThrow(/pooling windows have no weights or biases to share/);
    const kept = Array.from(pool.destinations, (d, k) => (d === 5 ? -1 : k)).filter((k) => k >= 0);
    const holed = { pool: 'max' as const, sources: kept.map((k) => pool.sources[k]!), destinations: kept.map((k) => pool.destinations[k]!) };
    expect(create({ sizes, connections: [conv, holed] })).toThrow(ShapeError);
    expect(create({ sizes, connections: [conv, holed] })).toThrow(/pooling level 2: neuron 5 has an empty window/);

    const net = runtime().createNetwork({ sizes, seed: 1, connections: [conv, pool] });
    const bytes = await runtime().saveNetwork(net);
    net.destroy();
    const { tensors, metadata } = decodeSafetensors(bytes);
    const graph = JSON.parse(metadata.senn!);
    const rewrite = (edit: (g: typeof graph) => void, drop?: string) => {
      const g = structuredClone(graph);
      edit(g);
      const kept = Object.fromEntries([...tensors].filter(([name]) => name !== drop));
      return encodeSafetensors(kept, { ...metadata, senn: JSON.stringify(g) });
    };
    expect(() => runtime().loadNetwork(rewrite((g) => (g.expandable = [2])))).toThrow(/checkpoint lists pooling level 2 as expandable/);
    // Written as windows over an image (format 7): without the image, they must be listed.
    expect(() => runtime().loadNetwork(rewrite((g) => delete g.levels[2].pool.image))).toThrow(/checkpoint lacks tensor levels.2.poolSrc/);
    expect(() => runtime().loadNetwork(rewrite((g) => (g.levels[2].pool.source = 0)))).toThrow(CheckpointError);
    expect(() => runtime().loadNetwork(rewrite((g) => (g.levels[2].pool.source = 0)))).toThrow(/checkpoint pooling level 2: windows over a 6×6×2 image read 72 values; the level it pools has 36/);
    // Listed (format 5), a window's source is checked against the level it pools.
    const listed = everySlotFile(bytes);
    const listedGraph = JSON.parse(decodeSafetensors(listed).metadata.senn!);
    listedGraph.levels[2].pool.source = 0;
    const wrongSource = encodeSafetensors(Object.fromEntries(decodeSafetensors(listed).tensors), { senn: JSON.stringify(listedGraph) });
    expect(() => runtime().loadNetwork(wrongSource)).toThrow(/checkpoint pooling level 2's windows over level 0: edge \d+: source 36 is not an integer in \[0, 36\)/);
  });
});
