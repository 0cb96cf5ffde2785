import { describe, expect, it } from 'vitest';
import { classificationDataset, inputDataset, regressionDataset, splitDataset } from '../../src/data/dataset.js';
import { spirals } from '../../src/data/generated.js';
import { convolutionConnections, randomConnections } from '../../src/graph/connections.js';
import { Random } from '../../src/data/random.js';
import { ConfigError, DestroyedError, DTypeError, NaNError, ShapeError } from '../../src/errors.js';
import { Network } from '../../src/graph/network.js';
import { DENSE_FROM, DENSE_FROM_GPU } from '../../src/graph/structure.js';
import type { Activation } from '../../src/kernels/activation.js';
import { networkForwardRef, networkLossRef, type RefLayer } from '../../src/reference/network.js';
import { centralDifferences } from '../helpers/finiteDifference.js';
import { randomArray, relativeError } from '../helpers/numeric.js';
import { gpuChoices, useRuntime } from '../helpers/runtime.js';

const runtime = useRuntime();

async function refLayers(net: Network): Promise<RefLayer[]> {
  const weights = await net.getWeights();
  return net.layers.map((l, i) => ({ ...l, weights: weights[i]!.weights, bias: weights[i]!.bias }));
}

describe('Network', () => {
  it('initialises like nn.Linear (U(±1/√fan_in)) and counts parameters', async () => {
    const net = runtime().createNetwork({ sizes: [784, 96, 10], seed: 0 });
    expect(net.parameterCount).toBe(784 * 96 + 96 + 96 * 10 + 10);
    const [first] = await net.getWeights();
    const bound = 1 / Math.sqrt(784);
    expect(Math.max(...first!.weights.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...first!.weights.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    net.destroy();
  });

  it('predict matches the CPU reference forward pass (1,500 rows, chunked)', async () => {
    const acts: Activation[] = ['tanh', 'relu', 'sigmoid', 'identity'];
    const net = runtime().createNetwork({ sizes: [13, 20, 17, 9, 4], activations: acts, seed: 3 });
    const rows = 1500;
    const x = randomArray(new Random(1), rows * 13);
    const data = regressionDataset({ x, targets: new Float32Array(rows * 4), targetCount: 4, features: 13 });
    const got = await net.predict(data);
    const err = relativeError(got, networkForwardRef(await refLayers(net), x, rows));
    console.info(`predict vs CPU: relative error ${err.relative.toExponential(2)} (tolerance 1e-5)`);
    expect(err.relative).toBeLessThanOrEqual(1e-5);
    net.destroy();
  });

  it('predict and classify take bare rows too (a Float32Array, or bytes read as / 255), and refuse what is not whole rows by name', async () => {
    const rt = runtime();
    const net = rt.createNetwork({ sizes: [3, 5, 2], seed: 4 });
    const x = randomArray(new Random(2), 7 * 3);
    const bytes = Uint8Array.from({ length: 7 * 3 }, (_, i) => (i * 37) % 256);
    expect(await net.predict(x)).toEqual(await net.predict(inputDataset({ x, features: 3 })));
    expect(await net.predict(bytes)).toEqual(await net.predict(regressionDataset({ x: bytes, targets: new Float32Array(7), features: 3 })));
    expect(await net.classify(x)).toEqual(await net.classify(inputDataset({ x, features: 3 })));
    expect(inputDataset({ x: bytes, features: 3, featureScale: 2 }).featureScale).toBe(2);
    const before = await net.getParameters();
    const start = rt.liveBytes;
    await expect(net.predict(new Float32Array(4))).rejects.toThrow(new ShapeError('prediction input: x has 4 values, not whole rows of 3 features'));
    await expect(net.predict(new Float32Array(0))).rejects.toThrow(ShapeError);
    await expect(net.predict(Float32Array.of(1, Number.NaN, 3))).rejects.toThrow(new NaNError('prediction input (rows at hand): x[row 0, feature 1] is NaN'));
    await expect(net.predict([1, 2, 3] as never)).rejects.toThrow(new DTypeError('prediction input is [1,2,3]: give a Dataset, or a Float32Array (or Uint8Array) of rows × 3 inputs'));
    await expect(net.classify(new Float64Array(3) as never)).rejects.toThrow(DTypeError);
    expect(() => inputDataset({ x: new Float32Array(6), features: 0 })).toThrow(ShapeError);
    expect(rt.liveBytes).toBe(start);
    expect(await net.getParameters()).toEqual(before);
    net.destroy();
  });

  for (const loss of ['softmax-cross-entropy', 'mse'] as const) {
    it(`gradients of a 3-layer network match finite differences of the CPU loss (${loss})`, async () => {
      const rows = 6;
      const rng = new Random(5);
      const net = runtime().createNetwork({ sizes: [5, 7, 6, 3], activations: ['tanh', 'sigmoid', 'identity'], seed: 2 });
      const x = randomArray(rng, rows * 5);
      const data =
        loss === 'mse'
          ? regressionDataset({ x, targets: randomArray(rng, rows * 3), targetCount: 3, features: 5 })
          : classificationDataset({ x, labels: Array.from({ length: rows }, (_, i) => i % 3), features: 5, classes: 3 });
      const y = loss === 'mse' ? { targets: data.targets! } : { labels: data.labels! };
      const layers = await refLayers(net);
      const grads = await net.gradients(data, loss);
      for (const [i, layer] of layers.entries()) {
        const fdW = centralDifferences((w) => networkLossRef(layers.map((l, j) => (j === i ? { ...l, weights: w } : l)), x, rows, y), layer.weights);
        const fdB = centralDifferences((b) => networkLossRef(layers.map((l, j) => (j === i ? { ...l, bias: b } : l)), x, rows, y), layer.bias);
        const errW = relativeError(grads[i]!.weights, fdW);
        const errB = relativeError(grads[i]!.bias, fdB);
        console.info(`layer ${i} ${loss}: weight grad rel ${errW.relative.toExponential(2)}, bias grad rel ${errB.relative.toExponential(2)} (tolerance 1e-3)`);
        expect(errW.relative).toBeLessThanOrEqual(1e-3);
        expect(errB.relative).toBeLessThanOrEqual(1e-3);
      }
      // Computing gradients changes no parameter.
      expect((await net.getWeights())[0]!.weights).toEqual(Float32Array.from(layers[0]!.weights));
      net.destroy();
    });
  }

  it('setWeights round-trips and rejects bad shapes without changing anything', async () => {
    const net = runtime().createNetwork({ sizes: [3, 4, 2], seed: 1 });
    const before = await net.getWeights();
    const changed = before.map((w) => ({ weights: w.weights.map((v) => v + 1), bias: w.bias.map((v) => v - 1) }));
    net.setWeights(changed);
    expect(await net.getWeights()).toEqual(changed);
    expect(() => net.setWeights([changed[0]!])).toThrow(ShapeError);
    expect(() => net.setWeights([changed[0]!, { weights: new Float32Array(7), bias: new Float32Array(2) }])).toThrow(ShapeError);
    expect(() => net.setWeights([changed[0]!, { weights: new Float32Array(8).fill(Number.NaN), bias: new Float32Array(2) }])).toThrow(ShapeError);
    expect(await net.getWeights()).toEqual(changed);
    net.destroy();
    await expect(net.getWeights()).rejects.toThrow(DestroyedError);
  });

  it('rejects bad specifications with typed errors', () => {
    expect(() => runtime().createNetwork({ sizes: [3] })).toThrow(ShapeError);
    expect(() => runtime().createNetwork({ sizes: [3, 0, 2] })).toThrow(ShapeError);
    expect(() => runtime().createNetwork({ sizes: [3, 2.5, 2] })).toThrow(ShapeError);
    expect(() => runtime().createNetwork({ sizes: [3, 4, 2], activations: ['relu'] })).toThrow(ShapeError);
    expect(() => runtime().createNetwork({ sizes: [3, 2], activations: ['swish' as Activation] })).toThrow(ConfigError);
    // A seed that would quietly act as another one.
    for (const seed of [Number.NaN, -1, 1.5, '7' as unknown as number]) expect(() => runtime().createNetwork({ sizes: [3, 2], seed }), String(seed)).toThrow(/seed must be a non-negative integer/);
    expect(() => splitDataset(spirals({ rows: 10, seed: 0 }), 0.5, Number.NaN)).toThrow(/splitDataset: seed must be a non-negative integer, got NaN/);
    expect(() => spirals({ rows: 10, seed: -2 })).toThrow(ConfigError);
    expect(() => randomConnections(4, 3, 0.5, 0.5)).toThrow(/randomConnections: seed/);
    // Arguments of the wrong kind, from callers without TypeScript: named, not a TypeError.
    expect(() => runtime().createNetwork(undefined as never)).toThrow(/createNetwork: spec must be an object, got undefined/);
    expect(() => runtime().createNetwork({ sizes: [3, 2], expandable: 1 as never })).toThrow(/expandable must be a list, got 1/);
    // A block too large to list: refused before its edges are built (it ran the process out of memory).
    expect(() => convolutionConnections({ width: 4, height: 4, kernel: 2, filters: 1e9 })).toThrow(/convolutionConnections: 36000000000 edges, more than a block may have/);
    expect(() => randomConnections(1e6, 1e6, 1e-6)).toThrow(ConfigError);
  });

  it('research and training calls refuse arguments of the wrong kind, leaving the network as it was', async () => {
    const net = runtime().createNetwork({ sizes: [2, 4, 2], seed: 0, expandable: [1, 2] });
    const data = spirals({ rows: 32, seed: 0 });
    const before = await net.getParameters();
    await expect(net.fit(data, null as never)).rejects.toThrow(/fit: options must be an object, got null/);
    await expect(net.fit(data, { expansion: -1 as never })).rejects.toThrow(/fit: expansion must be an object/);
    await expect(net.selectEdgesToSplit(2, undefined as never)).rejects.toThrow(/selectEdgesToSplit: options must be an object/);
    await expect(net.splitEdges(2, 7 as never)).rejects.toThrow(/split: the edges must be a list, got 7/);
    await expect(net.splitEdges(2, [{ block: 1, edge: 0 }], { exact: 1 as never })).rejects.toThrow(/split: exact must be true, false or a list of level ids, got 1/);
    await expect(net.pruneEdges([{ block: 0, edge: 0 }], null as never)).rejects.toThrow(ConfigError);
    expect(() => net.setWeights([{ weight: new Float32Array(8), bias: new Float32Array(4) } as never, { weights: new Float32Array(8), bias: new Float32Array(2) }])).toThrow(/setWeights: layer 0 must be \{ weights: Float32Array, bias: Float32Array \}/);
    await expect(net.predict({ ...data, labels: [0, 1] as never })).rejects.toThrow(/labels must be a Uint32Array/);
    expect(net.sizes).toEqual([2, 4, 2]);
    expect(await net.getParameters()).toEqual(before);
    net.destroy();
  });

  it("takes its adapter's defaults: denseFrom and fuseTail as a GPU would where the kernels say hardware", () => {
    const rt = runtime();
    const here = rt.createNetwork({ sizes: [4, 3, 2] });
    const gpu = new Network({ gpu: rt.gpu, kernels: gpuChoices(rt.gpu) }, { sizes: [4, 3, 2] });
    const given = new Network({ gpu: rt.gpu, kernels: gpuChoices(rt.gpu) }, { sizes: [4, 3, 2], denseFrom: 0.5 });
    expect([here.structure.denseFrom, here.fuseTail]).toEqual(rt.kernels.software ? [DENSE_FROM, true] : [DENSE_FROM_GPU, false]);
    expect([gpu.structure.denseFrom, gpu.fuseTail]).toEqual([DENSE_FROM_GPU, false]);
    expect(given.structure.denseFrom).toBe(0.5);
    for (const net of [here, gpu, given]) net.destroy();
  });
});
