import { describe, expect, it } from 'vitest';
import { classificationDataset, type Dataset, subset } from '../../src/data/dataset.js';
import { Random } from '../../src/data/random.js';
import { ConfigError } from '../../src/errors.js';
import { randomConnections } from '../../src/graph/connections.js';
import type { NetworkSpec } from '../../src/graph/networkTypes.js';
import { Network } from '../../src/graph/network.js';
import { type DropoutRef, graphGradientsRef, graphLossRef } from '../../src/reference/graph.js';
import { rowsAtKinks } from '../helpers/kinks.js';
import { randomArray, relativeError, report } from '../helpers/numeric.js';
import { gpuChoices, parametersAfterTraining, useRuntime } from '../helpers/runtime.js';

// fit's inputDropout: the gathers drop the batch's inputs (shaders/gather.wgsl DROP; the
// kernels' own test is test/kernels/inputDropout.test.ts) and every block out of the inputs
// reads the dropped batch with the kept values scaled, whatever form it reads: f32 rows,
// packed bytes, byte columns, the picked bytes of a split's ε block. The gradient under a
// step's masks against the float64 reference (relative error ≤ 1e-5, rows on a ReLU kink left
// out); fit's training loss is the loss under the masks of the network's step count.
const TOL = 1e-5;

const runtime = useRuntime();
const rng = new Random(33);

const floats = (rows: number, features: number, classes: number): Dataset =>
  classificationDataset({ x: randomArray(rng, rows * features, 0, 1), labels: Array.from({ length: rows }, () => rng.int(classes)), features, classes });
/** MNIST-like bytes (scale 1/255), a third of them 0. */
const bytes = (rows: number, features: number, classes: number): Dataset =>
  classificationDataset({
    x: Uint8Array.from({ length: rows * features }, () => (rng.int(3) ? rng.int(256) : 0)),
    labels: Array.from({ length: rows }, () => rng.int(classes)),
    features,
    classes,
    featureScale: 1 / 255,
  });

/** The rows' inputs as the reference takes them: byte × featureScale as float32. */
function inputsOf(d: Dataset): Float32Array {
  return d.x instanceof Uint8Array ? Float32Array.from(d.x, (b) => Math.fround(b * Math.fround(d.featureScale))) : Float32Array.from(d.x);
}

/** `d` without its rows on a ReLU kink of `net` under `drop`. */
function offKinks(net: Network, params: Float32Array, d: Dataset, drop: DropoutRef): Dataset {
  const kinks = rowsAtKinks(net.structure, params, inputsOf(d), d.rows, 1e-5, drop);
  return kinks.size ? subset(d, Array.from({ length: d.rows }, (_, r) => r).filter((r) => !kinks.has(r))) : d;
}

async function checkGradient(net: Network, batch: Dataset, drop: DropoutRef & { inputRate: number }, name: string): Promise<void> {
  const params = await net.getParameters();
  const rows = offKinks(net, params, batch, drop);
  const got = await net.parameterGradients(rows, 'softmax-cross-entropy', { dropout: drop });
  const err = relativeError(got, graphGradientsRef(net.structure, params, inputsOf(rows), rows.rows, { labels: rows.labels! }, drop));
  report(`gradient under input dropout ${drop.inputRate} and dropout ${drop.rate}, step ${drop.step} (${name}; ${batch.rows - rows.rows} kink rows left out)`, err, TOL);
  expect(err.relative).toBeLessThanOrEqual(TOL);
  // Not the gradient without input dropout.
  const without = await net.parameterGradients(rows, 'softmax-cross-entropy', { dropout: { ...drop, inputRate: 0 } });
  expect(relativeError(got, without).relative).toBeGreaterThan(0.01);
}

