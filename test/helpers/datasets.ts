import { classificationDataset, type Dataset } from '../../src/data/dataset.js';
import type { Random } from '../../src/data/random.js';
import { randomArray } from './numeric.js';

/** `rows` rows of `features` values uniform in [lo, hi), each with a random label of `classes`. */
export function randomClassification(rng: Random, rows: number, features: number, classes: number, lo = 0, hi = 1): Dataset {
  return classificationDataset({ x: randomArray(rng, rows * features, lo, hi), labels: Array.from({ length: rows }, () => rng.int(classes)), features, classes });
}
