// The ONNX export's recognition of convolutions and pooling windows (src/io/onnxImage.ts), on
// the CPU: a recognised block, evaluated as ONNX Conv evaluates it (batch × channels × height
// × width, OIHW weights, zero padding), must give what its edges give; anything that is not
// exactly a convolution must not be recognised.
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { averagePoolConnections, type ConvolutionConnections, convolutionConnections, type LocalConnections, localConnections, maxPoolConnections } from '../../src/graph/connections.js';
import { buildCsr } from '../../src/graph/csr.js';
import type { Block, Level } from '../../src/graph/structure.js';
import { type ConvolutionLayout, convolutionLayout, poolLayout } from '../../src/io/onnxImage.js';
import { randomGeometry } from '../helpers/edges.js';
import { randomArray, relativeError } from '../helpers/numeric.js';

/** A sparse block 0 → 1 of `c`'s edges (with `ties` by input edge, if any), its weights `perEdge` (by input edge) at offset 0, and the level it feeds, its biases after them. */
function blockOf(c: LocalConnections, inputs: number, ties: ArrayLike<number> | null, perEdge: Float32Array, biases: Float32Array) {
  const { block: topology, idOf } = buildCsr(c.size, inputs, c.destinations, c.sources);
  const edges = c.sources.length;
  const params = new Float32Array(edges + c.size);
  const byId = new Uint32Array(edges);
  for (let i = 0; i < edges; i++) {
    params[idOf[i]!] = perEdge[i]!;
    if (ties) byId[idOf[i]!] = ties[i]!;
  }
  params.set(biases, edges);
  const block: Block = { id: 0, src: 0, dst: 1, form: 'sparse', topology, weightOffset: 0, rows: null, rowOf: null, ...(ties ? { ties: byId } : {}) };
  const level: Level = { id: 1, size: c.size, activation: 'relu', role: 'hidden', biasOffset: edges };
  return { block, level, params };
}

/** The block's pre-activations for input `x` (one row), edge by edge. */
function byEdges(block: Block, params: Float32Array, x: Float32Array): Float64Array {
  const t = block.topology;
  const out = new Float64Array(t.dst);
  for (let e = 0; e < t.srcOf.length; e++) out[t.dstOf[e]!]! += params[e]! * x[t.srcOf[e]!]!;
  return out;
}

/** `layout` evaluated as ONNX Conv does (no bias), back in senn's layout (pixel by pixel, channels innermost). */
function asConv(layout: ConvolutionLayout, x: Float32Array): Float64Array {
  const { input: i, output: o, kernel: K, stride, padding, weights } = layout;
  const out = new Float64Array(o.height * o.width * o.channels);
  for (let oy = 0; oy < o.height; oy++)
    for (let ox = 0; ox < o.width; ox++)
      for (let f = 0; f < o.channels; f++) {
        let sum = 0;
        for (let c = 0; c < i.channels; c++)
          for (let ky = 0; ky < K; ky++)
            for (let kx = 0; kx < K; kx++) {
              const y = oy * stride + ky - padding;
              const xx = ox * stride + kx - padding;
              if (y < 0 || y >= i.height || xx < 0 || xx >= i.width) continue;
              sum += weights[((f * i.channels + c) * K + ky) * K + kx]! * x[(y * i.width + xx) * i.channels + c]!;
            }
        out[(oy * o.width + ox) * o.channels + f] = sum;
      }
  return out;
}

/** Convolution `conv` less the kernel entries `gone` names, every position's edge of each (what a split takes): its edges, and their entries. */
function lessEntries(conv: ConvolutionConnections, gone: (entry: number) => boolean) {
  const keep = Array.from(conv.ties, (t) => !gone(t));
  const pick = (a: ArrayLike<number>) => Array.from(a).filter((_, i) => keep[i]);
  return { rest: { ...conv, sources: pick(conv.sources), destinations: pick(conv.destinations) }, ties: pick(conv.ties) };
}