describe('input dropout: gradients under a step\'s masks', () => {
  // Each case names the form its blocks out of the inputs read the batch in.
  const cases: [string, NetworkSpec, (rows: number, features: number, classes: number) => Dataset, boolean][] = [
    ['f32 rows, dense', { sizes: [12, 20, 16, 5], seed: 3 }, floats, false],
    ['f32 rows with a GPU\'s choices', { sizes: [12, 20, 16, 5], seed: 3 }, floats, true],
    ['packed bytes, rows of whole vec4s (16 inputs)', { sizes: [16, 20, 5], seed: 4 }, bytes, false],
    ['packed bytes, rows of 5 words (20 inputs)', { sizes: [20, 24, 5], seed: 5 }, bytes, false],
    ['byte columns (a CSR block out of the inputs)', { sizes: [16, 64, 4], connections: [randomConnections(16, 64, 0.3, 1), null], seed: 6 }, bytes, false],
    ['byte columns with a GPU\'s choices', { sizes: [16, 64, 4], connections: [randomConnections(16, 64, 0.3, 1), null], seed: 6 }, bytes, true],
  ];
  for (const [name, spec, make, asOnGpu] of cases) {
    it(`${name}: against the float64 reference`, async () => {
      const rt = runtime();
      const net = new Network(asOnGpu ? { gpu: rt.gpu, kernels: gpuChoices(rt.gpu) } : rt, spec);
      const batch = make(48, spec.sizes[0]!, spec.sizes.at(-1)!);
      await checkGradient(net, batch, { rate: 0, inputRate: 0.2, seed: 7, step: 0 }, name);
      await checkGradient(net, batch, { rate: 0.5, inputRate: 0.5, seed: 1, step: 4321 }, name);
      net.destroy();
    });
  }

  // As test/train/fit.test.ts splits them: 128 inputs, a CSR and a dense block out of them (the
  // byte columns' gather copies the packed rows on the way); 200, a dense block and a split's ε
  // block that stores its 60 rows with edges (the gathers pack its bytes alone).
  for (const features of [128, 200]) {
    it(`a split network out of ${features} byte inputs, fused tail or block by block`, async () => {
      const net = runtime().createNetwork({ sizes: [features, 10], seed: 4, expandable: [1] });
      const t = net.structure.blocks[0]!.topology;
      const edges = features === 200 ? Array.from(t.srcOf.keys()).filter((e) => t.srcOf[e]! < 60 && t.dstOf[e]! < 2) : [0, 7, 20, 33, 61, 90, 100];
      await net.splitEdges(1, edges.map((edge) => ({ block: 0, edge })));
      const fromInput = net.structure.blocks.filter((b) => b.src === net.structure.input.id);
      expect(fromInput.map((b) => `${b.form}${b.rows ? ` ${b.rows.length} rows` : ''}`).sort()).toEqual(features === 200 ? ['dense', 'dense 60 rows'] : ['dense', 'sparse']);
      const batch = bytes(40, features, 10);
      for (const fuse of [true, false]) {
        net.fuseTail = fuse;
        await checkGradient(net, batch, { rate: 0.25, inputRate: 0.2, seed: 0, step: 99 }, `split, ${fuse ? 'fused tail' : 'block by block'}`);
      }
      net.destroy();
    });
  }
});

describe('fit inputDropout', () => {
  const spec: NetworkSpec = { sizes: [16, 24, 4], seed: 6 };
  const train = bytes(64, 16, 4);

  it('trains on the loss under the inputs\' masks of the network\'s step count, and validates on all of the inputs', async () => {
    const net = runtime().createNetwork(spec);
    const params = await net.getParameters();
    const x = inputsOf(train);
    // Full-batch steps too small to move the outputs: each epoch's training loss is the loss under step (epoch − 1)'s masks.
    const reports = await net.fit(train, { optimizer: { name: 'sgd', lr: 1e-12 }, batchSize: 64, epochs: 2, shuffle: false, inputDropout: 0.3, dropout: 0.1, seed: 9, validation: train });
    for (const [step, r] of reports.entries()) {
      const want = graphLossRef(net.structure, params, x, 64, { labels: train.labels! }, { rate: 0.1, inputRate: 0.3, seed: 9, step });
      console.info(`epoch ${step + 1}: training loss ${r.trainLoss.toPrecision(7)}, reference under step ${step}'s masks ${want.toPrecision(7)}`);
      expect(Math.abs(r.trainLoss - want) / want).toBeLessThanOrEqual(TOL);
    }
    expect(reports[0]!.trainLoss).not.toBe(reports[1]!.trainLoss);
    const whole = graphLossRef(net.structure, params, x, 64, { labels: train.labels! });
    expect(Math.abs(reports[1]!.valLoss - whole) / whole).toBeLessThanOrEqual(TOL);
    net.destroy();
  });

  it('repeats bit for bit, in one call or two; 0 is the run without it', async () => {
    const rt = runtime();
    const trained = (extra: { inputDropout?: number }) => parametersAfterTraining(rt, spec, train, extra);
    const none = await trained({});
    const once = await trained({ inputDropout: 0.2 });
    expect(await trained({ inputDropout: 0 })).toEqual(none);
    expect(await trained({ inputDropout: 0.2 })).toEqual(once);
    expect(once).not.toEqual(none);
    const net = rt.createNetwork(spec);
    const options = { optimizer: { name: 'adam' as const, lr: 0.01 }, batchSize: 32, inputDropout: 0.2 };
    await net.fit(train, { ...options, epochs: 1 });
    await net.fit(train, { ...options, epochs: 2 });
    expect(await net.getParameters()).toEqual(once);
    net.destroy();
  });

  it('refuses a rate outside [0, 1), naming it, and trains nothing', async () => {
    const net = runtime().createNetwork(spec);
    const before = await net.getParameters();
    await expect(net.fit(train, { inputDropout: 1 })).rejects.toThrow(/inputDropout must be a number in \[0, 1\) \(the share of a batch's inputs dropped\), got 1/);
    await expect(net.fit(train, { inputDropout: Number.NaN })).rejects.toThrow(ConfigError);
    await expect(net.parameterGradients(train, 'softmax-cross-entropy', { dropout: { rate: 0, inputRate: -1, step: 0 } })).rejects.toThrow(/dropout.inputRate must be a number in \[0, 1\)/);
    expect(await net.getParameters()).toEqual(before);
    expect(net.history).toHaveLength(0);
    net.destroy();
  });
});
