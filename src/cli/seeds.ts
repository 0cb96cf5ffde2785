import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { checkOutputPath, EXIT, writeOutput } from './options.js';
import { inScratchDir, runWithJson } from './runs.js';
import { SENN_VERSION } from '../version.js';

// `senn train --seeds 0,1,2`: the same run once per seed, one after the other, and how far its
// result moves with the seed. A seed sets the initialisation, the validation split and the
// shuffles; MNIST's self-expanding runs moved by ±0.3 points and ±10k parameters with it
// (docs/results.md), so one run says little about an expansion option.

/** The flags of one run that a run per seed cannot take: each names one seed or one network. */
export const ONE_RUN_FLAGS = ['seed', 'resume', 'save', 'save-every', 'save-statistics', 'keep-best'] as const;

/** `--seeds` as a list of distinct whole numbers, 2 to 100 of them: "0,1,2", or ranges "0-4" among them. */
export function parseSeeds(text: string): number[] {
  const bad = () => new ConfigError(`--seeds must be whole numbers ≥ 0 or ranges of them joined by ",", like 0,1,2 or 0-4; got "${text}"`);
  const seeds: number[] = [];
  let asked = 0;
  for (const word of text.split(',').map((s) => s.trim())) {
    const ends = /^(\d+)(?:-(\d+))?$/.exec(word);
    if (!ends) throw bad();
    const [first, last] = [Number(ends[1]), Number(ends[2] ?? ends[1])];
    if (!Number.isSafeInteger(last) || last < first) throw bad();
    asked += last - first + 1;
    // Past 100 the count is refused below; a range of billions is not walked to find that out.
    for (let s = first; s <= last && seeds.length <= 100; s++) seeds.push(s);
  }
  if (new Set(seeds).size !== seeds.length) throw new ConfigError(`--seeds ${text} names a seed twice`);
  if (asked < 2 || asked > 100) throw new ConfigError(`--seeds takes 2 to 100 seeds, got ${asked.toLocaleString('en-US')}`);
  return seeds;
}

/** Mean, sample standard deviation (0 for one value), least and most of `values`. */
export function spread(values: readonly number[]): { mean: number; sd: number; min: number; max: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sd = values.length > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
  return { mean, sd, min: Math.min(...values), max: Math.max(...values) };
}

/** What one seed's run wrote with --json (the fields the summary reads); `fixed`: its --compare-fixed run. */
interface SeedRun {
  test: { loss: number; accuracy: number | null };
  params: number;
  seconds: number;
  interrupted?: boolean;
  diverged?: string;
  fixed?: Omit<SeedRun, 'fixed'>;
}

/** A measure of the runs: its name, each run's value, and how it prints (`scale` × value, `digits` decimals, then `unit`). */
interface Measure {
  name: string;
  values: number[];
  scale: number;
  digits: number;
  unit: string;
}

const number = (m: Measure, v: number) => (m.scale * v).toLocaleString('en-US', { minimumFractionDigits: m.digits, maximumFractionDigits: m.digits });

/**
 * The summary's lines: per measure each run's value (up to 10 runs, in columns) and their mean,
 * standard deviation (in the measure's units: points of accuracy) and range.
 */
export function summaryLines(seeds: readonly number[], measures: readonly Measure[]): string[] {
  const names = Math.max(...measures.map((m) => m.name.length));
  const shown = measures.map((m) => m.values.map((v) => number(m, v) + m.unit));
  const columns = seeds.length <= 10 ? seeds.map((_, i) => Math.max(...shown.map((row) => row[i]!.length))) : [];
  const lines = [seeds.length === 1 ? `senn: 1 run, seed ${seeds[0]}` : `senn: ${seeds.length} runs, seeds ${seeds.join(', ')}`];
  measures.forEach((m, k) => {
    const s = spread(m.values);
    const each = columns.map((width, i) => shown[k]![i]!.padStart(width)).join('  ');
    lines.push(`  ${m.name.padEnd(names)}  ${each}${each ? '   ' : ''}mean ${number(m, s.mean)}${m.unit} ± ${number(m, s.sd)} (sd), ${number(m, s.min)}–${number(m, s.max)}${m.unit}`);
  });
  return lines;
}

