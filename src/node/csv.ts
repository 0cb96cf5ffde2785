// CSV files from disk; parsing and datasets are data/csv.ts's, shared with the browser.
import { readFileSync } from 'node:fs';
import { type CsvParseOptions, type CsvTable, parseCsv } from '../data/csv.js';
import { DatasetError } from '../errors.js';

/** Read a CSV file with a header row (quoted fields allowed): {@link parseCsv} of its text, named by its path. */
export function readCsv(path: string, options: Omit<CsvParseOptions, 'name'> = {}): CsvTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DatasetError(`cannot read CSV file ${path}: ${(error as Error).message}`);
  }
  return parseCsv(text, { ...options, name: path });
}
