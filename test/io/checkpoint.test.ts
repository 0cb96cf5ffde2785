import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classificationDataset } from '../../src/data/dataset.js';
import { averagePoolConnections, convolutionConnections, maxPoolConnections } from '../../src/graph/connections.js';
import { Random } from '../../src/data/random.js';
import { AdapterLimitError, CheckpointError, ConfigError } from '../../src/errors.js';
import { CHECKPOINT_VERSION, describeCheckpoint } from '../../src/io/checkpoint.js';
import { describeLines } from '../../src/cli/info.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { blockFloats, storageIndex } from '../../src/graph/structure.js';
import { randomArray, relativeError } from '../helpers/numeric.js';
import { everySlotFile, mutationFuzz, numpyForward, strayFieldFuzz, version6File } from '../helpers/checkpointFiles.js';
import { randomClassification } from '../helpers/datasets.js';
import { useRuntime } from '../helpers/runtime.js';

const runtime = useRuntime();

function data(seed: number, rows = 96) {
  return randomClassification(new Random(seed), rows, 6, 3);
}

/** A trained, grown and pruned network and its checkpoint, its last epoch's running statistics kept. */
async function grownCheckpoint() {
  const rt = runtime();
  const net = rt.createNetwork({ sizes: [6, 5, 3], seed: 1, expandable: [1, 2] });
  const train = data(1);
  await net.fit(train, { epochs: 2, batchSize: 32, edgeStatistics: true });
  await net.splitEdges(2, await net.selectEdgesToSplit(2, { threshold: 0.2, maxToReplace: 4 }));
  // A split clears the running statistics; gather fresh ones before selecting again.
  await net.fit(train, { epochs: 1, batchSize: 32, edgeStatistics: true });
  await net.splitEdges(1, await net.selectEdgesToSplit(1, { threshold: 0.2, maxToReplace: 3 }));
  await net.pruneEdges(net.pruneCandidates.slice(0, 4));
  await net.fit(train, { epochs: 1, batchSize: 32, edgeStatistics: true });
  return { net, train, bytes: await rt.saveNetwork(net, undefined, { statistics: true }) };
}

