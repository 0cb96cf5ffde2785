import type { BufferOwner } from '../../src/gpu/memory.js';
import { storageBuffer, uploadStorage } from '../../src/gpu/upload.js';
import { type Dispatch, type Recorder, submitDispatches } from '../../src/kernels/dispatch.js';
import type { Runtime } from '../../src/runtime.js';

/** Runs single kernels on arrays: upload inputs, record dispatches, read outputs. */
export class Harness {
  readonly owner: BufferOwner;
  readonly rec: Recorder;

  constructor(private readonly runtime: Runtime) {
    this.owner = runtime.gpu.memory.owner('test-harness');
    this.rec = { kernels: runtime.kernels, device: runtime.gpu.device, owner: this.owner };
  }

  input(data: Float32Array | Uint32Array, label = 'input'): GPUBuffer {
    return uploadStorage(this.runtime.gpu.device, this.owner, label, data).buffer;
  }

  output(floats: number, label = 'output'): GPUBuffer {
    return storageBuffer(this.runtime.gpu.device, this.owner, label, Math.max(1, floats) * 4).buffer;
  }

  run(dispatches: Dispatch | Dispatch[]): void {
    submitDispatches(this.runtime.gpu.device, Array.isArray(dispatches) ? dispatches : [dispatches]);
  }

  read(buffer: GPUBuffer, floats: number): Promise<Float32Array> {
    return this.runtime.gpu.readFloats(buffer, 0, floats);
  }

  destroy(): void {
    this.owner.destroy();
  }
}
