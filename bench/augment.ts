// `node scripts/run-ts.mjs bench/augment.ts [SHIFT]`: what moving MNIST's training images
// costs an epoch (fit's augment, shaders/augment.wgsl): the pass over the 48,000 training rows
// of the README's 80/20 split, replayed with a new key each time, against one epoch's
// gathers of the same rows as batches of 256 (what every epoch pays without it). Medians of 10.
import { splitDataset } from '../src/data/dataset.js';
import { epochKey } from '../src/data/augment.js';
import { uploadDataset } from '../src/data/gpuDataset.js';
import { storageBuffer, writeView } from '../src/gpu/upload.js';
import { submitDispatches } from '../src/kernels/dispatch.js';
import { gatherEpoch } from '../src/kernels/gather.js';
import { createNodeRuntime } from '../src/node/dawn.js';
import { loadMnist } from '../src/node/datasets.js';
import { shiftedInputs } from '../src/train/batchInputs.js';

const shift = Number(process.argv[2] ?? 1);
const rt = await createNodeRuntime({ boundsChecks: false });
const device = rt.gpu.device;
const [train] = splitDataset(loadMnist().train, 0.8, 0);
const owner = rt.gpu.memory.owner('bench-augment');
const rec = { kernels: rt.kernels, device, owner };
const data = uploadDataset(rt.gpu, owner, train);
const moved = await shiftedInputs(rec, data, { shift, width: 28, height: 28, channels: 1 });
const order = storageBuffer(device, owner, 'order', train.rows * 4).buffer;
writeView(device, order, 0, Uint32Array.from({ length: train.rows }, (_, i) => i));
const slots = Array.from({ length: Math.ceil(train.rows / 256) }, (_, i) => ({ rows: Math.min(256, train.rows - 256 * i), start: 256 * i }));
const batch = storageBuffer(device, owner, 'batch', 256 * 196 * 4).buffer;
const gathers = await gatherEpoch(rec, { source: 'u8', features: 784, rowWords: 196, scale: 1 / 255, packed: true, slots, order, data: moved.data.x.buffer, out: batch });

async function median(run: (i: number) => void): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 11; i++) {
    const started = performance.now();
    run(i);
    await device.queue.onSubmittedWorkDone();
    if (i > 0) times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[5]!;
}

const pass = await median((i) => {
  moved.shifts.setKey(epochKey(0, i + 1));
  submitDispatches(device, [moved.shifts.dispatch]);
});
const epochGathers = await median(() => submitDispatches(device, gathers.dispatches));
console.log(`${rt.gpu.adapterName}: moving ${train.rows} MNIST images by up to ${shift} px: ${pass.toFixed(1)} ms a pass (an epoch); the epoch's ${slots.length} batch gathers: ${epochGathers.toFixed(1)} ms`);
owner.destroy();
rt.destroy();
