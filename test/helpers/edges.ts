import type { Dataset } from '../../src/data/dataset.js';
import type { Random } from '../../src/data/random.js';
import type { Network } from '../../src/graph/network.js';
import { parameterSlots, type Structure } from '../../src/graph/structure.js';
import { graphLossRef } from '../../src/reference/graph.js';
import { centralDifferences } from './finiteDifference.js';

/** A random set of `count` distinct edges in a dst × src block, as parallel endpoint arrays. */
export function randomEdges(rng: Random, dst: number, src: number, count: number): { d: number[]; s: number[] } {
  const chosen = rng.permutation(dst * src).subarray(0, count);
  return { d: Array.from(chosen, (k) => Math.floor(k / src)), s: Array.from(chosen, (k) => k % src) };
}

/** Each edge of `c` as "source→destination", sorted. */
export const edgePairs = (c: { sources: ArrayLike<number>; destinations: ArrayLike<number> }): string[] => Array.from(c.sources, (s, k) => `${s}→${c.destinations[k]}`).sort();

/**
 * A network's free values as slots of its parameter buffer: each shared value's slots (its
 * first slot in `first`), then each unshared value's one slot.
 */
export function freeValues(s: Structure): { first: number[]; slotsOf: number[][] } {
  const groups = s.tieGroups;
  const slotsOf: number[][] = [];
  const grouped = new Set(groups?.members ?? []);
  for (let g = 0; g < (groups?.count ?? 0); g++) slotsOf.push(Array.from(groups!.members.subarray(groups!.start[g], groups!.start[g + 1])));
  const slots = parameterSlots(s);
  for (let i = 0; i < slots.length; i++) if (slots[i] && !grouped.has(i)) slotsOf.push([i]);
  return { first: slotsOf.map((list) => list[0]!), slotsOf };
}

/**
 * A classifier's gradients over its free values (see {@link freeValues}) for `batch`, beside
 * central differences of the CPU reference's loss that move every slot of a value together.
 */
export async function freeValueGradients(net: Network, batch: Dataset): Promise<{ got: number[]; fd: Float64Array; grads: Float32Array } & ReturnType<typeof freeValues>> {
  const s = net.structure;
  const params = await net.getParameters();
  const grads = await net.parameterGradients(batch);
  const values = freeValues(s);
  const fd = centralDifferences((v) => {
    const p = Float64Array.from(params);
    values.slotsOf.forEach((list, k) => list.forEach((slot) => (p[slot] = v[k]!)));
    return graphLossRef(s, p, batch.x, batch.rows, { labels: batch.labels! });
  }, values.first.map((i) => params[i]!));
  return { got: values.first.map((i) => grads[i]!), fd, grads, ...values };
}

/** A random convolution's geometry: images 1–9 pixels a side, 1–3 channels, kernels that fit. */
export function randomGeometry(rng: Random) {
  for (;;) {
    const width = 1 + rng.int(9);
    const height = 1 + rng.int(9);
    const kernel = 1 + rng.int(4);
    const padding = rng.int(kernel);
    if (width + 2 * padding < kernel || height + 2 * padding < kernel) continue;
    return { width, height, channels: 1 + rng.int(3), kernel, stride: 1 + rng.int(3), padding, filters: 1 + rng.int(4) };
  }
}
