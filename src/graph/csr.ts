import { ShapeError } from '../errors.js';

/**
 * The edges of one connection block in the two orders the sparse kernels need:
 * by destination (CSR: forward pass and per-edge gradients) and by source (input gradient).
 * Edge ids are positions in the by-destination order.
 */
export interface CsrBlock {
  readonly dst: number;
  readonly src: number;
  /** dst + 1 offsets into the edge arrays. */
  readonly dstPtr: Uint32Array;
  /** Source neuron of each edge, sorted by source within a destination. */
  readonly srcOf: Uint32Array;
  /** Destination neuron of each edge. */
  readonly dstOf: Uint32Array;
  /** src + 1 offsets into `srcEdges`. */
  readonly srcPtr: Uint32Array;
  /** Edge ids grouped by source (ascending destination within a source). */
  readonly srcEdges: Uint32Array;
}

/** The sources of a block with at least one edge, ascending (read off its by-source offsets). */
export function activeSources(block: Pick<CsrBlock, 'srcPtr' | 'src'>): Uint32Array {
  const active: number[] = [];
  for (let j = 0; j < block.src; j++) if (block.srcPtr[j + 1]! > block.srcPtr[j]!) active.push(j);
  return Uint32Array.from(active);
}

/** `items` stably reordered by `key[item]` ∈ [0, range). */
function countingOrder(items: Uint32Array, key: ArrayLike<number>, range: number): Uint32Array {
  const start = new Uint32Array(range + 1);
  for (let i = 0; i < items.length; i++) start[key[items[i]!]! + 1]!++;
  for (let k = 0; k < range; k++) start[k + 1] = start[k + 1]! + start[k]!;
  const out = new Uint32Array(items.length);
  for (let i = 0; i < items.length; i++) out[start[key[items[i]!]!]!++] = items[i]!;
  return out;
}

/**
 * Build both orders from parallel arrays of edge endpoints. Returns the block and, for
 * each input edge, its edge id (so weights given in input order can be permuted).
 * Duplicate edges and out-of-range endpoints throw a {@link ShapeError}.
 */
export function buildCsr(dst: number, src: number, dstOfInput: ArrayLike<number>, srcOfInput: ArrayLike<number>): { block: CsrBlock; idOf: Uint32Array } {
  const n = dstOfInput.length;
  if (srcOfInput.length !== n) throw new ShapeError(`${n} destinations but ${srcOfInput.length} sources`);
  // One pass checks the endpoints (`(v >>> 0) === v`: a non-negative integer) and whether the
  // edges come in (destination, source) order already.
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const d = dstOfInput[i]!;
    const s = srcOfInput[i]!;
    if (d >>> 0 !== d || d >= dst) throw new ShapeError(`edge ${i}: destination ${d} is not an integer in [0, ${dst})`);
    if (s >>> 0 !== s || s >= src) throw new ShapeError(`edge ${i}: source ${s} is not an integer in [0, ${src})`);
    if (sorted && i > 0) {
      const before = dstOfInput[i - 1]!;
      sorted = d > before || (d === before && s > srcOfInput[i - 1]!);
    }
  }
  if (sorted) {
    // Strictly ascending: no duplicates, the input order is the CSR order.
    const idOf = new Uint32Array(n);
    for (let e = 0; e < n; e++) idOf[e] = e;
    const copy = (a: ArrayLike<number>) => (a instanceof Uint32Array ? a.slice() : Uint32Array.from(a));
    return { block: csrInOrder(dst, src, copy(dstOfInput), copy(srcOfInput)), idOf };
  }
  // Two stable counting sorts (source, then destination): linear in the edges, where a
  // comparison sort made the split of a large layer CPU-bound.
  const identity = new Uint32Array(n);
  for (let i = 0; i < n; i++) identity[i] = i;
  const order = countingOrder(countingOrder(identity, srcOfInput, src), dstOfInput, dst);
  const srcOf = new Uint32Array(n);
  const dstOf = new Uint32Array(n);
  const idOf = new Uint32Array(n);
  for (let e = 0; e < n; e++) {
    const input = order[e]!;
    const d = dstOfInput[input]!;
    const s = srcOfInput[input]!;
    if (e > 0 && dstOf[e - 1] === d && srcOf[e - 1] === s) throw new ShapeError(`duplicate edge ${s} → ${d}`);
    srcOf[e] = s;
    dstOf[e] = d;
    idOf[input] = e;
  }
  return { block: csrInOrder(dst, src, dstOf, srcOf), idOf };
}

