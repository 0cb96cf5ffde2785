// Datasets of the demo: generated in the page, IDX image files fetched from the demo server,
// or a CSV file the user picks.
import { type Dataset, DatasetError, type FeatureStats, featureStats, fetchIdxDataset, pickRows, regression2d, spirals, splitDataset, standardize, subset } from '../src/index.js';
import type { CsvChoice } from './csvChoice.js';

export type DemoDataset = 'spirals' | 'regression' | 'mnist' | 'fashion-mnist' | 'csv';

/** Whether `name` is one of the image sets the demo server sends (their IDX training files). */
export function isImageSet(name: unknown): name is 'mnist' | 'fashion-mnist' {
  return name === 'mnist' || name === 'fashion-mnist';
}

export interface DemoData {
  train: Dataset;
  validation: Dataset;
  task: 'classification' | 'regression';
  /** Input dimensions, for the views. */
  features: number;
  /** Whether the inputs are the 2-D plane the boundary view draws. */
  plane: boolean;
  /**
   * How the data were read, as `senn train` records it in a checkpoint (`RunInfo.data`), so
   * `senn eval` and `senn predict` read new data the same way (a CSV's columns and the
   * training rows' feature statistics included).
   */
  recipe: Record<string, unknown>;
  /**
   * Of an image set's training file, the rows picked (train and validation), as `senn train
   * --train-rows` picks them; undefined where the run has them all, and for the other sets.
   */
  trainRows?: number;
}

/**
 * The training images of `name` from the demo server (gunzipped in the page when it sends the
 * .gz): `rows` of them picked by `seed` as `senn train --train-rows` picks them.
 */
async function images(name: 'mnist' | 'fashion-mnist', rows: number, seed: number): Promise<Dataset> {
  let all: Dataset;
  try {
    all = await fetchIdxDataset({ images: `data/${name}/train-images-idx3-ubyte`, labels: `data/${name}/train-labels-idx1-ubyte`, name });
  } catch (error) {
    // A request that failed: the page was most likely not served by the demo's server.
    if (error instanceof DatasetError) throw new Error(`${error.message} — start the demo with "npm start" so the data are served`);
    throw error;
  }
  return pickRows(all, rows, seed);
}

function firstRows(all: Dataset, rows: number): Dataset {
  const keep = Math.min(rows, all.rows);
  return keep < all.rows ? subset(all, Array.from({ length: keep }, (_, i) => i), all.name) : all;
}

/**
 * A CSV file as `senn train` reads one: the target column against the other columns, split
 * 80/20, features standardised with the training rows' statistics (or, for a network opened
 * from a checkpoint, with the statistics it was trained with).
 */
async function csvData(choice: CsvChoice, rows: number, seed: number, stats?: FeatureStats): Promise<DemoData> {
  const { csvDataset } = await import('../src/csv.js');
  const { table, target, task, schema, delimiter } = choice;
  const { dataset, schema: read } = csvDataset(table, { target, task, ...(schema ? { schema } : { ignore: choice.ignore }) });
  const all = firstRows(dataset, rows);
  if (all.rows < 5) throw new DatasetError(`${table.name}: ${all.rows} rows are too few to hold out a fifth for validation`);
  const [train, validation] = splitDataset(all, 0.8, seed);
  const scaled = stats ?? featureStats(train);
  return {
    train: standardize(train, scaled),
    validation: standardize(validation, scaled),
    task,
    features: all.features,
    plane: false,
    recipe: { dataset: table.name, task, featureScale: 1, csv: read, standardize: scaled, ...(delimiter !== ',' ? { delimiter } : {}) },
  };
}

/** The page's "Training rows" field counts the rows trained on; a fifth of this many more are held out for validation. */
export const WITH_VALIDATION = 1.25;

/**
 * Load `name` with `rows` training rows (a fifth more are held out for validation). `csv`: the
 * picked file (for "csv"), with the feature statistics of an opened network where it has them.
 */
export async function loadDemoData(name: DemoDataset, rows: number, seed: number, csv?: { choice: CsvChoice; stats?: FeatureStats }): Promise<DemoData> {
  const total = Math.round(rows * WITH_VALIDATION);
  if (name === 'csv') {
    if (!csv) throw new DatasetError('pick a CSV file first (a header row, then one row per example)');
    return csvData(csv.choice, total, seed, csv.stats);
  }
  let all: Dataset;
  if (name === 'spirals') all = spirals({ rows: total, seed });
  else if (name === 'regression') all = regression2d({ rows: total, seed });
  else all = await images(name, total, seed);
  const [train, validation] = splitDataset(all, 0.8, seed);
  const task = name === 'regression' ? 'regression' : 'classification';
  const plane = name === 'spirals' || name === 'regression';
  const picked = plane || all.rows < total ? {} : { trainRows: total };
  // A generated set's rows are made again from their count and the seed where the run goes on in Node.
  const generated = plane ? { generatedRows: total } : {};
  return { train, validation, task, features: all.features, plane, recipe: { dataset: name, task, featureScale: all.featureScale, ...generated }, ...picked };
}

/**
 * Default settings that make each dataset grow visibly within a short run. The 2-D datasets'
 * inputs are signed and the demo lets every level grow, so their splits of edges out of the
 * inputs are exact only as pairs (`exactSplit: 'signed'`): with plain splits, the 40-epoch
 * regression's first split raised the validation loss 37-fold (final RMSE 0.084 against
 * 0.059; spirals 95.0% against 100.0%, in Node). A CSV's standardised features are signed too;
 * its architecture is set from the file (inputs, 8 hidden, classes or 1).
 */
export const PRESETS: Record<DemoDataset, { arch: string; rows: number; epochs: number; batch: number; lr: number; window: number; minEpochsBetween: number; lossChangeThreshold: number; exactSplit: boolean }> = {
  spirals: { arch: '2-8-2', rows: 2000, epochs: 40, batch: 64, lr: 0.01, window: 3, minEpochsBetween: 6, lossChangeThreshold: 0.01, exactSplit: true },
  regression: { arch: '2-8-1', rows: 2000, epochs: 40, batch: 64, lr: 0.01, window: 3, minEpochsBetween: 6, lossChangeThreshold: 0.002, exactSplit: true },
  mnist: { arch: '784-10', rows: 12000, epochs: 30, batch: 256, lr: 0.001, window: 5, minEpochsBetween: 8, lossChangeThreshold: 0.005, exactSplit: false },
  'fashion-mnist': { arch: '784-10', rows: 12000, epochs: 30, batch: 256, lr: 0.001, window: 5, minEpochsBetween: 8, lossChangeThreshold: 0.005, exactSplit: false },
  csv: { arch: '', rows: 2000, epochs: 40, batch: 32, lr: 0.01, window: 3, minEpochsBetween: 6, lossChangeThreshold: 0.01, exactSplit: true },
};
