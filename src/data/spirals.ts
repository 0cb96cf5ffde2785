import { classificationDataset, type Dataset } from './dataset.js';
import { Random } from './random.js';

/**
 * Two interleaved 2-D spirals (2 classes), generated from `seed`: a small task no linear
 * model can solve, for tests, examples and the demo.
 */
export function spirals(a: { rows: number; seed: number; noise?: number; turns?: number; name?: string }): Dataset {
  const rng = new Random(a.seed);
  const noise = a.noise ?? 0.05;
  const turns = a.turns ?? 1.5;
  const x = new Float32Array(a.rows * 2);
  const labels = new Uint32Array(a.rows);
  for (let i = 0; i < a.rows; i++) {
    const label = i % 2;
    const t = Math.sqrt(rng.next());
    const angle = t * turns * 2 * Math.PI + label * Math.PI;
    x[2 * i] = t * Math.cos(angle) + noise * rng.normal();
    x[2 * i + 1] = t * Math.sin(angle) + noise * rng.normal();
    labels[i] = label;
  }
  return classificationDataset({ x, labels, features: 2, classes: 2, name: a.name ?? 'spirals' });
}
