// What a CSV cell holds, apart from the parser (csv.ts), so that a page can ask it without
// loading csv-parse.

/** The number a CSV cell holds, or NaN where it holds none (empty, missing, text, ±Infinity). */
export function cellNumber(cell: string | undefined): number {
  const v = cell === undefined || cell === '' ? Number.NaN : Number(cell);
  return Number.isFinite(v) ? v : Number.NaN;
}
