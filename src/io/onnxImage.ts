// Convolutions and pooling windows recognised in a network's edges, for the ONNX export.
//
// senn keeps a convolution as a block of edges whose weights are shared by kernel entry
// (convolutionConnections), and a pooling level as windows of edges (maxPoolConnections):
// nothing in the structure names the image's shape or the kernel. Written as a matrix, a
// convolution over MNIST's pixels is 784 × 6,272 floats (19 MiB) for its 200 weights; written
// as ONNX Conv it is those 200. So the export looks for the image shape, kernel, stride and
// padding whose windows give exactly the block's edges (and, for a convolution, its weight
// sharing, less whole kernel entries a split took), and writes Conv / MaxPool / AveragePool
// where it finds them. The search is over the few shapes whose counts (values, windows,
// edges) fit; each candidate is then checked edge by edge against the connections senn itself
// would build, so a block is only ever written as a convolution when it is one.
import { averagePoolConnections, type ConvolutionConnections, convolutionConnections, type LocalConnections, maxPoolConnections } from '../graph/connections.js';
import { buildCsr, type CsrBlock } from '../graph/csr.js';
import { type Block, blockWeights, type Level } from '../graph/structure.js';
import { convolutionFilters } from '../graph/sharedSplit.js';
import type { PoolKind } from '../kernels/pool.js';

/** An image level's shape: senn lays its values out pixel by pixel (row-major), channels innermost. */
export interface ImageShape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** Square windows over an image: their side, the pixels between them, the zeros around the image. */
export interface ImageWindows {
  readonly input: ImageShape;
  readonly output: ImageShape;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
}

/** A block that is a convolution: its windows, and its weights as ONNX Conv takes them. */
export interface ConvolutionLayout extends ImageWindows {
  /** filters × channels × kernel × kernel (ONNX's OIHW). */
  readonly weights: Float32Array;
  /** One bias per filter where every position of a filter has the same (a convolution's shared biases), else null. */
  readonly biases: Float32Array | null;
}

/** A pooling level over an image: its windows and whether it takes their largest value or their mean. */
export interface PoolLayout extends ImageWindows {
  readonly kind: PoolKind;
}

/** A window layout before it is checked against the edges. */
type Candidate = Omit<ImageWindows, 'output'> & { outWidth: number; outHeight: number };

/** The taps of windows `kernel` wide, `stride` apart, over `side` pixels padded by `padding`, that land on the image, summed over the `windows`. */
function tapsInside(side: number, kernel: number, stride: number, padding: number, windows: number): number {
  let taps = 0;
  for (let o = 0; o < windows; o++) {
    const start = o * stride - padding;
    taps += Math.min(side, start + kernel) - Math.max(0, start);
  }
  return taps;
}

/**
 * Every layout of `kernel`-wide windows over an image of `values` values in `channels`
 * channels that has `positions` windows and (unless null) `taps` in-image taps per channel and
 * filter: the image's width and height (any factors of its pixels), stride and padding.
 */
function* windowLayouts(values: number, channels: number, kernel: number, positions: number, taps: number | null): Generator<Candidate> {
  if (values % channels !== 0) return;
  const pixels = values / channels;
  for (const width of divisors(pixels)) {
    const height = pixels / width;
    for (let padding = 0; padding < kernel; padding++) {
      const spanW = width + 2 * padding - kernel;
      const spanH = height + 2 * padding - kernel;
      if (spanW < 0 || spanH < 0) continue;
      // The windows fall in number as the stride grows: once fewer than wanted, or one, no
      // larger stride gives the count.
      for (let stride = 1; ; stride++) {
        const outWidth = Math.floor(spanW / stride) + 1;
        const outHeight = Math.floor(spanH / stride) + 1;
        if (outWidth * outHeight < positions) break;
        if (outWidth * outHeight === positions && (taps === null || tapsInside(width, kernel, stride, padding, outWidth) * tapsInside(height, kernel, stride, padding, outHeight) === taps)) {
          // One window is the same at every stride beyond the spans: named with the kernel's
          // (as a global pooling is asked for), not the least.
          yield { input: { height, width, channels }, kernel, stride: outWidth * outHeight === 1 ? Math.max(stride, kernel) : stride, padding, outWidth, outHeight };
        }
        if (outWidth * outHeight === 1) break;
      }
    }
  }
}

