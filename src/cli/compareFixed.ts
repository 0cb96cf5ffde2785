import { join } from 'node:path';
import { EXPANSION_FLAGS } from './expansionFlags.js';
import { checkOutputPath, EXIT, testQuality, writeOutput } from './options.js';
import { type ArgToken, inScratchDir, runWithJson, withoutOptions } from './runs.js';

// `senn train --expand --compare-fixed`: does growing pay on this data? After the run, a fixed
// network with one hidden ReLU layer and at most the parameters the run ended with is trained the
// same way (the data and its split, optimizer, rate and schedule, batch, epochs, seed, dropout and
// the rest), and the two test results are printed side by side. On MNIST growth won by 0.3–0.7
// points; on Fashion-MNIST's reference configuration it lost 1.9 (docs/results.md).

/** The flags of the grown run that the fixed one leaves out: its shape, its growth, and the files of one network. */
const GROWN_RUN_FLAGS = ['compare-fixed', 'expand', 'expandable', 'arch', 'activation', 'local', 'conv', 'pool', 'avg-pool', 'save', 'save-every', 'save-statistics', 'json', ...EXPANSION_FLAGS];

/** What a run wrote with --json (the fields the comparison reads). */
interface RunJson {
  architecture: number[];
  params: number;
  seconds: number;
  growth: unknown[];
  test: { loss: number; accuracy: number | null };
  interrupted?: boolean;
  diverged?: string;
}

/**
 * The widest hidden layer of an `inputs`-H-`outputs` network (dense, biases included) with at
 * most `parameters` parameters; 0 where not even one hidden neuron fits.
 */
export function fixedWidth(inputs: number, outputs: number, parameters: number): number {
  return Math.max(0, Math.floor((parameters - outputs) / (inputs + 1 + outputs)));
}

/** The parameters of a dense `inputs`-`width`-`outputs` network (`inputs`-`outputs` for width 0). */
export function fixedParameters(inputs: number, outputs: number, width: number): number {
  return width ? width * (inputs + 1 + outputs) + outputs : inputs * outputs + outputs;
}

/** The line of the side-by-side result for one run. */
function resultLine(name: string, run: RunJson, archWidth: number): string {
  // A regression's accuracy is NaN, null in its JSON.
  const quality = testQuality(typeof run.test.accuracy !== 'number', run.test);
  const note = run.interrupted ? '  (stopped by Ctrl-C)' : run.diverged ? '  (diverged)' : '';
  return `  ${name}  ${run.architecture.join('-').padEnd(archWidth)}  ${quality}  params ${run.params.toLocaleString('en-US')}  ${run.seconds.toFixed(1)} s${note}`;
}

/**
 * Run `train` (one run of `senn train`: the command line `argv`, parsed into `tokens`) and then a
 * fixed network of at most the grown one's parameters, the same way; print both test results and
 * write the grown run's JSON, with the fixed run's as its `fixed`, to `json`. A grown run that
 * stops early by Ctrl-C or diverges is not compared. Returns the exit code: the grown run's, or
 * the fixed run's where that one failed.
 */
export async function trainCompared(
  argv: readonly string[],
  tokens: readonly ArgToken[],
  json: string | undefined,
  train: (argv: string[]) => Promise<number>,
): Promise<number> {
  checkOutputPath('--json', json);
  return inScratchDir('senn-compare-', async (dir) => {
    const { code, run: grown } = await runWithJson<RunJson>(train, withoutOptions(argv, tokens, ['compare-fixed', 'json']), join(dir, 'grown.json'));
    // Refused (the fixed run would meet the same command line), or failed before its end.
    if (!grown) return code;
    const write = (run: RunJson & { fixed?: RunJson }) => json && writeOutput('--json', json, `${JSON.stringify(run, null, 2)}\n`);
    if (grown.interrupted || grown.diverged) {
      console.log(`senn: --compare-fixed: no fixed network trained, the run ${grown.interrupted ? 'was stopped by Ctrl-C' : 'diverged'}`);
      write(grown);
      return code;
    }
    const [inputs, outputs] = [grown.architecture[0]!, grown.architecture.at(-1)!];
    const width = fixedWidth(inputs, outputs, grown.params);
    if (!width && fixedParameters(inputs, outputs, 0) > grown.params) {
      console.log(`senn: --compare-fixed: no fixed network of ${inputs} inputs and ${outputs} outputs has at most the run's ${grown.params.toLocaleString('en-US')} parameters`);
      write(grown);
      return code;
    }
    const arch = width ? `${inputs}-${width}-${outputs}` : `${inputs}-${outputs}`;
    // Not refused: a run that did not grow still has its result, but the comparison then says little.
    if (!grown.growth.length) console.log(`senn: --compare-fixed: the run did not grow (no split was made): the comparison is of two fixed networks`);
    console.log(
      `senn: --compare-fixed: a fixed ${arch} (${fixedParameters(inputs, outputs, width).toLocaleString('en-US')} parameters, ` +
        `at most the grown network's ${grown.params.toLocaleString('en-US')}), trained the same way`,
    );
    // --image describes --local and --conv layers (dropped) or --augment-shift's images (kept).
    const moved = tokens.some((t) => t.kind === 'option' && t.name === 'augment-shift');
    const dropped = moved ? GROWN_RUN_FLAGS : [...GROWN_RUN_FLAGS, 'image'];
    const { code: fixedCode, run: fixed } = await runWithJson<RunJson>(train, [...withoutOptions(argv, tokens, dropped), '--arch', arch], join(dir, 'fixed.json'));
    if (fixed) {
      const archWidth = Math.max(grown.architecture.join('-').length, arch.length);
      console.log('senn: grown against fixed, on the test split:');
      console.log(resultLine('grown', grown, archWidth));
      console.log(resultLine('fixed', fixed, archWidth));
    }
    write(fixed ? { ...grown, fixed } : grown);
    return code === EXIT.ok ? fixedCode : code;
  });
}
