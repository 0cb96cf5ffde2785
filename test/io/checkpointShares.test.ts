import { describe, expect, it } from 'vitest';
import { describeLines } from '../../src/cli/info.js';
import { Random } from '../../src/data/random.js';
import { CheckpointError } from '../../src/errors.js';
import { averagePoolConnections, convolutionConnections, localConnections, maxPoolConnections } from '../../src/graph/connections.js';
import type { Network } from '../../src/graph/network.js';
import { parameterSlots } from '../../src/graph/structure.js';
import { CHECKPOINT_VERSION, describeCheckpoint } from '../../src/io/checkpoint.js';
import { idPeriod } from '../../src/io/checkpointShares.js';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '../../src/io/safetensors.js';
import { everySlotFile, mutationFuzz, numpyForward, strayFieldFuzz, version6File } from '../helpers/checkpointFiles.js';
import { randomGeometry } from '../helpers/edges.js';
import { randomClassification } from '../helpers/datasets.js';
import { relativeError } from '../helpers/numeric.js';
import { useRuntime } from '../helpers/runtime.js';

const runtime = useRuntime();

const conv = convolutionConnections({ width: 8, height: 8, kernel: 3, padding: 1, filters: 3 });
const pool = maxPoolConnections({ width: 8, height: 8, channels: 3, kernel: 2 });
const train = randomClassification(new Random(6), 96, 64, 4, 0, 1);

/**
 * A convolution with max pooling, trained, its convolution's level grown by a split of two of
 * its shared weights (which takes those kernel entries from the convolution), trained again;
 * saved with its running statistics.
 */
async function grownConvolution(): Promise<{ net: Network; bytes: Uint8Array }> {
  const rt = runtime();
  const net = rt.createNetwork({ sizes: [64, conv.size, pool.size, 4], seed: 3, connections: [conv, pool], expandable: [1] });
  await net.fit(train, { epochs: 1, batchSize: 32, seed: 1 });
  const ties = net.structure.blocks[0]!.ties!;
  const taken = Array.from(ties.keys()).filter((e) => ties[e] === 4 || ties[e] === 13);
  await net.splitEdges(1, taken.map((edge) => ({ block: 0, edge })));
  await net.fit(train, { epochs: 1, batchSize: 32, seed: 2, edgeStatistics: true });
  return { net, bytes: await rt.saveNetwork(net, undefined, { statistics: true }) };
}

/** Everything a checkpoint gives back: structure, parameters, optimizer state, statistics (in parameter slots: the others hold what they held before growth). */
async function contents(net: Network) {
  const state = await net.state({ statistics: true });
  const slots = parameterSlots(state.structure);
  const inSlots = (values: Float32Array | undefined, stride = 1) => values && values.filter((_, k) => slots[Math.floor(k / stride)] === 1);
  const optimizer = state.optimizer!;
  return {
    blocks: state.structure.blocks.map((b) => [b.src, b.dst, b.form, Array.from(b.topology.srcOf), Array.from(b.topology.dstOf), b.ties ? Array.from(b.ties) : null]),
    biasTies: state.structure.levels.map((l) => (l.biasTies ? Array.from(l.biasTies) : null)),
    params: inSlots(state.params),
    optimizer: [optimizer.name, optimizer.step, inSlots(optimizer.moment1), inSlots(optimizer.moment2), inSlots(optimizer.births)],
    statistics: state.statistics ? [state.statistics.batches, inSlots(state.statistics.sums, 3)] : null,
  };
}