/** The divisors of n, ascending. */
function divisors(n: number): number[] {
  const low: number[] = [];
  const high: number[] = [];
  for (let d = 1; d * d <= n; d++) {
    if (n % d !== 0) continue;
    low.push(d);
    if (d * d !== n) high.unshift(n / d);
  }
  return [...low, ...high];
}

/**
 * Whether the block's first destination reads from candidate `c`'s first window only: its
 * pixels on the image, all their channels (`someOf`, a convolution's neuron, which may lack
 * whole kernel entries) or exactly the first channel of each (a pool's). A cheap test that
 * turns away most candidates before their edges are built.
 */
function firstWindowHolds(t: CsrBlock, c: Candidate, someOf: boolean): boolean {
  const { width, height, channels } = c.input;
  const read = t.srcOf.subarray(t.dstPtr[0], t.dstPtr[1]);
  let i = 0;
  for (let y = -c.padding; y < c.kernel - c.padding; y++) {
    for (let x = -c.padding; x < c.kernel - c.padding; x++) {
      if (y < 0 || y >= height || x < 0 || x >= width) continue;
      for (let ch = 0; ch < (someOf ? channels : 1); ch++) {
        const source = (y * width + x) * channels + ch;
        if (read[i] === source) i++;
        else if (!someOf) return false;
      }
    }
  }
  return i === read.length;
}

/** The most edges any destination of `t` has. */
function largestInDegree(t: CsrBlock): number {
  let most = 0;
  for (let d = 0; d < t.dst; d++) most = Math.max(most, t.dstPtr[d + 1]! - t.dstPtr[d]!);
  return most;
}

