// TensorFlow.js (WebGPU backend) doing the same work as bench/workloads.ts, for comparison.
// Every repetition ends with the backend's queue submitted and finished on the GPU.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { Peer } from './suite.js';
import { type Measured, measured, repeat } from './workloads.js';

export async function initTfjs(): Promise<{ version: string; adapter: string }> {
  if (!(await tf.setBackend('webgpu'))) throw new Error('TensorFlow.js could not start its WebGPU backend');
  await tf.ready();
  const backend = tf.backend() as WebGPUBackend;
  const info = (backend as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
  return { version: tf.version.tfjs, adapter: `${info?.vendor ?? '?'} ${info?.architecture ?? ''}`.trim() };
}

/** Wait until everything TF.js queued has run. */
async function finished(): Promise<void> {
  const backend = tf.backend() as WebGPUBackend;
  // What the backend itself does before a readback: close the open pass, submit.
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.submitQueue();
  await backend.device.queue.onSubmittedWorkDone();
}

export async function tfjsMatmul(n: number, reps: number): Promise<Measured> {
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
 * Milliseconds per training step (forward, backward, Adam 1e-3; batch 256, softmax cross-entropy),
 * `steps` batches per repetition from tensors already on the GPU.
 */
export async function tfjsTrainSteps(sizes: number[], x: Float32Array, labels: Uint32Array, steps: number, reps: number): Promise<Measured> {
  const features = sizes[0]!;
  const classes = sizes[sizes.length - 1]!;
  const model = mlp(sizes);
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

/** Predictions for `rows` rows: upload, forward, readback, one call per repetition. */
export async function tfjsInference(sizes: number[], x: Float32Array, rows: number, reps: number): Promise<Measured> {
  const model = mlp(sizes);
  const times = await repeat(async () => {
    const input = tf.tensor2d(x.subarray(0, rows * sizes[0]!), [rows, sizes[0]!]);
    const out = model.predict(input) as tf.Tensor;
    await out.data();
    tf.dispose([input, out]);
  }, reps, 1);
  model.dispose();
  return measured(times);
}

/** TensorFlow.js as the suite's peer. */
export const tfjsPeer: Peer = { matmul: tfjsMatmul, trainSteps: tfjsTrainSteps, inference: tfjsInference };
