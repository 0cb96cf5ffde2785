// ONNX export, checked by running the exported models in onnxruntime (its WebAssembly build,
// in this process) against the network's own predict on the GPU.
import * as ort from 'onnxruntime-web';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { featureStats, standardize } from '../../src/data/normalize.js';
import { Random } from '../../src/data/random.js';
import { CheckpointError, ConfigError } from '../../src/errors.js';
import { averagePoolConnections, convolutionConnections, maxPoolConnections } from '../../src/graph/connections.js';
import { activeSources } from '../../src/graph/csr.js';
import type { Network } from '../../src/graph/network.js';
import { ONNX_SCHEMA } from '../../src/io/onnxSchema.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { checkpointToOnnx, networkToOnnx, type OnnxOptions } from '../../src/onnx.js';
import { classify } from '../../src/train/classify.js';
import { SENN_VERSION } from '../../src/version.js';
import { randomClassification } from '../helpers/datasets.js';
import { relativeError } from '../helpers/numeric.js';
import { runOnnx } from '../helpers/onnx.js';
import { useRuntime } from '../helpers/runtime.js';

const runtime = useRuntime();

/** The exported model's outputs against `net.predict` on `probe`: their relative error, checked and reported. */
async function expectSameOutputs(net: Network, probe: Dataset, what: string, options: OnnxOptions = {}): Promise<Record<string, Float32Array>> {
  const out = await runOnnx(await networkToOnnx(net, options), probe);
  const want = await net.predict(probe);
  const err = relativeError(out.outputs!, want);
  console.info(`onnx ${what}: onnxruntime vs predict, relative error ${err.relative.toExponential(2)} (tolerance 1e-5)`);
  expect(out.outputs).toHaveLength(want.length);
  expect(err.relative).toBeLessThanOrEqual(1e-5);
  return out;
}

/** The model `networkToOnnx(net, options)` writes, decoded. */
async function decodedModel(net: Network, options: OnnxOptions) {
  return protobuf.parse(ONNX_SCHEMA).root.lookupType('onnx.ModelProto').decode(await networkToOnnx(net, options)).toJSON();
}

/** The opset and IR version the model names. */
async function opsetOf(net: Network, options: OnnxOptions): Promise<string[]> {
  const decoded = await decodedModel(net, options);
  return [decoded.opsetImport[0].version, decoded.irVersion];
}

/** The model's operators, in graph order. */
async function opTypes(net: Network, options: OnnxOptions): Promise<string[]> {
  return (await decodedModel(net, options)).graph.node.map((n: { opType: string }) => n.opType);
}

/** A network grown by two expansions (a dense and a sparse ε block among them) and a prune, trained between. */
async function grownNetwork(): Promise<{ net: Network; train: Dataset }> {
  const rt = runtime();
  const rng = new Random(4);
  const train = randomClassification(rng, 128, 12, 4);
  const net = rt.createNetwork({ sizes: [12, 8, 4], seed: 2, expandable: [1, 2] });
  await net.fit(train, { epochs: 2, batchSize: 32, edgeStatistics: true });
  await net.splitEdges(2, await net.selectEdgesToSplit(2, { threshold: 0.2, maxToReplace: 6 }));
  await net.fit(train, { epochs: 1, batchSize: 32, edgeStatistics: true });
  await net.splitEdges(1, await net.selectEdgesToSplit(1, { threshold: 0.2, maxToReplace: 5 }));
  await net.pruneEdges(net.pruneCandidates.slice(0, 7));
  await net.fit(train, { epochs: 1, batchSize: 32 });
  return { net, train };
}