/** Whether a and b hold the same numbers. */
function sameArrays(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Where block `t` has exactly the edges of `connections`: for each of their edges, the block's
 * edge with the same endpoints; else null.
 */
function matchEdges(t: CsrBlock, connections: LocalConnections): Uint32Array | null {
  if (connections.sources.length !== t.srcOf.length || connections.size !== t.dst) return null;
  const { block, idOf } = buildCsr(t.dst, t.src, connections.destinations, connections.sources);
  // Both in CSR order (by destination, sources ascending), where edge ids are positions: the
  // same edges are the same arrays, and idOf names the block's edge of each.
  return sameArrays(block.dstPtr, t.dstPtr) && sameArrays(block.srcOf, t.srcOf) ? idOf : null;
}

/**
 * A block's edges and weight sharing found to be a convolution's: its windows, its filters
 * and, for each kernel entry of `convolutionConnections` (`(filter · kernel² + ky · kernel +
 * kx) · channels + c`), one of the block's edges holding it, or −1 where a split took the
 * entry (every position's edge of it).
 */
export interface ConvolutionWindows extends Omit<ImageWindows, 'output'> {
  readonly output: ImageShape;
  readonly filters: number;
  readonly edgeOfEntry: Int32Array;
}

/**
 * Block `b` (into `level`) as a convolution, where its edges and weight sharing are those of
 * `convolutionConnections` for some image shape, kernel, stride, padding and number of
 * filters, less whole kernel entries (every position's edge of each: what a split of the
 * convolution's level takes away); else null. `params`: the network's flat parameters.
 */
export function convolutionLayout(b: Block, level: Level, params: ArrayLike<number>): ConvolutionLayout | null {
  if (!b.ties || b.topology.srcOf.length === 0) return null;
  // Where the edges fit more than one layout (a tiny image), the first whose biases are one per filter.
  let found: ConvolutionLayout | null = null;
  for (const windows of wholeConvolutions(b)) {
    const layout = layoutOf(b, level, params, windows);
    if (layout.biases) return layout;
    found ??= layout;
  }
  if (found) return found;
  const thinned = thinnedConvolution(b, level);
  return thinned && layoutOf(b, level, params, thinned);
}

/**
 * Block `b` (into `level`) as a convolution's windows, as {@link convolutionLayout} finds them,
 * without its values: the first layout whose edges and sharing are the block's; else null.
 */
export function convolutionWindows(b: Block, level: Level): ConvolutionWindows | null {
  if (!b.ties || b.topology.srcOf.length === 0) return null;
  const whole = wholeConvolutions(b).next();
  return whole.done ? thinnedConvolution(b, level) : whole.value;
}

/** Convolutions with every kernel entry: the counts of entries, windows and edges narrow the search to a few layouts. */
function* wholeConvolutions(b: Block): Generator<ConvolutionWindows> {
  const t = b.topology;
  const shared = new Set(b.ties).size;
  for (const filters of divisors(t.dst)) {
    if (shared % filters !== 0) continue;
    const perFilter = shared / filters; // kernel² · channels
    for (let kernel = 1; kernel * kernel <= perFilter; kernel++) {
      if (perFilter % (kernel * kernel) !== 0) continue;
      const channels = perFilter / (kernel * kernel);
      if (t.srcOf.length % (filters * channels) !== 0) continue;
      for (const c of windowLayouts(t.src, channels, kernel, t.dst / filters, t.srcOf.length / (filters * channels))) {
        const windows = convolutionOf(b, shared, c, filters);
        if (windows) yield windows;
      }
    }
  }
}

/**
 * A convolution some of whose kernel entries are gone: the level's shared biases give the
 * filters, and the kernels tried start at the smallest whose window holds the most edges a
 * neuron has (a few larger, where splits took a window's whole border).
 */
function thinnedConvolution(b: Block, level: Level): ConvolutionWindows | null {
  const t = b.topology;
  const filters = level.biasTies ? convolutionFilters(level.biasTies) : null;
  if (filters === null || level.biasTies!.length !== t.dst) return null;
  const shared = new Set(b.ties).size;
  const most = largestInDegree(t);
  for (const channels of divisors(t.src)) {
    const smallest = Math.ceil(Math.sqrt(most / channels) - 1e-9);
    for (let kernel = Math.max(1, smallest); kernel <= smallest + 4; kernel++) {
      for (const c of windowLayouts(t.src, channels, kernel, t.dst / filters, null)) {
        const windows = convolutionOf(b, shared, c, filters);
        if (windows) return windows;
      }
    }
  }
  return null;
}

/** Block `b` as the convolution of `filters` filters over candidate `c`'s windows, where it is one (whole entries may be missing); else null. */
function convolutionOf(b: Block, shared: number, c: Candidate, filters: number): ConvolutionWindows | null {
  const t = b.topology;
  if (!firstWindowHolds(t, c, true)) return null;
  const connections = convolutionConnections({ ...c.input, kernel: c.kernel, stride: c.stride, padding: c.padding, filters });
  const edgeOfEntry = kernelEntries(t, b.ties!, connections, shared);
  if (!edgeOfEntry) return null;
  return { input: c.input, output: { height: c.outHeight, width: c.outWidth, channels: filters }, kernel: c.kernel, stride: c.stride, padding: c.padding, filters, edgeOfEntry };
}

/** Convolution `windows` of block `b` (into `level`) with its weights as ONNX Conv takes them, and its biases where one per filter. */
function layoutOf(b: Block, level: Level, params: ArrayLike<number>, windows: ConvolutionWindows): ConvolutionLayout {
  const { kernel, filters, edgeOfEntry, input: { channels } } = windows;
  const perEdge = blockWeights(b, params);
  // Entry (f · kernel² + ky · kernel + kx) · channels + ch → OIHW index ((f · channels + ch) · kernel + ky) · kernel + kx;
  // an entry no edge holds is 0.
  const weights = new Float32Array(edgeOfEntry.length);
  const k2 = kernel * kernel;
  for (let entry = 0; entry < weights.length; entry++) {
    if (edgeOfEntry[entry] === -1) continue;
    const ch = entry % channels;
    const tap = Math.floor(entry / channels);
    const f = Math.floor(tap / k2);
    weights[(f * channels + ch) * k2 + (tap % k2)] = perEdge[edgeOfEntry[entry]!]!;
  }
  return { input: windows.input, output: windows.output, kernel, stride: windows.stride, padding: windows.padding, weights, biases: filterBiases(level, filters, params) };
}

/**
 * Where block `t` (shared-weight ids `ties`, `shared` of them) is convolution `connections`
 * less whole kernel entries, with one id per entry it keeps: for each entry, one of the
 * block's edges holding it, or −1 where the block has none of its edges; else null (an edge
 * no window has, an entry kept at some positions only, an entry with two ids, an id on two
 * entries).
 */
function kernelEntries(t: CsrBlock, ties: Uint32Array, connections: ConvolutionConnections, shared: number): Int32Array | null {
  if (connections.size !== t.dst) return null;
  const { block: full, idOf } = buildCsr(t.dst, t.src, connections.destinations, connections.sources);
  const entryOf = new Uint32Array(idOf.length);
  for (let i = 0; i < idOf.length; i++) entryOf[idOf[i]!] = connections.ties[i]!;
  const entries = connections.sharedWeights;
  const kept = new Uint32Array(entries);
  const tieOf = new Float64Array(entries).fill(-1);
  const edgeOfEntry = new Int32Array(entries).fill(-1);
  // Both in CSR order (by destination, sources ascending): each destination's edges are a merge.
  for (let d = 0; d < t.dst; d++) {
    let j = full.dstPtr[d]!;
    const end = full.dstPtr[d + 1]!;
    for (let e = t.dstPtr[d]!; e < t.dstPtr[d + 1]!; e++) {
      while (j < end && full.srcOf[j]! < t.srcOf[e]!) j++;
      if (j === end || full.srcOf[j] !== t.srcOf[e]) return null;
      const entry = entryOf[j++]!;
      kept[entry]!++;
      if (tieOf[entry] === -1) {
        tieOf[entry] = ties[e]!;
        edgeOfEntry[entry] = e;
      } else if (tieOf[entry] !== ties[e]) return null;
    }
  }
  const all = new Uint32Array(entries);
  for (let j = 0; j < entryOf.length; j++) all[entryOf[j]!]!++;
  let keptEntries = 0;
  for (let entry = 0; entry < entries; entry++) {
    if (kept[entry] === 0) continue;
    if (kept[entry] !== all[entry]) return null;
    keptEntries++;
  }
  // As many ids as entries kept, each entry one: no id spans two entries.
  return keptEntries === shared ? edgeOfEntry : null;
}

/** Level `level`'s biases, one per filter, where neuron d's is always filter d mod `filters`'s; else null. */
function filterBiases(level: Level, filters: number, params: ArrayLike<number>): Float32Array | null {
  const bias = (d: number) => params[level.biasOffset + d]!;
  for (let d = filters; d < level.size; d++) if (bias(d) !== bias(d % filters)) return null;
  return Float32Array.from({ length: filters }, (_, f) => bias(f));
}

/**
 * Pooling level `level` (over a level of `sourceSize` values) as square windows over an
 * image, where its windows are exactly those `maxPoolConnections` (or
 * `averagePoolConnections`) would give for some image shape, kernel, stride and padding;
 * else null (also for a level that does not pool).
 */
export function poolLayout(level: Level, sourceSize: number): PoolLayout | null {
  if (!level.pool) return null;
  const { kind, topology: t } = level.pool;
  // The largest window holds kernel² values where one lies wholly on the image (where none
  // does, the level is left to the windows of edges).
  const largest = largestInDegree(t);
  const kernel = Math.round(Math.sqrt(largest));
  if (kernel * kernel !== largest) return null;
  const edges = t.srcOf.length;
  for (const channels of divisors(t.dst)) {
    if (sourceSize % channels !== 0 || edges % channels !== 0) continue;
    for (const c of windowLayouts(sourceSize, channels, kernel, t.dst / channels, edges / channels)) {
      if (!firstWindowHolds(t, c, false)) continue;
      const spec = { ...c.input, kernel, stride: c.stride, padding: c.padding };
      const windows = kind === 'max' ? maxPoolConnections(spec) : averagePoolConnections(spec);
      if (!matchEdges(t, windows)) continue;
      return { kind, input: c.input, output: { height: c.outHeight, width: c.outWidth, channels }, kernel, stride: c.stride, padding: c.padding };
    }
  }
  return null;
}
