// Shared values in a checkpoint (version 6): each written once, and a convolution as its windows;
// and (version 7) a pooling level as its image's windows, repeating bias ids as their period.
//
// A convolution is a block of edges whose weights are shared by kernel entry, and the runtime
// keeps one slot per edge: a 5×5 convolution of 8 filters over MNIST's pixels has 200 weights
// in 143,648 slots. Version 5 wrote every slot of the weights, both Adam moments and the birth
// steps, and each edge's endpoints and shared-weight id: 4.4 MB for a network of 15,898
// parameters. Every slot of a shared value holds the same bits (one summed gradient, one
// update: shaders/tie.wgsl), so version 6 writes each shared value once, in ascending order of
// its id, and a block that is a convolution's windows (less whole kernel entries a split took;
// src/io/onnxImage.ts finds them, checked edge by edge) as the windows' shape and one id per
// kernel entry instead of its edges. The reader rebuilds the edges with the same
// `convolutionConnections` that made them. Version 7 does the same for a pooling level (its
// image and windows, as `maxPoolConnections` takes them) and writes a convolution's bias ids,
// one per filter at every position, as the filters' ids once.
import { isRecord } from '../args.js';
import { CheckpointError } from '../errors.js';
import { averagePoolConnections, keptConvolutionConnections, keptConvolutionCounts, maxPoolConnections, poolConnectionCounts } from '../graph/connections.js';
import type { Block, Level, Structure } from '../graph/structure.js';
import type { PoolKind } from '../kernels/pool.js';
import { convolutionWindows, poolLayout } from './onnxImage.js';

/**
 * A block written as a convolution's windows (the graph's `blocks[N].convolution`, format 6):
 * what `convolutionConnections` takes to make its edges. Each kernel entry's shared-weight id
 * (−1 for an entry the block lacks) is the tensor `blocks.N.entries`.
 */
export interface CheckpointConvolution {
  /** The source level's image: its width and height in pixels. */
  width: number;
  height: number;
  /** Values a pixel (channels innermost). */
  channels: number;
  /** Side of the square window each neuron reads. */
  kernel: number;
  /** Pixels between neighbouring windows. */
  stride: number;
  /** Pixels of zeros around the image. */
  padding: number;
  /** Neurons per window position (the convolution's output channels). */
  filters: number;
}

/**
 * A pooling level written as windows over an image (the graph's `levels[N].pool.image`,
 * format 7): what `maxPoolConnections` and `averagePoolConnections` take to make its windows,
 * each channel pooled on its own.
 */
export type CheckpointPoolImage = Omit<CheckpointConvolution, 'filters'>;

/**
 * Version 6's order of per-parameter values against version 5's: `index[k]` is where the k-th
 * value of version 5's order (one per edge and bias) goes in version 6's, where a block's or
 * level's shared values are one value per id, ids ascending; `floats` counts version 6's
 * values. `blocks` and `levels` (by index into the structure's levels; inputs and pools hold
 * none) give where each one's values start in both orders.
 */
export interface SharedValueOrder {
  index: Uint32Array;
  floats: number;
  blocks: { position: number; compact: number }[];
  levels: Map<number, { position: number; compact: number }>;
}

/**
 * {@link SharedValueOrder} of `s`, whose blocks list their values in the order `idOfs` gives
 * (the k-th value is edge `idOf[k]`; null: edge order).
 */
export function sharedValueOrder(s: Structure, idOfs: readonly (Uint32Array | null)[]): SharedValueOrder {
  const index = new Uint32Array(s.valueCount);
  let position = 0;
  let compact = 0;
  // `count` values whose ids (if shared) are `idAt(k)`.
  const place = (count: number, ids: Uint32Array | undefined, idAt: (k: number) => number) => {
    const start = { position, compact };
    if (!ids) {
      for (let k = 0; k < count; k++) index[position++] = compact++;
      return start;
    }
    const rank = new Map([...new Set(ids)].sort((a, b) => a - b).map((id, r) => [id, r]));
    for (let k = 0; k < count; k++) index[position++] = compact + rank.get(ids[idAt(k)]!)!;
    compact += rank.size;
    return start;
  };
  const blocks = s.blocks.map((b, i) => {
    const idOf = idOfs[i];
    return place(b.topology.srcOf.length, b.ties, (k) => (idOf ? idOf[k]! : k));
  });
  const levels = new Map<number, { position: number; compact: number }>();
  s.levels.forEach((l, i) => {
    if (l.role !== 'input' && !l.pool) levels.set(i, place(l.size, l.biasTies, (k) => k));
  });
  return { index, floats: compact, blocks, levels };
}

/**
 * Values of a buffer `layout` (every `stride`-th float from `at`) in version 6's order, where
 * `into[k]` is the slot of version 5's k-th value; null where two slots of one shared value
 * differ (the file then keeps every slot).
 */
export function sharedValues(layout: Float32Array, into: Uint32Array, order: SharedValueOrder, stride = 1, at = 0): Float32Array | null {
  const values = new Float32Array(order.floats);
  const written = new Uint8Array(order.floats);
  for (let k = 0; k < into.length; k++) {
    const c = order.index[k]!;
    const value = layout[stride * into[k]! + at]!;
    if (written[c] && !Object.is(values[c], value)) return null;
    values[c] = value;
    written[c] = 1;
  }
  return values;
}

/**
 * Block `b` (into `level`) as a convolution's windows and each kernel entry's shared-weight
 * id (−1 for an entry the block lacks), where it is one; else null.
 */
