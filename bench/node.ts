// senn's workloads in Node alone, for machines without Chromium or npm (e.g. a GPU server):
//   npm run bench:bundle      (writes bench-node.mjs: esbuild, webgpu left external; the banner
//                              gives the ES module a `require`, which TensorFlow.js calls)
// then, beside a node_modules that holds `webgpu` (its dist/linux-x64/dawn.node is enough):
//   node bench-node.mjs [--reps N] [--data-dir MNIST_IDX_DIR] [--out FILE.json]
// (TensorFlow.js's WebAssembly backend, the CPU column, runs only where node_modules holds its
// files; elsewhere the run says so and goes on without it.)
// `npm run bench -- --node-only` runs the same workloads from the checkout.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { nodeRun } from './nodeRun.js';
import { benchMeta } from './report.js';

const { values } = parseArgs({
  options: { reps: { type: 'string', default: '10' }, 'data-dir': { type: 'string' }, out: { type: 'string', default: 'bench/results/latest-node.json' } },
});
const reps = Math.max(10, Number(values.reps));
const meta = benchMeta(reps);
const result = await nodeRun(reps, values['data-dir']);
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify({ ...meta, ...result }, null, 2)}\n`);
console.log(`wrote ${values.out}`);
// Dawn keeps the event loop alive while a GPU instance exists.
process.exit(0);
