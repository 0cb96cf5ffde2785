// The CSV example of the README, kept identical to it (test/readme.test.ts) and typechecked.
import { createRuntime, featureStats, splitDataset, standardize } from 'senn';
import { csvDataset, parseCsv } from 'senn/csv';

const file = document.querySelector<HTMLInputElement>('input[type=file]')!.files![0]!;
const table = parseCsv(await file.text(), { name: file.name }); // { columns, rows }; `delimiter: ';'` for others
const { dataset, schema } = csvDataset(table, { target: 'species', task: 'classification' });
const [train, validation] = splitDataset(dataset, 0.8, 0);
const stats = featureStats(train);                     // standardised with the training rows, as `senn train` does
const runtime = await createRuntime();
const net = runtime.createNetwork({ sizes: [dataset.features, 8, dataset.classes!], seed: 0, expandable: [1, 2] });
await net.fit(standardize(train, stats), {
  optimizer: { name: 'adam', lr: 0.01 }, epochs: 40, validation: standardize(validation, stats),
  expansion: { exactSplit: 'signed' },                 // standardised inputs are signed: see Self-expansion
});
console.log(schema.classNames, await net.evaluate(standardize(validation, stats)));
