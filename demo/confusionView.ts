// A classifier's answers on the validation rows by true class (down) and answered class
// (across), redrawn after every epoch: each cell shaded by its share of its true class's rows,
// so a network that learns shows its diagonal darkening and its confusions fading.
import { classNames, confusionMatrix, type ConfusionMatrix, type Dataset, type Network } from '../src/index.js';

/** Classes beyond this are not drawn (a CSV of many classes): the table would not fit the panel. */
export const MOST_CLASSES_SHOWN = 20;

/** The class names of a run's data (`recipe`, a CSV's where it has them), as `senn eval` names them. */
export function recipeClassNames(recipe: Record<string, unknown>, classes: number): string[] {
  const names = (recipe.csv as { classNames?: unknown } | undefined)?.classNames;
  return classNames(classes, Array.isArray(names) ? names : undefined);
}

/** Classify `data` with `net` and draw its confusion matrix into `table`; returns the matrix. */
export async function showConfusion(table: HTMLTableElement, net: Network, data: Dataset, names: readonly string[]): Promise<ConfusionMatrix> {
  const m = confusionMatrix(data.labels!, (await net.classify(data)).labels, net.outputs);
  const cell = (tag: 'th' | 'td', text: string, title?: string) => {
    const c = document.createElement(tag);
    c.textContent = text;
    if (title) c.title = title;
    return c;
  };
  const head = document.createElement('tr');
  head.append(cell('th', 'true ╲ answered'), ...names.map((n) => cell('th', n)));
  const rows = names.map((name, t) => {
    const row = document.createElement('tr');
    const counts = m.counts.subarray(t * m.classes, (t + 1) * m.classes);
    const total = counts.reduce((a, b) => a + b, 0);
    row.append(cell('th', name));
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
  return m;
}
