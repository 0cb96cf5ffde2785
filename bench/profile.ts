// `npm run profile -- CHECKPOINT [REPS] [--no-stats] [--max-grad-norm X] [--dropout X]
// [--input-dropout X]`: where one training step of a saved network spends its time. Records the
// dispatches of one step of `fit` (batch 256 of MNIST, running edge statistics on, as an
// expanding run has them in the epochs whose end may expand or prune; --no-stats: as in its
// other epochs; --max-grad-norm: with gradient clipping; --dropout, --input-dropout: with
// fit's dropout of the hidden levels or of the inputs), then replays each dispatch alone REPS
// times (default 20) and prints its mean time in ms, and the whole step replayed as one pass.
// A checkpoint comes from `senn train ... --save FILE`.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type FitOptions, subset } from '../src/index.js';
import { createNodeRuntime } from '../src/node/dawn.js';
import { loadMnist } from '../src/node/datasets.js';

interface Recorded {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  offsets?: number[];
  groups: [number, number, number];
}

const usage = 'usage: npm run profile -- CHECKPOINT [REPS] [--no-stats] [--max-grad-norm X] [--dropout X] [--input-dropout X]';
const { values, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: { 'no-stats': { type: 'boolean' }, 'max-grad-norm': { type: 'string' }, dropout: { type: 'string' }, 'input-dropout': { type: 'string' } },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
})();
const [file, repsArg] = positionals;
if (!file || positionals.length > 2) {
  console.error(usage);
  process.exit(2);
}
// fit checks the numbers (a typed error names a bad one).
const number = (name: 'max-grad-norm' | 'dropout' | 'input-dropout') => (values[name] === undefined ? undefined : Number(values[name]));
const [maxGradNorm, dropout, inputDropout] = [number('max-grad-norm'), number('dropout'), number('input-dropout')];
const fitOptions: FitOptions = {
  batchSize: 256,
  epochs: 1,
  edgeStatistics: !values['no-stats'],
  ...(maxGradNorm === undefined ? {} : { maxGradNorm }),
  ...(dropout === undefined ? {} : { dropout }),
  ...(inputDropout === undefined ? {} : { inputDropout }),
};
const reps = Number(repsArg ?? 20);
// As `senn train` runs: Dawn's bounds checks off.
const rt = await createNodeRuntime({ boundsChecks: false });
const net = rt.loadNetwork(new Uint8Array(readFileSync(file)));
console.log(`${rt.gpu.adapterName}; ${net.sizes.join('-')}, ${net.parameterCount} parameters`);
for (const b of net.structure.blocks) console.log(`  block ${b.src} → ${b.dst}: ${b.form}, ${b.topology.srcOf.length} edges`);

const batch = subset(loadMnist().train, Array.from({ length: 256 }, (_, i) => i));
// The first fit compiles every pipeline; the second records its one step.
await net.fit(batch, fitOptions);

// Record what the step encodes by wrapping the compute pass encoder's three calls.
const pass = (globalThis as unknown as { GPUComputePassEncoder: { prototype: GPUComputePassEncoder } }).GPUComputePassEncoder.prototype;
const original = { setPipeline: pass.setPipeline, setBindGroup: pass.setBindGroup, dispatchWorkgroups: pass.dispatchWorkgroups };
const recorded: Recorded[] = [];
let current: Partial<Recorded> = {};
pass.setPipeline = function (this: GPUComputePassEncoder, pipeline: GPUComputePipeline) {
  current.pipeline = pipeline;
  current.label = pipeline.label;
  return original.setPipeline.call(this, pipeline);
};
pass.setBindGroup = function (this: GPUComputePassEncoder, index: number, group: GPUBindGroup | null, offsets?: Iterable<number>) {
  current.bindGroup = group!;
  current.offsets = offsets ? [...offsets] : undefined;
  return (original.setBindGroup as (i: number, g: GPUBindGroup | null, o?: Iterable<number>) => undefined).call(this, index, group, offsets);
} as GPUComputePassEncoder['setBindGroup'];
pass.dispatchWorkgroups = function (this: GPUComputePassEncoder, x: number, y = 1, z = 1) {
  // The call's first step also starts its learning-rate schedule, once a call: not a step's work.
  if (!current.label?.endsWith(':begin_schedule')) recorded.push({ ...(current as Recorded), groups: [x, y, z] });
  return original.dispatchWorkgroups.call(this, x, y, z);
};

const device = rt.gpu.device;
async function replay(list: readonly Recorded[], times: number): Promise<void> {
  const encoder = device.createCommandEncoder();
  const p = encoder.beginComputePass();
  for (let t = 0; t < times; t++) {
    for (const r of list) {
      p.setPipeline(r.pipeline);
      if (r.offsets) p.setBindGroup(0, r.bindGroup, r.offsets);
      else p.setBindGroup(0, r.bindGroup);
      p.dispatchWorkgroups(...r.groups);
    }
  }
  p.end();
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
}
async function msPerRun(list: readonly Recorded[]): Promise<number> {
  await replay(list, 2);
  const start = performance.now();
  await replay(list, reps);
  return (performance.now() - start) / reps;
}

// Fit's buffers live until it returns: replay inside its epoch callback.
await net.fit(batch, {
  ...fitOptions,
  onEpoch: async () => {
    Object.assign(pass, original);
    let sum = 0;
    for (const r of recorded) {
      const ms = await msPerRun([r]);
      sum += ms;
      console.log(`${ms.toFixed(3).padStart(8)} ms  ${r.label.padEnd(40)} ${r.groups.join('×')}`);
    }
    console.log(`${recorded.length} dispatches; sum of singles ${sum.toFixed(2)} ms, whole step ${(await msPerRun(recorded)).toFixed(2)} ms`);
  },
});
net.destroy();
rt.destroy();
