import { describe, objectArg, positiveInteger } from '../args.js';
import { DTypeError, LabelRangeError, NaNError, ShapeError } from '../errors.js';
import { checkSeed, Random } from './random.js';

/**
 * Rows of features with either class labels (classification) or target values
 * (regression). Features are row-major; a `Uint8Array` is read as `byte × featureScale`
 * (MNIST pixels stay bytes on the GPU, a quarter of the memory of floats).
 */
export interface Dataset {
  readonly name: string;
  readonly rows: number;
  readonly features: number;
  readonly x: Float32Array | Uint8Array;
  /** Multiplier for byte features (1/255 for images); 1 for float features. */
  readonly featureScale: number;
  /** Class labels in [0, classes), one per row (classification). */
  readonly labels?: Uint32Array;
  readonly classes?: number;
  /** Target values, rows × targetCount (regression). */
  readonly targets?: Float32Array;
  readonly targetCount?: number;
}

/** Whether any feature value of `d` is below zero (byte features: only with a negative scale). */
export function hasNegativeFeatures(d: Dataset): boolean {
  if (d.x instanceof Uint8Array) return d.featureScale < 0;
  for (let i = 0; i < d.x.length; i++) if (d.x[i]! < 0) return true;
  return false;
}

/** Label arrays accepted by {@link classificationDataset}. */
export type LabelInput = ArrayLike<number>;

/** The checked input half of a dataset: `x`, rows × features finite values, and its scale (bytes default to 1/255). */
function checkedInputs(name: string, rows: number, a: { x: Float32Array | Uint8Array; features: number; featureScale?: number }) {
  const { x, features } = a;
  checkInputArray(x, name);
  positiveInteger(`${name}: features`, features, false, ShapeError);
  if (rows < 1) throw new ShapeError(`${name}: the dataset is empty`);
  if (x.length !== rows * features) {
    throw new ShapeError(`${name}: x has ${x.length} values, expected rows × features = ${rows} × ${features} = ${rows * features}`);
  }
  if (x instanceof Float32Array) {
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i])) {
        throw new NaNError(`${name}: x[row ${Math.floor(i / features)}, feature ${i % features}] is ${x[i]}`);
      }
    }
  }
  if (a.featureScale !== undefined) checkFeatureScale(a.featureScale, name);
  return { name, rows, features, x, featureScale: a.featureScale ?? defaultScale(x) };
}

/** What a feature of `x` is multiplied by unless a dataset says otherwise: bytes are pixels, / 255. */
const defaultScale = (x: Float32Array | Uint8Array) => (x instanceof Uint8Array ? 1 / 255 : 1);

/** How many rows of `features` values `x` holds; a ShapeError naming `name` where that is not whole. */
function wholeRows(x: Float32Array | Uint8Array, features: number, name: string): number {
  const rows = x.length / features;
  if (!Number.isInteger(rows)) throw new ShapeError(`${name}: x has ${x.length} values, not whole rows of ${features} features`);
  return rows;
}

/** A DTypeError naming `what` unless `x` is a dataset's kind of input array. */
function checkInputArray(x: unknown, what: string): void {
  if (!(x instanceof Float32Array || x instanceof Uint8Array)) throw new DTypeError(`${what}: x must be a Float32Array or a Uint8Array, got ${describe(x)}`);
}

/** A DTypeError naming `what` unless `scale` is a finite number: the gather kernels read it as a float, where a string or a missing value became 0. */
function checkFeatureScale(scale: unknown, what: string): void {
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new DTypeError(`${what}: featureScale must be a finite number (each input is x × featureScale; 1/255 for pixels), got ${describe(scale)}`);
}

/** A DTypeError naming `what` unless `value` (a dataset's `classes` or `targetCount`) is absent or a positive integer. */
function checkCount(value: unknown, key: 'classes' | 'targetCount', what: string): void {
  if (value !== undefined) positiveInteger(`${what}: ${key}`, value, false, DTypeError);
}

/**
 * A typed error naming `what` unless `data`'s fields are of their kinds: x a Float32Array or a
 * Uint8Array, labels a Uint32Array and targets a Float32Array where present, featureScale a finite
 * number, classes and targetCount positive integers where present. A dataset put together by
 * hand (a page's script, a REPL) would otherwise fail inside an upload, in the GPU API's words,
 * or take a string such as "2" for a number.
 */
