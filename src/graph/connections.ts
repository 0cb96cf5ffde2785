import { checkSeed, Random } from '../data/random.js';
import { objectArg, positiveInteger, describe } from '../args.js';
import { ConfigError } from '../errors.js';
import type { PoolKind } from '../kernels/pool.js';
import type { Connections } from './networkTypes.js';
import type { planSharedSplit } from './sharedSplit.js';

// Edge lists for a network's starting blocks (NetworkSpec.connections): sparse starts that
// expansion then grows like any other block.

/** An image level's shape and the windows a locally connected layer reads from it. */
export interface LocalConnectionsSpec {
  /** The input image's width and height in pixels. */
  width: number;
  height: number;
  /** Values a pixel (default 1); the level holds `height × width × channels` neurons, pixel by pixel (row-major), channels innermost: MNIST's 784 pixels as they come. */
  channels?: number;
  /** Side of the square window each output neuron reads. */
  kernel: number;
  /** Pixels between neighbouring windows (default 1). */
  stride?: number;
  /** Pixels of zeros around the image (default 0); windows then reach past its edges, where they have no edges. */
  padding?: number;
  /** Neurons per window position (a convolution's output channels, each with weights of its own). */
  filters: number;
}

/** A locally connected layer's edges and the shape of the level it feeds. */
export interface LocalConnections extends Connections {
  /** Neurons of the output level: `outHeight × outWidth × filters`, laid out as the input (position-major, filters innermost). */
  size: number;
  outWidth: number;
  outHeight: number;
}

/** Convolution connections: a locally connected layer whose windows share their weights. */
export interface ConvolutionConnections extends LocalConnections {
  /** Each edge's kernel entry, `(filter · kernel² + ky · kernel + kx) · channels + c`: its shared weight. */
  ties: Uint32Array;
  /** Each neuron's filter: its shared bias. */
  biasTies: Uint32Array;
  /** Distinct weights, `filters · kernel² · channels`. */
  sharedWeights: number;
}

/**
 * The most edges one block of connections may have: 2²⁸, a gibibyte of weights. Refused
 * before any list is built, so a stray size is an error and not a process out of memory.
 */
export const MAX_BLOCK_EDGES = 2 ** 28;

/** A ConfigError unless `edges` fits {@link MAX_BLOCK_EDGES}; `name` prefixes it. */
function checkEdgeCount(name: string, edges: number): void {
  if (edges > MAX_BLOCK_EDGES) throw new ConfigError(`${name}: ${edges} edges, more than a block may have (${MAX_BLOCK_EDGES})`);
}

/** A window layout's numbers, checked: what {@link windowEdges} builds from. */
function windowGeometry(spec: LocalConnectionsSpec, name: string) {
  objectArg(`${name}: its argument`, spec);
  const whole = (what: string, value: number): number => positiveInteger(`${name}: ${what}`, value);
  const width = whole('width', spec.width);
  const height = whole('height', spec.height);
  const channels = whole('channels', spec.channels ?? 1);
  const kernel = whole('kernel', spec.kernel);
  const stride = whole('stride', spec.stride ?? 1);
  const filters = whole('filters', spec.filters);
  const padding = spec.padding ?? 0;
  if (!Number.isInteger(padding) || padding < 0 || padding >= kernel) {
    throw new ConfigError(`${name}: padding must be an integer in [0, kernel), got ${describe(padding)}`);
  }
  const outWidth = Math.floor((width + 2 * padding - kernel) / stride) + 1;
  const outHeight = Math.floor((height + 2 * padding - kernel) / stride) + 1;
  if (outWidth < 1 || outHeight < 1) throw new ConfigError(`${name}: a ${kernel}×${kernel} window does not fit a ${width}×${height} image with padding ${padding}`);
  // At most this many edges (windows at the image's edges lose their padded pixels): refused
  // before anything is counted or built, so a stray size is an error, not a long loop.
  checkEdgeCount(name, outWidth * outHeight * filters * kernel * kernel * channels);
  // For each kernel column (row) k, the window positions o that have it on the image: 0 ≤ o · stride + k − padding < side.
  const onImage = (side: number, windows: number) =>
    Array.from({ length: kernel }, (_, k) => Math.max(0, Math.min(windows - 1, Math.floor((side - 1 + padding - k) / stride)) - Math.max(0, Math.ceil((padding - k) / stride)) + 1));
  return { width, height, channels, kernel, stride, padding, filters, outWidth, outHeight, columns: onImage(width, outWidth), rows: onImage(height, outHeight) };
}

type WindowGeometry = ReturnType<typeof windowGeometry>;

