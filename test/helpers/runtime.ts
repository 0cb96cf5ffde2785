import { afterAll, beforeAll } from 'vitest';
import type { GpuContext } from '../../src/gpu/context.js';
import { KernelCache } from '../../src/kernels/kernel.js';
import { createNodeRuntime } from '../../src/node/dawn.js';
import type { Dataset } from '../../src/data/dataset.js';
import type { NetworkSpec } from '../../src/graph/networkTypes.js';
import type { Runtime } from '../../src/runtime.js';
import type { FitOptions } from '../../src/train/options.js';

/**
 * One Dawn runtime per test file (software Vulkan here, a GPU where there is one),
 * destroyed after the file. Use inside a describe block or at the top level.
 * Dawn's bounds checks are off, as `senn train` runs: every kernel is then compared with its
 * CPU reference without Dawn clamping its indices, so a kernel that reached past a buffer
 * would read zeros or garbage and fail here instead of passing on clamped values.
 * (The browser tests keep Chromium's checks on.)
 */
export function useRuntime(): () => Runtime {
  let runtime: Runtime | null = null;
  beforeAll(async () => {
    runtime = await createNodeRuntime({ boundsChecks: false });
  });
  afterAll(() => {
    runtime?.destroy();
    runtime = null;
  });
  return () => {
    if (!runtime) throw new Error('runtime not created yet');
    return runtime;
  };
}

/**
 * A kernel cache that answers as on a GPU (`software` false), for networks built on it with
 * `new Network({ gpu, kernels }, spec)`: they take a GPU's choices (storage forms, product cuts,
 * no fused tail, no f32 columns) on whatever adapter the tests run.
 */
export function gpuChoices(gpu: GpuContext): KernelCache {
  return new (class extends KernelCache {
    override get software(): boolean {
      return false;
    }
  })(gpu);
}

/**
 * The parameters of a new network of `spec` after 3 epochs of Adam (rate 0.01, batches of 32)
 * on `data` with the fit options `extra`: two runs compared bit for bit.
 */
export async function parametersAfterTraining(rt: Runtime, spec: NetworkSpec, data: Dataset, extra: FitOptions = {}): Promise<Float32Array> {
  const net = rt.createNetwork(spec);
  await net.fit(data, { optimizer: { name: 'adam', lr: 0.01 }, batchSize: 32, epochs: 3, ...extra });
  const params = await net.getParameters();
  net.destroy();
  return params;
}
