import { AdapterLimitError } from '../errors.js';
import type { BufferOwner, OwnedBuffer } from './memory.js';

/** Create a storage buffer holding `data`, after checking it fits the device's limits. */
export function uploadStorage(
  device: GPUDevice,
  owner: BufferOwner,
  label: string,
  data: ArrayBufferView,
  extraUsage: GPUBufferUsageFlags = 0,
): OwnedBuffer {
  checkBindingSize(device, label, data.byteLength);
  const buffer = owner.create(label, data.byteLength, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC | extraUsage);
  if (data.byteLength % 4 === 0) writeView(device, buffer.buffer, 0, data);
  else {
    const padded = new Uint8Array(Math.ceil(data.byteLength / 4) * 4);
    padded.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    writeView(device, buffer.buffer, 0, padded);
  }
  return buffer;
}

/** `queue.writeBuffer` for any typed array (whatever its backing buffer type). */
export function writeView(device: GPUDevice, target: GPUBuffer, offset: number, data: ArrayBufferView): void {
  device.queue.writeBuffer(target, offset, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
}

/** Create a zero-filled storage buffer of `bytes` bytes. */
export function storageBuffer(device: GPUDevice, owner: BufferOwner, label: string, bytes: number): OwnedBuffer {
  checkBindingSize(device, label, bytes);
  return owner.create(label, bytes, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC);
}

/** The most bytes one storage buffer can hold and bind whole under `limits`. */
export function maxBindingBytes(limits: GPUSupportedLimits): number {
  return Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
}

/** Throw an {@link AdapterLimitError} if one binding of `bytes` exceeds the adapter's limits. */
export function checkBindingSize(device: GPUDevice, label: string, bytes: number): void {
  const limit = maxBindingBytes(device.limits);
  if (bytes > limit) {
    throw new AdapterLimitError(`${label} needs ${bytes} bytes in one buffer; this adapter allows at most ${limit}`);
  }
}