/** How many edges the windows of `g` have, less every edge of the kernel entries `keep` rejects. */
function windowEdgeCount(g: WindowGeometry, keep?: (entry: number) => boolean): number {
  let edges = 0;
  for (let f = 0; f < g.filters; f++) {
    for (let ky = 0; ky < g.kernel; ky++) {
      for (let kx = 0; kx < g.kernel; kx++) {
        for (let c = 0; c < g.channels; c++) if (!keep || keep((f * g.kernel * g.kernel + ky * g.kernel + kx) * g.channels + c)) edges += g.rows[ky]! * g.columns[kx]!;
      }
    }
  }
  return edges;
}

/** Every window's edges of `g` (less those of the entries `keep` rejects), with each edge's kernel entry; `name` prefixes the errors. */
function windowEdges(g: WindowGeometry, name: string, keep?: (entry: number) => boolean): ConvolutionConnections {
  const { width, height, channels, kernel, stride, padding, filters, outWidth, outHeight } = g;
  // Counted first, so that a block of millions of edges is built in arrays of its size (at most the most windowGeometry allowed).
  const edges = windowEdgeCount(g, keep);
  const sources = new Uint32Array(edges);
  const destinations = new Uint32Array(edges);
  const ties = new Uint32Array(edges);
  let e = 0;
  for (let oy = 0; oy < outHeight; oy++) {
    for (let ox = 0; ox < outWidth; ox++) {
      for (let f = 0; f < filters; f++) {
        const neuron = (oy * outWidth + ox) * filters + f;
        for (let ky = 0; ky < kernel; ky++) {
          const y = oy * stride + ky - padding;
          if (y < 0 || y >= height) continue;
          for (let kx = 0; kx < kernel; kx++) {
            const x = ox * stride + kx - padding;
            if (x < 0 || x >= width) continue;
            for (let c = 0; c < channels; c++) {
              const entry = (f * kernel * kernel + ky * kernel + kx) * channels + c;
              if (keep && !keep(entry)) continue;
              sources[e] = (y * width + x) * channels + c;
              destinations[e] = neuron;
              ties[e++] = entry;
            }
          }
        }
      }
    }
  }
  // The count and the walk are two readings of one geometry: they must agree.
  if (e !== edges) throw new Error(`${name}: internal error, ${e} window edges built where ${edges} were counted`);
  const size = outHeight * outWidth * filters;
  return {
    sources,
    destinations,
    size,
    outWidth,
    outHeight,
    ties,
    biasTies: Uint32Array.from({ length: size }, (_, d) => d % filters),
    sharedWeights: filters * kernel * kernel * channels,
  };
}

/**
 * The neurons and edges of {@link convolutionConnections} less every edge of the kernel
 * entries `keep` rejects (what splits of the convolution's level leave of it), counted without
 * building any: a checkpoint's reader checks them against its graph before it builds them.
 */
export function keptConvolutionCounts(spec: LocalConnectionsSpec, keep: (entry: number) => boolean): { size: number; edges: number } {
  const g = windowGeometry(spec, 'convolutionConnections');
  return { size: g.outWidth * g.outHeight * g.filters, edges: windowEdgeCount(g, keep) };
}

/** {@link convolutionConnections} less every edge of the kernel entries `keep` rejects (see {@link keptConvolutionCounts}). */
export function keptConvolutionConnections(spec: LocalConnectionsSpec, keep: (entry: number) => boolean): ConvolutionConnections {
  return windowEdges(windowGeometry(spec, 'convolutionConnections'), 'convolutionConnections', keep);
}

/**
 * The edges of a locally connected layer: a convolution without weight sharing. Each of
 * `filters` neurons at each window position connects to every pixel and channel of its
 * `kernel × kernel` window, with weights of its own; expansion may then split any of them.
 */
export function localConnections(spec: LocalConnectionsSpec): LocalConnections {
  const { sources, destinations, size, outWidth, outHeight } = windowEdges(windowGeometry(spec, 'localConnections'), 'localConnections');
  return { sources, destinations, size, outWidth, outHeight };
}

/**
 * A convolution's edges: {@link localConnections}' windows, each filter's weights (and bias)
 * shared by every window position (`ties`, `biasTies`). The layer has
 * `filters · kernel² · channels` weights and `filters` biases however large the image; the
 * runtime trains each shared value by the sum of its edges' gradients. Its edges are not
 * split or pruned one edge at a time: where the level it feeds is expandable, a split takes a
 * shared weight whole and makes a new level that shares its weights by position as well
 * ({@link planSharedSplit}).
 */
export function convolutionConnections(spec: LocalConnectionsSpec): ConvolutionConnections {
  return windowEdges(windowGeometry(spec, 'convolutionConnections'), 'convolutionConnections');
}

/** An image level's shape and the windows a pooling level takes from it. */
export interface PoolConnectionsSpec {
  /** The input image's width and height in pixels. */
  width: number;
  height: number;
  /** Values a pixel (default 1): each channel is pooled on its own. Neurons pixel by pixel, channels innermost, as {@link LocalConnectionsSpec}. */
  channels?: number;
  /** Side of the square window (default 2). */
  kernel?: number;
  /** Pixels between neighbouring windows (default: the kernel, windows that do not overlap). */
  stride?: number;
  /** Pixels around the image that windows may reach past its edges (default 0); such a window takes the largest of the pixels it covers. */
  padding?: number;
}

