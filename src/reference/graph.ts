/** CPU reference of a whole graph network (float64) over its flat parameter buffer. */
import { type Block, blockFloats, type Structure, storageIndex } from '../graph/structure.js';
import { activate } from './dense.js';
import { mseRef, softmaxXentRef } from './loss.js';
import { spmmRef } from './sparse.js';

/** A block's weights in edge-id (CSR) order, whatever its storage form. */
export function edgeWeights(b: Block, params: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: b.topology.srcOf.length }, (_, e) => params[b.weightOffset + storageIndex(b, e)]!);
}

/** Activations of every level for `x` (rows × inputs), by level id. */
export function graphForwardRef(s: Structure, params: ArrayLike<number>, x: ArrayLike<number>, rows: number): Map<number, Float64Array> {
  const acts = new Map<number, Float64Array>([[s.input.id, Float64Array.from(x)]]);
  for (const level of s.levels.slice(1)) {
    const z = new Float64Array(rows * level.size);
    for (const b of s.blocksInto(level.id)) {
      const part = spmmRef(b.topology, edgeWeights(b, params), acts.get(b.src)!, rows);
      for (let i = 0; i < z.length; i++) z[i] = z[i]! + part[i]!;
    }
    for (let i = 0; i < z.length; i++) z[i] = activate(level.activation, z[i]! + params[level.biasOffset + (i % level.size)]!);
    acts.set(level.id, z);
  }
  return acts;
}

/** Network outputs (rows × outputs). */
export function graphOutputRef(s: Structure, params: ArrayLike<number>, x: ArrayLike<number>, rows: number): Float64Array {
  return graphForwardRef(s, params, x, rows).get(s.output.id)!;
}

/** Mean loss of the graph network over the rows. */
export function graphLossRef(
  s: Structure,
  params: ArrayLike<number>,
  x: ArrayLike<number>,
  rows: number,
  y: { labels: ArrayLike<number> } | { targets: ArrayLike<number> },
): number {
  const out = graphOutputRef(s, params, x, rows);
  const classes = s.output.size;
  const sum = 'labels' in y ? softmaxXentRef(out, y.labels, rows, classes).lossSum : mseRef(out, y.targets, rows, classes).lossSum;
  return sum / rows;
}

