// Class weights for a rare class: MNIST with only 1 in 20 of its 8s kept for training (293 of
// 54,442 rows), a 784-10 network trained without weights and with classWeights: 'balanced'
// (each class weighted by rows / (10 × its rows): the 8s about 19 times the others), then
// tested on the whole test split, where 8s are as common as any digit.
//
//   npm run build && node examples/class-weights.mjs
import { createNodeRuntime, loadMnist, subset } from 'senn/node';

const runtime = await createNodeRuntime();
const { train, test } = loadMnist();
let eights = 0;
const kept = [];
for (let row = 0; row < train.rows; row++) if (train.labels[row] !== 8 || eights++ % 20 === 0) kept.push(row);
const rare = subset(train, kept);
console.log(`training rows ${rare.rows}, of them 8s: ${rare.labels.filter((l) => l === 8).length}`);
const epochs = Number(process.env.EPOCHS ?? 5);
for (const classWeights of [undefined, 'balanced']) {
  const net = runtime.createNetwork({ sizes: [784, 10], seed: 0 });
  await net.fit(rare, { epochs, batchSize: 256, optimizer: { name: 'adam', lr: 0.002 }, ...(classWeights ? { classWeights } : {}) });
  const outputs = await net.predict(test);
  let [eightsFound, eightsTested, answeredEight, right] = [0, 0, 0, 0];
  for (let row = 0; row < test.rows; row++) {
    let answer = 0;
    for (let c = 1; c < 10; c++) if (outputs[row * 10 + c] > outputs[row * 10 + answer]) answer = c;
    const truth = test.labels[row];
    if (answer === truth) right++;
    if (answer === 8) answeredEight++;
    if (truth === 8) (eightsTested++, answer === 8 && eightsFound++);
  }
  const pct = (a, b) => `${((100 * a) / b).toFixed(1)}%`;
  console.log(`${(classWeights ?? 'unweighted').padEnd(10)}  recall of 8 ${pct(eightsFound, eightsTested)}, precision of 8 ${pct(eightsFound, answeredEight)}, test accuracy ${pct(right, test.rows)}`);
  net.destroy();
}
runtime.destroy();
