import { ConfigError, ShapeError } from '../errors.js';
import { assemble, checkRefs, type EdgeRef, keptEdges, NEW_VALUE, PendingBlock, splitEpsilon, type SplitOptions, type SplitStep } from './growth.js';
import { type Block, type Level, type LevelSpec, levelSpec, type Structure, storageIndex } from './structure.js';

// Splitting shared weights: the edge split of ALGORITHM.md for a level fed by a convolution,
// done so that the new level shares its weights across positions as the convolution does.

/**
 * Filters of a level a convolution feeds: its neurons are positions × filters, filters
 * innermost, each filter's bias shared (`biasTies[d] = d mod filters`, as
 * `convolutionConnections` gives them). A ConfigError for a level without that layout.
 */
export function filtersOf(level: Level): number {
  const filters = level.biasTies ? convolutionFilters(level.biasTies) : null;
  if (filters === null) {
    throw new ConfigError(`level ${level.id} is fed by shared weights but its neurons are not positions × filters with a shared bias each (a convolution's layout), so its shared weights cannot be split`);
  }
  return filters;
}

/** The filters of a convolution's shared biases (`biasTies[d] = d mod filters`), or null for another pattern. */
export function convolutionFilters(biasTies: ArrayLike<number>): number | null {
  const filters = new Set(Array.from(biasTies)).size;
  for (let d = 0; d < biasTies.length; d++) if (biasTies[d] !== d % filters) return null;
  return biasTies.length % filters === 0 ? filters : null;
}

/** What a split of shared weights produced, beyond {@link SplitStep}. */
export interface SharedSplitStep extends SplitStep {
  /** The shared weights split (each with all of its edges). */
  sharedWeights: number;
}

/** One shared weight being split: where its edges are, by the position of their destination. */
interface SplitWeight {
  block: Block;
  /** Its old value's float index (every copy holds the same value). */
  slot: number;
  filter: number;
  /** Source neuron of its edge at each position it has one. */
  sourceAt: Map<number, number>;
  /** Index of its parent class (splits whose edges come from the same neurons at every position). */
  parent: number;
}

/**
 * Split the shared weights of level `target` whose edges `selected` lists (whole groups: every
 * edge of each weight, or a ShapeError). Each split weight w (filter f, reading source
 * s_p at position p) becomes, at every position p where it has an edge, a new ReLU neuron
 * h = relu(1 · s_p) with out-weight w to filter f at p and ε to the other filters at p, and
 * ε in-weights from the other split weights' sources at p. Every one of these weights, and
 * the new neurons' biases, is shared across positions (one value per split and filter, per
 * split and parent, per split), so the new level is itself a convolution (a 1×1 one out of it)
 * and the function is kept up to the ε terms where the sources are non-negative. The split
 * weights' edges are removed.
 */
