import { describe, objectArg } from '../args.js';
import { checkRows, type Dataset } from './dataset.js';
import { DTypeError, ShapeError } from '../errors.js';

/** Per-feature mean and standard deviation, measured on training rows and reused on any other split. */
export interface FeatureStats {
  mean: number[];
  std: number[];
}

/** Mean and standard deviation of each feature of `data` (a constant feature gets std 1). */
export function featureStats(data: Dataset): FeatureStats {
  checkRows(data, 'featureStats');
  const f = data.features;
  const mean = new Array<number>(f).fill(0);
  const sq = new Array<number>(f).fill(0);
  for (let r = 0; r < data.rows; r++) {
    for (let j = 0; j < f; j++) {
      const v = data.x[r * f + j]! * data.featureScale;
      mean[j]! += v;
      sq[j]! += v * v;
    }
  }
  const std = mean.map((s, j) => {
    const m = s / data.rows;
    const variance = Math.max(0, sq[j]! / data.rows - m * m);
    return variance > 1e-12 ? Math.sqrt(variance) : 1;
  });
  return { mean: mean.map((s) => s / data.rows), std };
}

/** `data` with every feature shifted and scaled by `stats` (float features, scale 1). */
export function standardize(data: Dataset, stats: FeatureStats): Dataset {
  checkRows(data, 'standardize');
  const f = data.features;
  objectArg('standardize: the feature statistics', stats, ShapeError);
  if (!Array.isArray(stats.mean) || !Array.isArray(stats.std) || stats.mean.length !== f || stats.std.length !== f) {
    throw new ShapeError(`${data.name}: feature statistics must hold a mean and a std for each of its ${f} features (as featureStats gives them), got ${describe(stats)}`);
  }
  for (let j = 0; j < f; j++) {
    const [mean, std] = [stats.mean[j], stats.std[j]];
    if (typeof mean !== 'number' || !Number.isFinite(mean) || typeof std !== 'number' || !(std > 0 && Number.isFinite(std))) {
      throw new DTypeError(`${data.name}: feature ${j}'s statistics must be a finite mean and a positive, finite std, got ${describe(mean)} and ${describe(std)}`);
    }
  }
  const x = new Float32Array(data.rows * f);
  for (let r = 0; r < data.rows; r++) {
    for (let j = 0; j < f; j++) x[r * f + j] = (data.x[r * f + j]! * data.featureScale - stats.mean[j]!) / stats.std[j]!;
  }
  return { ...data, x, featureScale: 1 };
}
