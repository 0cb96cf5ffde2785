// Running senn's ONNX exports in onnxruntime (its WebAssembly build, in the test's process).
import * as ort from 'onnxruntime-web';
import type { Dataset } from '../../src/data/dataset.js';

// One thread: no workers to start or leave behind.
ort.env.wasm.numThreads = 1;

/** The model's outputs for `data`'s rows (as the network sees them: bytes scaled), by output name. */
export async function runOnnx(model: Uint8Array, data: Dataset): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(model);
  try {
    const x = data.x instanceof Float32Array ? data.x : Float32Array.from(data.x, (v) => v * data.featureScale);
    const results = await session.run({ inputs: new ort.Tensor('float32', x, [data.rows, data.features]) });
    return Object.fromEntries(Object.entries(results).map(([name, t]) => [name, t.data as Float32Array]));
  } finally {
    await session.release();
  }
}

/** A classifier model's accuracy on `data` (the share of rows whose likeliest class is the label), and the worst |Σ probabilities − 1| of a row. */
export async function onnxAccuracy(model: Uint8Array, data: Dataset): Promise<{ accuracy: number; worstSum: number }> {
  const probabilities = (await runOnnx(model, data)).probabilities!;
  const classes = probabilities.length / data.rows;
  let right = 0;
  let worstSum = 0;
  for (let r = 0; r < data.rows; r++) {
    const row = probabilities.subarray(classes * r, classes * (r + 1));
    if (row.indexOf(Math.max(...row)) === data.labels![r]) right++;
    worstSum = Math.max(worstSum, Math.abs(row.reduce((a, b) => a + b, 0) - 1));
  }
  return { accuracy: right / data.rows, worstSum };
}