export function convolutionFile(b: Block, level: Level): { convolution: CheckpointConvolution; entries: Int32Array } | null {
  const windows = convolutionWindows(b, level);
  if (!windows) return null;
  const { input, kernel, stride, padding, filters, edgeOfEntry } = windows;
  const entries = Int32Array.from(edgeOfEntry, (edge) => (edge === -1 ? -1 : b.ties![edge]!));
  return { convolution: { width: input.width, height: input.height, channels: input.channels, kernel, stride, padding, filters }, entries };
}

/** Pooling level `level` (over `sourceSize` values) as windows over an image, where its windows are exactly some image's; else null. */
export function poolImageFile(level: Level, sourceSize: number): CheckpointPoolImage | null {
  const layout = poolLayout(level, sourceSize);
  if (!layout) return null;
  const { input, kernel, stride, padding } = layout;
  return { width: input.width, height: input.height, channels: input.channels, kernel, stride, padding };
}

/** Whether a graph's `pool.image` field is one: whole numbers, positive but the padding. */
export function isCheckpointPoolImage(c: unknown): c is CheckpointPoolImage {
  return isRecord(c) && isCheckpointConvolution({ ...c, filters: 1 });
}

/**
 * The windows of pooling level `name` written as `image`: its source and destination of each
 * window edge, checked against the levels' sizes and the graph's edge count before any is built.
 */
export function poolImageEdges(name: string, kind: PoolKind, image: CheckpointPoolImage, sizes: { src: number; dst: number; edges: number }): { sources: ArrayLike<number>; destinations: ArrayLike<number> } {
  const { width, height, channels } = image;
  const values = width * height * channels;
  if (values !== sizes.src) throw new CheckpointError(`checkpoint ${name}: windows over a ${width}×${height}×${channels} image read ${values} values; the level it pools has ${sizes.src}`);
  const counts = poolConnectionCounts(image, kind);
  if (counts.size !== sizes.dst) throw new CheckpointError(`checkpoint ${name}: its windows make ${counts.size} neurons; the level has ${sizes.dst}`);
  if (counts.edges !== sizes.edges) throw new CheckpointError(`checkpoint ${name}: its windows hold ${counts.edges} edges; the graph says ${sizes.edges}`);
  return (kind === 'max' ? maxPoolConnections : averagePoolConnections)(image);
}

/**
 * The smallest period of a list of ids: the least p dividing its length with `ids[k] ===
 * ids[k − p]` throughout (a convolution's shared biases, one per filter, channels innermost:
 * the filters' count). Its length where they do not repeat.
 */
export function idPeriod(ids: ArrayLike<number>): number {
  const n = ids.length;
  for (let p = 1; p < n; p++) {
    if (n % p !== 0 || ids[p] !== ids[0]) continue;
    let k = p;
    while (k < n && ids[k] === ids[k - p]) k++;
    if (k === n) return p;
  }
  return n;
}

/** Whether a graph's `convolution` field is one: whole numbers, positive but the padding. */
export function isCheckpointConvolution(c: unknown): c is CheckpointConvolution {
  if (!isRecord(c)) return false;
  const whole = (v: unknown, min: number) => Number.isSafeInteger(v) && (v as number) >= min;
  return ['width', 'height', 'channels', 'kernel', 'stride', 'filters'].every((key) => whole(c[key], 1)) && whole(c.padding, 0);
}

/** Values of an image of `c`'s shape, and how many kernel entries (ids in `blocks.N.entries`) its convolution has. */
export function convolutionCounts(c: CheckpointConvolution): { values: number; entries: number } {
  return { values: c.width * c.height * c.channels, entries: c.filters * c.kernel * c.kernel * c.channels };
}

/**
 * The edges of block `name` written as convolution `c` with kernel entry ids `entries`: the
 * windows' edges less those of the entries with id −1, with each edge's shared-weight id.
 * Checked against the levels' sizes and the graph's edge count.
 */
export function convolutionEdges(
  name: string,
  c: CheckpointConvolution,
  entries: ArrayLike<number>,
  sizes: { src: number; dst: number; edges: number },
): { sources: ArrayLike<number>; destinations: ArrayLike<number>; ties: Uint32Array } {
  const { values } = convolutionCounts(c);
  if (values !== sizes.src) throw new CheckpointError(`checkpoint ${name}: a convolution over a ${c.width}×${c.height}×${c.channels} image reads ${values} values; its source level has ${sizes.src}`);
  for (let entry = 0; entry < entries.length; entry++) {
    if (!(entries[entry]! >= -1)) throw new CheckpointError(`checkpoint ${name}: kernel entry ${entry} has id ${entries[entry]}, neither a shared-weight id nor −1 (no edges)`);
  }
  // Counted before any edge is built, so a corrupt header cannot make the reader build more edges than the graph counts.
  const keep = (entry: number) => entries[entry]! >= 0;
  const counts = keptConvolutionCounts(c, keep);
  if (counts.size !== sizes.dst) throw new CheckpointError(`checkpoint ${name}: its convolution makes ${counts.size} neurons; its destination level has ${sizes.dst}`);
  if (counts.edges !== sizes.edges) throw new CheckpointError(`checkpoint ${name}: its convolution's kernel entries hold ${counts.edges} edges; the graph says ${sizes.edges}`);
  const kept = keptConvolutionConnections(c, keep);
  const { sources, destinations } = kept;
  const ties = Uint32Array.from(kept.ties, (entry) => entries[entry]!);
  return { sources, destinations, ties };
}
