import { classificationDataset, type Dataset, regressionDataset } from './dataset.js';
import { objectArg, describe } from '../args.js';
import { ConfigError } from '../errors.js';
import { checkSeed, Random } from './random.js';

/** The most rows a generated dataset may have (2²⁶): a stray count is an error, not a process out of memory. */
export const MAX_GENERATED_ROWS = 2 ** 26;

/** A generator's arguments checked (`name` prefixes the errors); returns its seeded generator. */
function generator(name: string, a: { rows: number; seed: number }): Random {
  objectArg(`${name}: its argument`, a);
  if (!Number.isInteger(a.rows) || a.rows < 1 || a.rows > MAX_GENERATED_ROWS) throw new ConfigError(`${name}: rows must be a whole number from 1 to ${MAX_GENERATED_ROWS}, got ${describe(a.rows)}`);
  return new Random(checkSeed(`${name}: seed`, a.seed));
}

/** A generator's optional number `key` of `a`, else `fallback`: a finite number, else a ConfigError (a string such as "0.1" would be taken as one). */
function numberOption(name: string, a: object, key: string, fallback: number): number {
  const value = (a as Record<string, unknown>)[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ConfigError(`${name}: ${key} must be a finite number, got ${describe(value)}`);
  return value;
}

/**
 * Two interleaved 2-D spirals (2 classes), generated from `seed`: a small task no linear
 * model can solve, for tests, examples and the demo.
 */
export function spirals(a: { rows: number; seed: number; noise?: number; turns?: number; name?: string }): Dataset {
  const rng = generator('spirals', a);
  const noise = numberOption('spirals', a, 'noise', 0.05);
  const turns = numberOption('spirals', a, 'turns', 1.5);
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

/**
 * The XOR pattern in 2-D: points uniform in [-1, 1]², class 1 where exactly one coordinate
 * is positive. A margin `gap` around the axes is left empty so the task is learnable exactly.
 */
export function xor(a: { rows: number; seed: number; gap?: number; name?: string }): Dataset {
  const rng = generator('xor', a);
  const gap = numberOption('xor', a, 'gap', 0.05);
  const x = new Float32Array(a.rows * 2);
  const labels = new Uint32Array(a.rows);
  const coordinate = () => {
    const v = gap + (1 - gap) * rng.next();
    return rng.next() < 0.5 ? -v : v;
  };
  for (let i = 0; i < a.rows; i++) {
    const u = coordinate();
    const v = coordinate();
    x[2 * i] = u;
    x[2 * i + 1] = v;
    labels[i] = u > 0 !== v > 0 ? 1 : 0;
  }
  return classificationDataset({ x, labels, features: 2, classes: 2, name: a.name ?? 'xor' });
}

/**
 * A smooth synthetic regression in 2-D: y = sin(πu)·cos(πv/2) + u·v/2 + noise, with (u, v)
 * uniform in [-1, 1]². Small enough to learn in seconds, curved enough to need hidden units.
 */
export function regression2d(a: { rows: number; seed: number; noise?: number; name?: string }): Dataset {
  const rng = generator('regression2d', a);
  const noise = numberOption('regression2d', a, 'noise', 0.02);
  const x = new Float32Array(a.rows * 2);
  const targets = new Float32Array(a.rows);
  for (let i = 0; i < a.rows; i++) {
    const u = 2 * rng.next() - 1;
    const v = 2 * rng.next() - 1;
    x[2 * i] = u;
    x[2 * i + 1] = v;
    targets[i] = regressionTarget(u, v) + noise * rng.normal();
  }
  return regressionDataset({ x, targets, features: 2, name: a.name ?? 'regression' });
}

/** The noiseless function {@link regression2d} samples. */
export function regressionTarget(u: number, v: number): number {
  return Math.sin(Math.PI * u) * Math.cos((Math.PI * v) / 2) + (u * v) / 2;
}
