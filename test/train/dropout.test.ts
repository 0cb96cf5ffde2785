import { describe, expect, it } from 'vitest';
import { classificationDataset, type Dataset, subset } from '../../src/data/dataset.js';
import { Random } from '../../src/data/random.js';
import { ConfigError } from '../../src/errors.js';
import { maxPoolConnections, randomConnections } from '../../src/graph/connections.js';
import { fusedTail } from '../../src/graph/fusion.js';
import { buildCsr } from '../../src/graph/csr.js';
import { Network } from '../../src/graph/network.js';
import { completeBlock, type LevelSpec, parameterSlots, Structure } from '../../src/graph/structure.js';
import type { NetworkSpec } from '../../src/graph/networkTypes.js';
import { type DropoutRef, graphGradientsRef, graphLossRef, graphOutputRef } from '../../src/reference/graph.js';
import { randomEdges } from '../helpers/edges.js';
import { centralDifferences } from '../helpers/finiteDifference.js';
import { rowsAtKinks } from '../helpers/kinks.js';
import { randomArray, relativeError, report } from '../helpers/numeric.js';
import { gpuChoices, parametersAfterTraining, useRuntime } from '../helpers/runtime.js';

// fit's dropout: the gradient under a step's masks against the float64 reference (relative
// error ≤ 1e-5, rows on a ReLU kink left out as in the other gradient checks) and against
// finite differences of the reference's loss (1e-3); fit's training loss is the loss under
// the masks of the network's step count; runs repeat bit for bit; refusals change nothing.
const TOL = 1e-5;
const FD_TOL = 1e-3;

const runtime = useRuntime();
const rng = new Random(21);
const data = (rows: number, features: number, classes: number): Dataset =>
  classificationDataset({ x: randomArray(rng, rows * features, 0, 1), labels: Array.from({ length: rows }, () => rng.int(classes)), features, classes });

/** The rows of `d` off every ReLU kink of `net` under `drop`. */
function offKinks(net: Network, params: Float32Array, d: Dataset, drop: DropoutRef): Dataset {
  const kinks = rowsAtKinks(net.structure, params, d.x, d.rows, 1e-5, drop);
  return kinks.size ? subset(d, Array.from({ length: d.rows }, (_, r) => r).filter((r) => !kinks.has(r))) : d;
}

/**
 * `net`'s gradient under `drop` on `rows` with its fused tail run by the graph kernels and block
 * by block, each against `want` (the float64 reference).
 */
async function bothWays(net: Network, rows: Dataset, drop: DropoutRef, want: ArrayLike<number>, what: string): Promise<void> {
  const fused = net.fuseTail;
  for (const fuseTail of [true, false]) {
    net.fuseTail = fuseTail;
    const err = relativeError(await net.parameterGradients(rows, 'softmax-cross-entropy', { dropout: drop }), want);
    report(`${what}, gradient under dropout, ${fuseTail ? 'graph kernels' : 'block by block'}`, err, TOL);
    expect(err.relative).toBeLessThanOrEqual(TOL);
  }
  net.fuseTail = fused;
}

