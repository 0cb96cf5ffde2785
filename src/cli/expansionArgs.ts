// senn train's expansion flags as fit's expansion options (absent: a resumed run's, else the
// reference's), their errors told again with the flags' names. Node only (the flags' numbers
// are read by options.ts); the list of flags and the words senn info and the demo show for a
// run's options are in expansionFlags.ts, which the browser bundle takes too.
import { ConfigError } from '../errors.js';
import type { PruneNormalization } from '../graph/selection.js';
import type { Aggregation, Metric } from '../kernels/score.js';
import { type ExpansionOptions, REFERENCE_EXPANSION, resolveExpansion } from '../train/expansion.js';
import { EXPANSION_FLAGS } from './expansionFlags.js';
import { numberOption } from './options.js';

/** The flags of expansion options as parseArgs gives them, with --expand. */
export type ExpansionFlagValues = { expand?: boolean } & { [F in BooleanFlag]?: boolean } & { [F in Exclude<(typeof EXPANSION_FLAGS)[number], BooleanFlag>]?: string };
type BooleanFlag = 'fully-connected' | 'reset-optimizer' | 'late-splits' | 'inverted-prune';

/** `--exact-split signed|all` as the option's value (absent: the resumed run's, else off). */
function exactSplitOption(value: string | undefined, previous: boolean | 'signed'): boolean | 'signed' {
  if (value === undefined) return previous;
  if (value === 'signed') return 'signed';
  if (value === 'all') return true;
  throw new ConfigError(`--exact-split must be signed or all, got "${value}"`);
}

/** The expansion options of senn train's flags (absent: the resumed run's, else the reference's); null without --expand or a resumed run's expansion. */
export function expansionArgs(v: ExpansionFlagValues, previous: ExpansionOptions | null): ExpansionOptions | null {
  if (!v.expand && !previous) {
    // Without --expand these would be ignored: say so rather than train another run than asked.
    const given = EXPANSION_FLAGS.find((flag) => v[flag] !== undefined && v[flag] !== false);
    if (given) throw new ConfigError(`--${given} is an option of self-expansion; add --expand`);
    return null;
  }
  const base = { ...REFERENCE_EXPANSION, ...(previous ?? {}) };
  const expansion: ExpansionOptions = {
    metric: (v.metric ?? base.metric) as Metric,
    aggregation: (v.aggregation ?? base.aggregation) as Aggregation,
    chooseThreshold: numberOption('choose-threshold', v['choose-threshold'], base.chooseThreshold),
    maxToReplace: numberOption('max-to-replace', v['max-to-replace'], base.maxToReplace),
    // Absent: the resumed run's budget, else none (a run's JSON holds no Infinity).
    ...(v['max-parameters'] !== undefined || previous?.maxParameters !== undefined ? { maxParameters: numberOption('max-parameters', v['max-parameters'], previous?.maxParameters ?? 0) } : {}),
    lossChangeThreshold: numberOption('loss-change-threshold', v['loss-change-threshold'], base.lossChangeThreshold),
    window: numberOption('window', v.window, base.window),
    minEpochsBetween: numberOption('min-epochs-between', v['min-epochs-between'], base.minEpochsBetween),
    deleteAfter: numberOption('delete-after', v['delete-after'], base.deleteAfter),
    deleteThreshold: numberOption('delete-threshold', v['delete-threshold'], base.deleteThreshold),
    pruneMetric: (v['prune-metric'] ?? previous?.pruneMetric ?? v.metric ?? base.metric) as Metric,
    pruneNormalization: (v['prune-normalization'] ?? base.pruneNormalization) as PruneNormalization,
    fullyConnected: v['fully-connected'] || Boolean(base.fullyConnected),
    exactSplit: exactSplitOption(v['exact-split'], base.exactSplit ?? false),
    neuronsPerEdge: numberOption('neurons-per-edge', v['neurons-per-edge'], base.neuronsPerEdge ?? 1),
    // The spacing follows K unless given (now or by the resumed run).
    knotSpacing: v['knot-spacing'] === undefined ? previous?.knotSpacing : numberOption('knot-spacing', v['knot-spacing'], 0),
    resetOptimizer: v['reset-optimizer'] || Boolean(base.resetOptimizer),
    lateSplits: v['late-splits'] || Boolean(base.lateSplits),
    invertedPruneLikeReference: v['inverted-prune'] || Boolean(base.invertedPruneLikeReference),
    statistics: (v.statistics ?? base.statistics) as 'running' | 'exact',
  };
  inExpansionFlagWords(() => resolveExpansion(expansion));
  return expansion;
}

/**
 * `body`'s result (awaited where it is a promise); a ConfigError of the expansion's checks,
 * which name the API's options (expansion.window, metric), told again with the flags' names.
 */
export function inExpansionFlagWords<T>(body: () => T): T {
  try {
    const result = body();
    return (result instanceof Promise ? result.catch((error: unknown) => Promise.reject(flagWords(error))) : result) as T;
  } catch (error) {
    throw flagWords(error);
  }
}

function flagWords(error: unknown): unknown {
  if (!(error instanceof ConfigError)) return error;
  const message = error.message
    .replace(/expansion\.(\w+)( true)?/g, (_, key: string, all?: string) => (all ? '--exact-split all' : `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`))
    .replace(/^unknown (prune metric|metric|aggregation)/, (_, what: string) => `--${what.replace(' ', '-')}: unknown ${what}`);
  return new ConfigError(message);
}
