// The validation images a classifier of 28×28 images answers wrong, the most confident first,
// redrawn after every epoch: where the confusion matrix counts a network's mistakes, these show
// them (a 4 with an open top taken for a 9, a shirt for a T-shirt).
import type { Dataset, Mistake } from '../src/index.js';
import { classLabels } from './confusionView.js';
import { paintDigit } from './digitCanvas.js';
import { IMAGE_SIDE } from './sketch.js';

/** Mistakes drawn at most: four rows of six fill the panel beside the confusion matrix. */
export const MOST_MISTAKES_SHOWN = 24;

/** Row `row` of 28×28 images `data` (bytes, or floats in [0, 1]) as a canvas of its own. */
function imageCanvas(data: Dataset, row: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = IMAGE_SIDE;
  canvas.height = IMAGE_SIDE;
  const pixels = data.x.subarray(row * IMAGE_SIDE * IMAGE_SIDE, (row + 1) * IMAGE_SIDE * IMAGE_SIDE);
  paintDigit(canvas, pixels instanceof Uint8Array ? pixels : pixels.map((v) => Math.round(255 * Math.min(1, Math.max(0, v)))));
  return canvas;
}

/**
 * Draw into `grid` the first {@link MOST_MISTAKES_SHOWN} of `mistakes` on `data` (28×28 images),
 * each captioned "true → answered" (the classes' numbers where any name is longer than three
 * characters, as the confusion matrix numbers them) with the whole story in its title, and say
 * in `text` how many there are.
 */
export function showMistakes(grid: HTMLElement, text: HTMLElement, data: Dataset, mistakes: readonly Mistake[], names: readonly string[]): void {
  if (data.features !== IMAGE_SIDE * IMAGE_SIDE) throw new Error(`showMistakes: rows of ${data.features} features are no ${IMAGE_SIDE}×${IMAGE_SIDE} images`);
  const { label } = classLabels(names);
  const figures = mistakes.slice(0, MOST_MISTAKES_SHOWN).map((m) => {
    const figure = document.createElement('figure');
    figure.title = `validation row ${m.row}: a ${names[m.truth]} answered ${names[m.answer]} (${(100 * m.confidence).toFixed(0)}%)`;
    const caption = document.createElement('figcaption');
    caption.textContent = `${label(m.truth)}→${label(m.answer)}`;
    figure.append(imageCanvas(data, m.row), caption);
    return figure;
  });
  grid.replaceChildren(...figures);
  const total = mistakes.length.toLocaleString('en-US');
  const rows = data.rows.toLocaleString('en-US');
  text.textContent =
    mistakes.length === 0
      ? `every one of the ${rows} validation images answered right`
      : `${total} of ${rows} validation images answered wrong${mistakes.length > figures.length ? `; the ${figures.length} answered most confidently` : ''} (true → answered)`;
}