describe('dropout: gradients under a step\'s masks', () => {
  const cases: [string, NetworkSpec, boolean][] = [
    ['dense levels (an identity one among them), the narrow output backward', { sizes: [12, 20, 16, 5], activations: ['relu', 'identity', 'identity'], seed: 3 }, false],
    ['the same network with a GPU\'s choices', { sizes: [12, 20, 16, 5], activations: ['relu', 'identity', 'identity'], seed: 3 }, true],
    ['CSR levels, one big enough to run over f32 columns', { sizes: [8, 64, 64, 4], connections: [randomConnections(8, 64, 0.3, 1), randomConnections(64, 64, 0.15, 2), null], seed: 5 }, false],
    // tanh and sigmoid levels: their derivatives taken at the stored values times 1 − rate (DROP_KEEP).
    ['tanh levels, the narrow output backward', { sizes: [12, 20, 16, 5], activations: ['tanh', 'tanh', 'identity'], seed: 3 }, false],
    ['tanh levels with a GPU\'s choices (the input gradient\'s product into them)', { sizes: [12, 20, 16, 5], activations: ['tanh', 'tanh', 'identity'], seed: 3 }, true],
    ['a sigmoid level into a wide output (the input gradient\'s product)', { sizes: [12, 20, 16], activations: ['sigmoid', 'identity'], seed: 4 }, false],
    ['sigmoid and tanh CSR levels, one over f32 columns', { sizes: [8, 64, 64, 4], activations: ['sigmoid', 'tanh', 'identity'], connections: [randomConnections(8, 64, 0.3, 1), randomConnections(64, 64, 0.15, 2), null], seed: 5 }, false],
  ];
  for (const [name, spec, asOnGpu] of cases) {
    it(`${name}: against the float64 reference`, async () => {
      const rt = runtime();
      const net = new Network(asOnGpu ? { gpu: rt.gpu, kernels: gpuChoices(rt.gpu) } : rt, spec);
      const params = await net.getParameters();
      const batch = data(48, spec.sizes[0]!, spec.sizes.at(-1)!);
      for (const drop of [{ rate: 0.5, seed: 7, step: 0 }, { rate: 0.2, seed: 0, step: 12345 }]) {
        const rows = offKinks(net, params, batch, drop);
        const got = await net.parameterGradients(rows, 'softmax-cross-entropy', { dropout: drop });
        const err = relativeError(got, graphGradientsRef(net.structure, params, rows.x, rows.rows, { labels: rows.labels! }, drop));
        report(`gradient under dropout ${drop.rate}, step ${drop.step} (${name}; ${batch.rows - rows.rows} kink rows left out)`, err, TOL);
        expect(err.relative).toBeLessThanOrEqual(TOL);
        // Not the whole network's gradient.
        expect(relativeError(got, await net.parameterGradients(rows)).relative).toBeGreaterThan(0.01);
      }
      // Rate 0: the whole network's, bit for bit.
      expect(await net.parameterGradients(batch, 'softmax-cross-entropy', { dropout: { rate: 0, step: 3 } })).toEqual(await net.parameterGradients(batch));
      net.destroy();
    });
  }

  it('runs a fused tail with an identity hidden level in the graph kernels and block by block alike, against the reference', async () => {
    const spec = { sizes: [8, 12, 6, 3], activations: ['relu', 'identity', 'identity'] as const, connections: [null, randomConnections(12, 6, 0.4, 1), randomConnections(6, 3, 0.6, 2)], seed: 1 };
    const net = runtime().createNetwork(spec);
    const tail = fusedTail(net.structure);
    expect(tail?.levels.map((l) => l.activation)).toEqual(['relu', 'identity', 'identity']);
    const params = await net.getParameters();
    const drop = { rate: 0.3, seed: 1, step: 5 };
    const rows = offKinks(net, params, data(40, 8, 3), drop);
    await bothWays(net, rows, drop, graphGradientsRef(net.structure, params, rows.x, rows.rows, { labels: rows.labels! }, drop), 'identity level in a tail');
    net.destroy();
  });

  it('matches finite differences of the loss under the same masks', async () => {
    const net = runtime().createNetwork({ sizes: [6, 9, 7, 3], activations: ['relu', 'relu', 'identity'], seed: 11 });
    const params = await net.getParameters();
    const drop = { rate: 0.3, seed: 2, step: 41 };
    const rows = offKinks(net, params, data(20, 6, 3), drop);
    const got = await net.parameterGradients(rows, 'softmax-cross-entropy', { dropout: drop });
    const fd = centralDifferences((p) => graphLossRef(net.structure, p, rows.x, rows.rows, { labels: rows.labels! }, drop), params);
    const err = relativeError(got, fd);
    report('gradient under dropout against finite differences', err, FD_TOL);
    expect(err.relative).toBeLessThanOrEqual(FD_TOL);
    net.destroy();
  });

  it('refuses a bad dropout option by its field\'s name', async () => {
    const net = runtime().createNetwork({ sizes: [4, 5, 2], seed: 1 });
    const batch = data(8, 4, 2);
    await expect(net.parameterGradients(batch, 'softmax-cross-entropy', { dropout: { rate: 1, step: 0 } })).rejects.toThrow(/dropout.rate must be a number in \[0, 1\)/);
    await expect(net.parameterGradients(batch, 'softmax-cross-entropy', { dropout: { rate: 0.5, step: 1.5 } })).rejects.toThrow(/dropout.step must be a whole number in \[0, 2\^24\), got 1.5/);
    await expect(net.parameterGradients(batch, 'softmax-cross-entropy', { dropout: null as never })).rejects.toThrow(/gradients: dropout must be an object/);
    net.destroy();
  });

  // The float64 reference's gradient does not cover pooling: finite differences of its loss do.
  const throughTanh: [string, NetworkSpec][] = [
    ['tanh and sigmoid levels', { sizes: [6, 9, 7, 3], activations: ['tanh', 'sigmoid', 'identity'], seed: 12 }],
    ['a tanh level max-pooled into a ReLU one', { sizes: [6, 48, 12, 3], activations: ['tanh', 'relu', 'identity'], connections: [null, { ...maxPoolConnections({ width: 6, height: 4, channels: 2 }), pool: 'max' }, null], seed: 6 }],
    // Run by the graph kernels, which draw the masks of these levels again in their backward.
    ['a fused tail of tanh and sigmoid levels', { sizes: [6, 12, 8, 3], activations: ['tanh', 'sigmoid', 'identity'], connections: [null, randomConnections(12, 8, 0.4, 1), randomConnections(8, 3, 0.6, 2)], seed: 13 }],
  ];
  for (const [name, spec] of throughTanh) {
    it(`matches finite differences of the loss under the same masks through ${name}`, async () => {
      const net = runtime().createNetwork(spec);
      if (name.includes('fused tail')) expect(fusedTail(net.structure)?.levels.map((l) => l.activation)).toEqual(['tanh', 'sigmoid', 'identity']);
      const params = await net.getParameters();
      const drop = { rate: 0.4, seed: 5, step: 8 };
      const rows = offKinks(net, params, data(20, 6, 3), drop);
      const got = await net.parameterGradients(rows, 'softmax-cross-entropy', { dropout: drop });
      const err = relativeError(got, centralDifferences((p) => graphLossRef(net.structure, p, rows.x, rows.rows, { labels: rows.labels! }, drop), params));
      report(`gradient under dropout through ${name}, against finite differences`, err, FD_TOL);
      expect(err.relative).toBeLessThanOrEqual(FD_TOL);
      net.destroy();
    });
  }
});

