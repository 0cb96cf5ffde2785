import { describe } from '../args.js';
import { AdapterLimitError, ConfigError, DestroyedError, DeviceError, DeviceLostError, OutOfMemoryError } from '../errors.js';
import { GpuMemory } from './memory.js';

/** What senn knows about the adapter it runs on. */
export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for software adapters such as SwiftShader. */
  isFallback: boolean;
  /** Where the adapter came from: `browser` (navigator.gpu) or `node-dawn` (the webgpu package). */
  source: 'browser' | 'node-dawn';
  /**
   * Whether Dawn bounds-checks every buffer access of every shader (its robustness transform):
   * set in Node, where `createNodeRuntime`'s `boundsChecks` chose it; absent in a browser, which
   * applies its own setting (on, unless it was launched with Dawn's `disable_robustness`).
   */
  boundsChecks?: boolean;
  /**
   * `compatibility` where the device runs in WebGPU's compatibility mode (a device without core
   * WebGPU, on OpenGL ES or Direct3D 11: asked for with `featureLevel: 'compatibility'`, or taken
   * when no core adapter is offered); `core` otherwise. senn's kernels keep within its rules.
   */
  featureLevel: 'core' | 'compatibility';
}

/** Limits senn raises above WebGPU's defaults when the adapter allows it. */
const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
] as const;

/**
 * Minimums below which senn's kernels cannot run at all: within WebGPU's defaults, which every
 * adapter offers, a compatibility-mode one's included (test/gpu/context.test.ts holds every
 * built-in kernel to them; the most storage buffers an entry point binds is 8: matmul,
 * graph_backward, spmm_t and others; the elementwise kernels' workgroups are 128 × 1 on a
 * compatibility-mode device's defaults, 256 × 1 where the device allows it, and matmul's cuts
 * reach 64 down). Each limit is raised to what the adapter allows. Checked, so that an adapter
 * short of one is refused here, by name, rather than at a kernel's pipeline.
 */
export const REQUIRED_LIMITS: Partial<Record<(typeof WANTED_LIMITS)[number], number>> = {
  maxComputeInvocationsPerWorkgroup: 128,
  maxComputeWorkgroupSizeX: 128,
  maxComputeWorkgroupSizeY: 64,
  maxComputeWorkgroupStorageSize: 16384,
  maxStorageBuffersPerShaderStage: 8,
};

/**
 * Throws a {@link ConfigError} for a `featureLevel` other than `core` and `compatibility`: WebGPU
 * answers an unknown level with no adapter, which would read as "no WebGPU here".
 */
export function checkAdapterOptions(options: GPURequestAdapterOptions | undefined): void {
  const level = options?.featureLevel;
  if (level !== undefined && level !== 'core' && level !== 'compatibility') throw new ConfigError(`featureLevel must be "core" or "compatibility", got ${describe(level)}`);
}

/**
 * The typed error of a GPU error that no error scope caught, and of the `more` that followed it
 * before anything waited.
 */
function uncaughtError(error: GPUError, more: number): DeviceError {
  const after = more > 0 ? ` (${more} more GPU error${more === 1 ? '' : 's'} followed it)` : '';
  // By the class's name: the class is a global only where something made it one (browsers do,
  // createNodeRuntime installs Dawn's; a GPU object passed to Runtime.fromGpu may come without).
  if (error.constructor.name === 'GPUOutOfMemoryError') {
    return new OutOfMemoryError(`the GPU ran out of memory${after}: a smaller batch (or network) needs less. ${error.message}`);
  }
  return new DeviceError(`GPU error${after}: ${error.message}`);
}

/**
 * One WebGPU device with error tracking and memory accounting. Validation errors and
 * device loss are captured as they happen and surface as typed errors on the next
 * call that waits for the GPU, so a failure is never silent.
 */
export class GpuContext {
  readonly memory: GpuMemory;
  /** The first GPU error no error scope caught since the last {@link check}, and how many followed it. */
  private uncaught: { error: GPUError; more: number } | null = null;
  private lost: DeviceLostError | null = null;
  private readonly lostPromise: Promise<DeviceLostError>;
  private destroyed = false;
  /** Run once when the context is destroyed (as it asks for the device to be destroyed), in the order added. */
  private readonly finalizers: (() => void)[] = [];

