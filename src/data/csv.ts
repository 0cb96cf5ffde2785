// CSV text into datasets, the same in Node and in the browser: the browser builds swap in
// csv-parse's browser build (scripts/build.mjs, demo/server.mjs), which carries its own Buffer.
import { parse } from 'csv-parse/sync';
import { cellNumber } from './csvCell.js';
import { classificationDataset, type Dataset, regressionDataset } from './dataset.js';
import { DatasetError } from '../errors.js';
import { describe, didYouMean, objectArg } from '../args.js';

/** A CSV file read as a header and rows of cells. */
export interface CsvTable {
  name: string;
  columns: string[];
  rows: string[][];
}

/** The learning task a CSV file is read for. */
export type CsvTask = 'classification' | 'regression';

/** How the columns of a CSV file became a {@link Dataset}; saved with a model so new files are read the same way. */
export interface CsvSchema {
  task: CsvTask;
  target: string;
  features: string[];
  /** Class names in label order (classification). */
  classNames?: string[];
}

/** How {@link parseCsv} reads text. */
export interface CsvParseOptions {
  /** What errors and the dataset are named after (a file name); default "CSV". */
  name?: string;
  /** The field separator; default ",". */
  delimiter?: string;
}

/**
 * Parse CSV text with a header row (quoted fields allowed, cells trimmed, empty lines and a
 * byte-order mark skipped). A `DatasetError` naming the file for text that is not CSV, or
 * without a header and one data row.
 */
export function parseCsv(text: string, options: CsvParseOptions = {}): CsvTable {
  objectArg('parseCsv: the options', options, DatasetError);
  const name = options.name ?? 'CSV';
  if (typeof text !== 'string') throw new DatasetError(`${name}: CSV text must be a string, got ${typeof text}`);
  const delimiter = options.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length === 0 || /["\r\n]/.test(delimiter)) {
    throw new DatasetError(`${name}: the delimiter must be a non-empty string without quotes or line breaks, got ${JSON.stringify(delimiter)}`);
  }
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, trim: true, bom: true, delimiter }) as string[][];
  } catch (error) {
    throw new DatasetError(`${name}: not a valid CSV file (${(error as Error).message})`);
  }
  if (records.length < 2) throw new DatasetError(`${name}: needs a header row and at least one data row`);
  const [columns, ...rows] = records as [string[], ...string[][]];
  return { name, columns, rows };
}

function column(table: CsvTable, name: string): number {
  const i = table.columns.indexOf(name);
  if (i < 0) {
    // A file read with another separator than its own has one column whose name holds them all.
    const sole = table.columns.length === 1 ? [',', ';', '\t', '|'].find((sep) => table.columns[0]!.includes(sep)) : undefined;
    const hint = sole === undefined ? '' : ` (one column: are the fields separated by ${sole === '\t' ? 'tabs' : `"${sole}"`}? give that as the delimiter)`;
    throw new DatasetError(`${table.name}: no column "${name}"; the columns are ${table.columns.join(', ')}${hint || didYouMean(name, table.columns)}`);
  }
  return i;
}

function numberAt(table: CsvTable, row: number, col: number): number {
  const cell = table.rows[row]![col];
  const v = cellNumber(cell);
  if (Number.isNaN(v)) {
    // Line numbers count the header as line 1.
    throw new DatasetError(`${table.name}: line ${row + 2}, column "${table.columns[col]}": "${cell ?? ''}" is not a number`);
  }
  return v;
}

/** The feature matrix of `table`: the named columns, in that order, as numbers. */
export function csvFeatures(table: CsvTable, features: readonly string[]): Float32Array {
  const cols = features.map((f) => column(table, f));
  const x = new Float32Array(table.rows.length * cols.length);
  for (let r = 0; r < table.rows.length; r++) {
    if (table.rows[r]!.length !== table.columns.length) {
      throw new DatasetError(`${table.name}: line ${r + 2} has ${table.rows[r]!.length} cells, the header has ${table.columns.length}`);
    }
    cols.forEach((c, j) => (x[r * cols.length + j] = numberAt(table, r, c)));
  }
  return x;
}

/**
 * A dataset from a CSV table: `target` is the column to predict, every other column a
 * numeric feature but those listed in `ignore` (an id, a name), or those of `schema`, to read a
 * test file as the training file was. In classification the target's distinct values are the
 * classes (sorted; numbers numerically).
 */
export function csvDataset(
  table: CsvTable,
  a: { target: string; task: CsvTask; schema?: CsvSchema; ignore?: readonly string[] },
): { dataset: Dataset; schema: CsvSchema } {
  objectArg('csvDataset: the options', a);
  // A table from parseCsv; one put together by hand is checked for its two lists.
  objectArg('csvDataset: the table', table, DatasetError);
  if (!Array.isArray(table.columns) || !Array.isArray(table.rows) || !table.rows.every((row) => Array.isArray(row))) {
    throw new DatasetError(`csvDataset: the table must have a list of column names and a list of rows (as parseCsv returns), got ${describe(table)}`);
  }
  const t = column(table, a.target);
  const ignored = new Set(a.ignore ?? []);
  for (const name of ignored) column(table, name);
  const features = a.schema?.features ?? table.columns.filter((c, i) => i !== t && !ignored.has(c));
  if (features.length === 0) throw new DatasetError(`${table.name}: no feature columns besides the target "${a.target}"${ignored.size ? ' and the ignored ones' : ''}`);
  const x = csvFeatures(table, features);
  const name = table.name;
  if (a.task === 'regression') {
    const targets = Float32Array.from(table.rows, (_, r) => numberAt(table, r, t));
    return { dataset: regressionDataset({ x, targets, features: features.length, name }), schema: { task: 'regression', target: a.target, features } };
  }
  const values = table.rows.map((row) => row[t] ?? '');
  let classNames = a.schema?.classNames;
  if (!classNames) {
    const distinct = [...new Set(values)];
    const numeric = distinct.every((v) => !Number.isNaN(cellNumber(v)));
    classNames = numeric ? distinct.sort((p, q) => Number(p) - Number(q)) : distinct.sort();
  }
  const index = new Map(classNames.map((c, i) => [c, i]));
  const labels = values.map((v, r) => {
    const label = index.get(v);
    if (label === undefined) throw new DatasetError(`${table.name}: line ${r + 2}: class "${v}" of column "${a.target}" is not one of ${classNames.join(', ')}${didYouMean(v, classNames)}`);
    return label;
  });
  const dataset = classificationDataset({ x, labels, features: features.length, classes: classNames.length, name });
  return { dataset, schema: { task: 'classification', target: a.target, features, classNames } };
}