describe('fit dropout', () => {
  const spec: NetworkSpec = { sizes: [10, 24, 16, 4], seed: 6 };
  const train = data(64, 10, 4);

  it('trains on the loss under the masks of the network\'s step count, and validates on the whole network', async () => {
    const net = runtime().createNetwork(spec);
    const params = await net.getParameters();
    // Full-batch steps too small to move the outputs: each epoch's training loss is the loss under step (epoch − 1)'s masks.
    const reports = await net.fit(train, { optimizer: { name: 'sgd', lr: 1e-12 }, batchSize: 64, epochs: 2, shuffle: false, dropout: 0.4, seed: 9, validation: train });
    for (const [step, r] of reports.entries()) {
      const want = graphLossRef(net.structure, params, train.x, 64, { labels: train.labels! }, { rate: 0.4, seed: 9, step });
      console.info(`epoch ${step + 1}: training loss ${r.trainLoss.toPrecision(7)}, reference under step ${step}'s masks ${want.toPrecision(7)}`);
      expect(Math.abs(r.trainLoss - want) / want).toBeLessThanOrEqual(TOL);
    }
    expect(reports[0]!.trainLoss).not.toBe(reports[1]!.trainLoss);
    const whole = graphLossRef(net.structure, params, train.x, 64, { labels: train.labels! });
    expect(Math.abs(reports[1]!.valLoss - whole) / whole).toBeLessThanOrEqual(TOL);
    // predict sees the whole network.
    expect(relativeError(await net.predict(train), graphOutputRef(net.structure, params, train.x, 64)).relative).toBeLessThanOrEqual(TOL);
    net.destroy();
  });

  it('repeats bit for bit, in one call or two; 0 is the run without it', async () => {
    const rt = runtime();
    const trained = (extra: { dropout?: number }) => parametersAfterTraining(rt, spec, train, extra);
    const none = await trained({});
    const once = await trained({ dropout: 0.3 });
    expect(await trained({ dropout: 0 })).toEqual(none);
    expect(await trained({ dropout: 0.3 })).toEqual(once);
    expect(once).not.toEqual(none);
    // Two calls of 1 and 2 epochs draw the masks (and the shuffles) of one call of 3.
    const net = rt.createNetwork(spec);
    const options = { optimizer: { name: 'adam' as const, lr: 0.01 }, batchSize: 32, dropout: 0.3 };
    await net.fit(train, { ...options, epochs: 1 });
    await net.fit(train, { ...options, epochs: 2 });
    expect(await net.getParameters()).toEqual(once);
    net.destroy();
  });

  it('grows with dropout: the grown levels are dropped too, in a fused tail or block by block, against the reference', async () => {
    const net = runtime().createNetwork({ sizes: [10, 4], seed: 2 });
    const expansion = { window: 1, minEpochsBetween: 1, lossChangeThreshold: 100, lateSplits: true, chooseThreshold: 0.3, maxToReplace: 12 };
    const reports = await net.fit(train, { optimizer: { name: 'adam', lr: 0.01 }, batchSize: 16, epochs: 8, dropout: 0.25, expansion, validation: train });
    expect(reports.filter((r) => r.expanded > 0).length).toBeGreaterThan(1);
    // Its last levels form a tail that the graph kernels run in one dispatch (shaders/graph.wgsl, DROP).
    expect(fusedTail(net.structure)?.levels.length).toBeGreaterThan(1);
    const params = await net.getParameters();
    const drop = { rate: 0.25, seed: 0, step: 99 };
    const rows = offKinks(net, params, train, drop);
    const want = graphGradientsRef(net.structure, params, rows.x, rows.rows, { labels: rows.labels! }, drop);
    const losses: number[] = [];
    for (const fuse of [true, false]) {
      net.fuseTail = fuse;
      const err = relativeError(await net.parameterGradients(rows, 'softmax-cross-entropy', { dropout: drop }), want);
      report(`grown network, gradient under dropout (${fuse ? 'fused tail' : 'block by block'})`, err, TOL);
      expect(err.relative).toBeLessThanOrEqual(TOL);
      // A full-batch step too small to move anything: the training loss under the next step's masks.
      const copy = runtime().loadNetwork(await runtime().saveNetwork(net));
      copy.fuseTail = fuse;
      const [r] = await copy.fit(rows, { optimizer: { name: 'sgd', lr: 1e-12 }, batchSize: rows.rows, epochs: 1, shuffle: false, dropout: 0.25, seed: 4 });
      losses.push(r!.trainLoss);
      copy.destroy();
    }
    expect(Math.abs(losses[0]! - losses[1]!) / losses[1]!).toBeLessThanOrEqual(TOL);
    net.destroy();
  });

  it('grows a tanh network with dropout: its tail, which holds the tanh level, runs in the graph kernels and block by block alike, against the reference', async () => {
    const net = runtime().createNetwork({ sizes: [10, 8, 4], activations: ['tanh', 'identity'], seed: 2 });
    const expansion = { window: 1, minEpochsBetween: 1, lossChangeThreshold: 100, lateSplits: true, chooseThreshold: 0.3, maxToReplace: 12 };
    const reports = await net.fit(train, { optimizer: { name: 'adam', lr: 0.01 }, batchSize: 16, epochs: 6, dropout: 0.25, expansion, validation: train });
    expect(reports.some((r) => r.expanded > 0)).toBe(true);
    for (const r of reports) expect(Number.isFinite(r.trainLoss)).toBe(true);
    const tail = fusedTail(net.structure);
    const tanhLevels = net.structure.levels.filter((l) => l.activation === 'tanh').map((l) => l.id);
    // The tanh level is one of the tail's hidden levels: the graph backward draws its masks again
    // (a tail it only feeds: the next test).
    expect(tail?.levels.some((l) => tanhLevels.includes(l.id))).toBe(true);
    const params = await net.getParameters();
    const drop = { rate: 0.25, seed: 0, step: 31 };
    const rows = offKinks(net, params, train, drop);
    await bothWays(net, rows, drop, graphGradientsRef(net.structure, params, rows.x, rows.rows, { labels: rows.labels! }, drop), 'grown tanh network');
    net.destroy();
  });

  it('runs a tail fed by a tanh level in the graph kernels (a feeder\'s derivative at its dropped values times 1 − rate) and block by block alike, against the reference', async () => {
    // inputs → F (tanh) → A (relu) → outputs; F→A and A→outputs sparse, F→outputs dense: the tail is A and the outputs, F its feeder.
    const rng = new Random(8);
    const levels: LevelSpec[] = [
      { id: 0, size: 6, activation: 'identity', role: 'input' },
      { id: 2, size: 5, activation: 'tanh', role: 'hidden' },
      { id: 3, size: 4, activation: 'relu', role: 'hidden' },
      { id: 1, size: 3, activation: 'identity', role: 'output' },
    ];
    const size = new Map(levels.map((l) => [l.id, l.size]));
    const sparse = (src: number, dst: number, count: number) => {
      const e = randomEdges(rng, size.get(dst)!, size.get(src)!, count);
      return { src, dst, topology: buildCsr(size.get(dst)!, size.get(src)!, e.d, e.s).block };
    };
    const s = new Structure(levels, [sparse(0, 2, 20), sparse(0, 3, 8), sparse(2, 3, 12), sparse(3, 1, 9), { src: 2, dst: 1, topology: completeBlock(3, 5), form: 'dense' as const }]);
    const tail = fusedTail(s);
    expect(tail?.levels.map((l) => l.id)).toEqual([3, 1]);
    expect(tail?.feeders.map((l) => l.id)).toEqual([2]);
    const slots = parameterSlots(s);
    const values = randomArray(rng, s.floats).map((v, i) => (slots[i] ? v : 0));
    const drop = { rate: 0.3, seed: 2, step: 17 };
    const rows = offKinks(new Network(runtime(), { structure: s, params: values, expandable: [1], seed: 0 }), values, data(40, 6, 3), drop);
    const want = graphGradientsRef(s, values, rows.x, rows.rows, { labels: rows.labels! }, drop);
    const net = new Network(runtime(), { structure: s, params: values, expandable: [1], seed: 0 });
    await bothWays(net, rows, drop, want, 'tail fed by a tanh level');
    net.destroy();
  });

  it('refuses a rate outside [0, 1), naming it, and trains nothing', async () => {
    const net = runtime().createNetwork(spec);
    const before = await net.getParameters();
    await expect(net.fit(train, { dropout: 1 })).rejects.toThrow(/dropout must be a number in \[0, 1\).*got 1/);
    await expect(net.fit(train, { dropout: -0.1 })).rejects.toThrow(ConfigError);
    await expect(net.fit(train, { dropout: 'half' as never })).rejects.toThrow(/dropout must be a number in \[0, 1\).*got "half"/);
    expect(await net.getParameters()).toEqual(before);
    expect(net.history).toHaveLength(0);
    net.destroy();
  });
});
