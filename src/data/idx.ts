import { describe, objectArg } from '../args.js';
import { DatasetError, DTypeError, ShapeError } from '../errors.js';
import { classificationDataset, type Dataset } from './dataset.js';

/** An IDX array (the MNIST file format): its dimensions and its bytes. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/**
 * Parse an uncompressed IDX file holding unsigned bytes (type 0x08), the format of MNIST
 * and Fashion-MNIST. Sizes are checked against the header before anything is copied.
 */
export function parseIdx(bytes: Uint8Array, name = 'IDX file'): IdxArray {
  if (!(bytes instanceof Uint8Array)) throw new DTypeError(`${name} must be given as a Uint8Array, got ${describe(bytes)}`);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new DTypeError(`${name} is gzip-compressed; decompress it first (the Node loaders and fetchIdx do this)`);
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new DTypeError(`${name} is not an IDX file (bad magic number)`);
  if (bytes[2] !== 0x08) throw new DTypeError(`${name} holds element type 0x${bytes[2]!.toString(16)}; only unsigned bytes (0x08) are supported`);
  const rank = bytes[3]!;
  if (rank < 1 || bytes.length < 4 + 4 * rank) throw new ShapeError(`${name}: truncated header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  const start = 4 + 4 * rank;
  if (bytes.length - start !== count) {
    throw new ShapeError(`${name}: header says ${dims.join('×')} = ${count} values but the file holds ${bytes.length - start}`);
  }
  return { dims, data: bytes.subarray(start) };
}

/** Fashion-MNIST's ten classes by label, as Zalando names them. */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

/**
 * The class names a named dataset has beyond its class numbers, from a run's data
 * description: a CSV's class column (`csv.classNames`) or Fashion-MNIST's; undefined where
 * the numbers are the names (MNIST's digits, the generated sets).
 */
export function datasetClassNames(recipe: { dataset?: unknown; csv?: unknown }): readonly string[] | undefined {
  const csv = (recipe.csv as { classNames?: unknown } | undefined)?.classNames;
  if (Array.isArray(csv)) return csv.map(String);
  return recipe.dataset === 'fashion-mnist' ? FASHION_MNIST_CLASSES : undefined;
}

/**
 * An image-classification dataset from an IDX images file (N × H × W bytes, scaled to [0, 1])
 * and its IDX labels file (N bytes), as MNIST and Fashion-MNIST ship them.
 */
export function idxDataset(images: IdxArray, labels: IdxArray, name: string, classes = 10): Dataset {
  const [rows, h, w] = images.dims;
  if (images.dims.length !== 3 || labels.dims.length !== 1 || rows !== labels.dims[0]) {
    throw new DatasetError(`${name}: images ${images.dims.join('×')} do not match labels ${labels.dims.join('×')}`);
  }
  return classificationDataset({ x: images.data, labels: labels.data, features: h! * w!, classes, name });
}

/**
 * An IDX file fetched from `url`, gunzipped (with `DecompressionStream`) when it is
 * compressed: for the browser, where there is no file system, and anywhere `fetch` works.
 * A failed request is a {@link DatasetError} naming the URL and the status.
 */
export async function fetchIdx(url: string | URL, init?: RequestInit): Promise<IdxArray> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new DatasetError(`${String(url)}: ${(error as Error).message}`);
  }
  if (!response.ok) throw new DatasetError(`${String(url)}: ${response.status} ${response.statusText}`);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
      bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    }
  } catch (error) {
    // A body cut off in transfer, or gzip data that does not decompress.
    throw new DatasetError(`${String(url)}: ${(error as Error).message}`);
  }
  return parseIdx(bytes, String(url));
}

/**
 * MNIST-style data from the web: the images and labels IDX files at two URLs (plain or
 * gzipped), fetched together, as one classification dataset.
 *
 * ```ts
 * const train = await fetchIdxDataset({ images: 'data/train-images-idx3-ubyte.gz', labels: 'data/train-labels-idx1-ubyte.gz', name: 'mnist' });
 * ```
 */
export async function fetchIdxDataset(a: { images: string | URL; labels: string | URL; name?: string; classes?: number }): Promise<Dataset> {
  objectArg('fetchIdxDataset: its argument', a, DatasetError);
  const [images, labels] = await Promise.all([fetchIdx(a.images), fetchIdx(a.labels)]);
  return idxDataset(images, labels, a.name ?? 'idx', a.classes);
}