/**
 * Run `train` (one run of `senn train`: the command line `argv`, less `--seeds` and `--json`)
 * once per seed of `seedsText`, then print how the test result, the parameters and the time
 * spread over the seeds, and write them with every run's JSON to `json`. A run stopped by
 * Ctrl-C ends the series there; a run that diverges is counted as it ended, and the command
 * then exits 1. Returns the exit code.
 */
export async function trainSeeds(
  argv: readonly string[],
  seedsText: string,
  json: string | undefined,
  train: (argv: string[]) => Promise<number>,
): Promise<number> {
  const seeds = parseSeeds(seedsText);
  checkOutputPath('--json', json);
  // Each run writes its JSON in a folder of the series, removed when it ends.
  return inScratchDir('senn-seeds-', async (dir) => {
    const runs: (SeedRun & { seed: number })[] = [];
    let code: number = EXIT.ok;
    for (const [i, seed] of seeds.entries()) {
      console.log(`senn: seed ${seed} (run ${i + 1} of ${seeds.length})`);
      const ended = await runWithJson<SeedRun>(train, [...argv, '--seed', String(seed)], join(dir, `seed-${seed}.json`));
      // A command line refused is refused for every seed, and a run that could not end counts nothing: stop at once.
      if (!ended.run) return ended.code;
      runs.push({ seed, ...ended.run });
      if (ended.code === EXIT.failure) code = EXIT.failure;
      // Stopped in the run or in its --compare-fixed run.
      if (ended.run.interrupted || ended.run.fixed?.interrupted) {
        console.log(`senn: stopped by Ctrl-C: ${runs.length} of ${seeds.length} seeds run`);
        break;
      }
    }
    const ran = runs.map((r) => r.seed);
    // A regression's accuracy is NaN, null in its JSON.
    const byRegression = typeof runs[0]!.test.accuracy !== 'number';
    const quality = (name: string, of: readonly Omit<SeedRun, 'fixed'>[]): Measure =>
      byRegression
        ? { name: `${name} rmse`, values: of.map((r) => Math.sqrt(r.test.loss)), scale: 1, digits: 4, unit: '' }
        : { name: `${name} accuracy`, values: of.map((r) => r.test.accuracy!), scale: 100, digits: 2, unit: '%' };
    const measures: Measure[] = [
      quality('test', runs),
      { name: 'params', values: runs.map((r) => r.params), scale: 1, digits: 0, unit: '' },
      { name: 'seconds', values: runs.map((r) => r.seconds), scale: 1, digits: 1, unit: ' s' },
    ];
    // --compare-fixed: the fixed networks beside the grown ones, where every seed trained one.
    const fixed = runs.flatMap((r) => (r.fixed ? [r.fixed] : []));
    if (fixed.length && fixed.length === runs.length) {
      measures.push(quality('fixed', fixed), { name: 'fixed params', values: fixed.map((r) => r.params), scale: 1, digits: 0, unit: '' });
    }
    for (const line of summaryLines(ran, measures)) console.log(line);
    const diverged = runs.filter((r) => r.diverged).map((r) => r.seed);
    if (diverged.length) console.log(`senn: diverged (counted as they ended): seed${diverged.length > 1 ? 's' : ''} ${diverged.join(', ')}`);
    if (json) {
      const summary = Object.fromEntries(measures.map((m) => [m.name.replace(/ (\w)/g, (_, c: string) => c.toUpperCase()), spread(m.values)]));
      writeOutput('--json', json, `${JSON.stringify({ senn: SENN_VERSION, seeds: ran, summary, runs }, null, 2)}\n`);
    }
    return code;
  });
}