export function planSharedSplit(s: Structure, target: number, selected: readonly EdgeRef[], options: SplitOptions): SharedSplitStep {
  const targetLevel = s.level(target);
  if (selected.length === 0) throw new ShapeError('no edges selected to split');
  if (options.fullyConnected || options.exact === true || (options.neuronsPerEdge ?? 1) !== 1) {
    throw new ConfigError('a split of shared weights takes none of fullyConnected, exact and neuronsPerEdge');
  }
  const removed = checkRefs(s, selected, 'split');
  // `exact` as a list of signed levels: none may be a split weight's source.
  const signed = Array.isArray(options.exact) ? new Set(options.exact) : new Set<number>();
  const signedSource = selected.find((r) => signed.has(s.blocks[r.block]!.src));
  if (signedSource) throw new ConfigError(`a split of shared weights keeps the function only for non-negative sources, and level ${s.blocks[signedSource.block]!.src} is listed as signed (exact)`);
  const filters = filtersOf(targetLevel);
  const epsilon = splitEpsilon(options.epsilon);
  const random = options.random;

  // Each shared block's edges by shared weight, made once (a split may take hundreds of weights).
  const byTie = new Map<Block, Map<number, number[]>>();
  const edgesOf = (b: Block) => {
    let index = byTie.get(b);
    if (!index) {
      byTie.set(b, (index = new Map()));
      b.ties!.forEach((tie, e) => (index!.get(tie) ?? index!.set(tie, []).get(tie)!).push(e));
    }
    return index;
  };
  // The split weights, in the order their first edges are listed.
  const splits: SplitWeight[] = [];
  const seen = new Set<string>();
  for (const r of selected) {
    const b = s.blocks[r.block]!;
    if (b.dst !== target) throw new ShapeError(`split: block ${r.block} does not feed level ${target}`);
    if (!b.ties) throw new ShapeError(`split: block ${r.block} (${b.src} → ${b.dst}) does not share its weights, but level ${target} is split as a convolution`);
    const tie = b.ties[r.edge]!;
    const key = `${b.id}:${tie}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const t = b.topology;
    const sourceAt = new Map<number, number>();
    let filter = -1;
    for (const e of edgesOf(b).get(tie)!) {
      const d = t.dstOf[e]!;
      const position = Math.floor(d / filters);
      if (filter === -1) filter = d % filters;
      if (d % filters !== filter || sourceAt.has(position)) throw new ShapeError(`split: shared weight ${tie} of block ${b.id} is not one filter's weight with one edge a position`);
      sourceAt.set(position, t.srcOf[e]!);
    }
    splits.push({ block: b, slot: b.weightOffset + storageIndex(b, r.edge), filter, sourceAt, parent: -1 });
  }
  // Parents: split weights reading the same neurons at every position share one.
  const parentKeys = new Map<string, number>();
  for (const w of splits) {
    const key = `${w.block.src}|${[...w.sourceAt].sort((a, b) => a[0] - b[0]).join(';')}`;
    if (!parentKeys.has(key)) parentKeys.set(key, parentKeys.size);
    w.parent = parentKeys.get(key)!;
  }
  const parents = parentKeys.size;
  const parentLevel = new Map(splits.map((w) => [w.parent, w.block.src]));
  const parentSplit = new Map<number, SplitWeight>();
  for (const w of splits) if (!parentSplit.has(w.parent)) parentSplit.set(w.parent, w);

  // The new neurons: split by split, position by position (ascending).
  const neuronSplit: number[] = [];
  const neuronPosition: number[] = [];
  splits.forEach((w, k) => {
    for (const position of [...w.sourceAt.keys()].sort((a, b) => a - b)) (neuronSplit.push(k), neuronPosition.push(position));
  });
  const size = neuronSplit.length;
  const newId = s.nextLevelId;
  const levels: LevelSpec[] = [];
  for (const l of s.levels) {
    if (l.id === target) levels.push({ id: newId, size, activation: 'relu', role: 'hidden', biasTies: Uint32Array.from(neuronSplit) });
    levels.push(levelSpec(l));
  }

  // One ε a shared value: edges of one tie take the same draw.
  const draws = new Map<number, number>();
  const shared = (tie: number) => {
    let v = draws.get(tie);
    if (v === undefined) draws.set(tie, (v = random.uniform(0, epsilon)));
    return v;
  };

  // Into the new level, one block per parent level: from each parent's neuron at the neuron's
  // position, 1 from its own (tie: split × parents + parent), ε from the others'.
  const inBlocks: PendingBlock[] = [];
  for (const src of new Set(parentLevel.values())) {
    const fromHere = [...parentSplit.keys()].filter((p) => parentLevel.get(p) === src);
    const p = new PendingBlock(src, newId, size * fromHere.length);
    p.ties = new Uint32Array(size * fromHere.length);
    draws.clear();
    for (let h = 0; h < size; h++) {
      const own = splits[neuronSplit[h]!]!;
      const edges = fromHere
        .map((parent) => ({ parent, source: parentSplit.get(parent)!.sourceAt.get(neuronPosition[h]!) }))
        .filter((x): x is { parent: number; source: number } => x.source !== undefined)
        .sort((a, b) => a.source - b.source);
      edges.forEach((x, i) => {
        if (i > 0 && edges[i - 1]!.source === x.source) throw new ShapeError(`split: two shared weights read neuron ${x.source} at one position but not at all: their new neurons' in-edges would repeat`);
      });
      for (const { parent, source } of edges) {
        const n = p.length++;
        const tie = neuronSplit[h]! * parents + parent;
        p.d[n] = h;
        p.s[n] = source;
        p.from[n] = NEW_VALUE;
        p.ties[n] = tie;
        const isOwn = parent === own.parent;
        p.fill[n] = isOwn ? 1 : shared(tie);
        p.epsilon[n] = isOwn ? 0 : 1;
      }
    }
    inBlocks.push(p);
  }

  // Out of it, to every filter at the neuron's position: the split weight's value to its own
  // filter, ε to the others (tie: split × filters + filter). CSR order: by destination.
  const out = new PendingBlock(newId, target, size * filters);
  out.ties = new Uint32Array(size * filters);
  draws.clear();
  const byDestination = Array.from({ length: size * filters }, (_, k) => k).sort((x, y) => {
    const [hx, hy] = [Math.floor(x / filters), Math.floor(y / filters)];
    return neuronPosition[hx]! * filters + (x % filters) - (neuronPosition[hy]! * filters + (y % filters)) || hx - hy;
  });
  for (const k of byDestination) {
    const h = Math.floor(k / filters);
    const f = k % filters;
    const w = splits[neuronSplit[h]!]!;
    const n = out.length++;
    const tie = neuronSplit[h]! * filters + f;
    out.d[n] = neuronPosition[h]! * filters + f;
    out.s[n] = h;
    out.ties[n] = tie;
    const isOwn = f === w.filter;
    out.from[n] = isOwn ? w.slot : NEW_VALUE;
    out.fill[n] = isOwn ? 0 : shared(tie);
    out.epsilon[n] = isOwn ? 0 : 1;
  }
  return Object.assign(assemble(s, levels, [...keptEdges(s, removed), ...inBlocks, out]), { level: newId, sharedWeights: splits.length });
}
