// A split planned on the CPU without touching the network: the planner a level takes (shared
// weights split as shared weights), and how much of a selection a parameter budget allows.
import { Random } from '../data/random.js';
import { type EdgeRef, planSplit, type SplitOptions, type SplitStep, splitParameterCount } from './growth.js';
import { weightKey } from './selection.js';
import { planSharedSplit } from './sharedSplit.js';
import type { Structure } from './structure.js';

/** The split of `edges` into level `target` as `splitEdges` makes it: a level that shared weights (a convolution's) feed splits them as shared weights. */
export function planLevelSplit(s: Structure, target: number, edges: readonly EdgeRef[], options: SplitOptions): SplitStep & { sharedWeights?: number } {
  return s.blocksInto(target).some((b) => b.ties) ? planSharedSplit(s, target, edges, options) : planSplit(s, target, edges, options);
}

/**
 * The parameters the network would have after {@link planLevelSplit}(s, target, edges, options),
 * checked as that checks it: counted without building the split where the level's weights are
 * its own, planned in full (ε from a generator of its own) where they are shared.
 */
export function parametersAfterSplit(s: Structure, target: number, edges: readonly EdgeRef[], options: Omit<SplitOptions, 'random'> = {}): number {
  if (!s.blocksInto(target).some((b) => b.ties)) return splitParameterCount(s, target, edges, options);
  return planSharedSplit(s, target, edges, { ...options, random: new Random(0) }).structure.parameterCount;
}

/**
 * The most significant part of `edges` (most significant first) whose split into `target`
 * leaves the network at most `maxParameters` parameters: `edges` itself where all of it fits,
 * else its first edges (a shared weight's edges taken whole), in their order; none where not
 * one fits. A split's parameters grow with its edges, so a binary search over the prefixes
 * finds the longest, each counted by {@link parametersAfterSplit} (the network's ε draws stay
 * those of a run without a budget).
 */
export function splitWithinBudget(s: Structure, target: number, edges: readonly EdgeRef[], options: Omit<SplitOptions, 'random'>, maxParameters: number): readonly EdgeRef[] {
  // A shared weight's edges split together: the prefixes are of weights, in order of significance.
  const keyOf = (r: EdgeRef) => weightKey(s, r);
  const groups = [...new Set(edges.map(keyOf))];
  const prefix = (count: number) => {
    const taken = new Set(groups.slice(0, count));
    return edges.filter((r) => taken.has(keyOf(r)));
  };
  const fits = (count: number) => count === 0 || parametersAfterSplit(s, target, prefix(count), options) <= maxParameters;
  if (fits(groups.length)) return edges;
  // A network at its budget meets this at every plateau: one count says so.
  if (!fits(1)) return [];
  let [low, high] = [1, groups.length];
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (fits(middle)) low = middle;
    else high = middle;
  }
  return prefix(low);
}
