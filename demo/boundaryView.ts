// For 2-D inputs: the model's output over a grid, redrawn after every epoch, with the
// validation points on top (class colour, or target value for regression).
import { type Dataset, type Network } from '../src/index.js';

const GRID = 48;
const EXTENT = 1.4;

/** Grid points covering [-EXTENT, EXTENT]², row-major from the top left. */
export function gridDataset(): Dataset {
  const x = new Float32Array(GRID * GRID * 2);
  for (let r = 0; r < GRID; r++) {
    for (let c = 0; c < GRID; c++) {
      x[2 * (r * GRID + c)] = -EXTENT + ((c + 0.5) * 2 * EXTENT) / GRID;
      x[2 * (r * GRID + c) + 1] = EXTENT - ((r + 0.5) * 2 * EXTENT) / GRID;
    }
  }
  return { name: 'grid', rows: GRID * GRID, features: 2, x, featureScale: 1 };
}

const CLASS_RGB = [
  [47, 111, 222],
  [214, 69, 69],
  [31, 157, 85],
  [208, 138, 26],
];

function valueRgb(v: number): number[] {
  const t = Math.max(0, Math.min(1, (v + 1.5) / 3));
  return [Math.round(40 + 200 * t), Math.round(80 + 60 * (1 - Math.abs(2 * t - 1))), Math.round(240 - 200 * t)];
}

export async function drawBoundary(canvas: HTMLCanvasElement, net: Network, grid: Dataset, points: Dataset, task: 'classification' | 'regression'): Promise<void> {
  const outputs = await net.predict(grid);
  const k = net.outputs;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(GRID, GRID);
  for (let i = 0; i < GRID * GRID; i++) {
    let rgb: number[];
    let alpha = 255;
    if (task === 'regression') rgb = valueRgb(outputs[i * k]!);
    else {
      let best = 0;
      for (let j = 1; j < k; j++) if (outputs[i * k + j]! > outputs[i * k + best]!) best = j;
      const z = Array.from(outputs.subarray(i * k, i * k + k));
      const max = Math.max(...z);
      const sum = z.reduce((s, v) => s + Math.exp(v - max), 0);
      alpha = Math.round(90 + 120 * (1 / sum)); // confident regions darker
      rgb = CLASS_RGB[best % CLASS_RGB.length]!;
    }
    image.data.set([...rgb, alpha], 4 * i);
  }
  // Scale the small grid image up to the canvas.
  const small = new OffscreenCanvas(GRID, GRID);
  small.getContext('2d')!.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
  const toPx = (v: number, size: number) => ((v + EXTENT) / (2 * EXTENT)) * size;
  const shown = Math.min(points.rows, 400);
  for (let i = 0; i < shown; i++) {
    const px = toPx(points.x[2 * i]!, canvas.width);
    const py = canvas.height - toPx(points.x[2 * i + 1]!, canvas.height);
    const rgb = task === 'regression' ? valueRgb(points.targets![i]!) : CLASS_RGB[points.labels![i]! % CLASS_RGB.length]!;
    ctx.fillStyle = `rgb(${rgb.join(',')})`;
    ctx.strokeStyle = 'white';
    ctx.beginPath();
    ctx.arc(px, py, 2.5, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
  canvas.dataset.drawn = String(Number(canvas.dataset.drawn ?? 0) + 1);
}
