// A classifier's answers on the validation rows by true class (down) and answered class
// (across), redrawn after every epoch: each cell shaded by its share of its true class's rows,
// so a network that learns shows its diagonal darkening and its confusions fading.
import { type Classification, confusionMatrix, type ConfusionMatrix, type Dataset } from '../src/index.js';

/**
 * How the views label classes: by name, or by number where any name is longer than three
 * characters (Fashion-MNIST's), which keeps the table within its panel; the legend then names them.
 */
export function classLabels(names: readonly string[]): { numbered: boolean; label: (c: number) => string } {
  const numbered = names.some((n) => n.length > 3);
  return { numbered, label: (c) => (numbered ? String(c) : names[c]!) };
}

/** Classes beyond this are not drawn (a CSV of many classes): the table would not fit the panel. */
export const MOST_CLASSES_SHOWN = 20;

/**
 * Draw the confusion matrix of `answers` (a classifier's on `data`) into `table`, and into `legend` the
 * classes' names where any is longer than three characters (Fashion-MNIST's: the table then
 * numbers its classes, which keeps it within its panel); returns the matrix.
 */
export function showConfusion(table: HTMLTableElement, legend: HTMLElement, data: Dataset, answers: Classification, names: readonly string[]): ConfusionMatrix {
  const m = confusionMatrix(data.labels!, answers.labels, names.length);
  const cell = (tag: 'th' | 'td', text: string, title?: string) => {
    const c = document.createElement(tag);
    c.textContent = text;
    if (title) c.title = title;
    return c;
  };
  const { numbered, label } = classLabels(names);
  const head = document.createElement('tr');
  head.append(cell('th', 'true ╲ answered'), ...names.map((n, c) => cell('th', label(c), n)));
  const rows = names.map((name, t) => {
    const row = document.createElement('tr');
    const counts = m.counts.subarray(t * m.classes, (t + 1) * m.classes);
    const total = counts.reduce((a, b) => a + b, 0);
    row.append(cell('th', label(t), name));
    counts.forEach((n, p) => {
      const td = cell('td', String(n), `${n} of the ${total} rows of class ${name} answered ${names[p]}`);
      const share = total ? n / total : 0;
      // Right answers in the accent blue, confusions in the prune red.
      td.style.background = `rgba(${t === p ? '47, 111, 222' : '214, 69, 69'}, ${share.toFixed(3)})`;
      if (share > 0.5) td.style.color = 'white';
      row.append(td);
    });
    return row;
  });
  table.replaceChildren(head, ...rows);
  // Each entry unbroken ("9 Ankle boot"), the line breaking only between entries.
  legend.textContent = numbered ? names.map((n, c) => `${c} ${n}`.replace(/ /g, '\u00a0')).join(' · ') : '';
  return m;
}
