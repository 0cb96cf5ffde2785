import type { BufferOwner, OwnedBuffer } from '../gpu/memory.js';
import { storageBuffer } from '../gpu/upload.js';
import type { Structure } from '../graph/structure.js';

/** Byte offset of the second stats accumulator (validation), a binding-aligned slot. */
export const STATS_SLOT = 256;

/**
 * Per-call GPU scratch for up to `maxRows` rows of a given structure: the batch input, each
 * level's activations and pre-activation gradients, batch labels/targets and the loss
 * accumulators. Allocated once per call (and again after the network grows), never per step.
 */
export class Workspace {
  readonly x: OwnedBuffer;
  private readonly activations = new Map<number, OwnedBuffer>();
  private readonly gradients = new Map<number, OwnedBuffer>();
  /** Gradient of the loss w.r.t. the output activations, when the output activation is not identity. */
  readonly outputGrad: OwnedBuffer;
  readonly labels: OwnedBuffer;
  readonly targets: OwnedBuffer;
  /** Two accumulators of 4 floats: training at 0, validation at {@link STATS_SLOT}. */
  readonly stats: OwnedBuffer;

  constructor(
    device: GPUDevice,
    owner: BufferOwner,
    readonly structure: Structure,
    readonly maxRows: number,
  ) {
    const outputs = structure.output.size;
    this.x = storageBuffer(device, owner, 'batch.x', maxRows * structure.input.size * 4);
    for (const level of structure.levels.slice(1)) {
      this.activations.set(level.id, storageBuffer(device, owner, `level${level.id}.activation`, maxRows * level.size * 4));
      this.gradients.set(level.id, storageBuffer(device, owner, `level${level.id}.gradient`, maxRows * level.size * 4));
    }
    this.outputGrad = storageBuffer(device, owner, 'output.gradient', maxRows * outputs * 4);
    this.labels = storageBuffer(device, owner, 'batch.labels', maxRows * 4);
    this.targets = storageBuffer(device, owner, 'batch.targets', maxRows * outputs * 4);
    this.stats = storageBuffer(device, owner, 'stats', STATS_SLOT * 2);
  }

  /** Activations of level `id` (the batch input for the input level). */
  activation(id: number): GPUBuffer {
    if (id === this.structure.input.id) return this.x.buffer;
    return this.activations.get(id)!.buffer;
  }

  /** Gradient w.r.t. the pre-activations of level `id`. */
  gradient(id: number): GPUBuffer {
    return this.gradients.get(id)!.buffer;
  }

  /** The output activations (network outputs). */
  get output(): GPUBuffer {
    return this.activation(this.structure.output.id);
  }
}
