import { AdapterLimitError } from './errors.js';
import { type AdapterDescription, GpuContext } from './gpu/context.js';
import { Network, type NetworkSpec } from './graph/network.js';
import { loadCheckpoint, type RunInfo, saveCheckpoint, type SaveOptions } from './io/checkpoint.js';
import { KernelCache } from './kernels/kernel.js';

/**
 * The entry point of senn: one WebGPU device, its kernel cache and its memory accounting.
 * In a browser create it with {@link createRuntime}; in Node with `createNodeRuntime` from
 * `senn/node`.
 */
export class Runtime {
  readonly kernels: KernelCache;

  constructor(readonly gpu: GpuContext) {
    this.kernels = new KernelCache(gpu);
  }

  /**
   * Create a runtime on a `GPU` object (navigator.gpu, or Dawn's in Node). `boundsChecks`
   * records how that `GPU` was created (see {@link AdapterDescription.boundsChecks}); it
   * changes nothing by itself.
   */
  static async fromGpu(gpu: GPU, source: AdapterDescription['source'], options?: GPURequestAdapterOptions, boundsChecks?: boolean): Promise<Runtime> {
    return new Runtime(await GpuContext.create(gpu, source, options, boundsChecks));
  }

  /** The adapter this runtime runs on. */
  get adapter(): AdapterDescription {
    return this.gpu.adapter;
  }

  /** Bytes of GPU memory held by everything created from this runtime. */
  get liveBytes(): number {
    return this.gpu.memory.liveBytes;
  }

  /** A new dense network; see {@link NetworkSpec}. */
  createNetwork(spec: NetworkSpec): Network {
    return new Network(this, spec);
  }

  /** A network from checkpoint bytes (validated before any GPU allocation; see {@link saveNetwork}). */
  loadNetwork(bytes: Uint8Array): Network {
    return loadCheckpoint(this, bytes);
  }

  /**
   * Checkpoint bytes of a network: safetensors weights + graph JSON + optimizer state + history.
   * Allowed between epochs from fit's `onEpoch` (the checkpoint then holds the epochs so far);
   * at any other moment of a running `fit` it throws a `ConfigError`. `run`: a description of
   * the run, kept beside the graph; `options.statistics`: keep the running per-edge statistics.
   */
  saveNetwork(network: Network, run?: RunInfo, options?: SaveOptions): Promise<Uint8Array<ArrayBuffer>> {
    return saveCheckpoint(network, run, options);
  }

  /** Destroy the device; every network of this runtime becomes unusable. */
  destroy(): void {
    this.gpu.destroy();
  }
}

/**
 * A runtime on the browser's WebGPU (`navigator.gpu`). `options` go to `requestAdapter`; with no
 * `featureLevel`, a device that offers no core adapter is asked for a compatibility-mode one
 * (`runtime.adapter.featureLevel` says which it got). An `AdapterLimitError` where there is
 * none, or where the adapter falls short of a limit senn needs (named).
 */
export async function createRuntime(options?: GPURequestAdapterOptions): Promise<Runtime> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) throw new AdapterLimitError('this browser has no WebGPU (navigator.gpu is missing); senn needs a WebGPU-enabled browser');
  return Runtime.fromGpu(gpu, 'browser', options);
}