export function checkDatasetKinds(data: Dataset, what: string): void {
  objectArg(what, data, ShapeError);
  checkInputArray(data.x, what);
  if (data.labels !== undefined && !(data.labels instanceof Uint32Array)) throw new DTypeError(`${what}: labels must be a Uint32Array (classificationDataset makes one), got ${describe(data.labels)}`);
  if (data.targets !== undefined && !(data.targets instanceof Float32Array)) throw new DTypeError(`${what}: targets must be a Float32Array, got ${describe(data.targets)}`);
  checkFeatureScale(data.featureScale, what);
  checkCount(data.classes, 'classes', what);
  checkCount(data.targetCount, 'targetCount', what);
}

/** Convert and check class labels: integers in [0, classes). */
export function toLabels(name: string, labels: LabelInput, rows: number, classes?: number): Uint32Array {
  if (labels.length !== rows) throw new ShapeError(`${name}: ${labels.length} labels for ${rows} rows`);
  const out = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = labels[i]!;
    if (!Number.isInteger(v)) throw new DTypeError(`${name}: label of row ${i} is ${v}, not an integer`);
    if (v < 0 || (classes !== undefined && v >= classes)) {
      throw new LabelRangeError(`${name}: label of row ${i} is ${v}, outside [0, ${classes ?? '∞'})`);
    }
    out[i] = v;
  }
  return out;
}

/**
 * A checked dataset of inputs alone, no labels or targets: rows to {@link Network.predict} or
 * {@link Network.classify}. `x` is row-major, `features` values a row, so it holds
 * `x.length / features` rows (a ShapeError where that is not whole).
 */
export function inputDataset(a: { x: Float32Array | Uint8Array; features: number; featureScale?: number; name?: string }): Dataset {
  objectArg('inputDataset: its argument', a);
  const name = a.name ?? 'inputs';
  checkInputArray(a.x, name);
  positiveInteger(`${name}: features`, a.features, false, ShapeError);
  return checkedInputs(name, wholeRows(a.x, a.features, name), a);
}

/**
 * `data` as a dataset: rows at hand (a Float32Array, or bytes read as / 255) as the inputs of a
 * network of `features` inputs, a dataset as it is; a bare list or another typed array is a
 * DTypeError saying what to give (`what` names the call). Rows at hand are checked only for
 * being whole here: the caller checks every dataset it is given (checkDataFor), NaNs included.
 */
export function rowsAsDataset(data: Dataset | Float32Array | Uint8Array, features: number, what: string): Dataset {
  if (data instanceof Float32Array || data instanceof Uint8Array) return { name: 'rows at hand', rows: wholeRows(data, features, what), features, x: data, featureScale: defaultScale(data) };
  if (Array.isArray(data) || ArrayBuffer.isView(data)) throw new DTypeError(`${what} is ${describe(data)}: give a Dataset, or a Float32Array (or Uint8Array) of rows × ${features} inputs`);
  return data;
}

/** A checked classification dataset. `classes` defaults to max(label) + 1. */
export function classificationDataset(a: {
  x: Float32Array | Uint8Array;
  labels: LabelInput;
  features: number;
  classes?: number;
  featureScale?: number;
  name?: string;
}): Dataset {
  objectArg('classificationDataset: its argument', a);
  const name = a.name ?? 'dataset';
  checkCount(a.classes, 'classes', name);
  if (!(Array.isArray(a.labels) || ArrayBuffer.isView(a.labels))) throw new DTypeError(`${name}: labels must be a list or a typed array of integers, got ${describe(a.labels)}`);
  const rows = a.labels.length;
  const inputs = checkedInputs(name, rows, a);
  const labels = toLabels(name, a.labels, rows, a.classes);
  let classes = a.classes;
  if (classes === undefined) {
    classes = 0;
    for (const v of labels) classes = Math.max(classes, v + 1);
  }
  return { ...inputs, labels, classes };
}

/** A checked regression dataset with `targetCount` targets per row. */
export function regressionDataset(a: {
  x: Float32Array | Uint8Array;
  targets: Float32Array;
  features: number;
  targetCount?: number;
  featureScale?: number;
  name?: string;
}): Dataset {
  objectArg('regressionDataset: its argument', a);
  const name = a.name ?? 'dataset';
  if (!(a.targets instanceof Float32Array)) throw new DTypeError(`${name}: targets must be a Float32Array, got ${describe(a.targets)}`);
  checkCount(a.targetCount, 'targetCount', name);
  const targetCount = a.targetCount ?? 1;
  const rows = a.targets.length / targetCount;
  if (!Number.isInteger(rows)) throw new ShapeError(`${name}: ${a.targets.length} targets is not a multiple of targetCount ${targetCount}`);
  const inputs = checkedInputs(name, rows, a);
  for (let i = 0; i < a.targets.length; i++) {
    if (!Number.isFinite(a.targets[i])) throw new NaNError(`${name}: target of row ${Math.floor(i / targetCount)} is ${a.targets[i]}`);
  }
  return { ...inputs, targets: a.targets, targetCount };
}

