// How `senn eval` and `senn train` word a classifier's answers class by class (see
// `confusionMatrix`).
import type { Dataset } from '../data/dataset.js';
import type { Network } from '../graph/network.js';
import { type Classification, classNames, confusionMatrix, type ConfusionMatrix, type Mistake } from '../train/classify.js';
import { datasetClassNames } from '../data/idx.js';
import type { DataRecipe } from './datasets.js';

/** A classifier's answers on `data` (`answers`) and by class (`matrix`), with the names of its classes (`recipe`'s, else the numbers). */
export async function answersByClass(net: Network, data: Dataset, recipe: DataRecipe): Promise<{ answers: Classification; matrix: ConfusionMatrix; names: string[] }> {
  const answers = await net.classify(data);
  const matrix = confusionMatrix(data.labels!, answers.labels, net.outputs);
  return { answers, matrix, names: classNames(net.outputs, datasetClassNames(recipe)) };
}

/**
 * The lines of `senn eval --mistakes`: how many rows are answered wrong, and the `most` answered
 * most confidently, each with its row, true class, answer and the answer's probability.
 */
export function mistakeLines(wrong: readonly Mistake[], rows: number, most: number, names: readonly string[]): string[] {
  const shown = wrong.slice(0, most);
  const lines = [`mistakes      ${wrong.length.toLocaleString('en-US')} of ${rows.toLocaleString('en-US')} rows answered wrong${shown.length ? `; the ${shown.length} answered most confidently:` : ''}`];
  const width = String(rows - 1).length;
  for (const m of shown) lines.push(`  row ${String(m.row).padStart(width)}  a ${names[m.truth]} answered ${names[m.answer]} (${(100 * m.confidence).toFixed(2)}%)`);
  return lines;
}

/** The JSON fields of a classifier's answers by class (JSON has no NaN: a class without rows, or never answered, has null). */
export function classFields(m: ConfusionMatrix, names: readonly string[]): { classes: readonly string[]; recall: (number | null)[]; precision: (number | null)[]; confusion: number[][] } {
  const nullIfNaN = (v: number) => (Number.isNaN(v) ? null : v);
  return {
    classes: names,
    recall: Array.from(m.recall, nullIfNaN),
    precision: Array.from(m.precision, nullIfNaN),
    confusion: names.map((_, t) => Array.from(m.counts.subarray(t * m.classes, (t + 1) * m.classes))),
  };
}

const percent = (v: number) => (Number.isNaN(v) ? '—' : `${(100 * v).toFixed(1)}%`);

/**
 * The widest line of the per-class list: ten digits' classes in one (at most 112 columns, every
 * class at 100.0%), within the epoch lines' width; names as long as Fashion-MNIST's take two.
 */
const LINE_WIDTH = 112;

/**
 * The per-class lines: each class's recall, wrapped within {@link LINE_WIDTH} columns, and the
 * three most frequent confusions (true class taken for another).
 */
export function perClassLines(m: ConfusionMatrix, names: readonly string[]): string[] {
  const lines: string[] = [];
  let line: string[] = [];
  const flush = () => lines.push(`${lines.length === 0 ? 'per class    ' : ' '.repeat(13)} ${line.join('  ')}`);
  for (const entry of names.map((name, c) => `${name} ${percent(m.recall[c]!)}`)) {
    if (line.length > 0 && 14 + [...line, entry].join('  ').length > LINE_WIDTH) {
      flush();
      line = [];
    }
    line.push(entry);
  }
  flush();
  const confusions: { t: number; p: number; n: number }[] = [];
  for (let t = 0; t < m.classes; t++) {
    for (let p = 0; p < m.classes; p++) {
      const n = m.counts[t * m.classes + p]!;
      if (t !== p && n > 0) confusions.push({ t, p, n });
    }
  }
  confusions.sort((a, b) => b.n - a.n || a.t - b.t || a.p - b.p);
  const top = confusions.slice(0, 3).map(({ t, p, n }) => `${names[t]} taken for ${names[p]} in ${n} row${n === 1 ? '' : 's'}`);
  lines.push(`most confused ${top.length > 0 ? top.join(', ') : 'none: every row answered right'}`);
  return lines;
}

/**
 * The matrix itself: true classes down, answered classes across, counts right-aligned. Names
 * wider than the counts head the rows only, beside the class numbers that head the columns.
 */
export function confusionLines(m: ConfusionMatrix, names: readonly string[]): string[] {
  // Widths by reduce, not Math.max(...): a spread of classes² counts overflows the stack past ~350 classes.
  const widest = (texts: Iterable<string>, least = 0) => Array.from(texts).reduce((w, t) => Math.max(w, t.length), least);
  const countWidth = widest(Array.from(m.counts, String));
  const numbered = names.some((n) => n.length > countWidth);
  const columns = numbered ? names.map((_, c) => String(c)) : names;
  const rows = numbered ? names.map((n, c) => `${c} ${n}`) : names;
  const cellWidth = widest(columns, countWidth) + 1;
  const cell = (s: string) => s.padStart(cellWidth);
  const rowWidth = widest(rows);
  const lines = [`confusion     true class down, answered class across${numbered ? ' (by number)' : ''}`];
  lines.push(`  ${' '.repeat(rowWidth)}${columns.map(cell).join('')}`);
  for (let t = 0; t < m.classes; t++) lines.push(`  ${rows[t]!.padEnd(rowWidth)}${Array.from(m.counts.subarray(t * m.classes, (t + 1) * m.classes), (v) => cell(String(v))).join('')}`);
  return lines;
}
