// CSV files from disk; parsing and datasets are data/csv.ts's, shared with the browser.
import { readFileSync } from 'node:fs';
import { type CsvTable, parseCsv } from '../data/csv.js';
import { DatasetError } from '../errors.js';

/** Read a CSV file with a header row (comma-separated, quoted fields allowed): {@link parseCsv} of its text. */
export function readCsv(path: string): CsvTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DatasetError(`cannot read CSV file ${path}: ${(error as Error).message}`);
  }
  return parseCsv(text, { name: path });
}
