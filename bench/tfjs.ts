// TensorFlow.js doing the same work as bench/workloads.ts, for comparison: its WebGPU backend
// (the peer: same adapter as senn) and its WebAssembly backend (the CPU, SIMD, threaded where
// the page is cross-origin isolated; what a user without a GPU would run instead). Every
// repetition ends with the work finished: the WebGPU queue submitted and done, or, on the
// WebAssembly backend, whose kernels run when they are called, the calls returned.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { EVAL_ROWS } from '../src/train/loop.js';
import type { CpuPeerInfo, Peer } from './suite.js';
import { type Measured, measured, repeat } from './workloads.js';

/** The TensorFlow.js backends the benchmark runs. */
export type TfjsBackend = 'webgpu' | 'wasm';

export async function initTfjs(): Promise<{ version: string; adapter: string }> {
  if (!(await tf.setBackend('webgpu'))) throw new Error('TensorFlow.js could not start its WebGPU backend');
  await tf.ready();
  const backend = tf.backend() as WebGPUBackend;
  const info = (backend as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
  return { version: tf.version.tfjs, adapter: `${info?.vendor ?? '?'} ${info?.architecture ?? ''}`.trim() };
}

/**
 * Start the WebAssembly backend with its .wasm files under `wasmDir` (a URL prefix in the
 * page, a directory in Node, ending in '/'); the WebGPU backend stays registered, and each
 * workload selects its backend. `cores`: the machine's physical cores, where known (the page
 * gets them from the bench runner). Returns what it runs with: threads are used only where
 * SharedArrayBuffer may be (a cross-origin-isolated page, not Node).
 */
export async function initTfjsWasm(wasmDir: string, cores?: number): Promise<CpuPeerInfo> {
  setWasmPaths(wasmDir);
  // The backend caps its threads at navigator.hardwareConcurrency / 2, taking every core to
  // have two hardware threads. On a machine with one thread per core (this one: 2 cores, 2
  // logical CPUs) that leaves one core idle, while senn's software adapter uses both; so the
  // backend is shown twice the real cores while it starts (it reads them once, then), and
  // asked for one thread per core. A 1024² product in Chromium: 72 ms with 1 thread, 37 with 2.
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  const shown = Boolean(nav && cores && (nav.hardwareConcurrency ?? 0) < 2 * cores);
  if (shown) Object.defineProperty(nav, 'hardwareConcurrency', { value: 2 * cores!, configurable: true });
  if (cores) setThreadsCount(cores);
  const previous = tf.getBackend();
  try {
    if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js could not start its WebAssembly backend');
    await tf.ready();
  } finally {
    if (shown) delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
  const info = { threads: getThreadsCount(), simd: (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean, threadedBuild: (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) as boolean };
  if (previous) await tf.setBackend(previous);
  return info;
}

async function use(backend: TfjsBackend): Promise<void> {
  if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) throw new Error(`TensorFlow.js could not switch to its ${backend} backend`);
}

/** Wait until everything the backend queued has run. */
async function finished(): Promise<void> {
  if (tf.getBackend() !== 'webgpu') return; // WebAssembly kernels ran inside their calls
  const backend = tf.backend() as WebGPUBackend;
  // What the backend itself does before a readback: close the open pass, submit.
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.submitQueue();
  await backend.device.queue.onSubmittedWorkDone();
}

export async function tfjsMatmul(backend: TfjsBackend, n: number, reps: number): Promise<Measured> {
  await use(backend);
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  const times = await repeat(async () => {
    const c = tf.matMul(a, b);
    await finished();
    c.dispose();
  }, reps);
  a.dispose();
  b.dispose();
  return measured(times);
}

/** A dense MLP of `sizes` (ReLU hidden layers), as senn builds it. */
function mlp(sizes: number[]): tf.Sequential {
  const model = tf.sequential();
  for (let i = 1; i < sizes.length; i++) {
    model.add(tf.layers.dense({ units: sizes[i]!, inputShape: i === 1 ? [sizes[0]!] : undefined, activation: i < sizes.length - 1 ? 'relu' : 'linear' }));
  }
  return model;
}

/**
 * The suite's CNN on 28×28 images: 8 filters of 5×5, stride 2 (14×14), 16 filters of 3×3 over
 * them, stride 2 (7×7), ReLU both, then a dense layer to 10 classes; the work of senn's
 * `--conv 5,2,8,2 --conv 3,2,16,1` (TF.js's 'same' padding puts the first convolution's odd
 * extra pixel of padding at the bottom and right: the same products, shifted).
 */
function cnn(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.reshape({ targetShape: [28, 28, 1], inputShape: [784] }));
  model.add(tf.layers.conv2d({ filters: 8, kernelSize: 5, strides: 2, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 10 }));
  return model;
}

/**
 * Milliseconds per training step (forward, backward, Adam 1e-3; batch 256, softmax cross-entropy),
 * `steps` batches per repetition from tensors already on the GPU; `sizes` an MLP's, or `'cnn'` ({@link cnn}).
 */
export async function tfjsTrainSteps(backend: TfjsBackend, sizes: number[] | 'cnn', x: Float32Array, labels: Uint32Array, steps: number, reps: number): Promise<Measured> {
  await use(backend);
  const features = sizes === 'cnn' ? 784 : sizes[0]!;
  const classes = sizes === 'cnn' ? 10 : sizes[sizes.length - 1]!;
  const model = sizes === 'cnn' ? cnn() : mlp(sizes);
  const optimizer = tf.train.adam(1e-3);
  const batches = Array.from({ length: steps }, (_, s) => {
    const rows = Array.from({ length: 256 }, (_, i) => (s * 256 + i) % labels.length);
    const xb = new Float32Array(256 * features);
    rows.forEach((r, i) => xb.set(x.subarray(r * features, r * features + features), i * features));
    return { x: tf.tensor2d(xb, [256, features]), y: tf.oneHot(tf.tensor1d(Int32Array.from(rows, (r) => labels[r]!), 'int32'), classes) };
  });
  const times = await repeat(async () => {
    for (const b of batches) {
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(b.y, model.apply(b.x) as tf.Tensor) as tf.Scalar, false);
    }
    await finished();
  }, reps);
  for (const b of batches) tf.dispose([b.x, b.y]);
  optimizer.dispose();
  model.dispose();
  return measured(times.map((t) => t / steps));
}