  private constructor(
    /**
     * The `GPU` object the device came from. Held for the device's lifetime: Dawn's Node
     * binding tears the instance down when it is garbage-collected, device or not.
     */
    readonly instance: GPU,
    readonly device: GPUDevice,
    readonly adapter: AdapterDescription,
  ) {
    this.memory = new GpuMemory(device);
    device.addEventListener('uncapturederror', (event) => {
      // Thrown as a typed error at the next wait; kept off the console, where Dawn and browsers
      // would print it and every validation error that follows from it (a buffer that could
      // not be allocated makes each bind group that uses it invalid).
      event.preventDefault();
      if (this.uncaught) this.uncaught.more++;
      else this.uncaught = { error: (event as GPUUncapturedErrorEvent).error, more: 0 };
    });
    this.lostPromise = device.lost.then((info) => {
      this.lost = new DeviceLostError(
        info.reason === 'destroyed' ? 'the GPU device was destroyed' : `the GPU device was lost: ${info.message}`,
      );
      return this.lost;
    });
  }

  /**
   * Request an adapter and a device from a `GPU` object (navigator.gpu or Dawn's). Where no
   * adapter is offered and `options` names no `featureLevel`, a compatibility-mode one is asked
   * for (a device without core WebGPU: OpenGL ES, Direct3D 11).
   */
  static async create(
    gpu: GPU,
    source: AdapterDescription['source'],
    options: GPURequestAdapterOptions = {},
    boundsChecks?: boolean,
  ): Promise<GpuContext> {
    checkAdapterOptions(options);
    let adapter = await gpu.requestAdapter(options);
    const fallback = !adapter && options.featureLevel === undefined;
    if (fallback) adapter = await gpu.requestAdapter({ ...options, featureLevel: 'compatibility' });
    if (!adapter) throw new AdapterLimitError('no WebGPU adapter is available');
    const requiredLimits: Record<string, number> = {};
    for (const name of WANTED_LIMITS) {
      const have = adapter.limits[name];
      const need = REQUIRED_LIMITS[name];
      if (need !== undefined && have < need) {
        throw new AdapterLimitError(`the adapter's ${name} is ${have}; senn needs at least ${need}`);
      }
      requiredLimits[name] = have;
    }
    const device = await adapter.requestDevice({ requiredLimits, label: 'senn' });
    // A browser older than the feature's name lists no features on a core device: only a device
    // asked for in compatibility mode is taken for one.
    const compatibility = (fallback || options.featureLevel === 'compatibility') && !device.features.has('core-features-and-limits');
    const info = adapter.info;
    return new GpuContext(gpu, device, {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
      isFallback: Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter) || info.architecture === 'swiftshader',
      source,
      featureLevel: compatibility ? 'compatibility' : 'core',
      ...(boundsChecks === undefined ? {} : { boundsChecks }),
    });
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /**
   * A one-line name of the adapter, e.g. `google swiftshader (SwiftShader driver 5.0.0), software`
   * (`, compatibility mode` added on such a device, `, bounds checks off` where Dawn's bounds
   * checks were turned off).
   */
  get adapterName(): string {
    const a = this.adapter;
    const detail = a.description || a.device;
    const notes = `${a.isFallback ? ', software' : ''}${a.featureLevel === 'compatibility' ? ', compatibility mode' : ''}${a.boundsChecks === false ? ', bounds checks off' : ''}`;
    return `${a.vendor || 'unknown'} ${a.architecture || ''}${detail ? ` (${detail})` : ''}${notes}`.replace(/\s+/g, ' ').trim();
  }

  /** Whether {@link destroy} was called. */
  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /**
   * Throw the first GPU error since the last check (once: an {@link OutOfMemoryError} where the
   * device could not allocate memory, else a DeviceError), or the loss, if any.
   */
  check(): void {
    if (this.destroyed) throw new DestroyedError('the senn runtime was destroyed');
    if (this.lost) throw this.lost;
    const uncaught = this.uncaught;
    if (uncaught) {
      this.uncaught = null;
      throw uncaughtError(uncaught.error, uncaught.more);
    }
  }

