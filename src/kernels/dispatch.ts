import type { BufferOwner, OwnedBuffer } from '../gpu/memory.js';
import { describe } from '../args.js';
import { AdapterLimitError, ShapeError } from '../errors.js';
import type { BindingResource, Kernel, KernelCache } from './kernel.js';

/**
 * Where recorded dispatches get their kernels and their buffers: the kernel cache, the
 * device, and the owner of the uniform buffers the dispatches create.
 */
export interface Recorder {
  readonly kernels: KernelCache;
  readonly device: GPUDevice;
  readonly owner: BufferOwner;
}

/**
 * One recorded kernel launch: everything needed to encode it again and again without
 * creating anything. Plans build these once per shape and replay them every step.
 */
export interface Dispatch {
  readonly kernel: Kernel;
  readonly bindGroup: GPUBindGroup;
  readonly groups: readonly [number, number, number];
  /** Byte offset into the kernel's uniform buffer, for kernels bound with a dynamic offset. */
  dynamicOffset?: number;
}

/** Encode `dispatches` into an open compute pass, in order. */
export function encodeDispatches(pass: GPUComputePassEncoder, dispatches: readonly Dispatch[]): void {
  let pipeline: GPUComputePipeline | null = null;
  for (const d of dispatches) {
    if (d.kernel.pipeline !== pipeline) {
      pipeline = d.kernel.pipeline;
      pass.setPipeline(pipeline);
    }
    if (d.dynamicOffset === undefined) pass.setBindGroup(0, d.bindGroup);
    else pass.setBindGroup(0, d.bindGroup, [d.dynamicOffset]);
    pass.dispatchWorkgroups(d.groups[0], d.groups[1], d.groups[2]);
  }
}

/** Submit `dispatches` as one compute pass in one command buffer. */
export function submitDispatches(device: GPUDevice, dispatches: readonly Dispatch[], label = 'senn'): void {
  const encoder = device.createCommandEncoder({ label });
  const pass = encoder.beginComputePass({ label });
  encodeDispatches(pass, dispatches);
  pass.end();
  device.queue.submit([encoder.finish()]);
}

/** Allocate a uniform buffer for `kernel`, filled with `values` (names as in the WGSL struct). */
export function createUniform(
  device: GPUDevice,
  owner: BufferOwner,
  kernel: Kernel,
  values: Record<string, number>,
): OwnedBuffer {
  const data = kernel.packUniform(values);
  const uniform = owner.create(`${kernel.spec.entryPoint}.params`, data.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  device.queue.writeBuffer(uniform.buffer, 0, data);
  return uniform;
}

/**
 * Refuses a grid WebGPU would reject only later, with a validation error that fails the whole
 * command buffer: each of its three counts must be a non-negative integer (a {@link ShapeError})
 * no larger than the device's `maxComputeWorkgroupsPerDimension` (an {@link AdapterLimitError}).
 * The built-in kernels keep within the 65,535 every adapter allows (`Kernel.groupsFor1D`, and
 * `laneGroups` of the sparse and pooling kernels fold their grids); a kernel of one's own may not.
 */
export function checkGroups(device: GPUDevice, kernel: Kernel, groups: readonly number[]): void {
  const name = `${kernel.spec.file}:${kernel.spec.entryPoint}`;
  if (groups.length !== 3 || groups.some((g) => !Number.isInteger(g) || g < 0)) throw new ShapeError(`${name}: a dispatch needs 3 non-negative integer workgroup counts, got ${describe(groups)}`);
  const most = device.limits.maxComputeWorkgroupsPerDimension;
  if (groups.some((g) => g > most)) throw new AdapterLimitError(`${name}: a grid of ${groups.join(' × ')} workgroups exceeds the adapter's ${most} a dimension`);
}

/**
 * Build a {@link Dispatch} whose uniform buffer (named by the WGSL) is created from `values`;
 * `groups` is checked first ({@link checkGroups}).
 */
export function prepare(
  rec: Recorder,
  kernel: Kernel,
  values: Record<string, number>,
  resources: Record<string, BindingResource>,
  groups: readonly [number, number, number],
): Dispatch {
  checkGroups(rec.device, kernel, groups);
  const uniformName = kernel.bindings.find((b) => b.kind === 'uniform')?.name;
  const bound = { ...resources };
  if (uniformName) bound[uniformName] = createUniform(rec.device, rec.owner, kernel, values).buffer;
  return { kernel, bindGroup: kernel.bindGroup(bound), groups };
}

/**
 * The subset of `given` that `kernel`'s entry point binds (reflection says which), so one
 * wrapper can serve entry points of a family that read different buffers.
 */
export function pickBindings(kernel: Kernel, given: Record<string, BindingResource | undefined>): Record<string, BindingResource> {
  const resources: Record<string, BindingResource> = {};
  for (const { name } of kernel.bindings) {
    const resource = given[name];
    if (resource) resources[name] = resource;
  }
  return resources;
}

const placeholders = new WeakMap<object, GPUBuffer>();

/** One small writable buffer (16 bytes) per recorder, bound where a kernel's optional output, or an input it does not read, is unused. */
export function unusedOutput(rec: Recorder): GPUBuffer {
  let buffer = placeholders.get(rec.owner);
  if (!buffer) {
    buffer = rec.owner.create('unused-output', 16, GPUBufferUsage.STORAGE).buffer;
    placeholders.set(rec.owner, buffer);
  }
  return buffer;
}
