import { parseArgs } from 'node:util';
import type { Dataset } from '../data/dataset.js';
import { standardize } from '../data/normalize.js';
import { ConfigError, DatasetError } from '../errors.js';
import { type CsvTable, csvFeatures } from '../data/csv.js';
import { readCsv } from '../node/csv.js';
import { createNodeRuntime } from '../node/dawn.js';
import type { DataRecipe } from './datasets.js';
import { ADAPTER_HELP, ADAPTER_OPTIONS, adapterOptions, checkOutputPath, delimiterHelp, delimiterOption, readModel, writeOutput } from './options.js';
import { classify, classNames } from '../train/classify.js';
import { datasetClassNames } from '../data/idx.js';

export const PREDICT_HELP = `Usage: senn predict MODEL.senn --input FILE.csv [options]

Run a checkpoint written by "senn train --save" on the rows of a CSV file (with a header) and
write one line of predictions per row.

Input columns: a model trained on a CSV file takes the same feature columns by name (others,
the target included, are ignored) and standardises them as in training; other models take
every column as an input, in order (MNIST: 784 pixel values 0-255; a "label" column is ignored).

Output (CSV with a header): classification: "prediction" (the class as the data write it: a
CSV file's class, an image's label number), for Fashion-MNIST "name" (the class's name), and
"p_CLASS" for each class's probability; regression: "prediction".

Options:
  --input FILE       CSV file of inputs (required)
  --output FILE      where to write the predictions (default: standard output)
${delimiterHelp("the training file's")}
${ADAPTER_HELP}
  -h, --help         show this help
`;

/** Input rows of `table` read the way the model's training data were. */
function inputsOf(table: CsvTable, recipe: DataRecipe, inputs: number): Dataset {
  let x: Float32Array;
  if (recipe.csv) {
    x = csvFeatures(table, recipe.csv.features);
  } else {
    const columns = table.columns.filter((c) => !['label', 'target', 'class'].includes(c.toLowerCase()));
    if (columns.length !== inputs) {
      throw new DatasetError(`${table.name} has ${columns.length} input columns; the model takes ${inputs} (${recipe.dataset})`);
    }
    x = csvFeatures(table, columns);
    if (recipe.featureScale !== 1) x = x.map((v) => v * recipe.featureScale);
  }
  const data: Dataset = { name: table.name, rows: table.rows.length, features: x.length / table.rows.length, x, featureScale: 1 };
  return recipe.standardize ? standardize(data, recipe.standardize) : data;
}

/**
 * The predictions file: a line per row of `outputs` (rows × width). A class is written as the
 * data write it (a CSV file's class, an image set's label number); where a dataset's classes
 * have names beyond their numbers (Fashion-MNIST's), a "name" column gives the name too.
 */
export function predictionsCsv(outputs: Float32Array, rows: number, width: number, recipe: DataRecipe): string {
  const cell = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(6));
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines: string[] = [];
  if (recipe.task === 'regression') {
    lines.push(width === 1 ? 'prediction' : Array.from({ length: width }, (_, j) => `prediction_${j}`).join(','));
    for (let r = 0; r < rows; r++) lines.push(Array.from(outputs.subarray(r * width, r * width + width), cell).join(','));
  } else {
    const classes = classNames(width, recipe.csv?.classNames);
    const names = recipe.csv ? undefined : datasetClassNames(recipe);
    lines.push(['prediction', ...(names ? ['name'] : []), ...classes.map((c) => quote(`p_${c}`))].join(','));
    const { labels, probabilities } = classify(outputs.subarray(0, rows * width), width);
    for (let r = 0; r < rows; r++) {
      const label = labels[r]!;
      const named = names ? [quote(names[label] ?? String(label))] : [];
      lines.push([quote(classes[label]!), ...named, ...Array.from(probabilities.subarray(r * width, (r + 1) * width), (p) => p.toFixed(6))].join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `senn predict`: returns the process exit code. */
export async function predictCommand(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args: argv,
    options: {
      input: { type: 'string' },
      output: { type: 'string' },
      delimiter: { type: 'string' },
      ...ADAPTER_OPTIONS,
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (v.help) {
    process.stdout.write(PREDICT_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new ConfigError('senn predict needs exactly one checkpoint file: senn predict MODEL.senn --input FILE.csv');
  if (!v.input) throw new ConfigError('senn predict needs --input FILE.csv');
  checkOutputPath('--output', v.output);
  const { bytes, run } = readModel(positionals[0]!);
  const table = readCsv(v.input, { delimiter: delimiterOption(v.delimiter) ?? run.data.delimiter ?? ',' });
  const runtime = await createNodeRuntime(adapterOptions(v));
  try {
    const net = runtime.loadNetwork(bytes);
    const data = inputsOf(table, run.data, net.inputs);
    const outputs = await net.predict(data);
    const text = predictionsCsv(outputs, data.rows, net.outputs, run.data);
    if (v.output) writeOutput('--output', v.output, text);
    else process.stdout.write(text);
    net.destroy();
    return 0;
  } finally {
    runtime.destroy();
  }
}
