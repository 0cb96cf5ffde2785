import { parseArgs } from 'node:util';
import { createNodeRuntime } from '../node/dawn.js';
import { DATASET_HELP, loadData } from './datasets.js';
import { ADAPTER_HELP, ADAPTER_OPTIONS, adapterOptions, checkOutputPath, delimiterHelp, delimiterOption, readModel, testQuality, writeOutput } from './options.js';
import { ConfigError, DatasetError } from '../errors.js';
import { SENN_VERSION } from '../version.js';
import { answersByClass, classFields, confusionLines, mistakeLines, perClassLines } from './classReport.js';
import { mistakes } from '../train/classify.js';

export const EVAL_HELP = `Usage: senn eval MODEL.senn [options]

Report loss and accuracy (classification) or RMSE (regression) of a checkpoint written by
"senn train --save" on a dataset's test split; for a classifier also each class's accuracy
(the share of its rows answered right) and the classes most often taken for others.

Options:
  --dataset NAME     dataset to evaluate on (default: the one the model was trained on)
  --data-dir DIR     directory of IDX files for mnist / fashion-mnist
  --test FILE        CSV: evaluate on this file (default: the --dataset CSV file, whole)
${delimiterHelp("the training file's")}
  --confusion        classification: also print the confusion matrix (true class down,
                     answered class across; the JSON always holds it)
  --mistakes N       classification: also name the N rows answered wrong with the most
                     confidence (row, true class, answer and its probability; in the JSON
                     too, as "mistakes")
  --json FILE        also write the result as JSON
${ADAPTER_HELP}
  -h, --help         show this help

${DATASET_HELP}
`;

/** `senn eval`: returns the process exit code. */
export async function evalCommand(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string' },
      'data-dir': { type: 'string' },
      test: { type: 'string' },
      delimiter: { type: 'string' },
      json: { type: 'string' },
      confusion: { type: 'boolean', default: false },
      mistakes: { type: 'string' },
      ...ADAPTER_OPTIONS,
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (v.help) {
    process.stdout.write(EVAL_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new ConfigError('senn eval needs exactly one checkpoint file: senn eval MODEL.senn --dataset NAME');
  checkOutputPath('--json', v.json);
  const most = v.mistakes === undefined ? 0 : Number(v.mistakes);
  if (v.mistakes !== undefined && !(v.mistakes.trim() !== '' && Number.isInteger(most) && most >= 1)) throw new ConfigError(`--mistakes must be a whole number of rows ≥ 1, got "${v.mistakes}"`);
  const model = positionals[0]!;
  const { bytes, run } = readModel(model);
  const dataset = v.dataset ?? run.data.dataset;
  const sameData = dataset === run.data.dataset;
  const data = loadData({ dataset, seed: Number(run.args.seed ?? 0), dataDir: v['data-dir'], testFile: v.test, delimiter: delimiterOption(v.delimiter) }, sameData ? run.data : { ...run.data, dataset });
  // A named dataset of the other task (--dataset xor for a regression model) fits no model of this one.
  if (data.recipe.task !== run.data.task) throw new DatasetError(`${model} is a ${run.data.task} model (trained on ${run.data.dataset}); ${dataset} is a ${data.recipe.task} dataset`);
  const regression = run.data.task === 'regression';
  if (most > 0 && regression) throw new ConfigError(`--mistakes: ${model} is a regression model; only a classifier's answers are right or wrong`);
  const runtime = await createNodeRuntime(adapterOptions(v));
  try {
    const net = runtime.loadNetwork(bytes);
    const result = await net.evaluate(data.test, regression ? 'mse' : 'softmax-cross-entropy');
    console.log(`${model} on ${data.test.name}: ${data.test.rows} rows  loss ${result.loss.toFixed(4)}  ${testQuality(regression, result)}`);
    // A classifier's answers class by class: the same argmax as evaluate's accuracy.
    const byClass = regression ? null : await answersByClass(net, data.test, data.recipe);
    const wrong = byClass && most > 0 ? mistakes(data.test.labels!, byClass.answers) : [];
    if (byClass) {
      // Joined by flat(), not push(...): --mistakes 200000 on a large test file makes too many lines for one call.
      const lists = [perClassLines(byClass.matrix, byClass.names), v.confusion ? confusionLines(byClass.matrix, byClass.names) : [], most > 0 ? mistakeLines(wrong, data.test.rows, most, byClass.names) : []];
      for (const l of lists.flat()) console.log(l);
    }
    if (v.json) {
      const json = {
        senn: SENN_VERSION,
        model,
        dataset: data.test.name,
        rows: data.test.rows,
        task: run.data.task,
        loss: result.loss,
        ...(regression ? { rmse: Math.sqrt(result.loss) } : { accuracy: result.accuracy }),
        ...(byClass ? classFields(byClass.matrix, byClass.names) : {}),
        ...(most > 0 ? { mistakes: wrong.slice(0, most) } : {}),
        params: net.parameterCount,
        architecture: net.structure.sizes,
      };
      writeOutput('--json', v.json, `${JSON.stringify(json, null, 2)}\n`);
    }
    net.destroy();
    return 0;
  } finally {
    runtime.destroy();
  }
}
