// The public API against stray arguments: each call of a list of entry points (network,
// research API, datasets, CSV, IDX, connections, checkpoints) made with one field of good
// arguments set to a stray value (null, NaN, 2³¹, "x", [], a typed array, ...), seeded. Each must
// either work or throw a SennError (a typed error that names the problem), and a failed call must
// leave the network as it was. Found: TypeErrors from deep inside, a process out of memory on
// a convolution of 10⁹ filters, subset reading past its rows, featureStats looping over 2³¹;
// with more options filled in, switches that were not true or false reaching a kernel's pipeline
// constants as NaN (a ShaderCompileError after a fit had trained), a split's NaN epsilon filling
// its new weights with NaN (a call that works must leave every parameter finite). FUZZ_N and
// FUZZ_SEED widen it.
import { describe, expect, it } from 'vitest';
import { Random } from '../src/data/random.js';
import { ConfigError, DatasetError, SennError } from '../src/errors.js';
import { didYouMean, notOneOf, unknownChoice } from '../src/args.js';
import { classificationDataset, regressionDataset, splitDataset, subset } from '../src/data/dataset.js';
import { parseCsv, csvDataset } from '../src/data/csv.js';
import { parseIdx } from '../src/data/idx.js';
import { spirals } from '../src/data/generated.js';
import { featureStats, standardize } from '../src/data/normalize.js';
import { localConnections, convolutionConnections, randomConnections, maxPoolConnections } from '../src/graph/connections.js';
import type { Dataset } from '../src/data/dataset.js';
import type { Network } from '../src/graph/network.js';
import type { Runtime } from '../src/runtime.js';
import { useRuntime } from './helpers/runtime.js';

const runtime = useRuntime();
const N = Number(process.env.FUZZ_N ?? 800);
const stray: unknown[] = [0, -1, 1, 2, 1.5, 1e9, 2 ** 31, Number.NaN, Infinity, null, undefined, 'x', '', true, [], {}, [1, 2], new Float32Array(2), 'relu', 'adam'];