describe('ONNX export', () => {
  it('a grown network runs in onnxruntime as in senn: every block a matrix, every block edge by edge, and a mix of both', async () => {
    const { net, train } = await grownNetwork();
    expect(net.structure.levels.length).toBeGreaterThan(3);
    const probe = randomClassification(new Random(9), 40, 12, 4);
    // A threshold between the blocks' densities, so some are matrices and some edge lists.
    const densities = net.structure.blocks.map((b) => b.topology.srcOf.length / (b.topology.src * b.topology.dst)).sort((a, b) => a - b);
    const between = (densities[0]! + densities.at(-1)!) / 2;
    expect(densities[0]).toBeLessThan(between);
    for (const [denseFrom, what] of [[undefined, 'grown, all matrices (the default)'], [2, 'grown, all edge lists'], [between, 'grown, a mix']] as const) {
      await expectSameOutputs(net, probe, what, denseFrom === undefined ? {} : { denseFrom });
    }
    // Edge by edge the file holds the edges (4 bytes of weight, 8 of endpoints); as matrices,
    // the rows of the sources with edges × the destinations.
    const edges = net.structure.blocks.reduce((n, b) => n + b.topology.srcOf.length, 0);
    const entries = net.structure.blocks.reduce((n, b) => n + activeSources(b.topology).length * b.topology.dst, 0);
    const [asEdges, asMatrices] = [await networkToOnnx(net, { denseFrom: 2 }), await networkToOnnx(net)];
    expect(entries).toBeGreaterThan(edges);
    expect(asEdges.length).toBeGreaterThan(12 * edges);
    expect(asMatrices.length).toBeGreaterThan(4 * entries);
    // The network is as it was: the export reads it, nothing more.
    expect(await net.predict(train)).toEqual(await net.predict(train));
    net.destroy();
  });

  it('adds the softmax as `probabilities` when asked, equal to classify; a checkpoint exports the same model without a GPU, with its metadata', async () => {
    const rt = runtime();
    const { net } = await grownNetwork();
    const probe = randomClassification(new Random(10), 25, 12, 4);
    const out = await expectSameOutputs(net, probe, 'with probabilities', { probabilities: true });
    const want = classify(await net.predict(probe), 4).probabilities;
    expect(relativeError(out.probabilities!, want).absolute).toBeLessThanOrEqual(1e-6);
    const options = { probabilities: true, metadata: { classes: '["a","b","c","d"]' }, description: 'a test network' };
    const fromCheckpoint = checkpointToOnnx(await rt.saveNetwork(net), options);
    expect(fromCheckpoint).toEqual(await networkToOnnx(net, options));
    const session = await ort.InferenceSession.create(fromCheckpoint);
    expect([session.inputNames, session.outputNames]).toEqual([['inputs'], ['outputs', 'probabilities']]);
    await session.release();
    // The metadata and description as written, and who wrote the model, for the opset ONNX runtimes read.
    const decoded = protobuf.parse(ONNX_SCHEMA).root.lookupType('onnx.ModelProto').decode(fromCheckpoint).toJSON();
    // Matrix products and activations: opset 13 (IR version 7), for older runtimes too.
    expect(decoded).toMatchObject({ irVersion: '7', producerName: 'senn', docString: 'a test network', opsetImport: [{ version: '13' }] });
    const metadata = Object.fromEntries((decoded.metadataProps as { key: string; value: string }[]).map((p) => [p.key, p.value]));
    expect(metadata).toEqual({ 'senn.version': SENN_VERSION, architecture: net.structure.sizes.join('-'), classes: '["a","b","c","d"]' });
    // A run that says classification: probabilities by default, the classes by their names, the run kept.
    const run = { data: { dataset: 'fashion-mnist', task: 'classification' }, args: { epochs: 3 } };
    const described = protobuf.parse(ONNX_SCHEMA).root.lookupType('onnx.ModelProto').decode(await networkToOnnx(net, { run })).toJSON();
    const props = Object.fromEntries((described.metadataProps as { key: string; value: string }[]).map((p) => [p.key, p.value]));
    expect(JSON.parse(props['senn.run']!)).toEqual(run);
    expect(described.graph.output.map((o: { name: string }) => o.name)).toEqual(['outputs', 'probabilities']);
    net.destroy();
  });

  it('a convolution with max pooling and global average pooling, and tanh / sigmoid / identity levels', async () => {
    const rt = runtime();
    const rng = new Random(5);
    const conv = convolutionConnections({ width: 8, height: 8, kernel: 3, padding: 1, filters: 3 });
    const pool = maxPoolConnections({ width: 8, height: 8, channels: 3, kernel: 3, stride: 2, padding: 1 });
    const global = averagePoolConnections({ width: 4, height: 4, channels: 3, kernel: 4 });
    const images = (rows: number) => randomClassification(rng, rows, 64, 4);
    const cnn = rt.createNetwork({ sizes: [64, conv.size, pool.size, global.size, 4], seed: 3, connections: [conv, pool, global] });
    await cnn.fit(images(64), { epochs: 1, batchSize: 32 });
    await expectSameOutputs(cnn, images(30), 'convolution, max and average pooling as Conv, MaxPool, AveragePool');
    await expectSameOutputs(cnn, images(30), 'convolution, max and average pooling as a matrix and windows of edges', { imageOperators: false });
    await expectSameOutputs(cnn, images(30), 'convolution, max and average pooling, edge lists', { imageOperators: false, denseFrom: 2 });
    // The opset each model names: the lowest its nodes run on (ScatterElements' add 16, max 18).
    expect(await opsetOf(cnn, {})).toEqual(['13', '7']);
    expect(await opsetOf(cnn, { imageOperators: false })).toEqual(['18', '8']);
    expect((await opTypes(cnn, {})).filter((op) => /Conv|Pool|Scatter/.test(op))).toEqual(['Conv', 'MaxPool', 'AveragePool']);
    expect((await opTypes(cnn, { imageOperators: false })).filter((op) => /Conv|Pool/.test(op))).toEqual([]);
    cnn.destroy();
    const mixed = rt.createNetwork({ sizes: [10, 9, 7, 3], activations: ['tanh', 'sigmoid', 'identity'], seed: 6 });
    const signed = randomClassification(rng, 64, 10, 3, -2, 2);
    await mixed.fit(signed, { epochs: 1, batchSize: 16 });
    // Dense blocks (stored source by source) as matrices and edge by edge.
    expect(mixed.structure.blocks.every((b) => b.form === 'dense')).toBe(true);
    await expectSameOutputs(mixed, signed, 'tanh, sigmoid, identity');
    await expectSameOutputs(mixed, signed, 'tanh, sigmoid, identity, edge lists', { denseFrom: 2 });
    expect([await opsetOf(mixed, {}), await opsetOf(mixed, { denseFrom: 2 })]).toEqual([['13', '7'], ['16', '8']]);
    mixed.destroy();
  });

  it('convolutions over a non-square image of 2 channels, strided, one over the other, the second grown by a split: Conv wherever a block is one', async () => {
    const rt = runtime();
    const rng = new Random(8);
    const first = convolutionConnections({ width: 6, height: 5, channels: 2, kernel: 3, stride: 2, padding: 1, filters: 4 });
    const second = convolutionConnections({ width: first.outWidth, height: first.outHeight, channels: 4, kernel: 2, filters: 3 });
    const images = (rows: number) => randomClassification(rng, rows, 60, 3);
    const cnn = rt.createNetwork({ sizes: [60, first.size, second.size, 3], seed: 9, connections: [first, second], expandable: [2] });
    await cnn.fit(images(64), { epochs: 1, batchSize: 32, edgeStatistics: true });
    expect(await opTypes(cnn, {})).toContain('Conv');
    expect((await opTypes(cnn, {})).filter((op) => op === 'Conv')).toHaveLength(2);
    await expectSameOutputs(cnn, images(20), 'two convolutions over a 6×5×2 image');
    // The split makes a level between them that shares its weights by position: the second
    // convolution's level then sums its Conv and the new level's blocks.
    await cnn.splitEdges(2, await cnn.selectEdgesToSplit(2, { threshold: 0.5, maxToReplace: 4 }));
    await cnn.fit(images(64), { epochs: 1, batchSize: 32 });
    expect(cnn.structure.blocksInto(2).length).toBeGreaterThan(1);
    // Four Convs: both convolutions (the second less the kernel entries the split took) and
    // the split's two blocks through the new level, which share their weights by position too.
    expect((await opTypes(cnn, {})).filter((op) => op === 'Conv')).toHaveLength(4);
    await expectSameOutputs(cnn, images(20), 'two convolutions, the second grown by a split');
    await expectSameOutputs(cnn, images(20), 'two convolutions, the second grown by a split, as matrices', { imageOperators: false });
    cnn.destroy();
  });

  it('with rawInputs, takes the inputs as the dataset holds them and standardises them as the run recorded', async () => {
    const rt = runtime();
    const rng = new Random(12);
    // Features far from standard: scaled and shifted, as a CSV file's columns may be.
    const raw = (rows: number) => {
      const d = randomClassification(rng, rows, 5, 3);
      return { ...d, x: d.x.map((v, i) => 40 * v + 7 * (i % 5) - 10) as Float32Array };
    };
    const train = raw(96);
    const stats = featureStats(train);
    const net = rt.createNetwork({ sizes: [5, 6, 3], seed: 4 });
    await net.fit(standardize(train, stats), { epochs: 2, batchSize: 32 });
    const probe = raw(30);
    const run = { data: { dataset: 'rows.csv', task: 'classification', featureScale: 1, standardize: stats } };
    const { outputs } = await runOnnx(await networkToOnnx(net, { rawInputs: true, run }), probe);
    const err = relativeError(outputs!, await net.predict(standardize(probe, stats)));
    console.info(`onnx raw inputs, standardised in the model: relative error ${err.relative.toExponential(2)} (tolerance 1e-5)`);
    expect(err.relative).toBeLessThanOrEqual(1e-5);
    // Not without a recipe that says how.
    for (const bad of [undefined, { data: { featureScale: 1, standardize: { mean: [0], std: [1] } } }, { data: { featureScale: 'x' } }]) {
      await expect(networkToOnnx(net, { rawInputs: true, ...(bad ? { run: bad } : {}) })).rejects.toThrow(/rawInputs needs the run's data recipe/);
    }
    net.destroy();
  });

  it('refuses a corrupt checkpoint with CheckpointError and a bad option with ConfigError', async () => {
    const rt = runtime();
    const { net } = await grownNetwork();
    const bytes = await rt.saveNetwork(net);
    expect(() => checkpointToOnnx(bytes.subarray(0, bytes.length - 9))).toThrow(CheckpointError);
    expect(() => checkpointToOnnx(new TextEncoder().encode('not a checkpoint at all'))).toThrow(CheckpointError);
    // An edge whose source lies outside its level: named, not written into a model that fails later.
    const { tensors, metadata } = decodeSafetensors(bytes);
    const name = [...tensors.keys()].find((k) => /^blocks\.\d+\.src$/.test(k))!;
    const bad = Int32Array.from(tensors.get(name)!.data);
    bad[0] = 1000;
    const edited = encodeSafetensors(Object.fromEntries([...tensors].map(([k, t]) => [k, k === name ? { ...t, data: bad } : t])), metadata);
    expect(() => checkpointToOnnx(edited)).toThrow(CheckpointError);
    for (const denseFrom of [-1, Number.NaN]) await expect(networkToOnnx(net, { denseFrom })).rejects.toThrow(ConfigError);
    const stray = (options: unknown) => networkToOnnx(net, options as OnnxOptions);
    await expect(stray({ imageOperators: 'false' })).rejects.toThrow(/ONNX export: imageOperators must be true or false, got "false"/);
    await expect(stray({ probabilities: 1 })).rejects.toThrow(ConfigError);
    await expect(stray('probabilities')).rejects.toThrow(/ONNX export: its options/);
    net.destroy();
  });
});
