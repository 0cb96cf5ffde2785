// The Node example of the README, kept identical to it (test/readme.test.ts) and typechecked.
import { readFileSync, writeFileSync } from 'node:fs';
import { createNodeRuntime, loadMnist, splitDataset } from 'senn/node';

const runtime = await createNodeRuntime({ boundsChecks: false }); // only senn's kernels run here
const { train: full, test } = loadMnist();             // the real 60,000 + 10,000 images
const [train, validation] = splitDataset(full, 0.8, 0);
const net = runtime.createNetwork({ sizes: [784, 10], seed: 0 });
await net.fit(train, {
  optimizer: { name: 'adam', lr: 1e-3 }, batchSize: 256, epochs: 64, validation,
  expansion: {},                                       // the reference MNIST settings
  onProgress: (p) => process.stderr.write(`\r${p.step}/${p.steps} loss ${p.loss.toFixed(4)}`),
});
console.log(await net.evaluate(test), net.structure.sizes);  // { loss, accuracy }, e.g. [784, 344, 10]
writeFileSync('mnist.senn', await runtime.saveNetwork(net));
const again = runtime.loadNetwork(readFileSync('mnist.senn')); // the same network, to go on training
runtime.destroy();
