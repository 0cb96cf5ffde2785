// The browser example of the README, kept identical to it (test/readme.test.ts) and typechecked.
import { createRuntime, spirals, splitDataset } from 'senn';

const runtime = await createRuntime();                 // AdapterLimitError without WebGPU
const [train, validation] = splitDataset(spirals({ rows: 2000, seed: 0 }), 0.8, 0);
const net = runtime.createNetwork({ sizes: [2, 8, 2], seed: 0, expandable: [1, 2] });
await net.fit(train, {
  optimizer: { name: 'adam', lr: 0.01 }, batchSize: 64, epochs: 40, validation,
  expansion: { window: 3, minEpochsBetween: 6, lossChangeThreshold: 0.01, exactSplit: 'signed' },
  onEpoch: (e) => console.log(e.epoch, e.valAccuracy, e.architecture.join('-')),
});
const logits = await net.predict(validation);          // Float32Array, rows × 2
const file = new Blob([await runtime.saveNetwork(net)]); // a checkpoint to download
const again = runtime.loadNetwork(new Uint8Array(await file.arrayBuffer()));
net.destroy(); again.destroy(); runtime.destroy();
