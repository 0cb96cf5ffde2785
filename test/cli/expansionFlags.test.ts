import { describe, expect, it } from 'vitest';
import { expansionFlagWords } from '../../src/cli/expansionFlags.js';
import { REFERENCE_EXPANSION } from '../../src/train/expansion.js';

describe('expansionFlagWords', () => {
  it('tells the options that differ from the reference as senn train flags, in the help order', () => {
    expect(expansionFlagWords(REFERENCE_EXPANSION)).toEqual([]);
    expect(expansionFlagWords({})).toEqual([]);
    // The README's first command as its checkpoint holds it (JSON: no budget is absent).
    const first = { ...REFERENCE_EXPANSION, maxParameters: undefined, window: 2, minEpochsBetween: 3, lossChangeThreshold: 0.02, pruneMetric: 'weight-abs', deleteThreshold: 0.025 };
    expect(expansionFlagWords(first).join(' ')).toBe('--loss-change-threshold 0.02 --window 2 --min-epochs-between 3 --delete-threshold 0.025 --prune-metric weight-abs');
  });

  it('takes the split metric as the prune metric the reference prunes by', () => {
    expect(expansionFlagWords({ metric: 'weight-sq', pruneMetric: 'weight-sq' })).toEqual(['--metric weight-sq']);
    expect(expansionFlagWords({ metric: 'weight-sq', pruneMetric: 'abs-grad' })).toEqual(['--metric weight-sq', '--prune-metric abs-grad']);
    expect(expansionFlagWords({ pruneMetric: 'abs-grad' })).toEqual([]);
  });

  it('names switches bare, exact splits by their mode, and leaves out what no flag holds', () => {
    const words = expansionFlagWords({ fullyConnected: true, resetOptimizer: true, lateSplits: false, invertedPruneLikeReference: true, exactSplit: true, neuronsPerEdge: 3, knotSpacing: 0.5, statistics: 'exact' });
    expect(words).toEqual(['--fully-connected', '--exact-split all', '--neurons-per-edge 3', '--knot-spacing 0.5', '--reset-optimizer', '--inverted-prune', '--statistics exact']);
    expect(expansionFlagWords({ exactSplit: 'signed' })).toEqual(['--exact-split signed']);
    // No budget (Infinity, or null as JSON writes it), ε (no flag), a value of no flag's type.
    expect(expansionFlagWords({ maxParameters: Infinity, epsilon: 1e-6, window: null, metric: { name: 'abs-grad' } })).toEqual([]);
    expect(expansionFlagWords({ maxParameters: 40000 })).toEqual(['--max-parameters 40000']);
  });
});
