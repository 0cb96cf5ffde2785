// The expansion options as senn train's flags: the list that needs --expand, and a run's
// options told back as the flags that differ from the reference configuration (senn info).
import { REFERENCE_EXPANSION } from '../train/expansion.js';

/** The flags of expansion options, in the order of `senn train --help`. */
export const EXPANSION_FLAGS = [
  'metric', 'aggregation', 'choose-threshold', 'max-to-replace', 'max-parameters', 'loss-change-threshold', 'window', 'min-epochs-between', 'delete-after',
  'delete-threshold', 'prune-metric', 'prune-normalization', 'fully-connected', 'exact-split', 'neurons-per-edge', 'knot-spacing',
  'reset-optimizer', 'late-splits', 'inverted-prune', 'statistics',
] as const;

/** The ExpansionOptions key a flag sets: its name in camel case, but for the reference code's inverted prune. */
function optionOf(flag: (typeof EXPANSION_FLAGS)[number]): string {
  return flag === 'inverted-prune' ? 'invertedPruneLikeReference' : flag.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
}

/**
 * A run's expansion options (as a checkpoint's `run.args.expansion` holds them) as the flags
 * of `senn train --expand` that differ from the reference configuration (ALGORITHM.md's, whose
 * prune metric is the split metric), in the help's order: what makes that run again. An option
 * that is absent, null (a budget of none, as JSON holds Infinity) or of no flag's type is left out.
 */
export function expansionFlagWords(options: Readonly<Record<string, unknown>>): string[] {
  const reference: Record<string, unknown> = { ...REFERENCE_EXPANSION, pruneMetric: options.metric ?? REFERENCE_EXPANSION.metric };
  const words: string[] = [];
  for (const flag of EXPANSION_FLAGS) {
    const key = optionOf(flag);
    const value = options[key];
    if (value === reference[key] || value === false) continue;
    if (value === true) words.push(key === 'exactSplit' ? '--exact-split all' : `--${flag}`);
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'string') words.push(`--${flag} ${value}`);
  }
  return words;
}
