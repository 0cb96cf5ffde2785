// The validation images a classifier of 28×28 images answers wrong, the most confident first,
// redrawn after every epoch: where the confusion matrix counts a network's mistakes, these show
// them (a 4 with an open top taken for a 9, a shirt for a T-shirt).
import type { Dataset, Mistake } from '../src/index.js';
import { classLabels } from './confusionView.js';

/** The side of the demo's images (MNIST, Fashion-MNIST). */
const SIDE = 28;

/** Mistakes drawn at most: four rows of six fill the panel beside the confusion matrix. */
export const MOST_MISTAKES_SHOWN = 24;

/** Row `row` of byte images `data` as a grey 28×28 canvas, ink dark on white as printed. */
function imageCanvas(data: Dataset, row: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = SIDE;
  canvas.height = SIDE;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(SIDE, SIDE);
  const pixels = SIDE * SIDE;
  for (let i = 0; i < pixels; i++) {
    // Bytes (the image sets the demo serves) or floats in [0, 1].
    const v = data.x instanceof Uint8Array ? data.x[row * pixels + i]! : Math.round(255 * Math.min(1, Math.max(0, data.x[row * pixels + i]!)));
    image.data.set([255 - v, 255 - v, 255 - v, 255], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

/**
 * Draw into `grid` the first {@link MOST_MISTAKES_SHOWN} of `mistakes` on `data` (28×28 images),
 * each captioned "true → answered" (the classes' numbers where any name is longer than three
 * characters, as the confusion matrix numbers them) with the whole story in its title, and say
 * in `text` how many there are.
 */
export function showMistakes(grid: HTMLElement, text: HTMLElement, data: Dataset, mistakes: readonly Mistake[], names: readonly string[]): void {
  if (data.features !== SIDE * SIDE) throw new Error(`showMistakes: rows of ${data.features} features are no ${SIDE}×${SIDE} images`);
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
