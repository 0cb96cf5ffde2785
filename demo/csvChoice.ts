// "Your CSV file": the file picker, the target column and the task of the demo's CSV dataset.
// The CSV parser (senn/csv) is loaded the first time a file is picked, not with the page.
import type { CsvSchema, CsvTable, CsvTask } from '../src/csv.js';
import { cellNumber } from '../src/data/csvCell.js';

/** A CSV file read in the page and what to learn from it. */
export interface CsvChoice {
  table: CsvTable;
  /** The file's field separator (saved with the network for `senn predict`). */
  delimiter: string;
  target: string;
  task: CsvTask;
  /** Columns left out of the features: those besides the target that hold something not a number (an id, a name). */
  ignore: string[];
  /** A checkpoint's schema ("Open network"): the file is read as the network was trained. */
  schema?: CsvSchema;
}

/** Classes a target column may have before the demo takes it for a quantity to predict. */
const MAX_GUESSED_CLASSES = 20;

/** The likelier field separator of `text`: the one its header line holds most of. */
export function guessDelimiter(text: string): string {
  const header = text.slice(0, text.search(/\r?\n|$/));
  const counts = [',', ';', '\t'].map((d) => [d, header.split(d).length - 1] as const);
  return counts.reduce((best, c) => (c[1] > best[1] ? c : best))[0];
}

/** Regression when the column holds numbers of more than a few distinct values or fractions; else classification. */
export function guessTask(table: CsvTable, target: string): CsvTask {
  const i = table.columns.indexOf(target);
  const cells = [...new Set(table.rows.map((r) => r[i] ?? ''))];
  const numeric = cells.every((c) => !Number.isNaN(cellNumber(c)));
  return numeric && (cells.length > MAX_GUESSED_CLASSES || cells.some((c) => !Number.isInteger(Number(c)))) ? 'regression' : 'classification';
}

/** Read `file` as CSV (its separator guessed from the header): a `DatasetError` naming it when it is not. */
export async function readCsvFile(file: File): Promise<{ table: CsvTable; delimiter: string }> {
  const { parseCsv } = await import('../src/csv.js');
  const text = await file.text();
  const delimiter = guessDelimiter(text);
  return { table: parseCsv(text, { name: file.name, delimiter }), delimiter };
}

/** The columns of `table` besides `target` with a cell that is not a number: not features. */
export function textColumns(table: CsvTable, target: string): string[] {
  return table.columns.filter((c, i) => c !== target && table.rows.some((r) => Number.isNaN(cellNumber(r[i]))));
}

/** Inputs and outputs of a network for `choice` (classes, or 1 for regression). */
export function csvShape(choice: CsvChoice): { features: number; outputs: number } {
  const { table, target, task, schema } = choice;
  const features = schema?.features.length ?? table.columns.length - 1 - choice.ignore.length;
  if (task === 'regression') return { features, outputs: 1 };
  const classes = schema?.classNames?.length ?? new Set(table.rows.map((r) => r[table.columns.indexOf(target)] ?? '')).size;
  return { features, outputs: classes };
}