/**
 * Predictions for `rows` rows: upload, forward, readback, one call per repetition, in batches
 * of {@link INFERENCE_BATCH} rows as senn's predict runs them (Keras's default of 32 made
 * TF.js run 313 small batches: 6.3 s on the software adapter where 1,024-row batches take a
 * fraction of that, an unfair comparison that earlier runs of this benchmark made).
 */
export async function tfjsInference(backend: TfjsBackend, sizes: number[], x: Float32Array, rows: number, reps: number): Promise<Measured> {
  await use(backend);
  const model = mlp(sizes);
  const times = await repeat(async () => {
    const input = tf.tensor2d(x.subarray(0, rows * sizes[0]!), [rows, sizes[0]!]);
    const out = model.predict(input, { batchSize: INFERENCE_BATCH }) as tf.Tensor;
    await out.data();
    tf.dispose([input, out]);
  }, reps, 1);
  model.dispose();
  return measured(times);
}

/** Rows per batch of TF.js's inference: senn's predict runs batches of EVAL_ROWS (1,024) rows. */
const INFERENCE_BATCH = EVAL_ROWS;

/** TensorFlow.js on `backend` as one of the suite's peers. */
export function tfjsPeer(backend: TfjsBackend): Peer {
  return {
    matmul: (n, reps) => tfjsMatmul(backend, n, reps),
    trainSteps: (sizes, x, labels, steps, reps) => tfjsTrainSteps(backend, sizes, x, labels, steps, reps),
    inference: (sizes, x, rows, reps) => tfjsInference(backend, sizes, x, rows, reps),
  };
}
