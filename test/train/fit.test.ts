import { describe, expect, it, vi } from 'vitest';
import { classificationDataset, type Dataset, regressionDataset, splitDataset } from '../../src/data/dataset.js';
import { Random } from '../../src/data/random.js';
import { spirals } from '../../src/data/generated.js';
import { AdapterLimitError, ConfigError, DivergenceError, DTypeError, LabelRangeError, NaNError, ShapeError } from '../../src/errors.js';
import { maxParameters, type Network } from '../../src/graph/network.js';
import type { EpochReport, FitOptions, OptimizerName } from '../../src/train/options.js';
import { fusedTail } from '../../src/graph/fusion.js';
import type { ExpansionPolicy } from '../../src/train/expansion.js';
import { rowParts } from '../../src/data/gpuDataset.js';
import { evaluate, predict } from '../../src/train/singlePass.js';
import { flattenWeights, randomArray, relativeError } from '../helpers/numeric.js';
import { useRuntime } from '../helpers/runtime.js';

const runtime = useRuntime();

describe('Network.fit', () => {
  it('learns the two spirals (a non-linear task) to ≥ 90% test accuracy', async () => {
    const [train, validation] = splitDataset(spirals({ rows: 1500, seed: 1 }), 0.8, 0);
    const test = spirals({ rows: 500, seed: 2 });
    const net = runtime().createNetwork({ sizes: [2, 32, 32, 2], seed: 0 });
    const reports = await net.fit(train, { optimizer: { name: 'adam', lr: 0.01 }, batchSize: 50, epochs: 40, validation, seed: 0 });
    expect(reports).toHaveLength(40);
    expect(reports[39]!.trainLoss).toBeLessThan(reports[0]!.trainLoss / 2);
    expect(reports[39]!.valAccuracy).toBeGreaterThan(0.85);
    const result = await net.evaluate(test);
    console.info(`spirals: test accuracy ${(100 * result.accuracy).toFixed(1)}%, loss ${result.loss.toFixed(4)}`);
    expect(result.accuracy).toBeGreaterThanOrEqual(0.9);
    net.destroy();
  });

  // u8 inputs feeding only plain dense blocks travel packed (a quarter of the gather's stores, one
  // load per 4 values in the products): training, evaluation and prediction must be bit for bit
  // what the same values as f32 give. 16 features: 4 words a row, copied 4 at a time; 18: 5 words.
  for (const features of [16, 18]) {
    it(`trains on u8 inputs exactly as on the same values as f32 (${features} features)`, async () => {
      const rng = new Random(features);
      const rows = 200;
      const bytes = Uint8Array.from({ length: rows * features }, () => (rng.next() < 0.5 ? 0 : rng.int(256)));
      const labels = Array.from({ length: rows }, () => rng.int(3));
      const u8 = classificationDataset({ x: bytes, labels, features, classes: 3 });
      const f32 = classificationDataset({ x: Float32Array.from(bytes, (b) => Math.fround(b * Math.fround(1 / 255))), labels, features, classes: 3 });
      const run = async (data: Dataset) => {
        const net = runtime().createNetwork({ sizes: [features, 12, 3], seed: 3 });
        const reports = await net.fit(data, { batchSize: 48, epochs: 2, validation: data, optimizer: { name: 'adam', lr: 0.01 } });
        const result = { params: Array.from(await net.getParameters()), predictions: Array.from(await net.predict(data)), reports: reports.map((r) => [r.trainLoss, r.valLoss]) };
        net.destroy();
        return result;
      };
      expect(await run(u8)).toEqual(await run(f32));
    });
  }

  // A grown network's CSR blocks out of the inputs read a u8 batch as byte columns (4 rows a
  // word), its dense one the packed rows: bit for bit what the f32 values give. 120 features:
  // 30 words a row, two gathers; 128: 32, the packed rows copied by the columns' gather.
  // 120 and 128 features: a few splits, a CSR block out of the inputs beside the dense one.
  // 200: 120 splits of edges from 60 inputs, whose new level's block (60 × 120 edges) is dense
  // and stores only the rows of those 60 inputs (their bytes gathered and packed for it alone).
  const splitsOf = (features: number, grown: Network) => {
    if (features !== 200) return [0, 7, 20, 33, 61, 90, 100].map((edge) => ({ block: 0, edge }));
    const t = grown.structure.blocks[0]!.topology;
    return Array.from(t.srcOf.keys()).filter((e) => t.srcOf[e]! < 60 && t.dstOf[e]! < 2).map((edge) => ({ block: 0, edge }));
  };
  for (const features of [120, 128, 200]) {
    it(`trains a grown network (CSR and dense blocks out of the inputs) on u8 inputs exactly as on f32 (${features} features)`, async () => {
      const rng = new Random(9);
      // → 10 outputs: over 1,024 edges, enough to stay dense (DENSE_FROM_EDGES) after the split.
      const rows = 150;
      const bytes = Uint8Array.from({ length: rows * features }, () => (rng.next() < 0.5 ? 0 : rng.int(256)));
      const labels = Array.from({ length: rows }, () => rng.int(10));
      const u8 = classificationDataset({ x: bytes, labels, features, classes: 10 });
      const f32 = classificationDataset({ x: Float32Array.from(bytes, (b) => Math.fround(b * Math.fround(1 / 255))), labels, features, classes: 10 });
      const grown = runtime().createNetwork({ sizes: [features, 10], seed: 4, expandable: [1] });
      await grown.splitEdges(1, splitsOf(features, grown));
      const fromInput = grown.structure.blocks.filter((b) => b.src === grown.structure.input.id);
      if (features === 200) expect(fromInput.map((b) => `${b.form}${b.rows ? ` ${b.rows.length} rows` : ''}`).sort()).toEqual(['dense', 'dense 60 rows']);
      else expect(fromInput.map((b) => b.form).sort()).toEqual(['dense', 'sparse']);
      const saved = await runtime().saveNetwork(grown);
      grown.destroy();
      const run = async (data: Dataset) => {
        const net = runtime().loadNetwork(saved);
        const reports = await net.fit(data, { batchSize: 36, epochs: 2, validation: data, edgeStatistics: true, optimizer: { name: 'adam', lr: 0.01 } });
        const result = {
          params: Array.from(await net.getParameters()),
          stats: Array.from(await net.gpu.readFloats(net.edgeStats)),
          predictions: Array.from(await net.predict(data)),
          reports: reports.map((r) => [r.trainLoss, r.valLoss]),
        };
        net.destroy();
        return result;
      };
      const [a, b] = [await run(u8), await run(f32)];
      expect(a).toEqual(b);
    });
  }

  it("Network.fuseTail: a grown network trains alike with its last small levels fused or block by block, and the graph kernels run only when fused (by default on a software adapter only)", async () => {
    const train = spirals({ rows: 256, seed: 4 });
    const grown = async () => {
      const net = runtime().createNetwork({ sizes: [2, 8, 2], seed: 1 });
      await net.fit(train, { epochs: 2, batchSize: 64, edgeStatistics: true });
      const out = net.structure.output.id;
      await net.splitEdges(out, await net.selectEdgesToSplit(out, { threshold: 0.05, maxToReplace: 6 }));
      return net;
    };
    // Which kernels a call runs: the pipelines' labels are "file:entry point".
    const pass = (globalThis as unknown as { GPUComputePassEncoder: { prototype: GPUComputePassEncoder } }).GPUComputePassEncoder.prototype;
    const kernelsOf = async (body: () => Promise<unknown>) => {
      const spy = vi.spyOn(pass, 'setPipeline');
      try {
        await body();
        return new Set(spy.mock.calls.map(([p]) => p.label));
      } finally {
        spy.mockRestore();
      }
    };
    const [fused, blocks] = [await grown(), await grown()];
    expect(fusedTail(fused.structure)).not.toBeNull();
    const options: FitOptions = { epochs: 3, batchSize: 64, validation: train };
    let fusedReports: EpochReport[] = [];
    let blockReports: EpochReport[] = [];
    // The default is the adapter's kind's: fused on a software adapter, block by block on a GPU.
    expect(fused.fuseTail).toBe(runtime().kernels.software);
    fused.fuseTail = true;
    blocks.fuseTail = false;
    const withFusion = await kernelsOf(async () => (fusedReports = await fused.fit(train, options)));
    const withoutFusion = await kernelsOf(async () => (blockReports = await blocks.fit(train, options)));
    expect(withFusion).toContain('shaders/graph.wgsl:graph_forward');
    expect(withoutFusion).not.toContain('shaders/graph.wgsl:graph_forward');
    expect(withoutFusion).not.toContain('shaders/graph.wgsl:graph_backward');
    // The same sums in another order: equal up to float32 rounding (relative 1e-4 after 12 steps).
    for (const [a, b] of fusedReports.map((r, i) => [r, blockReports[i]!] as const)) {
      expect(Math.abs(a.trainLoss - b.trainLoss)).toBeLessThan(1e-4 * a.trainLoss);
      expect(Math.abs(a.valLoss! - b.valLoss!)).toBeLessThan(1e-4 * a.valLoss!);
    }
    const err = relativeError(await blocks.getParameters(), await fused.getParameters()).relative;
    console.info(`fuseTail: parameters after 12 steps fused vs block by block, relative difference ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-4);
    // Inference follows the setting too.
    expect(await kernelsOf(() => fused.predict(train))).toContain('shaders/graph.wgsl:graph_forward');
    expect(await kernelsOf(() => blocks.predict(train))).not.toContain('shaders/graph.wgsl:graph_forward');
    fused.destroy();
    blocks.destroy();
  });

  it('is repeatable: same seeds give identical weights, another shuffle seed does not', async () => {
    const data = spirals({ rows: 300, seed: 5 });
    const run = async (seed: number) => {
      const net = runtime().createNetwork({ sizes: [2, 16, 2], seed: 7 });
      await net.fit(data, { batchSize: 32, epochs: 3, seed, optimizer: { name: 'adam', lr: 0.01 } });
      const w = flattenWeights(await net.getWeights());
      net.destroy();
      return w;
    };
    const a = await run(1);
    expect(await run(1)).toEqual(a);
    expect(await run(2)).not.toEqual(a);
  });

  it('reports progress inside each epoch: steps in order, ending with the epoch loss', async () => {
    const train = spirals({ rows: 1000, seed: 3 });
    const net = runtime().createNetwork({ sizes: [2, 16, 2], seed: 0 });
    const seen: { epoch: number; step: number; steps: number; samples: number; loss: number }[] = [];
    const reports = await net.fit(train, { batchSize: 50, epochs: 2, onProgress: (p) => seen.push(p), progressUpdates: 5 });
    for (const epoch of [1, 2]) {
      const mine = seen.filter((p) => p.epoch === epoch);
      expect(mine.map((p) => p.step)).toEqual([4, 8, 12, 16, 20]);
      expect(mine.at(-1)!.samples).toBe(1000);
      // The last update has every row's loss: it is the epoch's training loss.
      expect(mine.at(-1)!.loss).toBeCloseTo(reports[epoch - 1]!.trainLoss, 5);
    }
    net.destroy();
  });

  it('onEpoch may read the network (predict, evaluate) but not train it', async () => {
    const train = spirals({ rows: 400, seed: 5 });
    const net = runtime().createNetwork({ sizes: [2, 8, 2], seed: 0 });
    const predictions: Float32Array[] = [];
    let refused: unknown = null;
    await net.fit(train, {
      batchSize: 50,
      epochs: 2,
      onEpoch: async () => {
        predictions.push(await net.predict(train));
        await net.evaluate(train);
        refused = await net.fit(train, { epochs: 1 }).then(() => null, (e: unknown) => e);
      },
    });
    expect(predictions).toHaveLength(2);
    // Read after each epoch: the second epoch changed the outputs.
    expect(predictions[0]!.some((v, i) => v !== predictions[1]![i])).toBe(true);
    expect(refused).toBeInstanceOf(ConfigError);
    // After fit, the last in-epoch prediction is what the network now computes.
    expect(Array.from(await net.predict(train))).toEqual(Array.from(predictions[1]!));
    net.destroy();
  });

  it('follows a learning-rate schedule: each epoch reports its rate, a decay to almost 0 stops the weights, the next call starts again', async () => {
    const train = spirals({ rows: 256, seed: 2 });
    const net = runtime().createNetwork({ sizes: [2, 16, 2], seed: 0 });
    const snapshots: Float64Array[] = [flattenWeights(await net.getWeights())];
    const onEpoch = async () => void snapshots.push(flattenWeights(await net.getWeights()));
    const lr = 0.01;
    // 8 steps an epoch; rates 0.01 after epoch 1, 1e-8 after epoch 2.
    const decay = await net.fit(train, { batchSize: 32, epochs: 2, optimizer: { name: 'adam', lr }, schedule: { name: 'step', everyEpochs: 1, gamma: 1e-6 }, onEpoch });
    expect(decay.map((r) => r.lr)).toEqual([lr, lr * 1e-6]);
    // A new call starts at the full rate: a cosine from 0.01 (after a one-epoch warm-up) to 0.001.
    const cosine = await net.fit(train, { batchSize: 32, epochs: 3, optimizer: { name: 'adam', lr }, schedule: { name: 'cosine', minLr: 1e-3, warmupEpochs: 1 }, onEpoch });
    // Epoch ends at steps 8, 16, 24 of 24: warm-up done at 8; then (1 + cos(π · 7/16)) / 2 and (1 + cos(π · 15/16)) / 2 of the way.
    const cos = (p: number) => 1e-3 + (lr - 1e-3) * 0.5 * (1 + Math.cos(Math.PI * p));
    for (const [i, rate] of [lr, cos(7 / 16), cos(15 / 16)].entries()) expect(cosine[i]!.lr / rate).toBeCloseTo(1, 12);
    const moved = snapshots.slice(1).map((w, i) => Math.max(...w.map((v, j) => Math.abs(v - snapshots[i]![j]!))));
    console.info(`schedule: largest weight change per epoch ${moved.map((m) => m.toExponential(1)).join(', ')}`);
    // Adam moves a weight by about its rate a step: ~0.01 a step in epoch 1, ~1e-8 in epoch 2.
    expect(moved[1]!).toBeLessThan(moved[0]! * 1e-4);
    expect(moved[2]!).toBeGreaterThan(moved[1]! * 1e3);
    net.destroy();
  });

  it('restartAtGrowth starts the schedule again after an expansion, at the full rate, over the epochs left', async () => {
    const train = spirals({ rows: 256, seed: 2 });
    const lr = 0.01;
    const run = async (restartAtGrowth: boolean, split = true) => {
      const net = runtime().createNetwork({ sizes: [2, 16, 2], seed: 0 });
      // Splits two edges into the outputs after epoch 2 (or only says so: a policy's own count).
      const once: ExpansionPolicy = {
        async afterEpoch({ epoch, network }) {
          if (epoch !== 2) return { expanded: 0, pruned: 0 };
          const output = network.structure().output.id;
          if (split) await network.splitEdges(output, await network.selectEdgesToSplit(output, { threshold: 0.01, maxToReplace: 2 }));
          return { expanded: 2, pruned: 0 };
        },
      };
      const moved: number[] = [];
      let before = await net.getParameters();
      const reports = await net.fit(train, {
        batchSize: 32,
        epochs: 4,
        optimizer: { name: 'adam', lr },
        schedule: { name: 'step', everyEpochs: 1, gamma: 1e-6, restartAtGrowth },
        expansion: once,
        onEpoch: async () => {
          const now = await net.getParameters();
          // Epoch 2's report comes after its split: the layouts differ, so no difference then.
          moved.push(now.length === before.length ? Math.max(...now.map((v, j) => Math.abs(v - before[j]!))) : Number.NaN);
          before = now;
        },
      });
      net.destroy();
      return { rates: reports.map((r) => r.lr), moved };
    };
    const restarted = await run(true);
    const kept = await run(false);
    expect(restarted.rates).toEqual([lr, lr * 1e-6, lr, lr * 1e-6]);
    expect(kept.rates.map((r) => r / lr)).toEqual([1, 1e-6, 1e-12, 1e-18].map((f) => expect.closeTo(f, 20)));
    console.info(`restart at growth: largest weight change in epoch 3 ${restarted.moved[2]!.toExponential(1)}, without ${kept.moved[2]!.toExponential(1)}`);
    // Adam moves a weight by about its rate a step: ~0.01 a step again after the restart.
    expect(restarted.moved[2]!).toBeGreaterThan(kept.moved[2]! * 1e6);
    expect(restarted.moved[2]!).toBeGreaterThan(1e-3);
    // An expansion reported without a new structure restarts the rate all the same.
    const reported = await run(true, false);
    expect(reported.rates).toEqual(restarted.rates);
    expect(reported.moved[1]!).toBeLessThan(1e-4);
    expect(reported.moved[2]!).toBeGreaterThan(1e-3);
  });

  it('earlyStop ends the call once patience epochs bring no validation loss below the lowest, and says where it was', async () => {
    const [train, validation] = splitDataset(spirals({ rows: 600, seed: 4 }), 0.8, 0);
    const net = runtime().createNetwork({ sizes: [2, 16, 2], seed: 0 });
    const reports = await net.fit(train, { epochs: 300, batchSize: 32, optimizer: { name: 'adam', lr: 0.03 }, validation, earlyStop: { patience: 3 } });
    expect(reports.length).toBeLessThan(300);
    const last = reports.at(-1)!;
    const losses = reports.map((r) => r.valLoss);
    expect(last.earlyStop).toEqual({ bestEpoch: reports.length - 3, bestLoss: Math.min(...losses) });
    expect(losses.indexOf(Math.min(...losses)) + 1).toBe(last.earlyStop!.bestEpoch);
    expect(reports.slice(0, -1).every((r) => r.earlyStop === undefined)).toBe(true);
    console.info(`earlyStop (patience 3): ended after ${reports.length} of 300 epochs, lowest validation loss ${last.earlyStop!.bestLoss.toFixed(4)} at epoch ${last.earlyStop!.bestEpoch}`);
    net.destroy();
  });

  it('stops at the end of the epoch in progress when its signal aborts, and resolves with the epochs it ran', async () => {
    const train = spirals({ rows: 256, seed: 4 });
    const net = runtime().createNetwork({ sizes: [2, 8, 2], seed: 0 });
    const before = flattenWeights(await net.getWeights());
    expect(await net.fit(train, { batchSize: 32, epochs: 3, signal: AbortSignal.abort() })).toEqual([]);
    expect(flattenWeights(await net.getWeights())).toEqual(before);
    const stop = new AbortController();
    let afterSecond: Float64Array | null = null;
    const reports = await net.fit(train, {
      batchSize: 32,
      epochs: 5,
      onEpoch: async (r) => {
        if (r.epoch !== 2) return;
        stop.abort();
        afterSecond = flattenWeights(await net.getWeights());
      },
      signal: stop.signal,
    });
    expect(reports.map((r) => r.epoch)).toEqual([1, 2]);
    expect(net.history).toHaveLength(2);
    expect(flattenWeights(await net.getWeights())).toEqual(afterSecond);
    net.destroy();
  });

  it('evaluate and predict take data larger than one upload a part at a time, with the results of one pass', async () => {
    const data = spirals({ rows: 1000, seed: 8 });
    const net = runtime().createNetwork({ sizes: [2, 8, 2], seed: 0 });
    await net.fit(data, { batchSize: 50, epochs: 2 });
    // 12 bytes a row (two f32 features and a label): parts of 83 rows, the last one short.
    const parts = rowParts(data, 1000);
    expect(parts.map((p) => p.rows)).toEqual([...Array(12).fill(83), 4]);
    expect(Array.from(parts[1]!.x.slice(0, 2))).toEqual(Array.from(data.x.slice(166, 168)));
    expect(parts[12]!.labels![3]).toBe(data.labels![999]);
    expect(await predict(net, data, 1000)).toEqual(await net.predict(data));
    const whole = await net.evaluate(data);
    const inParts = await evaluate(net, data, 'softmax-cross-entropy', 1000);
    expect([inParts.rows, inParts.accuracy]).toEqual([whole.rows, whole.accuracy]);
    expect(inParts.loss).toBeCloseTo(whole.loss, 6);
    expect(() => rowParts(data, 8)).toThrow(AdapterLimitError);
    net.destroy();
  });

  // Data larger than maxUploadBytes is held a part at a time, the CPU writing each part's shuffled
  // rows as the epoch reaches it: the batches, and so the whole run, must be those of the data
  // held whole. Three layouts: f32 features with labels, u8 rows padded to whole words (18
  // bytes) in a network that grows and is pruned (its plans recorded again), f32 targets.
  const streamCases: [string, () => { train: Dataset; validation: Dataset; sizes: number[]; options: FitOptions }][] = [
    [
      'f32 inputs and labels',
      () => ({ train: spirals({ rows: 2600, seed: 4 }), validation: spirals({ rows: 2100, seed: 5 }), sizes: [2, 16, 2], options: { batchSize: 64, epochs: 3, optimizer: { name: 'adam', lr: 0.01 } } }),
    ],
    [
      'u8 inputs of 18 bytes a row, growing',
      () => {
        const rng = new Random(6);
        const make = (rows: number) => {
          const x = Uint8Array.from({ length: rows * 18 }, () => rng.int(256));
          return classificationDataset({ x, labels: Array.from({ length: rows }, (_, r) => (x[r * 18]! + x[r * 18 + 5]! > 255 ? 1 : 0) + (x[r * 18 + 9]! > 128 ? 2 : 0)), features: 18, classes: 4 });
        };
        const expansion = { window: 1, minEpochsBetween: 2, deleteAfter: 1, lossChangeThreshold: 10, chooseThreshold: 0.5, maxToReplace: 12 };
        return { train: make(1500), validation: make(1300), sizes: [18, 4], options: { batchSize: 50, epochs: 5, optimizer: { name: 'adam', lr: 0.01 }, expansion } };
      },
    ],
    [
      'f32 inputs, growing with exact statistics (parts of whole batches too)',
      () => {
        const expansion = { window: 1, minEpochsBetween: 2, deleteAfter: 1, lossChangeThreshold: 10, chooseThreshold: 0.5, statistics: 'exact' as const };
        return { train: spirals({ rows: 2600, seed: 8 }), validation: spirals({ rows: 1300, seed: 9 }), sizes: [2, 8, 2], options: { batchSize: 64, epochs: 4, optimizer: { name: 'adam', lr: 0.01 }, expansion } };
      },
    ],
    [
      'f32 inputs and two targets (mse)',
      () => {
        const rng = new Random(7);
        const make = (rows: number) => {
          const x = Float32Array.from({ length: rows * 3 }, () => rng.uniform(-1, 1));
          const targets = Float32Array.from({ length: rows * 2 }, (_, i) => x[3 * (i >> 1) + (i & 1)]! * 2 - x[3 * (i >> 1) + 2]!);
          return regressionDataset({ x, targets, features: 3, targetCount: 2 });
        };
        return { train: make(1300), validation: make(1500), sizes: [3, 8, 2], options: { loss: 'mse', batchSize: 40, epochs: 3, optimizer: { name: 'adam', lr: 0.01 } } };
      },
    ],
  ];
  for (const [what, make] of streamCases) {
    it(`trains on data larger than maxUploadBytes a part at a time, bit for bit as with it whole (${what})`, async () => {
      const { train, validation, sizes, options } = make();
      const run = async (maxUploadBytes?: number) => {
        const net = runtime().createNetwork({ sizes, seed: 1 });
        let fitBytes = 0;
        const reports = await net.fit(train, {
          ...options,
          validation,
          seed: 3,
          ...(maxUploadBytes ? { maxUploadBytes } : {}),
          onEpoch: () => void (fitBytes = Math.max(fitBytes, runtime().gpu.memory.report().fit ?? 0)),
        });
        const result = { reports: reports.map((r) => ({ ...r, seconds: 0 })), params: await net.getParameters(), architecture: net.structure.sizes, fitBytes };
        net.destroy();
        return result;
      };
      const rowBytes = (d: Dataset) => (d.x instanceof Uint8Array ? Math.ceil(d.features / 4) : d.features) * 4 + (d.targetCount ?? 1) * 4;
      // Room for 1,024 validation rows (a whole number of 1,024-row passes), so both sets are streamed.
      const limit = 1100 * Math.max(rowBytes(train), rowBytes(validation));
      expect(train.rows * rowBytes(train)).toBeGreaterThan(limit);
      expect(validation.rows * rowBytes(validation)).toBeGreaterThan(limit);
      const whole = await run();
      const streamed = await run(limit);
      expect(streamed.reports).toEqual(whole.reports);
      expect(streamed.params).toEqual(whole.params);
      expect(streamed.architecture).toEqual(whole.architecture);
      const dataBytes = train.rows * rowBytes(train) + validation.rows * rowBytes(validation);
      console.info(`${what}: ${whole.architecture.join("-")}; fit held ${whole.fitBytes} GPU bytes with the data whole, ${streamed.fitBytes} with parts of ≤ ${limit} bytes (data ${dataBytes})`);
      expect(whole.fitBytes - streamed.fitBytes).toBeGreaterThanOrEqual(dataBytes - 2 * limit);
    });
  }

  it('a diverging run stops with DivergenceError, the network back at the start of the epoch that diverged', async () => {
    const rng = new Random(3);
    const rows = 256;
    const x = Float32Array.from({ length: rows * 2 }, () => rng.uniform(-1, 1));
    const data = regressionDataset({ x, targets: Float32Array.from({ length: rows }, (_, i) => 3 * x[2 * i]!), features: 2 });
    // SGD at lr 2 on this task: finite for a few epochs, then the loss overflows.
    const diverge = async (validation?: typeof data) => {
      const net = runtime().createNetwork({ sizes: [2, 16, 1], activations: ['relu', 'identity'], seed: 0 });
      let last = await net.getParameters();
      const run = net.fit(data, { loss: 'mse', batchSize: 32, epochs: 20, optimizer: { name: 'sgd', lr: 2 }, validation, onEpoch: async () => void (last = await net.getParameters()) });
      await expect(run).rejects.toThrow(DivergenceError);
      const message = await run.catch((e: Error) => e.message);
      expect(await net.getParameters()).toEqual(last);
      expect(last.every(Number.isFinite)).toBe(true);
      const loss = (await net.evaluate(data, 'mse')).loss;
      const epochs = net.history.length;
      net.destroy();
      return { message, loss, epochs };
    };
    const trainOnly = await diverge();
    expect(trainOnly.message).toMatch(/^training diverged in epoch \d+: its mean training loss is (NaN|Infinity); the network is as it was before that epoch/);
    // With validation data, an epoch that ends where the loss overflows counts too: the network
    // goes back to a state whose loss is finite.
    const withValidation = await diverge(data);
    console.info(`divergence: ${trainOnly.message} (loss there ${trainOnly.loss}); with validation: ${withValidation.message} (loss there ${withValidation.loss})`);
    expect(withValidation.epochs).toBeLessThanOrEqual(trainOnly.epochs);
    expect(Number.isFinite(withValidation.loss)).toBe(true);
  });

  it('a parameter that is not finite where no loss shows it stops training with DivergenceError', async () => {
    const rng = new Random(3);
    const rows = 256;
    const x = Float32Array.from({ length: rows * 2 }, () => rng.uniform(-1, 1));
    const data = regressionDataset({ x, targets: Float32Array.from({ length: rows }, (_, i) => 3 * x[2 * i]!), features: 2 });
    for (const name of ['adam', 'sgd'] as OptimizerName[]) {
      const net = runtime().createNetwork({ sizes: [2, 8, 1], activations: ['relu', 'identity'], seed: 0 });
      // A NaN weight into the first hidden ReLU neuron, as a fault in training could leave one.
      expect(net.structure.blocks[0]!.weightOffset).toBe(0);
      net.gpu.device.queue.writeBuffer(net.params, 0, new Float32Array([Number.NaN]));
      const before = await net.gpu.readFloats(net.params, 0, net.structure.floats);
      // Whether the adapter's max(NaN, 0) is 0 (SwiftShader's is, as most GPUs' are): then the
      // neuron falls silent, every loss stays finite, and only the parameters show the fault.
      const hidden = Number.isFinite((await net.evaluate(data, 'mse')).loss);
      const run = net.fit(data, { loss: 'mse', batchSize: 32, epochs: 3, optimizer: { name, lr: 0.01 } });
      await expect(run).rejects.toThrow(DivergenceError);
      const message = await run.catch((e: Error) => e.message);
      console.info(`a NaN weight (${name}; max(NaN, 0) ${hidden ? 'is 0' : 'is NaN'} here): ${message}`);
      expect(message).toMatch(hidden ? /^training diverged in epoch 1: 1 of its parameter values is not finite after it, though its losses are; the network is as it was before that epoch/ : /^training diverged in epoch 1: its mean training loss is NaN/);
      expect(net.history).toHaveLength(0);
      expect(Array.from(await net.gpu.readFloats(net.params, 0, net.structure.floats))).toEqual(Array.from(before));
      net.destroy();
    }
  });

  it('trains a regression network with mse', async () => {
    const rows = 400;
    const rng = new Random(9);
    const x = randomArray(rng, rows * 2);
    const targets = Float32Array.from({ length: rows }, (_, i) => Math.sin(3 * x[2 * i]!) + x[2 * i + 1]! * x[2 * i + 1]!);
    const data = regressionDataset({ x, targets, features: 2 });
    const net = runtime().createNetwork({ sizes: [2, 32, 1], activations: ['tanh', 'identity'], seed: 0 });
    const reports = await net.fit(data, { loss: 'mse', batchSize: 40, epochs: 60, optimizer: { name: 'adam', lr: 0.01 } });
    const evaluation = await net.evaluate(data, 'mse');
    console.info(`regression: mse ${reports[0]!.trainLoss.toFixed(4)} → ${evaluation.loss.toFixed(4)}`);
    expect(evaluation.loss).toBeLessThan(reports[0]!.trainLoss / 5);
    expect(Number.isNaN(evaluation.accuracy)).toBe(true);
    net.destroy();
  });
});

describe('networks sharing a runtime', () => {
  it('two growing fits at once train as each does alone, to the last bit', async () => {
    const rt = runtime();
    const data = spirals({ rows: 600, seed: 1 });
    const make = (seed: number) => rt.createNetwork({ sizes: [2, 16, 16, 2], seed, expandable: [1, 2, 3] });
    const options: FitOptions = { epochs: 8, batchSize: 32, validation: spirals({ rows: 200, seed: 2 }), expansion: { window: 1, minEpochsBetween: 2, deleteAfter: 1, lossChangeThreshold: 1, chooseThreshold: 0.5 } };
    const alone = [make(1), make(2)];
    const aloneReports = [await alone[0]!.fit(data, options), await alone[1]!.fit(data, options)];
    // The runtime's kernels, pipelines and queue are shared; each fit's buffers and bind groups are its own.
    const together = [make(1), make(2)];
    const togetherReports = await Promise.all(together.map((n) => n.fit(data, options)));
    for (const k of [0, 1]) {
      expect(togetherReports[k]!.map((r) => [r.valLoss, r.expanded, r.pruned])).toEqual(aloneReports[k]!.map((r) => [r.valLoss, r.expanded, r.pruned]));
      expect(together[k]!.sizes).toEqual(alone[k]!.sizes);
      expect(await together[k]!.getParameters()).toEqual(await alone[k]!.getParameters());
    }
    expect(alone[0]!.sizes.length).toBeGreaterThan(4); // both grew
    for (const n of [...alone, ...together]) n.destroy();
  });
});

describe('bad input to fit: a typed error before any GPU work, and the network unchanged', () => {
  const good = (): Dataset => spirals({ rows: 64, seed: 3 });
  const cases: [string, () => Dataset, object, new (...args: never[]) => Error][] = [
    ['wrong feature count', () => classificationDataset({ x: new Float32Array(64 * 3), labels: new Array(64).fill(0), features: 3 }), {}, ShapeError],
    ['label out of range', () => ({ ...good(), labels: Uint32Array.from({ length: 64 }, (_, i) => (i === 9 ? 2 : 0)) }), {}, LabelRangeError],
    // Labels all in range, but the data names more classes than the network has outputs.
    ['more classes than outputs', () => ({ ...good(), classes: 5 }), {}, ShapeError],
    ['NaN in inputs', () => ({ ...good(), x: Float32Array.from(good().x, (v, i) => (i === 17 ? Number.NaN : v)) }), {}, NaNError],
    ['empty dataset', () => ({ ...good(), rows: 0, x: new Float32Array(0), labels: new Uint32Array(0) }), {}, ShapeError],
    // A featureScale of "x" reached the gather kernels as 0: the network trained on zeros.
    ['featureScale not a number', () => ({ ...good(), featureScale: 'x' as unknown as number }), {}, DTypeError],
    ['featureScale missing', () => ({ ...good(), featureScale: undefined as unknown as number }), {}, DTypeError],
    ['classes not an integer', () => ({ ...good(), classes: 1.5 }), {}, DTypeError],
    ['batch size 0', good, { batchSize: 0 }, ConfigError],
    ['negative epochs', good, { epochs: -1 }, ConfigError],
    ['unknown optimizer', good, { optimizer: { name: 'rmsprop' } }, ConfigError],
    ['learning rate NaN', good, { optimizer: { name: 'adam', lr: Number.NaN } }, ConfigError],
    ['a seed that is not a whole number', good, { seed: 1.5 }, ConfigError],
    ['unknown loss', good, { loss: 'hinge' }, ConfigError],
    ['unknown schedule', good, { schedule: { name: 'exponential' } }, ConfigError],
    ['step schedule every 0 epochs', good, { schedule: { name: 'step', everyEpochs: 0 } }, ConfigError],
    ['step schedule gamma above 1', good, { schedule: { name: 'step', everyEpochs: 1, gamma: 1.5 } }, ConfigError],
    ['cosine to a rate above lr', good, { schedule: { name: 'cosine', minLr: 1 } }, ConfigError],
    ['cosine warm-up as long as the call', good, { epochs: 2, schedule: { name: 'cosine', warmupEpochs: 2 } }, ConfigError],
    ['negative warm-up', good, { schedule: { name: 'constant', warmupEpochs: -1 } }, ConfigError],
    ['restartAtGrowth not a boolean', good, { schedule: { name: 'cosine', restartAtGrowth: 'yes' } }, ConfigError],
    ['startEpoch not a whole number', good, { schedule: { name: 'cosine', startEpoch: 1.5 } }, ConfigError],
    ['cosine warm-up past startEpoch + epochs', good, { epochs: 2, schedule: { name: 'cosine', warmupEpochs: 5, startEpoch: 3 } }, ConfigError],
    ['a signal that is not an AbortSignal', good, { signal: { stop: true } }, ConfigError],
    ['mse without targets', good, { loss: 'mse' }, ConfigError],
    ['maxUploadBytes not positive', good, { maxUploadBytes: 0 }, ConfigError],
    ['earlyStop without validation data', good, { earlyStop: { patience: 2 } }, ConfigError],
    ['earlyStop with patience 0', good, { earlyStop: { patience: 0 }, validation: spirals({ rows: 20, seed: 9 }) }, ConfigError],
    // 12 bytes a row: 200 bytes hold 16 rows, not one batch of 32.
    ['maxUploadBytes below one batch', good, { batchSize: 32, maxUploadBytes: 200 }, ConfigError],
    // 384 bytes hold a batch of 32 training rows, not the validation pass over 40.
    ['maxUploadBytes below one validation pass', good, { batchSize: 32, maxUploadBytes: 400, validation: spirals({ rows: 40, seed: 9 }) }, ConfigError],
  ];
  for (const [what, data, options, errorType] of cases) {
    it(what, async () => {
      const net = runtime().createNetwork({ sizes: [2, 8, 2], seed: 0 });
      const before = await net.getWeights();
      const bytes = runtime().liveBytes;
      await expect(net.fit(data(), { epochs: 1, ...options })).rejects.toThrow(errorType);
      expect(await net.getWeights()).toEqual(before);
      expect(runtime().liveBytes).toBe(bytes);
      net.destroy();
    });
  }

  it('non-integer and negative labels are refused when building a dataset', () => {
    expect(() => classificationDataset({ x: new Float32Array(4), labels: [0, 1.5], features: 2 })).toThrow(DTypeError);
    expect(() => classificationDataset({ x: new Float32Array(4), labels: [0, -1], features: 2 })).toThrow(LabelRangeError);
    expect(() => classificationDataset({ x: new Float32Array(4), labels: [0, 3], features: 2, classes: 2 })).toThrow(LabelRangeError);
    expect(() => classificationDataset({ x: new Float32Array(5), labels: [0, 1], features: 2 })).toThrow(ShapeError);
  });

  it('a network too big for the adapter is refused before anything is built', () => {
    const most = maxParameters(runtime().gpu);
    const inputs = Math.ceil(most / 10);
    expect(() => runtime().createNetwork({ sizes: [inputs, 10], seed: 0 })).toThrow(AdapterLimitError);
    expect(() => runtime().createNetwork({ sizes: [inputs, 10], seed: 0 })).toThrow(`network has ${inputs * 10 + 10} parameters; this adapter's buffers hold at most ${most}`);
  });

  it('refuses a second concurrent call on the same network', async () => {
    const net = runtime().createNetwork({ sizes: [2, 4, 2], seed: 0 });
    const first = net.fit(good(), { epochs: 1 });
    await expect(net.evaluate(good())).rejects.toThrow(ConfigError);
    await first;
    net.destroy();
  });
});