describe('checkpoints', () => {
  it('round-trip a grown network bit for bit: structure, outputs, optimizer state, history, resumed training', async () => {
    const rt = runtime();
    const { net, train, bytes } = await grownCheckpoint();
    const loaded = rt.loadNetwork(bytes);
    expect(loaded.structure.sizes).toEqual(net.structure.sizes);
    expect(loaded.structure.blocks.map((b) => [b.src, b.dst, b.form, b.topology.srcOf.length])).toEqual(net.structure.blocks.map((b) => [b.src, b.dst, b.form, b.topology.srcOf.length]));
    expect(loaded.parameterCount).toBe(net.parameterCount);
    expect(loaded.history).toEqual(net.history);
    expect(loaded.pruneCandidates).toEqual(net.pruneCandidates);
    // Pending, they are a tensor of (block, edge) pairs in their order (format 7); listed in the graph as version 6 wrote them, the same.
    expect(net.pruneCandidates.length).toBeGreaterThan(0);
    expect(Array.from(decodeSafetensors(bytes).tensors.get('growth.pruneCandidates')!.data)).toEqual(net.pruneCandidates.flatMap((c) => [c.block, c.edge]));
    const listed = rt.loadNetwork(version6File(bytes));
    expect(listed.pruneCandidates).toEqual(net.pruneCandidates);
    listed.destroy();
    expect(await loaded.getParameters()).toEqual(await net.getParameters());
    expect(await loaded.predict(train)).toEqual(await net.predict(train));
    // The running statistics: the same sums, so the same scores and picks by a gradient metric.
    expect(loaded.statisticsBatches).toBe(3);
    expect(net.statisticsBatches).toBe(3);
    for (const level of [1, 2]) expect(await loaded.readEdgeStatistics(level)).toEqual(await net.readEdgeStatistics(level));
    for (const metric of ['abs-grad', 'grad-variance', 'taylor'] as const) expect(await loaded.scoreEdges(2, { metric })).toEqual(await net.scoreEdges(2, { metric }));
    expect(await loaded.selectEdgesToSplit(2, { threshold: 0.3 })).toEqual(await net.selectEdgesToSplit(2, { threshold: 0.3 }));
    // Resuming continues exactly where the original goes on, its next split's ε draws included.
    for (const n of [net, loaded]) {
      await n.fit(train, { epochs: 1, batchSize: 32, seed: 5, edgeStatistics: true });
      await n.splitEdges(2, await n.selectEdgesToSplit(2, { threshold: 0.1, maxToReplace: 5 }));
    }
    expect(loaded.structure.sizes).toEqual(net.structure.sizes);
    expect(await loaded.getParameters()).toEqual(await net.getParameters());
    net.destroy();
    loaded.destroy();
  });

  it('keeps the running statistics only when asked: without them a loaded network holds none, and a gradient metric says so', async () => {
    const rt = runtime();
    const { net, bytes } = await grownCheckpoint();
    const plain = await rt.saveNetwork(net);
    const loaded = rt.loadNetwork(plain);
    expect(loaded.statisticsBatches).toBe(0);
    await expect(loaded.scoreEdges(2, { metric: 'abs-grad' })).rejects.toThrow(ConfigError);
    expect(await loaded.getParameters()).toEqual(await net.getParameters());
    // Three tensors of one float a parameter each; the summary counts their batches.
    const values = decodeSafetensors(bytes).tensors.get('optimizer.moment1')!.data.length;
    expect(bytes.length - plain.length).toBeGreaterThanOrEqual(3 * 4 * values);
    expect([describeCheckpoint(bytes).statisticsBatches, describeCheckpoint(plain).statisticsBatches]).toEqual([3, 0]);
    expect(describeLines('a.senn', describeCheckpoint(bytes))).toContain('statistics    running Σ|g|, Σg, Σg² of every parameter over 3 batches');
    expect(describeLines('a.senn', describeCheckpoint(plain)).join('\n')).not.toContain('statistics');
    // A network without statistics saves none when asked.
    expect(decodeSafetensors(await rt.saveNetwork(loaded, undefined, { statistics: true })).tensors.has('statistics.sum')).toBe(false);
    net.destroy();
    loaded.destroy();
  });

  it('describeCheckpoint reads what a file holds from its header alone: levels, blocks, parameters, optimizer, history', async () => {
    const { net, bytes } = await grownCheckpoint();
    const summary = describeCheckpoint(bytes);
    expect(summary.levels.map((l) => l.size)).toEqual(net.structure.sizes);
    expect(summary.blocks.map((b) => [b.src, b.dst, b.edges])).toEqual(net.structure.blocks.map((b) => [b.src, b.dst, b.topology.srcOf.length]));
    expect(summary.parameters).toBe(net.parameterCount);
    expect(summary.optimizer?.name).toBe('adam');
    expect(summary.history).toEqual(net.history);
    // Its split's surviving ε edges wait for their prune: the candidates are a tensor (format 7).
    expect([summary.version, summary.run]).toEqual([7, null]);
    // Without them, shared values or pooling a file is format 3, which builds before them read too.
    await net.pruneEdges(net.pruneCandidates);
    expect(net.pruneCandidates).toEqual([]);
    expect(describeCheckpoint(await runtime().saveNetwork(net)).version).toBe(3);
    expect(summary.expandable).toEqual(net.expandable);
    expect(() => describeCheckpoint(bytes.subarray(0, 20))).toThrow(CheckpointError);
    expect(() => describeCheckpoint(encodeSafetensors({}, { senn: '{"format":"senn-checkpoint","version":3,"levels":[]}' }))).toThrow('checkpoint graph has no levels or blocks');
    net.destroy();
  });

  it('loads from a Node Buffer as read by fs.readFileSync, and from a view into a larger buffer', async () => {
    // Buffer#slice is a view, not a copy: decoding once read every tensor over the whole file.
    const rt = runtime();
    const { net, train, bytes } = await grownCheckpoint();
    const dir = mkdtempSync(join(tmpdir(), 'senn-ckpt-'));
    try {
      writeFileSync(join(dir, 'net.senn'), bytes);
      const padded = new Uint8Array(bytes.length + 24);
      padded.set(bytes, 16);
      for (const input of [readFileSync(join(dir, 'net.senn')), Buffer.from(bytes), padded.subarray(16, 16 + bytes.length)]) {
        const loaded = rt.loadNetwork(input);
        expect(await loaded.predict(train)).toEqual(await net.predict(train));
        loaded.destroy();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    net.destroy();
  });

  it('saves from inside onEpoch with the epochs so far, and refuses to save while fit is running otherwise', async () => {
    const rt = runtime();
    const net = rt.createNetwork({ sizes: [6, 5, 3], seed: 2 });
    const train = data(3);
    const saved: Uint8Array[] = [];
    const outputs: Float32Array[] = [];
    const running = net.fit(train, {
      epochs: 3,
      batchSize: 32,
      onEpoch: async () => {
        saved.push(await rt.saveNetwork(net));
        outputs.push(await net.predict(train));
      },
    });
    await expect(rt.saveNetwork(net)).rejects.toThrow(ConfigError);
    await running;
    expect(net.history.map((r) => r.epoch)).toEqual([1, 2, 3]);
    for (const [i, bytes] of saved.entries()) {
      const loaded = rt.loadNetwork(bytes);
      expect(loaded.history.map((r) => r.epoch)).toEqual(Array.from({ length: i + 1 }, (_, k) => k + 1));
      expect(await loaded.predict(train)).toEqual(outputs[i]);
      loaded.destroy();
    }
    net.destroy();
  });

  it('a history of 150,000 epochs (a long run of a small network) loads, trains on and saves again', async () => {
    const rt = runtime();
    const net = rt.createNetwork({ sizes: [6, 3], seed: 1 });
    const train = data(1, 32);
    await net.fit(train, { epochs: 1, batchSize: 32 });
    const meta = decodeSafetensors(await rt.saveNetwork(net));
    const graph = JSON.parse(meta.metadata.senn!);
    const epochs = 150_000;
    graph.history = Array.from({ length: epochs }, (_, k) => ({ ...graph.history[0], epoch: k + 1 }));
    const bytes = encodeSafetensors(Object.fromEntries(meta.tensors), { senn: JSON.stringify(graph) });
    expect(describeCheckpoint(bytes).history).toHaveLength(epochs);
    // Before, the network took the history as one spread call: a RangeError past ~125,000.
    const loaded = rt.loadNetwork(bytes);
    expect(loaded.history).toHaveLength(epochs);
    await loaded.fit(train, { epochs: 1, batchSize: 32 });
    expect(loaded.history.at(-1)!.epoch).toBe(epochs + 1);
    expect(describeCheckpoint(await rt.saveNetwork(loaded)).history).toHaveLength(epochs + 1);
    for (const n of [net, loaded]) n.destroy();
  });

  it('a block that stores only its rows with edges round-trips, its moments written per parameter; version 1 files (every row stored) load the same state', async () => {
    const rt = runtime();
    const net = rt.createNetwork({ sizes: [12, 6, 4], seed: 3, expandable: [1, 2], denseFrom: 0 });
    const train = classificationDataset({ x: randomArray(new Random(4), 96 * 12, 0, 1), labels: Array.from({ length: 96 }, (_, i) => i % 4), features: 12, classes: 4 });
    await net.fit(train, { epochs: 1, batchSize: 32, edgeStatistics: true });
    await net.splitEdges(1, await net.selectEdgesToSplit(1, { threshold: 0.3, maxToReplace: 4 }));
    await net.fit(train, { epochs: 1, batchSize: 32 });
    const compact = net.structure.blocks.find((b) => b.rows !== null)!;
    expect(compact).toBeDefined();
    expect(blockFloats(compact)).toBeLessThan(compact.topology.src * compact.topology.dst);
    const bytes = await rt.saveNetwork(net);
    // As version 6 writes it (its prune candidates listed in the graph), to be made version 1 below.
    const { tensors, metadata } = decodeSafetensors(version6File(bytes));
    expect(tensors.get('optimizer.moment1')!.data.length).toBe(net.parameterCount);

    // The same state as a version 1 file: moments in that build's layout, where a dense block
    // stored all src × dst values (absent rows zero) and every range started on 64 floats.
    const state = await net.state();
    if (!state.optimizer) throw new Error('the trained network has optimizer state');
    const s = net.structure;
    const align = (n: number) => Math.ceil(n / 64) * 64;
    let at = 0;
    const offsets = s.blocks.map((b) => { const o = at; at = align(at + (b.form === 'dense' ? b.topology.src * b.topology.dst : b.topology.srcOf.length)); return o; });
    const biases = s.levels.map((l) => { if (l.role === 'input') return -1; const o = at; at = align(at + l.size); return o; });
    const v1 = (layout: Float32Array) => {
      const old = new Float32Array(Math.max(at, 64));
      for (const b of s.blocks) {
        for (let e = 0; e < b.topology.srcOf.length; e++) {
          const within = b.form === 'dense' ? b.topology.srcOf[e]! * b.topology.dst + b.topology.dstOf[e]! : e;
          old[offsets[b.id]! + within] = layout[b.weightOffset + storageIndex(b, e)]!;
        }
      }
      s.levels.forEach((l, i) => { for (let v = 0; v < l.size && l.role !== 'input'; v++) old[biases[i]! + v] = layout[l.biasOffset + v]!; });
      return old;
    };
    const graph = JSON.parse(metadata.senn!);
    const v1File = encodeSafetensors(
      { ...Object.fromEntries(tensors), 'optimizer.moment1': { dtype: 'F32', shape: [at], data: v1(state.optimizer.moment1) }, 'optimizer.moment2': { dtype: 'F32', shape: [at], data: v1(state.optimizer.moment2) } },
      { senn: JSON.stringify({ ...graph, version: 1 }) },
    );
    for (const file of [bytes, v1File]) {
      const loaded = rt.loadNetwork(file);
      expect(await loaded.getParameters()).toEqual(await net.getParameters());
      const again = await loaded.state();
      expect(again.optimizer?.moment1).toEqual(state.optimizer.moment1);
      expect(again.optimizer?.moment2).toEqual(state.optimizer.moment2);
      loaded.destroy();
    }
    net.destroy();
  });

  it("stores each parameter's birth step (Adam counts its steps from there); a version 2 file, without them, loads as born at step 0", async () => {
    const rt = runtime();
    const { net, train, bytes } = await grownCheckpoint();
    // As version 6 writes it (its prune candidates listed in the graph), to be made version 2 below.
    const { tensors, metadata } = decodeSafetensors(version6File(bytes));
    const graph = JSON.parse(metadata.senn!);
    // 3 steps an epoch: splits after steps 6 and 9 (the prune at 9 keeps survivors' births), saved at 12.
    expect(graph.optimizer.step).toBe(12);
    const births = tensors.get('optimizer.births')!.data;
    expect(births.length).toBe(net.parameterCount);
    expect([...new Set(births)].sort((a, b) => a - b)).toEqual([0, 6, 9]);
    const { 'optimizer.births': _, ...withoutBirths } = Object.fromEntries(tensors);
    const v2File = encodeSafetensors(withoutBirths, { senn: JSON.stringify({ ...graph, version: 2 }) });
    const v2 = rt.loadNetwork(v2File);
    expect((await v2.state()).optimizer?.births?.every((b) => b === 0)).toBe(true);
    expect(await v2.getParameters()).toEqual(await net.getParameters());
    // Training on from there differs: the young parameters take larger steps when counted from 0.
    await net.fit(train, { epochs: 1, batchSize: 32, seed: 5 });
    await v2.fit(train, { epochs: 1, batchSize: 32, seed: 5 });
    expect(await v2.getParameters()).not.toEqual(await net.getParameters());
    // Births that are not steps the optimizer took are refused.
    const bad = Float32Array.from(births);
    bad[0] = 13;
    const badFile = encodeSafetensors({ ...Object.fromEntries(tensors), 'optimizer.births': { dtype: 'F32', shape: [bad.length], data: bad } }, { senn: metadata.senn! });
    expect(() => rt.loadNetwork(badFile)).toThrow(/optimizer\.births holds 13/);
    net.destroy();
    v2.destroy();
  });

  it('is a safetensors file other tools can read', async () => {
    const { net, bytes } = await grownCheckpoint();
    const { tensors, metadata } = decodeSafetensors(bytes);
    // Format 7 for its pending prune candidates (a tensor): 3 without them, 5 with pooling, 6 or 7 with shared values or pooling over an image.
    expect(JSON.parse(metadata.senn!).version).toBe(7);
    expect(tensors.get('growth.pruneCandidates')!.data).toHaveLength(2 * net.pruneCandidates.length);
    const header = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect((8 + header) % 8).toBe(0);
    expect(tensors.get('blocks.0.weight')!.dtype).toBe('F32');
    expect(tensors.has('optimizer.moment1')).toBe(true);
    net.destroy();
  });

  it('holds all a forward pass needs: examples/numpy_forward.py computes the outputs from the file alone, as predict does', async () => {
    // A tanh level beside the splits' ReLU levels (the example applies each level's activation
    // by its name); the 40 → 32 block stays complete (a matrix in the file: over 1,024 edges, it
    // stays dense), the others are edge lists.
    const rt = runtime();
    const rng = new Random(4);
    const wide = (rows: number) => randomClassification(rng, rows, 40, 3);
    const train = wide(96);
    const net = rt.createNetwork({ sizes: [40, 32, 3], activations: ['tanh', 'identity'], seed: 2 });
    for (let k = 0; k < 2; k++) {
      await net.fit(train, { epochs: 2, batchSize: 32, edgeStatistics: true });
      await net.splitEdges(2, await net.selectEdgesToSplit(2, { threshold: 0.2, maxToReplace: 5 }));
    }
    await net.fit(train, { epochs: 1, batchSize: 32 });
    const bytes = await rt.saveNetwork(net);
    const graph = describeCheckpoint(bytes);
    expect(new Set(graph.blocks.map((b) => b.file))).toEqual(new Set(['matrix', 'edge list']));
    expect(net.structure.levels.length).toBe(5);
    const probe = wide(50);
    const got = numpyForward(bytes, probe);
    const err = relativeError(got, await net.predict(probe));
    console.info(`numpy forward of a grown checkpoint (${net.structure.sizes.join('-')}) vs predict: relative error ${err.relative.toExponential(2)} (tolerance 1e-5)`);
    expect(got).toHaveLength(probe.rows * 3);
    expect(err.relative).toBeLessThanOrEqual(1e-5);
    net.destroy();
  });

  it('examples/numpy_forward.py also runs a convolution with max pooling and global average pooling, from the file as this build writes it (each shared value once, the convolution and the pooling as their windows), as version 6 and in every slot (version 5)', async () => {
    const rt = runtime();
    const rng = new Random(5);
    const conv = convolutionConnections({ width: 8, height: 8, kernel: 3, padding: 1, filters: 3 });
    const pool = maxPoolConnections({ width: 8, height: 8, channels: 3, kernel: 3, stride: 2, padding: 1 });
    const images = (rows: number) => randomClassification(rng, rows, 64, 4);
    // The average of each channel of the max pooling's 4×4 maps: a pooling level over a pooling level.
    const global = averagePoolConnections({ width: 4, height: 4, channels: 3, kernel: 4 });
    const net = rt.createNetwork({ sizes: [64, conv.size, pool.size, global.size, 4], seed: 3, connections: [conv, pool, global] });
    await net.fit(images(64), { epochs: 1, batchSize: 32 });
    const probe = images(30);
    const bytes = await rt.saveNetwork(net);
    const summary = describeCheckpoint(bytes);
    expect(summary.blocks[0]!.file).toBe('convolution');
    expect(summary.levels.map((l) => l.pool?.image)).toEqual([
      undefined,
      undefined,
      { width: 8, height: 8, channels: 3, kernel: 3, stride: 2, padding: 1 },
      { width: 4, height: 4, channels: 3, kernel: 4, stride: 4, padding: 0 },
      undefined,
    ]);
    const want = await net.predict(probe);
    for (const [form, file] of [['version 7', bytes], ['version 6', version6File(bytes)], ['every slot', everySlotFile(bytes)]] as const) {
      const got = numpyForward(file, probe);
      const err = relativeError(got, want);
      console.info(`numpy forward of a convolution with max and average pooling (${form}) vs predict: relative error ${err.relative.toExponential(2)} (tolerance 1e-5)`);
      expect(got).toHaveLength(probe.rows * 4);
      expect(err.relative).toBeLessThanOrEqual(1e-5);
    }
    net.destroy();
  });

  it('a field of the graph or of the safetensors header set to a stray value: the file loads (the value is one it may hold) or is refused with CheckpointError, leaving nothing allocated', async () => {
    const rt = runtime();
    const { net, train, bytes } = await grownCheckpoint();
    net.destroy();
    const start = rt.liveBytes;
    const refused = await strayFieldFuzz(rt, bytes, train, new Random(11), 300);
    expect(rt.liveBytes).toBe(start);
    console.info(`300 fields of the graph or the header set to stray values: ${refused} refused, ${300 - refused} loaded`);
    expect(refused).toBeGreaterThan(100);
  });

  it('rejects truncated, corrupted, mismatched and oversized files with CheckpointError, allocating nothing', async () => {
    const rt = runtime();
    const { net, bytes } = await grownCheckpoint();
    net.destroy();
    const start = rt.liveBytes;
    const meta = decodeSafetensors(bytes);
    const graph = JSON.parse(meta.metadata.senn!);
    const withGraph = (g: object) => encodeSafetensors(Object.fromEntries(meta.tensors), { senn: JSON.stringify(g) });
    const withTensor = (name: string, edit: (data: Float32Array) => Float32Array) => {
      const data = edit(meta.tensors.get(name)!.data as Float32Array);
      return encodeSafetensors({ ...Object.fromEntries(meta.tensors), [name]: { dtype: 'F32', shape: [data.length], data } }, { senn: meta.metadata.senn! });
    };
    // The prune candidates' pairs (block, edge) changed, `more` of them counted in the graph.
    const withCandidates = (edit: (pairs: Int32Array) => Int32Array, more = 0) => {
      const data = edit(meta.tensors.get('growth.pruneCandidates')!.data as Int32Array);
      const tensors = { ...Object.fromEntries(meta.tensors), 'growth.pruneCandidates': { dtype: 'I32' as const, shape: [data.length / 2, 2], data } };
      return encodeSafetensors(tensors, { senn: JSON.stringify({ ...graph, pruneCandidateCount: graph.pruneCandidateCount + more }) });
    };
    const bad: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['truncated', bytes.slice(0, bytes.length - 10)],
      ['header length beyond the file', (() => { const b = bytes.slice(); new DataView(b.buffer).setBigUint64(0, 1n << 40n, true); return b; })()],
      ['future version', withGraph({ ...graph, version: CHECKPOINT_VERSION + 1 })],
      ['optimizer moments of the wrong length', encodeSafetensors({ ...Object.fromEntries(meta.tensors), 'optimizer.moment1': { dtype: 'F32', shape: [3], data: new Float32Array(3) } }, { senn: meta.metadata.senn! })],
      ['block joining an unknown level', withGraph({ ...graph, blocks: [{ ...graph.blocks[0], src: 99 }, ...graph.blocks.slice(1)] })],
      ['edge count not matching the tensors', withGraph({ ...graph, blocks: graph.blocks.map((b: { form: string; edges: number }) => (b.form === 'sparse' ? { ...b, edges: b.edges + 1 } : b)) })],
      ['no graph', encodeSafetensors({ w: { dtype: 'F32', shape: [1], data: new Float32Array(1) } })],
      // The prune's state and the seed of later splits: refused, not dropped or taken as another.
      ['a seed that is not a whole number', withGraph({ ...graph, seed: 'x' })],
      ['a history entry that is not an epoch report', withGraph({ ...graph, history: [...graph.history, null] })],
      ['a prune candidate past its block', withCandidates((pairs) => Int32Array.from([...pairs, 0, graph.blocks[0].edges]), 1)],
      ['a prune candidate in a block the file lacks', withCandidates((pairs) => Int32Array.from([...pairs, graph.blocks.length, 0]), 1)],
      ['a negative prune candidate', withCandidates((pairs) => pairs.map((v, k) => (k === 1 ? -1 : v)))],
      ['prune candidates counted past the tensor', withGraph({ ...graph, pruneCandidateCount: graph.pruneCandidateCount + 1 })],
      ['prune candidates both listed and counted', withGraph({ ...graph, pruneCandidates: [{ block: 0, edge: 0 }] })],
      ['prune candidates counted in a version 6 file', withGraph({ ...graph, version: 6 })],
      ['a prune candidates tensor the graph does not count', withGraph({ ...graph, pruneCandidateCount: undefined })],
      ['a listed prune candidate past its block (version 6)', (() => {
        const v6 = decodeSafetensors(version6File(bytes));
        const g = JSON.parse(v6.metadata.senn!);
        return encodeSafetensors(Object.fromEntries(v6.tensors), { senn: JSON.stringify({ ...g, pruneCandidates: [...g.pruneCandidates, { block: 0, edge: g.blocks[0].edges }] }) });
      })()],
      ['a last split into an unknown level', withGraph({ ...graph, lastSplits: [{ level: 99, target: 1 }] })],
      ['an expandable level the file lacks', withGraph({ ...graph, expandable: [...graph.expandable, 99] })],
      ['denseFrom outside [0, 1]', withGraph({ ...graph, denseFrom: 3 })],
      ['an ε generator state that is not a 32-bit word', withGraph({ ...graph, epsilonState: 2 ** 32 })],
      ['an ε generator state that is not a number', withGraph({ ...graph, epsilonState: '7' })],
      ['statistics of no batches', withGraph({ ...graph, statisticsBatches: 0 })],
      ['statistics of a fraction of a batch', withGraph({ ...graph, statisticsBatches: 1.5 })],
      ['statistics tensors the graph does not count', withGraph({ ...graph, statisticsBatches: undefined })],
      ['a statistics tensor of the wrong length', withTensor('statistics.sumSq', (d) => d.slice(1))],
      ['a negative sum of |g|', withTensor('statistics.sumAbs', (d) => d.map((v, k) => (k === 2 ? -1 : v)))],
      ['a NaN among the statistics', withTensor('statistics.sum', (d) => d.map((v, k) => (k === 0 ? Number.NaN : v)))],
      // A corrupt moment would load and turn weights NaN or infinite in the next update.
      ['a negative second moment', withTensor('optimizer.moment2', (d) => d.map((v, k) => (k === 1 ? -1e-6 : v)))],
      ['a NaN second moment', withTensor('optimizer.moment2', (d) => d.map((v, k) => (k === 0 ? Number.NaN : v)))],
      ['an infinite first moment', withTensor('optimizer.moment1', (d) => d.map((v, k) => (k === 2 ? Number.NEGATIVE_INFINITY : v)))],
    ];
    for (const [what, file] of bad) {
      expect(() => rt.loadNetwork(file), what).toThrow(CheckpointError);
      expect(rt.liveBytes, what).toBe(start);
    }
    // +∞ is a second moment Adam can reach (a gradient beyond 1.8e19, squared): it loads, and only stops its parameter's updates.
    const frozen = rt.loadNetwork(withTensor('optimizer.moment2', (d) => d.map((v, k) => (k === 0 ? Number.POSITIVE_INFINITY : v))));
    const before = (await frozen.getParameters())[0];
    await frozen.fit(data(3), { epochs: 1, batchSize: 32 });
    expect((await frozen.getParameters())[0]).toBe(before);
    frozen.destroy();
    const huge = withGraph({ ...graph, levels: graph.levels.map((l: { size: number }, i: number) => (i === 1 ? { ...l, size: 2 ** 31 } : l)) });
    expect(() => rt.loadNetwork(huge)).toThrow(AdapterLimitError);
    expect(rt.liveBytes).toBe(start);
  });

  it('fuzz: 300 randomly mutated checkpoints either load or fail with a typed error, never anything else', async () => {
    const rt = runtime();
    const { net, bytes } = await grownCheckpoint();
    net.destroy();
    const start = rt.liveBytes;
    const { loaded, rejected } = mutationFuzz(rt, bytes, new Random(42), 300);
    console.info(`fuzz: ${loaded} mutated files loaded, ${rejected} rejected with a typed error`);
    expect(rejected).toBeGreaterThan(0);
    expect(rt.liveBytes).toBe(start);
  });
});