/** A pooling level's windows and its shape (see {@link Connections.pool}). */
export interface PoolConnections extends LocalConnections {
  pool: PoolKind;
}

/**
 * Max pooling's windows over an image level: each channel of each `kernel × kernel` window
 * (by default 2×2, stride 2) is one neuron of the level fed, which takes the largest of the
 * window's values (no weights, no bias; the level's activation applies to it). An entry of
 * `NetworkSpec.connections`; the level it feeds is laid out as its input, `outHeight ×
 * outWidth × channels`, so convolutions and pooling stack.
 */
export function maxPoolConnections(spec: PoolConnectionsSpec): PoolConnections {
  return poolWindows(spec, 'max', 'maxPoolConnections');
}

/**
 * Average pooling's windows: {@link maxPoolConnections}' windows, each neuron taking the mean
 * of its window's values (a window cut by the image's edge, the mean of the pixels it covers).
 */
export function averagePoolConnections(spec: PoolConnectionsSpec): PoolConnections {
  return poolWindows(spec, 'average', 'averagePoolConnections');
}

/** One channel's windows of a pooling level (a one-filter convolution's over one channel), and the channels; `name` prefixes the errors. */
function poolGeometry(spec: PoolConnectionsSpec, name: string): { one: WindowGeometry; channels: number } {
  objectArg(`${name}: its argument`, spec);
  const kernel = spec.kernel ?? 2;
  const channels = spec.channels ?? 1;
  const one = windowGeometry({ width: spec.width, height: spec.height, channels: 1, kernel, stride: spec.stride ?? kernel, padding: spec.padding ?? 0, filters: 1 }, name);
  positiveInteger(`${name}: channels`, channels);
  return { one, channels };
}

/**
 * The neurons and window edges {@link maxPoolConnections} (or {@link averagePoolConnections})
 * makes of `spec`, counted without building any: a checkpoint's reader checks them against its
 * graph before it builds them.
 */
export function poolConnectionCounts(spec: PoolConnectionsSpec, pool: PoolKind): { size: number; edges: number } {
  const { one, channels } = poolGeometry(spec, pool === 'max' ? 'maxPoolConnections' : 'averagePoolConnections');
  return { size: one.outWidth * one.outHeight * channels, edges: windowEdgeCount(one) * channels };
}

/** Each channel of each window as one neuron's sources; `name` prefixes the errors. */
function poolWindows(spec: PoolConnectionsSpec, pool: PoolKind, name: string): PoolConnections {
  // One "filter" a channel, reading only its own channel of the window.
  const { one, channels } = poolGeometry(spec, name);
  const windows = windowEdges(one, name);
  const edges = windows.sources.length;
  checkEdgeCount(name, edges * channels);
  const sources = new Uint32Array(edges * channels);
  const destinations = new Uint32Array(edges * channels);
  for (let e = 0; e < edges; e++) {
    for (let c = 0; c < channels; c++) {
      sources[e * channels + c] = windows.sources[e]! * channels + c;
      destinations[e * channels + c] = windows.destinations[e]! * channels + c;
    }
  }
  const { outWidth, outHeight } = windows;
  return { sources, destinations, size: outWidth * outHeight * channels, outWidth, outHeight, pool };
}

/**
 * Each of the `inputs × outputs` possible edges of a block with probability `density`, drawn
 * with `seed`; an output neuron that drew none gets one edge from a source drawn uniformly,
 * so none starts cut off from its inputs.
 */
export function randomConnections(inputs: number, outputs: number, density: number, seed = 0): Connections {
  if (!Number.isInteger(inputs) || inputs < 1 || !Number.isInteger(outputs) || outputs < 1) {
    throw new ConfigError(`randomConnections: inputs and outputs must be positive integers, got ${describe(inputs)} and ${describe(outputs)}`);
  }
  if (!(typeof density === 'number' && density > 0 && density <= 1)) throw new ConfigError(`randomConnections: density must be in (0, 1], got ${describe(density)}`);
  // Every possible edge is drawn: the whole block must fit, not only the edges expected.
  checkEdgeCount('randomConnections', inputs * outputs);
  const random = new Random(checkSeed('randomConnections: seed', seed));
  const sources: number[] = [];
  const destinations: number[] = [];
  for (let d = 0; d < outputs; d++) {
    const before = sources.length;
    for (let s = 0; s < inputs; s++) if (random.next() < density) (sources.push(s), destinations.push(d));
    if (sources.length === before) (sources.push(Math.floor(random.next() * inputs)), destinations.push(d));
  }
  return { sources: Uint32Array.from(sources), destinations: Uint32Array.from(destinations) };
}