type Path = (string | number)[];
function pathsOf(value: unknown): Path[] {
  const paths: Path[] = [];
  const walk = (v: unknown, path: Path, depth: number): void => {
    if (path.length > 0) paths.push(path);
    if (depth > 4 || v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return;
    if (Array.isArray(v) && v.length > 20) return;
    for (const [k, c] of Object.entries(v)) walk(c, [...path, Array.isArray(v) ? Number(k) : k], depth + 1);
  };
  walk(value, [], 0);
  return paths;
}
/** The object or array that holds the value at `path` in `args`. */
function parentOf(args: unknown[], path: Path): Record<string | number, unknown> {
  return path.slice(0, -1).reduce((o: Record<string | number, unknown>, k) => o[k] as Record<string | number, unknown>, args as unknown as Record<string | number, unknown>);
}
function clone<T>(v: T): T {
  if (ArrayBuffer.isView(v)) return (v as unknown as Float32Array).slice() as unknown as T;
  if (Array.isArray(v)) return v.map(clone) as unknown as T;
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.fromEntries(Object.entries(v).map(([k, c]) => [k, clone(c)])) as T;
  return v;
}

describe('stray arguments', () => {
  it(`${N} calls with a stray argument: each works or throws a SennError, and a failed call leaves the network as it was`, async () => {
    const rt = runtime();
    const rng = new Random(Number(process.env.FUZZ_SEED ?? 3));
    const data = spirals({ rows: 64, seed: 1 });
    const [train, validation] = splitDataset(data, 0.75, 0);
    const bad: string[] = [];
    const start = rt.liveBytes;
    const counts = new Map<string, number>();
    const net = rt.createNetwork({ sizes: [2, 6, 2], seed: 0, expandable: [1, 2] });
    await net.fit(train, { epochs: 1, batchSize: 16, edgeStatistics: true });
    const cases = entryPoints(rt, net, data, train, validation);
    for (let i = 0; i < N; i++) {
      const [name, good, call] = cases[i % cases.length]!;
      const args = clone(good);
      const paths = pathsOf(args);
      const path = paths[rng.int(paths.length)]!;
      const value = stray[rng.int(stray.length)];
      const parent = parentOf(args, path);
      if (ArrayBuffer.isView(parent)) continue;
      // Valid, only long: a billion epochs would run for days.
      if (path.at(-1) === 'epochs' && typeof value === 'number' && value > 100) continue;
      parent[path.at(-1)!] = value;
      const what = `${name} ${path.join('.')} = ${ArrayBuffer.isView(value) ? 'Float32Array' : JSON.stringify(value)}`;
      const before = { params: await net.getParameters(), sizes: net.sizes.join('-'), count: net.parameterCount };
      let outcome = 'ok';
      try {
        await (call as (...a: unknown[]) => unknown)(...(args as unknown[]));
        // A call that takes a stray value must not leave the network holding NaN (a split's NaN epsilon did).
        if (!(await net.getParameters()).every(Number.isFinite)) bad.push(`${what}: worked, and left a parameter that is not finite`);
      } catch (e) {
        outcome = e instanceof SennError ? (e as Error).constructor.name : `OTHER ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`;
        if (!(e instanceof SennError)) bad.push(`${what}: ${outcome}`);
        else {
          const after = await net.getParameters();
          if (net.sizes.join('-') !== before.sizes || net.parameterCount !== before.count || after.length !== before.params.length || after.some((v, k) => !Object.is(v, before.params[k]))) bad.push(`${what}: ${outcome} but the network changed`);
        }
      }
      counts.set(`${name} ${outcome.split(':')[0]}`, (counts.get(`${name} ${outcome.split(':')[0]}`) ?? 0) + 1);
    }
    const failed = [...counts].filter(([k]) => !k.endsWith(' ok')).reduce((n, [, c]) => n + c, 0);
    console.info(`${N} calls with a stray argument: ${N - failed} worked, ${failed} refused with a SennError${bad.length ? `; ${bad.length} otherwise` : ''}`);
    net.destroy();
    expect(bad).toEqual([]);
    expect(rt.liveBytes).toBe(start);
  }, 1_200_000);
});

describe('a misspelt choice', () => {
  it('is named with the choice it most likely misspells: typos, swapped letters, capitals, "_" for "-"; nothing for numbers, short words or far misses', () => {
    const optimizers = ['adam', 'adamw', 'sgd'];
    expect(didYouMean('adan', optimizers)).toBe(' (did you mean adam?)');
    expect(didYouMean('ADAMW', optimizers)).toBe(' (did you mean adamw?)');
    expect(didYouMean('abs_grad', ['abs-grad', 'grad-variance'])).toBe(' (did you mean abs-grad?)');
    expect(didYouMean('tahn', ['relu', 'tanh'])).toBe(' (did you mean tanh?)');
    expect(didYouMean('Fashion-MNIST', ['mnist', 'fashion-mnist'])).toBe(' (did you mean fashion-mnist?)');
    for (const far of ['sdg', 'momentum', 'x', '', '12', 'ad']) expect(didYouMean(far, optimizers)).toBe('');
    expect(didYouMean('123', ['12', '124'])).toBe('');
    expect(didYouMean(7, ['7'])).toBe('');
    // The word itself, where a list names it without taking it (a help text's other commands).
    expect(didYouMean('--save', ['--save', '--seed'])).toBe('');
  });

  it('reads the same in every module: a name quoted, a number as it is, the suggestion last', () => {
    expect(unknownChoice('loss', 'mse ', ['mse', 'softmax-cross-entropy'])).toBe('unknown loss "mse "; expected one of mse, softmax-cross-entropy (did you mean mse?)');
    expect(unknownChoice('activation', 3, ['relu', 'tanh'])).toBe('unknown activation 3; expected one of relu, tanh');
    expect(notOneOf('--init', 'he_uniform', ['linear', 'he-uniform'])).toBe('--init must be one of linear, he-uniform, got "he_uniform" (did you mean he-uniform?)');
    expect(notOneOf('connections[0]: pool', null, ['max', 'average'])).toBe('connections[0]: pool must be one of max, average, got null');
  });

  it('ends the typed error of each entry point that takes one of a list', async () => {
    const net = runtime().createNetwork({ sizes: [2, 3, 2], seed: 0 });
    const data = spirals({ rows: 8, seed: 0 });
    await expect(net.fit(data, { epochs: 1, optimizer: { name: 'Adam' as never } })).rejects.toThrow(new ConfigError('unknown optimizer "Adam"; expected one of adam, adamw, sgd (did you mean adam?)'));
    await expect(net.scoreEdges(2, { metric: 'abs_grad' as never })).rejects.toThrow(/\(did you mean abs-grad\?\)$/);
    expect(() => csvDataset(parseCsv('a,b,species\n1,2,x\n'), { target: 'specis', task: 'classification' })).toThrow(DatasetError);
    expect(() => csvDataset(parseCsv('a,b,species\n1,2,x\n'), { target: 'specis', task: 'classification' })).toThrow(/\(did you mean species\?\)$/);
    net.destroy();
  });
});

describe('numbers given as strings', () => {
  // A form's field or a query string gives "0.5" where 0.5 belongs; JavaScript compares such a
  // string as a number (`"0.5" > 0` is true), so a range check alone would take it.
  it('every number of every entry point\'s arguments, given as its string, is refused with a SennError, and the network is unchanged', async () => {
    const rt = runtime();
    const data = spirals({ rows: 64, seed: 1 });
    const [train, validation] = splitDataset(data, 0.75, 0);
    const net = rt.createNetwork({ sizes: [2, 6, 2], seed: 0, expandable: [1, 2] });
    await net.fit(train, { epochs: 1, batchSize: 16, edgeStatistics: true });
    const taken: string[] = [];
    let refused = 0;
    for (const [name, good, call] of entryPoints(rt, net, data, train, validation)) {
      for (const path of pathsOf(good)) {
        const args = clone(good);
        const parent = parentOf(args, path);
        const value = parent[path.at(-1)!];
        if (typeof value !== 'number') continue;
        parent[path.at(-1)!] = String(value);
        const before = { params: await net.getParameters(), sizes: net.sizes.join('-') };
        try {
          await (call as (...a: unknown[]) => unknown)(...(args as unknown[]));
          taken.push(`${name} ${path.join('.')} = "${value}"`);
        } catch (e) {
          expect(e, `${name} ${path.join('.')} = "${value}"`).toBeInstanceOf(SennError);
          const after = await net.getParameters();
          expect(net.sizes.join('-')).toBe(before.sizes);
          expect(after).toEqual(before.params);
          refused++;
        }
      }
    }
    console.info(`numbers as strings: ${refused} refused with a SennError, ${taken.length} taken`);
    net.destroy();
    expect(taken).toEqual([]);
    expect(refused).toBeGreaterThan(60);
  }, 300_000);
});

type EntryPoint = [name: string, good: unknown[], call: (...a: never[]) => unknown];

/** Each entry point: a name, a good argument list, and the call (on `net`, trained once on `train`). */
function entryPoints(rt: Runtime, net: Network, data: Dataset, train: Dataset, validation: Dataset): EntryPoint[] {
  return [
    ['createNetwork', [{ sizes: [2, 5, 2], activations: ['relu', 'identity'], seed: 1, init: 'he-uniform', expandable: [1, 2], denseFrom: 0.3 }], (spec: never) => { const n = rt.createNetwork(spec); n.destroy(); }],
    ['fit', [train, { epochs: 1, batchSize: 16, optimizer: { name: 'adam', lr: 0.01 }, validation, schedule: { name: 'cosine', minLr: 0.001 }, expansion: { window: 1, minEpochsBetween: 1, chooseThreshold: 0.5 } }], (d: never, o: never) => net.fit(d, o)],
    ['fit (more options)', [train, { epochs: 2, batchSize: 16, seed: 2, shuffle: true, loss: 'softmax-cross-entropy', maxUploadBytes: 1e6, validation, earlyStop: { patience: 1 }, optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 0.001, nesterov: true }, maxGradNorm: 5, labelSmoothing: 0.1, classWeights: [1, 2], dropout: 0.2, inputDropout: 0.1, schedule: { name: 'step', everyEpochs: 1, gamma: 0.5, warmupEpochs: 1 } }], (d: never, o: never) => net.fit(d, o)],
    ['fit (expansion options)', [train, { epochs: 2, batchSize: 16, expansion: { window: 1, minEpochsBetween: 1, deleteAfter: 1, lossChangeThreshold: 1, metric: 'weight-abs', pruneMetric: 'abs-grad', aggregation: 'variance', maxToReplace: 2, deleteThreshold: 0.2, pruneNormalization: 'per-level', exactSplit: 'signed', neuronsPerEdge: 2, knotSpacing: 0.5, fullyConnected: false, resetOptimizer: true, lateSplits: true, statistics: 'exact', invertedPruneLikeReference: false } }], (d: never, o: never) => net.fit(d, o)],
    ['evaluate', [validation, 'softmax-cross-entropy'], (d: never, l: never) => net.evaluate(d, l)],
    ['predict', [validation], (d: never) => net.predict(d)],
    ['selectEdgesToSplit', [2, { threshold: 0.5, maxToReplace: 3, metric: 'abs-grad', aggregation: 'mean' }], (t: never, o: never) => net.selectEdgesToSplit(t, o)],
    ['scoreEdges', [2, { metric: 'weight-abs' }], (t: never, o: never) => net.scoreEdges(t, o)],
    ['splitEdges', [2, [{ block: 1, edge: 0 }, { block: 1, edge: 3 }], { exact: false, neuronsPerEdge: 1, knotSpacing: 0.5, fullyConnected: true, epsilon: 1e-8, resetOptimizer: false }], (t: never, e: never, o: never) => net.splitEdges(t, e, o)],
    ['selectEdgesToPrune', [{ threshold: 0.5, normalization: 'together', metric: 'weight-sq', aggregation: 'mean', invertedLikeReference: false }], (o: never) => net.selectEdgesToPrune(o)],
    ['pruneEdges', [[{ block: 0, edge: 1 }], { resetOptimizer: false }], (e: never, o: never) => net.pruneEdges(e, o)],
    ['classificationDataset', [{ x: new Float32Array([0, 1, 2, 3]), labels: [0, 1], features: 2, classes: 2 }], (a: never) => classificationDataset(a)],
    ['regressionDataset', [{ x: new Float32Array([0, 1, 2, 3]), targets: new Float32Array([1, 2]), features: 2 }], (a: never) => regressionDataset(a)],
    ['subset', [data, [0, 1, 2]], (d: never, i: never) => subset(d, i)],
    ['splitDataset', [data, 0.5, 2], (d: never, f: never, s: never) => splitDataset(d, f, s)],
    ['parseCsv', ['a,b,c\n1,2,x\n3,4,y\n', { delimiter: ',' }], (t: never, o: never) => parseCsv(t, o)],
    ['csvDataset', [parseCsv('a,b,c\n1,2,x\n3,4,y\n'), { target: 'c', task: 'classification' }], (t: never, o: never) => csvDataset(t, o)],
    ['parseIdx', [new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 7, 9])], (b: never) => parseIdx(b)],
    ['localConnections', [{ width: 4, height: 4, kernel: 2, stride: 2, filters: 2 }], (a: never) => localConnections(a)],
    ['convolutionConnections', [{ width: 4, height: 4, kernel: 2, padding: 1, filters: 2 }], (a: never) => convolutionConnections(a)],
    ['maxPoolConnections', [{ width: 4, height: 4, channels: 2, kernel: 2 }], (a: never) => maxPoolConnections(a)],
    ['collectEdgeStatistics', [train, { maxUploadBytes: 1e6, batchSize: 16, loss: 'softmax-cross-entropy', labelSmoothing: 0.1, classWeights: 'balanced' }], (d: never, o: never) => net.collectEdgeStatistics(d, o)],
    ['readEdgeStatistics', [2], (t: never) => net.readEdgeStatistics(t)],
    ['classify', [validation], (d: never) => net.classify(d)],
    ['parameterGradients', [validation, 'softmax-cross-entropy', { labelSmoothing: 0.1, classWeights: [2, 1], dropout: { rate: 0.5, step: 3, seed: 1, inputRate: 0.2 } }], (d: never, l: never, o: never) => net.parameterGradients(d, l, o)],
    ['gradients', [validation, 'softmax-cross-entropy', { labelSmoothing: 0.1, classWeights: 'balanced' }], (d: never, l: never, o: never) => net.gradients(d, l, o)],
    ['setParameters', [new Float32Array(0)], async (p: never) => { const v = await net.getParameters(); net.setParameters((p as unknown as Float32Array)?.length === 0 ? v : p); }],
    ['setWeights', [[{ weights: new Float32Array(12), bias: new Float32Array(6) }, { weights: new Float32Array(12), bias: new Float32Array(2) }]], (w: never) => net.setWeights(w)],
    ['loadNetwork', [new Uint8Array([1, 2, 3])], (b: never) => rt.loadNetwork(b).destroy()],
    ['spirals', [{ rows: 10, seed: 1, noise: 0.1, turns: 2 }], (a: never) => spirals(a)],
    ['featureStats', [validation], (d: never) => featureStats(d)],
    ['standardize', [validation, featureStats(train)], (d: never, s: never) => standardize(d, s)],
    ['randomConnections', [4, 3, 0.5, 1], (a: never, b: never, c: never, d: never) => randomConnections(a, b, c, d)],
  ];
}
