import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { convolutionConnections } from '../../src/graph/connections.js';
import type { EdgeRef } from '../../src/graph/growth.js';
import { checkConnections } from '../../src/graph/spec.js';
import { parametersAfterSplit, planLevelSplit, splitWithinBudget } from '../../src/graph/splitPlan.js';
import { Structure } from '../../src/graph/structure.js';

/** Every edge into level `target`, in a random order (a selection's, most significant first). */
function shuffledEdges(s: Structure, target: number, seed: number): EdgeRef[] {
  const all = s.blocksInto(target).flatMap((b) => Array.from({ length: b.topology.srcOf.length }, (_, edge) => ({ block: b.id, edge })));
  const order = new Random(seed).permutation(all.length);
  return Array.from(order, (i) => all[i]!);
}

const after = (s: Structure, target: number, edges: readonly EdgeRef[], options = {}) => planLevelSplit(s, target, edges, { ...options, random: new Random(0) }).structure.parameterCount;

describe('splitWithinBudget', () => {
  it('takes the longest prefix of a selection whose split stays within the budget, for each budget between none and all', () => {
    const s = Structure.chain([12, 9, 5], ['relu', 'identity']);
    for (const options of [{}, { fullyConnected: true }, { exact: true }, { neuronsPerEdge: 3 }]) {
      const selected = shuffledEdges(s, 2, 1).slice(0, 12);
      const counts = selected.map((_, k) => after(s, 2, selected.slice(0, k + 1), options));
      // A split's parameters grow with its edges (what the binary search relies on).
      for (let k = 1; k < counts.length; k++) expect(counts[k]!).toBeGreaterThan(counts[k - 1]!);
      expect(splitWithinBudget(s, 2, selected, options, counts[0]! - 1)).toEqual([]);
      for (const [k, count] of counts.entries()) {
        for (const budget of [count, count + 1]) {
          const fit = splitWithinBudget(s, 2, selected, options, budget);
          const longest = k + (budget < (counts[k + 1] ?? Infinity) ? 1 : 2);
          expect(fit, `${JSON.stringify(options)}, budget ${budget}`).toEqual(selected.slice(0, Math.min(longest, selected.length)));
        }
      }
      // All of it fits: the selection itself, as without a budget.
      expect(splitWithinBudget(s, 2, selected, options, counts.at(-1)!)).toBe(selected);
    }
  });

  it("takes a convolution's shared weights whole, most significant first", () => {
    const conv = convolutionConnections({ width: 4, height: 4, kernel: 2, stride: 2, filters: 2 });
    const sizes = [16, conv.size, 3];
    const s = Structure.chain(sizes, ['relu', 'identity'], undefined, checkConnections({ sizes, connections: [conv] }, [1, 2]));
    const block = s.blocksInto(1)[0]!;
    // Every edge of the block, grouped by shared weight in a random order of weights.
    const weights = [...new Set(block.ties!)];
    const order = new Random(3).permutation(weights.length);
    const selected = Array.from(order, (i) => weights[i]!).flatMap((w) => Array.from(block.ties!.keys()).filter((e) => block.ties![e] === w).map((edge) => ({ block: block.id, edge })));
    const byWeights = (count: number) => selected.filter((r) => Array.from(order.subarray(0, count), (i) => weights[i]).includes(block.ties![r.edge]));
    const counts = weights.map((_, k) => after(s, 1, byWeights(k + 1)));
    for (const [k, count] of counts.entries()) {
      expect(splitWithinBudget(s, 1, selected, {}, count)).toEqual(k + 1 === weights.length ? selected : byWeights(k + 1));
      if (k + 1 < weights.length) expect(splitWithinBudget(s, 1, selected, {}, counts[k + 1]! - 1)).toEqual(byWeights(k + 1));
    }
    expect(splitWithinBudget(s, 1, selected, {}, counts[0]! - 1)).toEqual([]);
    // Shared weights are counted by planning them: the same counts.
    for (const [k, count] of counts.entries()) expect(parametersAfterSplit(s, 1, byWeights(k + 1))).toBe(count);
  });
});

describe('parametersAfterSplit', () => {
  // A first split gives the output level a second source level: selections take edges of both.
  const start = Structure.chain([12, 9, 5], ['relu', 'identity']);
  const s = planLevelSplit(start, 2, shuffledEdges(start, 2, 4).slice(0, 6), { random: new Random(0) }).structure;

  it('counts the parameters of the split planLevelSplit builds, without building it, for every kind of split', () => {
    expect(s.blocksInto(2).map((b) => b.src)).toEqual([1, 3]);
    const random = new Random(5);
    const kinds = [{}, { fullyConnected: true }, { exact: true }, { exact: [3] }, { neuronsPerEdge: 3 }, { neuronsPerEdge: 2, knotSpacing: 0.5, exact: true, fullyConnected: true }];
    for (const options of kinds) {
      for (let trial = 0; trial < 6; trial++) {
        const all = shuffledEdges(s, 2, 10 + trial);
        const edges = all.slice(0, 1 + random.int(all.length));
        expect(parametersAfterSplit(s, 2, edges, options), `${JSON.stringify(options)}, ${edges.length} edges`).toBe(after(s, 2, edges, options));
      }
    }
  });

  it('refuses what planLevelSplit refuses, in its words', () => {
    const edges = shuffledEdges(s, 2, 1).slice(0, 3);
    const refusals: [readonly { block: number; edge: number }[], object, number][] = [
      [[edges[0]!, edges[0]!], {}, 2],
      [[{ block: 0, edge: 0 }], {}, 2],
      [edges, {}, 0],
      [[], {}, 2],
      [edges, { exact: 'yes' }, 2],
      [edges, { neuronsPerEdge: 0 }, 2],
    ];
    for (const [list, options, target] of refusals) {
      let planned: unknown;
      try {
        planLevelSplit(s, target, list, { ...options, random: new Random(0) });
      } catch (error) {
        planned = error;
      }
      expect(planned, JSON.stringify(list)).toBeInstanceOf(Error);
      expect(() => parametersAfterSplit(s, target, list, options)).toThrow(planned as Error);
    }
  });
});