  /** Wait until the GPU has finished all submitted work, then report any error. */
  async settle(): Promise<void> {
    this.check();
    await this.outcome('waiting for the GPU', this.device.queue.onSubmittedWorkDone());
  }

  /**
   * Await a WebGPU promise; where it fails, the typed error of why: the runtime destroyed or the
   * device lost ({@link check}; Dawn then rejects with an OperationError without a message),
   * else a DeviceError saying that `what` failed.
   */
  private async outcome(what: string, promise: Promise<unknown>): Promise<void> {
    const failed = await Promise.race([
      promise.then(
        () => null,
        (error: unknown) => new DeviceError(`${what} failed: ${(error as Error)?.name ?? 'error'} ${(error as Error)?.message ?? ''}`.trim()),
      ),
      this.lostPromise,
    ]);
    this.check();
    if (failed) throw failed;
  }

  /** Copy `size` bytes of `source` from `offset` to the CPU. Used once per epoch, never per step. */
  async read(source: GPUBuffer, offset = 0, size = source.size - offset): Promise<ArrayBuffer> {
    return (await this.readRanges([{ buffer: source, offset, size }]))[0]!;
  }

  /**
   * Copy several buffer ranges to the CPU through one staging buffer and one mapping: a
   * mapping is a round trip to the GPU (and, in a browser, to its process), so reading what
   * one result needs in one go saves the waits of the others.
   */
  async readRanges(ranges: readonly { buffer: GPUBuffer; offset: number; size: number }[]): Promise<ArrayBuffer[]> {
    this.check();
    const owner = this.memory.owner('readback');
    try {
      // Copies need 4-byte sizes and offsets; each range starts on a 4-byte boundary of the staging buffer.
      const starts: number[] = [];
      let total = 0;
      for (const r of ranges) {
        starts.push(total);
        total += Math.ceil(r.size / 4) * 4;
      }
      const staging = owner.create('staging', Math.max(4, total), GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
      const encoder = this.device.createCommandEncoder({ label: 'readback' });
      ranges.forEach((r, i) => encoder.copyBufferToBuffer(r.buffer, r.offset, staging.buffer, starts[i]!, r.size));
      this.device.queue.submit([encoder.finish()]);
      await this.mapForReading(staging.buffer);
      const all = staging.buffer.getMappedRange();
      const copies = ranges.map((r, i) => all.slice(starts[i]!, starts[i]! + r.size));
      staging.buffer.unmap();
      return copies;
    } finally {
      owner.destroy();
    }
  }

  /** Map `buffer` for reading; a failed mapping is a DestroyedError, a DeviceLostError or a DeviceError. */
  async mapForReading(buffer: GPUBuffer): Promise<void> {
    await this.outcome('reading back from the GPU', buffer.mapAsync(GPUMapMode.READ));
  }

  /** Read `count` f32 values. */
  async readFloats(source: GPUBuffer, offsetFloats = 0, count = source.size / 4 - offsetFloats): Promise<Float32Array> {
    return new Float32Array(await this.read(source, offsetFloats * 4, count * 4));
  }

  /** Have `finalize` run when this context is destroyed (e.g. to undo a process-wide hook it needed). */
  onDestroy(finalize: () => void): void {
    if (this.destroyed) finalize();
    else this.finalizers.push(finalize);
  }

  /**
   * Destroy the device. Every buffer of every owner becomes invalid, and every call from here on
   * is refused. The device itself is destroyed a task later: a destroy from the continuation of a
   * WebGPU promise (a fit's onProgress or onEpoch) would otherwise run inside Dawn's Node binding
   * while it settles its promises, which then settled one of them twice (a segfault in
   * `napi_reject_deferred`, in about one run in 15 of test/gpu/errors.test.ts's destroy during a fit).
   */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const device = this.device;
    setTimeout(() => device.destroy(), 0);
    for (const finalize of this.finalizers.splice(0)) finalize();
  }
}