/**
 * A block from edges already in CSR order (by destination, then source, no duplicates) with
 * endpoints in range; the arrays are adopted, not copied. Growth lists its edges this way
 * (see growth.ts), and skips both the checks and the copies of {@link buildCsr}: a split of
 * a large layer runs it on ~10⁵ edges, rarely enough that its loops stay unoptimised.
 */
export function csrInOrder(dst: number, src: number, dstOf: Uint32Array, srcOf: Uint32Array): CsrBlock {
  const n = dstOf.length;
  const dstPtr = new Uint32Array(dst + 1);
  const srcPtr = new Uint32Array(src + 1);
  for (let e = 0; e < n; e++) {
    dstPtr[dstOf[e]! + 1]!++;
    srcPtr[srcOf[e]! + 1]!++;
  }
  for (let i = 0; i < dst; i++) dstPtr[i + 1] = dstPtr[i + 1]! + dstPtr[i]!;
  for (let j = 0; j < src; j++) srcPtr[j + 1] = srcPtr[j + 1]! + srcPtr[j]!;
  const fill = srcPtr.slice(0, src);
  const srcEdges = new Uint32Array(n);
  // Edges are visited in destination order, so each source's list is ascending in destination.
  for (let e = 0; e < n; e++) srcEdges[fill[srcOf[e]!]!++] = e;
  return { dst, src, dstPtr, srcOf, dstOf, srcPtr, srcEdges };
}

/** Check that the two orders describe the same edge set; returns a list of problems (empty if none). */
export function csrProblems(b: CsrBlock): string[] {
  const problems: string[] = [];
  const edges = b.srcOf.length;
  if (b.dstPtr[0] !== 0 || b.dstPtr[b.dst] !== edges) problems.push('dstPtr does not span the edges');
  for (let i = 0; i < b.dst; i++) {
    for (let e = b.dstPtr[i]!; e < b.dstPtr[i + 1]!; e++) if (b.dstOf[e] !== i) problems.push(`edge ${e} lists destination ${b.dstOf[e]} under ${i}`);
  }
  if (b.srcPtr[0] !== 0 || b.srcPtr[b.src] !== edges) problems.push('srcPtr does not span the edges');
  const seen = new Uint8Array(edges);
  for (let j = 0; j < b.src; j++) {
    for (let s = b.srcPtr[j]!; s < b.srcPtr[j + 1]!; s++) {
      const e = b.srcEdges[s]!;
      if (b.srcOf[e] !== j) problems.push(`edge ${e} listed under source ${j} but has source ${b.srcOf[e]}`);
      if (seen[e]) problems.push(`edge ${e} listed twice by source`);
      seen[e] = 1;
    }
  }
  if (seen.some((v) => v === 0)) problems.push('an edge is missing from the by-source order');
  return problems;
}

/**
 * 4 where every 4 consecutive destinations (0–3, 4–7, …) have the same sources in the same
 * order, as a locally connected layer's filters at one window position do; else 1. spmm over
 * columns then loads each source's rows once for the four.
 */
export function sharedSourceGroup(block: Pick<CsrBlock, 'dst' | 'dstPtr' | 'srcOf'>): 1 | 4 {
  return sharedInFours(block.dst, block.dstPtr, (at) => block.srcOf[at]!);
}

/**
 * 4 where every 4 consecutive sources (0–3, 4–7, …) have their edges to the same destinations
 * in the same order, as the channels of one pixel feeding a locally connected layer do; else
 * 1. spmm_t over columns then loads each destination's gradient rows once for the four.
 */
export function sharedDestinationGroup(block: Pick<CsrBlock, 'src' | 'srcPtr' | 'srcEdges' | 'dstOf'>): 1 | 4 {
  return sharedInFours(block.src, block.srcPtr, (at) => block.dstOf[block.srcEdges[at]!]!);
}

/** 4 where the `count` neurons' lists (ranges of `ptr`, entries `other(at)`) agree in aligned fours; else 1. */
function sharedInFours(count: number, ptr: Uint32Array, other: (at: number) => number): 1 | 4 {
  if (count < 4 || count % 4 !== 0) return 1;
  for (let n = 0; n < count; n += 4) {
    const first = ptr[n]!;
    const length = ptr[n + 1]! - first;
    for (let g = 1; g < 4; g++) {
      const start = ptr[n + g]!;
      if (ptr[n + g + 1]! - start !== length) return 1;
      for (let k = 0; k < length; k++) if (other(start + k) !== other(first + k)) return 1;
    }
  }
  return 4;
}