/**
 * A ShapeError unless `data`'s arrays hold the rows it says (`what` names the call), after
 * {@link checkDatasetKinds}: a dataset put together by hand, or spread over with another
 * `rows`, would otherwise be read past its end or allocate for rows it does not have.
 */
export function checkRows(data: Dataset, what: string): void {
  checkDatasetKinds(data, `${what}: the dataset`);
  const { rows, features } = data;
  const lengths = !Number.isSafeInteger(rows) || rows < 0 || !Number.isSafeInteger(features) || features < 1 ? `rows ${rows} and features ${features}` : null;
  const x = data.x?.length !== rows * features ? `x of ${data.x?.length} values` : null;
  const labels = data.labels && data.labels.length !== rows ? `${data.labels.length} labels` : null;
  const targets = data.targets && data.targets.length !== rows * (data.targetCount ?? 1) ? `${data.targets.length} targets` : null;
  const problem = lengths ?? x ?? labels ?? targets;
  if (problem) throw new ShapeError(`${what}: ${data.name} has ${problem} for ${rows} rows of ${features} features`);
}

/** The rows `indices` of `data`, in that order (each an integer in [0, rows), or a ShapeError). */
export function subset(data: Dataset, indices: ArrayLike<number>, name?: string): Dataset {
  checkRows(data, 'subset');
  if (!(Array.isArray(indices) || ArrayBuffer.isView(indices))) throw new ShapeError(`subset: the rows must be a list of indices, got ${describe(indices)}`);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i]!;
    if (!Number.isInteger(r) || r < 0 || r >= data.rows) throw new ShapeError(`subset: index ${i} is ${r}, not a row of ${data.name} (0 to ${data.rows - 1})`);
  }
  const f = data.features;
  const x = new (data.x.constructor as Float32ArrayConstructor | Uint8ArrayConstructor)(indices.length * f);
  for (let i = 0; i < indices.length; i++) x.set(data.x.subarray(indices[i]! * f, indices[i]! * f + f), i * f);
  const out: { -readonly [K in keyof Dataset]: Dataset[K] } = { ...data, name: name ?? data.name, rows: indices.length, x };
  if (data.labels) out.labels = Uint32Array.from(indices, (i) => data.labels![i]!);
  if (data.targets) {
    const t = data.targetCount ?? 1;
    const targets = new Float32Array(indices.length * t);
    for (let i = 0; i < indices.length; i++) targets.set(data.targets.subarray(indices[i]! * t, indices[i]! * t + t), i * t);
    out.targets = targets;
  }
  return out;
}

/**
 * `rows` of `data`'s rows picked at random by `seed`, kept in their order in `data`; all of
 * them, as they are, when `rows` is at least `data.rows`. The rows `senn train --train-rows`
 * trains on; the demo picks its images so too, so a network saved in the page goes on in Node
 * (`senn train --resume`) with the same rows.
 */
export function pickRows(data: Dataset, rows: number, seed: number): Dataset {
  checkRows(data, 'pickRows');
  if (!(Number.isInteger(rows) && rows >= 1)) throw new ShapeError(`pickRows: rows must be a whole number of at least 1, got ${describe(rows)}`);
  const random = new Random(checkSeed('pickRows: seed', seed));
  if (rows >= data.rows) return data;
  return subset(data, random.permutation(data.rows).subarray(0, rows).sort());
}

/**
 * Split into (first, second) with `fraction` of the rows in the first part, chosen by a
 * seeded shuffle: the same seed always gives the same split.
 */
export function splitDataset(data: Dataset, fraction: number, seed: number): [Dataset, Dataset] {
  checkRows(data, 'splitDataset');
  if (!(typeof fraction === 'number' && fraction > 0 && fraction < 1)) throw new ShapeError(`split fraction must be in (0, 1), got ${describe(fraction)}`);
  const order = new Random(checkSeed('splitDataset: seed', seed)).permutation(data.rows);
  const cut = Math.round(data.rows * fraction);
  return [subset(data, order.subarray(0, cut), `${data.name}/train`), subset(data, order.subarray(cut), `${data.name}/validation`)];
}