describe('convolutions recognised in a block of edges', () => {
  it('200 random convolutions (image shape, channels, kernel, stride, padding, filters): recognised, and as ONNX Conv they compute what their edges do', () => {
    const rng = new Random(21);
    let worst = 0;
    let recognised = 0;
    let everyEntry = 0;
    for (let trial = 0; trial < 200; trial++) {
      const g = randomGeometry(rng);
      const conv = convolutionConnections(g);
      const kernelValues = randomArray(rng, conv.sharedWeights);
      const filterBiases = randomArray(rng, g.filters);
      const inputs = g.width * g.height * g.channels;
      const { block, level, params } = blockOf(conv, inputs, conv.ties, Float32Array.from(conv.ties, (t) => kernelValues[t]!), Float32Array.from(conv.biasTies, (f) => filterBiases[f]!));
      const layout = convolutionLayout(block, level, params);
      // Recognised wherever every kernel entry reaches the image somewhere (a kernel wider than
      // a 1-pixel image is not: its entries that never do leave no trace in the edges, and it is
      // written as a matrix); where found, as another kernel that makes the same edges at most.
      if (new Set(conv.ties).size === conv.sharedWeights) {
        everyEntry++;
        expect(layout, JSON.stringify(g)).not.toBeNull();
      }
      if (!layout) continue;
      recognised++;
      const F = layout.output.channels;
      expect(layout.biases).toEqual(Float32Array.from({ length: F }, (_, f) => params[level.biasOffset + f]!));
      for (let probe = 0; probe < 2; probe++) {
        const x = randomArray(rng, inputs);
        const asOnnx = asConv(layout, x).map((v, d) => v + layout.biases![d % F]!);
        const err = relativeError(asOnnx, byEdges(block, params, x).map((v, d) => v + params[level.biasOffset + d]!));
        worst = Math.max(worst, err.relative);
        expect(err.relative, JSON.stringify(g)).toBeLessThanOrEqual(1e-12);
      }
    }
    console.info(`onnx image: ${recognised} of 200 random convolutions recognised (${everyEntry} with every kernel entry on the image); as Conv against their edges, worst relative error ${worst.toExponential(2)} (tolerance 1e-12)`);
    expect(everyEntry).toBeGreaterThan(150);
  });

  it('random convolutions (of 100 drawn, those with every kernel entry on the image) less whole kernel entries (what a split of their level takes): recognised, the entries gone as zeros, computing what their edges do', () => {
    const rng = new Random(23);
    let worst = 0;
    let recognised = 0;
    let thinned = 0;
    for (let trial = 0; trial < 100; trial++) {
      const g = randomGeometry(rng);
      const conv = convolutionConnections(g);
      if (new Set(conv.ties).size !== conv.sharedWeights || conv.sharedWeights < 2) continue;
      // Take away 1 to half of the entries, every position's edge of each.
      const gone = new Set(Array.from(rng.permutation(conv.sharedWeights)).slice(0, 1 + rng.int(Math.floor(conv.sharedWeights / 2))));
      const { rest, ties } = lessEntries(conv, (entry) => gone.has(entry));
      const kernelValues = randomArray(rng, conv.sharedWeights);
      const biases = Float32Array.from(conv.biasTies, (f) => f / 10);
      const inputs = g.width * g.height * g.channels;
      const { block, level, params } = blockOf(rest, inputs, ties, Float32Array.from(ties, (t) => kernelValues[t]!), biases);
      const layout = convolutionLayout(block, { ...level, biasTies: conv.biasTies }, params);
      thinned++;
      if (!layout) continue;
      recognised++;
      const x = randomArray(rng, inputs);
      const err = relativeError(asConv(layout, x), byEdges(block, params, x));
      worst = Math.max(worst, err.relative);
      expect(err.relative, JSON.stringify(g)).toBeLessThanOrEqual(1e-12);
    }
    console.info(`onnx image: ${recognised} of ${thinned} random convolutions less whole kernel entries recognised; as Conv against their edges, worst relative error ${worst.toExponential(2)} (tolerance 1e-12)`);
    expect(recognised).toBeGreaterThan(0.8 * thinned);
  });

  it('a 28×28 image through 5×5 windows with padding 2 (MNIST --conv 5,1,8,2): its 200 weights, its 8 biases', () => {
    const conv = convolutionConnections({ width: 28, height: 28, kernel: 5, padding: 2, filters: 8 });
    const { block, level, params } = blockOf(conv, 784, conv.ties, Float32Array.from(conv.ties, (t) => t / 200), Float32Array.from(conv.biasTies));
    const layout = convolutionLayout(block, level, params)!;
    expect([layout.input, layout.output, layout.kernel, layout.stride, layout.padding]).toEqual([{ height: 28, width: 28, channels: 1 }, { height: 28, width: 28, channels: 8 }, 5, 1, 2]);
    expect(layout.weights).toHaveLength(200);
    expect(Array.from(layout.biases!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // Less the 10 entries a split took (every position's edge of each): the same windows, those weights 0.
    const { rest, ties } = lessEntries(conv, (entry) => entry % 20 === 3);
    const thinned = blockOf(rest, 784, ties, Float32Array.from(ties, (t) => 1 + t), Float32Array.from(conv.biasTies));
    const grown = convolutionLayout(thinned.block, { ...thinned.level, biasTies: conv.biasTies }, thinned.params)!;
    expect([grown.input, grown.output, grown.kernel, grown.stride, grown.padding]).toEqual([layout.input, layout.output, 5, 1, 2]);
    expect(grown.weights.filter((w) => w === 0)).toHaveLength(10);
  });

  it('not a convolution: an edge missing, one weight shared across two kernel entries, one entry split in two, no sharing at all', () => {
    const g = { width: 6, height: 5, channels: 2, kernel: 3, stride: 1, padding: 1, filters: 2 };
    const conv = convolutionConnections(g);
    const inputs = 60;
    const biases = Float32Array.from(conv.biasTies);
    const attempt = (c: LocalConnections, ties: ArrayLike<number> | null) => {
      const { block, level, params } = blockOf(c, inputs, ties, new Float32Array(c.sources.length), biases);
      return convolutionLayout(block, level, params);
    };
    expect(attempt(conv, conv.ties)).not.toBeNull();
    const firstDropped = { ...conv, sources: Array.from(conv.sources).slice(1), destinations: Array.from(conv.destinations).slice(1) };
    expect(attempt(firstDropped, conv.ties.subarray(1))).toBeNull();
    expect(attempt(conv, Uint32Array.from(conv.ties, (t) => (t === 1 ? 0 : t)))).toBeNull();
    const entrySplit = Uint32Array.from(conv.ties, (t, i) => (t === 3 && conv.destinations[i]! % 4 === 0 ? 1000 : t));
    expect(attempt(conv, entrySplit)).toBeNull();
    expect(attempt(localConnections(g), null)).toBeNull();
    // Biases that are not one per filter: still a convolution, its biases added apart.
    const { block, level, params } = blockOf(conv, inputs, conv.ties, new Float32Array(conv.sources.length), Float32Array.from(biases, (b, d) => b + (d === 7 ? 0.5 : 0)));
    expect(convolutionLayout(block, level, params)?.biases).toBeNull();
  });
});

describe('pooling windows recognised over an image', () => {
  it('100 random max and average pools (image shape, channels, kernel, stride, padding): recognised as windows that are the same edges', () => {
    const rng = new Random(22);
    let recognised = 0;
    let wholes = 0;
    for (let trial = 0; trial < 100; trial++) {
      const g = randomGeometry(rng);
      const spec = { width: g.width, height: g.height, channels: g.channels, kernel: g.kernel, stride: g.stride, padding: g.padding };
      const kind = trial % 2 === 0 ? 'max' : 'average';
      const windows = kind === 'max' ? maxPoolConnections(spec) : averagePoolConnections(spec);
      const { block: { topology } } = blockOf(windows, g.width * g.height * g.channels, null, new Float32Array(windows.sources.length), new Float32Array(windows.size));
      const level: Level = { id: 1, size: windows.size, activation: 'identity', role: 'hidden', biasOffset: -1, pool: { kind, source: 0, topology } };
      const layout = poolLayout(level, g.width * g.height * g.channels);
      // Recognised wherever a window lies wholly on the image (else perhaps as other windows that are the same edges).
      const whole = Math.max(...Array.from({ length: topology.dst }, (_, d) => topology.dstPtr[d + 1]! - topology.dstPtr[d]!)) === g.kernel ** 2;
      if (whole) {
        wholes++;
        expect(layout, JSON.stringify(g)).not.toBeNull();
      }
      if (!layout) continue;
      recognised++;
      expect(layout.kind).toBe(kind);
      // The windows it names are the level's, edge for edge.
      const again = maxPoolConnections({ ...layout.input, kernel: layout.kernel, stride: layout.stride, padding: layout.padding });
      const pairs = (c: { sources: ArrayLike<number>; destinations: ArrayLike<number> }) => Array.from(c.sources, (s, i) => `${c.destinations[i]}:${s}`).sort();
      expect(pairs(again)).toEqual(pairs(windows));
    }
    console.info(`onnx image: ${recognised} of 100 random pools recognised as windows over an image (${wholes} with a window wholly on it)`);
    expect(wholes).toBeGreaterThan(60);
  });

  it('not pooling windows over an image: one window with a source more', () => {
    const windows = maxPoolConnections({ width: 4, height: 4, channels: 2, kernel: 2 });
    const extra = { ...windows, sources: [...Array.from(windows.sources), 31], destinations: [...Array.from(windows.destinations), 0] };
    const { block: { topology } } = blockOf(extra, 32, null, new Float32Array(extra.sources.length), new Float32Array(extra.size));
    expect(poolLayout({ id: 1, size: extra.size, activation: 'identity', role: 'hidden', biasOffset: -1, pool: { kind: 'max', source: 0, topology } }, 32)).toBeNull();
  });
});
