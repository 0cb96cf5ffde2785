// A significance metric of your own, computed on the CPU from the raw running statistics
// (readEdgeStatistics: each edge's weight and Σ|g|, Σg, Σg² over the epoch's batches), without
// WGSL: every few epochs, split the 4 edges into the outputs whose gradient is the most
// consistent in sign, |mean g| / std g over the batches (a signal-to-noise ratio).
//
//   npm run build && node examples/custom-metric.mjs
import { createNodeRuntime, spirals } from 'senn/node';

const runtime = await createNodeRuntime();
const net = runtime.createNetwork({ sizes: [2, 12, 2], seed: 0 });
const train = spirals({ rows: 2000, seed: 1 });
const validation = spirals({ rows: 500, seed: 2 });
const rounds = Number(process.env.ROUNDS ?? 5);
for (let round = 1; round <= rounds; round++) {
  // edgeStatistics: the running sums are collected in every epoch (each epoch starts them again).
  const reports = await net.fit(train, { epochs: 4, batchSize: 50, optimizer: { name: 'adam', lr: 0.01 }, validation, edgeStatistics: true });
  const output = net.structure.output.id;
  const batches = net.statisticsBatches;
  const scored = [];
  for (const { block, sum, sumSq } of await net.readEdgeStatistics(output)) {
    sum.forEach((s, edge) => {
      const mean = s / batches;
      const std = Math.sqrt(Math.max(sumSq[edge] / batches - mean * mean, 1e-12));
      scored.push({ block, edge, snr: Math.abs(mean) / std });
    });
  }
  scored.sort((a, b) => b.snr - a.snr);
  const picked = scored.slice(0, 4).map(({ block, edge }) => ({ block, edge }));
  const split = await net.splitEdges(output, picked);
  const last = reports[reports.length - 1];
  console.log(
    `round ${round}: val_acc ${(100 * last.valAccuracy).toFixed(1)}%, split ${split.edgesSplit} edges (signal-to-noise ${scored[0].snr.toFixed(2)}–${scored[3].snr.toFixed(2)}) → ${net.parameterCount} params, arch ${net.structure.sizes.join('-')}`,
  );
}
net.destroy();
runtime.destroy();
process.exit(0);
