import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvDataset, csvFeatures, parseCsv } from '../../src/data/csv.js';
import { DatasetError } from '../../src/errors.js';
import { readCsv } from '../../src/node/csv.js';

describe('parseCsv', () => {
  it('reads a header and rows: quoted fields with commas, trimmed cells, empty lines and a byte-order mark skipped', () => {
    const table = parseCsv('\uFEFFname, size ,kind\n"a, b",1.5,x\n\n  c ,2,"y"\n', { name: 'things.csv' });
    expect(table).toEqual({ name: 'things.csv', columns: ['name', 'size', 'kind'], rows: [['a, b', '1.5', 'x'], ['c', '2', 'y']] });
  });

  it('takes another delimiter', () => {
    const table = parseCsv('u;v\n1,5;2\n', { delimiter: ';' });
    expect(table.columns).toEqual(['u', 'v']);
    expect(table.rows).toEqual([['1,5', '2']]);
  });

  it('reads a file as its text (readCsv), naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'senn-csv-'));
    try {
      const path = join(dir, 'points.csv');
      const text = 'u,v,k\n0.5,1,a\n-1,2,b\n';
      writeFileSync(path, text);
      expect(readCsv(path)).toEqual(parseCsv(text, { name: path }));
      expect(() => readCsv(join(dir, 'missing.csv'))).toThrow(/cannot read CSV file .*missing\.csv/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses text that is not CSV, has no data row, or a delimiter that cannot be one, with a DatasetError naming the file', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => parseCsv('a,b\n"open,1\n', { name: 'bad.csv' }), /^bad\.csv: not a valid CSV file/],
      [() => parseCsv('a,b\n', { name: 'header.csv' }), /^header\.csv: needs a header row and at least one data row/],
      [() => parseCsv('', { name: 'empty.csv' }), /^empty\.csv: needs a header row/],
      [() => parseCsv('a,b\n1,2\n', { delimiter: '"' }), /delimiter must be a non-empty string without quotes/],
      [() => parseCsv('a,b\n1,2\n', { delimiter: '' }), /delimiter must be a non-empty string/],
      [() => parseCsv(new Uint8Array(3) as unknown as string), /CSV text must be a string, got object/],
    ];
    for (const [call, message] of cases) {
      expect(call).toThrow(DatasetError);
      expect(call).toThrow(message);
    }
  });
});

describe('csvDataset', () => {
  const table = parseCsv('w,h,kind\n1,2,cat\n3,4,dog\n5,6,cat\n7,8,bird\n', { name: 'pets.csv' });

  it('classification: the target column becomes labels over its sorted distinct values, the other columns features', () => {
    const { dataset, schema } = csvDataset(table, { target: 'kind', task: 'classification' });
    expect(schema).toEqual({ task: 'classification', target: 'kind', features: ['w', 'h'], classNames: ['bird', 'cat', 'dog'] });
    expect(Array.from(dataset.x)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(dataset.labels!)).toEqual([1, 2, 1, 0]);
    expect([dataset.rows, dataset.features, dataset.classes, dataset.name]).toEqual([4, 2, 3, 'pets.csv']);
  });

  it('numeric classes sort as numbers; a schema reads another file as the first was read', () => {
    const numbers = parseCsv('x,y\n1,10\n2,9\n3,10\n', { name: 'n.csv' });
    const { schema } = csvDataset(numbers, { target: 'y', task: 'classification' });
    expect(schema.classNames).toEqual(['9', '10']);
    // Columns in another order, a class the first file did not have fewer: read by the schema.
    const later = parseCsv('y,x\n9,4\n', { name: 'later.csv' });
    const { dataset } = csvDataset(later, { target: 'y', task: 'classification', schema });
    expect(Array.from(dataset.labels!)).toEqual([0]);
    expect(dataset.classes).toBe(2);
    expect(() => csvDataset(parseCsv('y,x\n8,4\n'), { target: 'y', task: 'classification', schema })).toThrow(/class "8" of column "y" is not one of 9, 10/);
  });

  it('ignore leaves columns out of the features (an id, a name); an ignored column that is not there is named', () => {
    const people = parseCsv('id,name,w,h,kind\n7,ann,1,2,cat\n8,bob,3,4,dog\n', { name: 'people.csv' });
    const { dataset, schema } = csvDataset(people, { target: 'kind', task: 'classification', ignore: ['id', 'name'] });
    expect(schema.features).toEqual(['w', 'h']);
    expect(Array.from(dataset.x)).toEqual([1, 2, 3, 4]);
    expect(() => csvDataset(people, { target: 'kind', task: 'classification' })).toThrow(/people\.csv: line 2, column "name": "ann" is not a number/);
    expect(() => csvDataset(people, { target: 'kind', task: 'classification', ignore: ['age'] })).toThrow(/people\.csv: no column "age"/);
    expect(() => csvDataset(people, { target: 'kind', task: 'classification', ignore: ['id', 'name', 'w', 'h'] })).toThrow(/no feature columns besides the target "kind" and the ignored ones/);
  });

  it('regression: the target column as numbers', () => {
    const { dataset, schema } = csvDataset(parseCsv('a,t\n1,0.5\n2,-1.25\n'), { target: 't', task: 'regression' });
    expect(schema).toEqual({ task: 'regression', target: 't', features: ['a'] });
    expect(Array.from(dataset.targets!)).toEqual([0.5, -1.25]);
  });

  it('names the line and column of a cell that is not a number, a missing column, and a short row', () => {
    expect(() => csvDataset(parseCsv('a,b,t\n1,2,x\n3,oops,y\n', { name: 'bad.csv' }), { target: 't', task: 'classification' })).toThrow(
      /bad\.csv: line 3, column "b": "oops" is not a number/,
    );
    expect(() => csvDataset(table, { target: 'colour', task: 'classification' })).toThrow(/pets\.csv: no column "colour"; the columns are w, h, kind$/);
    // Read with another separator than its own, the header is one column: the message says so.
    expect(() => csvDataset(parseCsv('w;h;kind\n1;2;cat\n', { name: 'semi.csv' }), { target: 'kind', task: 'classification' })).toThrow(
      'semi.csv: no column "kind"; the columns are w;h;kind (one column: are the fields separated by ";"? give that as the delimiter)',
    );
    expect(() => parseCsv('a,b\n1,2\n3\n', { name: 'short.csv' })).toThrow(/short\.csv: not a valid CSV file \(Invalid Record Length: expect 2, got 1 on line 3\)/);
    // A table built by hand is checked again where its rows become features.
    expect(() => csvFeatures({ name: 'hand', columns: ['a', 'b'], rows: [['1', '2'], ['3']] }, ['a'])).toThrow(/hand: line 3 has 1 cells, the header has 2/);
    expect(() => csvDataset(parseCsv('t\n1\n', { name: 'one.csv' }), { target: 't', task: 'regression' })).toThrow(/no feature columns besides the target "t"/);
  });
});

describe('the senn/csv entry (the build)', () => {
  it("shares the main entry's classes: its errors are the DatasetError senn/node exports", async () => {
    const csv = await import('senn/csv');
    const node = await import('senn/node');
    let thrown: unknown;
    try {
      csv.parseCsv('a\n', { name: 'x.csv' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(node.DatasetError);
    expect(node.parseCsv).toBe(csv.parseCsv);
  });
});