describe('checkpoints of shared values (versions 6 and 7)', () => {
  it('write each shared value once, a convolution, one a split thinned included, as its windows, a pooling level as its image and repeating bias ids as their period; version 6 and the every-slot form of version 5 load the same network, and training resumes with the same bits', async () => {
    const rt = runtime();
    const { net, bytes } = await grownConvolution();
    const summary = describeCheckpoint(bytes);
    expect(summary.version).toBe(CHECKPOINT_VERSION);
    expect(summary.parameters).toBe(net.parameterCount);
    // The convolution less the two kernel entries the split took; the split's blocks through
    // the new level (one edge a neuron out of the pixels) stay edge lists, their weights once.
    const windows = summary.blocks.filter((b) => b.file === 'convolution');
    expect(windows.map((b) => [b.src, b.dst, b.sharedWeights])).toEqual([[0, 1, 27 - 2]]);
    expect(summary.blocks.filter((b) => b.file === 'edge list' && b.sharedWeights).map((b) => b.sharedWeights)).toEqual([2, 6]);
    expect(windows[0]!.convolution).toEqual({ width: 8, height: 8, channels: 1, kernel: 3, stride: 1, padding: 1, filters: 3 });
    expect(describeLines('c.senn', summary).join('\n')).toContain('sharing 25 weights: a 3×3 convolution of 3 filters over 8×8×1, stride 1, padding 1');
    const { tensors } = decodeSafetensors(bytes);
    expect(tensors.has('blocks.0.src') || tensors.has('blocks.0.ties')).toBe(false);
    expect(tensors.get('blocks.0.weight')!.data).toHaveLength(25);
    expect(Array.from(tensors.get('blocks.0.entries')!.data).filter((id) => id === -1)).toHaveLength(2);
    // Version 7: the pooling level as the image of its windows, the convolution's 192 bias ids as their first 3.
    expect(summary.levels.find((l) => l.id === 2)!.pool!.image).toEqual({ width: 8, height: 8, channels: 3, kernel: 2, stride: 2, padding: 0 });
    expect(describeLines('c.senn', summary).join('\n')).toContain('max pool of L2 (2×2 windows over 8×8×3, stride 2, padding 0)');
    expect(tensors.has('levels.2.poolSrc') || tensors.has('levels.2.poolDst')).toBe(false);
    expect(Array.from(tensors.get('levels.1.biasTies')!.data)).toEqual([0, 1, 2]);
    const [v6, slots] = [version6File(bytes), everySlotFile(bytes)];
    console.info(`grown convolution checkpoint: ${bytes.length} bytes (version 7), ${v6.length} with pooling windows and bias ids listed (version 6), ${slots.length} with every slot (version 5)`);
    expect(describeCheckpoint(v6).version).toBe(6);
    expect(bytes.length).toBeLessThan(v6.length);
    expect(bytes.length).toBeLessThan(slots.length / 2);
    const want = await contents(net);
    for (const file of [bytes, v6, slots]) {
      const loaded = rt.loadNetwork(file);
      const got = await contents(loaded);
      expect(got).toEqual(want);
      loaded.destroy();
    }
    // examples/numpy_forward.py rebuilds the thinned convolution's edges from its windows too.
    const probe = randomClassification(new Random(8), 20, 64, 4, 0, 1);
    expect(relativeError(numpyForward(bytes, probe), await net.predict(probe)).relative).toBeLessThanOrEqual(1e-5);
    const again = rt.loadNetwork(bytes);
    for (const n of [again, net]) await n.fit(train, { epochs: 1, batchSize: 32, seed: 5 });
    expect(await again.getParameters()).toEqual(await net.getParameters());
    again.destroy();
    net.destroy();
  });

  it('30 random convolutions (image shape, channels, kernel, stride, padding, filters), half of them thinned by a split: each round-trips through version 7, 6 and the every-slot form, windows wherever found', async () => {
    const rt = runtime();
    const rng = new Random(31);
    const counts = { windows: 0, thinned: 0, edgeLists: 0 };
    for (let n = 0; n < 30; n++) {
      const g = randomGeometry(rng);
      const c = convolutionConnections(g);
      const inputs = g.width * g.height * g.channels;
      const net = rt.createNetwork({ sizes: [inputs, c.size, 3], seed: n, connections: [c], expandable: [1, 2] });
      const data = randomClassification(rng, 40, inputs, 3, 0, 1);
      await net.fit(data, { epochs: 1, batchSize: 16, seed: n });
      const ties = net.structure.blocks[0]!.ties!;
      // A split of one shared weight takes every edge of it (and its kernel entry) from the convolution.
      if (n % 2 && new Set(ties).size > 1) {
        const weight = ties[rng.int(ties.length)]!;
        await net.splitEdges(1, Array.from(ties.keys()).filter((e) => ties[e] === weight).map((edge) => ({ block: 0, edge })));
        await net.fit(data, { epochs: 1, batchSize: 16, seed: n, edgeStatistics: true });
        counts.thinned++;
      }
      const bytes = await rt.saveNetwork(net, undefined, { statistics: true });
      const first = describeCheckpoint(bytes).blocks[0]!;
      expect(first.sharedWeights).toBe(new Set(net.structure.blocks[0]!.ties).size);
      if (first.file === 'convolution') counts.windows++;
      else counts.edgeLists++;
      const want = await contents(net);
      for (const file of [bytes, version6File(bytes), everySlotFile(bytes)]) {
        const loaded = rt.loadNetwork(file);
        expect(await contents(loaded), `convolution ${JSON.stringify(g)}`).toEqual(want);
        loaded.destroy();
      }
      net.destroy();
    }
    console.info(`30 random convolutions through checkpoints: ${JSON.stringify(counts)}`);
    // Recognition finds a convolution wherever each kernel entry reaches the image (test/io/onnxImage.test.ts); most here.
    expect(counts.windows).toBeGreaterThanOrEqual(20);
  });

  it('30 random poolings (max or average; image shape, channels, kernel, stride, padding) of a random convolution: each round-trips through version 7 (the windows as their image wherever found), 6 and the every-slot form', async () => {
    const rt = runtime();
    const rng = new Random(32);
    let images = 0;
    for (let n = 0, made = 0; made < 30; n++) {
      const c = randomGeometry(rng);
      const convolution = convolutionConnections(c);
      // Windows over the convolution's output image, of its filters as channels.
      const side = Math.min(convolution.outWidth, convolution.outHeight);
      const kernel = 1 + rng.int(Math.min(side + 1, 4));
      const padding = rng.int(kernel);
      if (convolution.outWidth + 2 * padding < kernel || convolution.outHeight + 2 * padding < kernel) continue;
      const spec = { width: convolution.outWidth, height: convolution.outHeight, channels: c.filters, kernel, stride: 1 + rng.int(3), padding };
      const windows = made++ % 2 ? maxPoolConnections(spec) : averagePoolConnections(spec);
      const inputs = c.width * c.height * c.channels;
      const net = rt.createNetwork({ sizes: [inputs, convolution.size, windows.size, 3], seed: n, connections: [convolution, windows] });
      const data = randomClassification(rng, 40, inputs, 3, 0, 1);
      await net.fit(data, { epochs: 1, batchSize: 16, seed: n });
      const bytes = await rt.saveNetwork(net);
      // Found by its edges, the image may be another that makes the same windows (a 1×1 window's
      // channels, a single window's stride): the windows it makes must be these.
      if (describeCheckpoint(bytes).levels[2]!.pool!.image) images++;
      const want = [await net.predict(data), await contents(net)];
      for (const file of [bytes, version6File(bytes), everySlotFile(bytes)]) {
        const loaded = rt.loadNetwork(file);
        expect([await loaded.predict(data), await contents(loaded)], `pooling ${JSON.stringify(spec)}`).toEqual(want);
        loaded.destroy();
      }
      net.destroy();
    }
    console.info(`30 random poolings through checkpoints: ${images} written as their image`);
    expect(images).toBeGreaterThanOrEqual(20);
  });

  it('fuzz: 300 randomly mutated files of a grown convolution, and 300 with a field set to a stray value, either load or fail with a typed error, never anything else', async () => {
    const rt = runtime();
    const { net, bytes } = await grownConvolution();
    net.destroy();
    const start = rt.liveBytes;
    const { loaded, rejected } = mutationFuzz(rt, bytes, new Random(43), 300);
    console.info(`fuzz of a version 7 file: ${loaded} mutated files loaded, ${rejected} rejected with a typed error`);
    expect(rejected).toBeGreaterThan(0);
    // Its graph's fields (the convolution's windows among them) and its header's, one at a time.
    const refused = await strayFieldFuzz(rt, bytes, train, new Random(44), 300);
    console.info(`300 fields of a version 7 file's graph or header set to stray values: ${refused} refused, ${300 - refused} loaded`);
    expect(refused).toBeGreaterThan(100);
    expect(rt.liveBytes).toBe(start);
  });

  it('a network without shared values keeps the version earlier builds read where it can: 7 where it pools an image, 5 where its pooling windows are not an image\'s', async () => {
    const rt = runtime();
    const local = localConnections({ width: 8, height: 8, kernel: 3, padding: 1, filters: 3 });
    // The same windows, neuron i taking window size − 1 − i's: no image lays its windows out so.
    const shuffled = { ...pool, destinations: Uint32Array.from(pool.destinations, (d) => pool.size - 1 - d) };
    for (const [windows, version] of [[pool, 7], [shuffled, 5]] as const) {
      const net = rt.createNetwork({ sizes: [64, local.size, pool.size, 4], seed: 3, connections: [local, windows] });
      await net.fit(train, { epochs: 1, batchSize: 32 });
      const bytes = await rt.saveNetwork(net);
      expect(describeCheckpoint(bytes).version).toBe(version);
      const again = rt.loadNetwork(bytes);
      expect(await again.predict(train)).toEqual(await net.predict(train));
      again.destroy();
      net.destroy();
    }
  });

  it('idPeriod: the least whole divisor of the length the ids repeat with', () => {
    expect(idPeriod([0, 1, 2, 0, 1, 2])).toBe(3);
    expect(idPeriod([5, 5, 5, 5])).toBe(1);
    expect(idPeriod([0, 1, 0, 1, 0])).toBe(5); // 2 does not divide 5
    expect(idPeriod([0, 1, 0, 2, 0, 1, 0, 2])).toBe(4);
    expect(idPeriod([0, 0, 1, 1])).toBe(4);
    expect(idPeriod([7])).toBe(1);
    expect(idPeriod([])).toBe(0);
  });

  it('a version 6 or 7 file whose windows or ids do not fit its graph is refused with CheckpointError, allocating nothing', async () => {
    const rt = runtime();
    const { net, bytes } = await grownConvolution();
    net.destroy();
    const { tensors, metadata } = decodeSafetensors(bytes);
    const graph = JSON.parse(metadata.senn!);
    const edit = (changeGraph: (g: typeof graph) => void, changeTensors: (t: Map<string, Tensor>) => void = () => {}) => {
      const g = structuredClone(graph);
      changeGraph(g);
      const t = new Map([...tensors].map(([name, tensor]) => [name, { ...tensor, data: tensor.data.slice() }]));
      changeTensors(t);
      return encodeSafetensors(Object.fromEntries(t), { ...metadata, senn: JSON.stringify(g) });
    };
    const levelOf = (g: typeof graph, id: number) => g.levels.find((l: { id: number }) => l.id === id);
    const cases: [string, Uint8Array, RegExp][] = [
      ['an image of other values than its source level', edit((g) => (g.blocks[0].convolution.width = 7)), /block 0: a convolution over a 7×8×1 image reads 56 values; its source level has 64/],
      ['windows making other neurons than its level', edit((g) => (g.blocks[0].convolution.stride = 2)), /block 0: its convolution makes 48 neurons; its destination level has 192/],
      ['a kernel entry id below −1', edit(() => {}, (t) => (t.get('blocks.0.entries')!.data[0] = -2)), /block 0: kernel entry 0 has id -2/],
      ['entries keeping other edges than the graph counts', edit(() => {}, (t) => (t.get('blocks.0.entries')!.data.fill(0, 0, 9))), /block 0: its convolution's kernel entries hold \d+ edges; the graph says \d+/],
      ['one entry tensor too short', edit(() => {}, (t) => t.set('blocks.0.entries', { dtype: 'I32', shape: [26], data: new Int32Array(26) })), /tensor blocks.0.entries is I32\[26\], expected I32\[27\]/],
      [
        'windows on a version 5 file',
        edit((g) => {
          g.version = 5;
          // Without version 7's forms, which version 5 refuses first.
          for (const l of g.levels) [delete l.sharedBiasPeriod, l.pool && delete l.pool.image];
        }),
        /checkpoint block .* is malformed/,
      ],
      ['windows without shared weights', edit((g) => delete g.blocks[0].sharedWeights), /checkpoint block .* is malformed/],
      ['padding as wide as the kernel', edit((g) => (g.blocks[0].convolution.padding = 3)), /padding must be an integer in \[0, kernel\)/],
      ['a weight per slot where one per shared value is due', edit(() => {}, (t) => t.set('blocks.0.weight', { dtype: 'F32', shape: [conv.sources.length], data: new Float32Array(conv.sources.length) })), /tensor blocks.0.weight is F32\[\d+\], expected F32\[25\]/],
      ['a pooled image of other values than its source level', edit((g) => (levelOf(g, 2).pool.image.height = 7)), /pooling level 2: windows over a 8×7×3 image read 168 values; the level it pools has 192/],
      ['pooling windows making other neurons than the level', edit((g) => (levelOf(g, 2).pool.image.stride = 1)), /pooling level 2: its windows make 147 neurons; the level has 48/],
      ['pooling windows holding other edges than the graph counts', edit((g) => (levelOf(g, 2).pool.edges = 100)), /pooling level 2: its windows hold 192 edges; the graph says 100/],
      ['a pooled image on a version 6 file', edit((g) => (g.version = 6)), /checkpoint level .* is malformed/],
      ['a bias period that does not divide the level', edit((g) => (levelOf(g, 1).sharedBiasPeriod = 5)), /checkpoint level .* is malformed/],
      ['a bias period below the distinct ids', edit((g) => (levelOf(g, 1).sharedBiasPeriod = 2)), /checkpoint level .* is malformed/],
      ['a bias period without shared biases', edit((g) => delete levelOf(g, 1).sharedBiases), /checkpoint level .* is malformed/],
      ['bias ids of another length than the period', edit((g) => (levelOf(g, 1).sharedBiasPeriod = 6)), /tensor levels.1.biasTies is I32\[3\], expected I32\[6\]/],
      ['a bias per neuron where one per filter is due', edit(() => {}, (t) => t.set('levels.1.bias', { dtype: 'F32', shape: [conv.size], data: new Float32Array(conv.size) })), /tensor levels.1.bias is F32\[192\], expected F32\[3\]/],
    ];
    const before = rt.liveBytes;
    for (const [what, file, message] of cases) {
      expect(() => rt.loadNetwork(file), what).toThrow(CheckpointError);
      expect(() => rt.loadNetwork(file), what).toThrow(message);
    }
    expect(rt.liveBytes).toBe(before);
  });
});
