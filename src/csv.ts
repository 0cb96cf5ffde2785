/**
 * senn/csv: CSV text into datasets, in the browser and in Node. A separate entry so that the
 * main browser bundle does not carry the CSV parser (csv-parse, with its Buffer polyfill in
 * browsers); its datasets and errors are the main entry's own (shared chunk), so
 * `instanceof DatasetError` holds across the two.
 * @packageDocumentation
 */
export {
  parseCsv,
  csvDataset,
  csvFeatures,
  type CsvParseOptions,
  type CsvTable,
  type CsvTask,
  type CsvSchema,
} from './data/csv.js';
