import type { BufferOwner } from '../../src/gpu/memory.js';
import { storageBuffer, uploadStorage } from '../../src/gpu/upload.js';
import { type Dispatch, type Recorder, submitDispatches } from '../../src/kernels/dispatch.js';
import { afterAll, beforeAll } from 'vitest';
import type { Runtime } from '../../src/runtime.js';
import { useRuntime } from './runtime.js';

/** Runs single kernels on arrays: upload inputs, record dispatches, read outputs. */
export class Harness {
  readonly owner: BufferOwner;
  readonly rec: Recorder;

  constructor(private readonly rt: Runtime) {
    this.owner = rt.gpu.memory.owner('test-harness');
    this.rec = { kernels: rt.kernels, device: rt.gpu.device, owner: this.owner };
  }

  input(data: Float32Array | Uint32Array, label = 'input'): GPUBuffer {
    return uploadStorage(this.rt.gpu.device, this.owner, label, data).buffer;
  }

  output(floats: number, label = 'output'): GPUBuffer {
    return storageBuffer(this.rt.gpu.device, this.owner, label, Math.max(1, floats) * 4).buffer;
  }

  run(dispatches: Dispatch | Dispatch[]): void {
    submitDispatches(this.rt.gpu.device, Array.isArray(dispatches) ? dispatches : [dispatches]);
  }

  read(buffer: GPUBuffer, floats: number): Promise<Float32Array> {
    return this.rt.gpu.readFloats(buffer, 0, floats);
  }

  destroy(): void {
    this.owner.destroy();
  }
}

/**
 * A harness for the kernels of one test file: a Dawn runtime created before the file's tests
 * and destroyed after, with the harness's methods ready to call at test time.
 */
export type FileHarness = Pick<Harness, 'owner' | 'rec' | 'input' | 'output' | 'run' | 'read'> & { runtime: () => Runtime };

export function useHarness(): FileHarness {
  const runtime = useRuntime();
  let harness: Harness | null = null;
  beforeAll(() => {
    harness = new Harness(runtime());
  });
  afterAll(() => harness?.destroy());
  const current = (): Harness => {
    if (!harness) throw new Error('harness not created yet');
    return harness;
  };
  return {
    runtime,
    get owner() {
      return current().owner;
    },
    get rec() {
      return current().rec;
    },
    input: (data, label) => current().input(data, label),
    output: (floats, label) => current().output(floats, label),
    run: (dispatches) => current().run(dispatches),
    read: (buffer, floats) => current().read(buffer, floats),
  };
}
