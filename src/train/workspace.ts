import type { BufferOwner, OwnedBuffer } from '../gpu/memory.js';
import { storageBuffer } from '../gpu/upload.js';
import type { LayerInfo } from '../graph/layout.js';

/** Byte offset of the second stats accumulator (validation), a binding-aligned slot. */
export const STATS_SLOT = 256;

/**
 * Per-call GPU scratch for up to `maxRows` rows: the batch input, each layer's activations
 * and pre-activation gradients, batch labels/targets and the loss accumulators.
 * Allocated once per fit/evaluate/predict call, never per step.
 */
export class Workspace {
  readonly x: OwnedBuffer;
  readonly activations: OwnedBuffer[];
  readonly gradients: OwnedBuffer[];
  /** Gradient of the loss w.r.t. the output activations, when the output activation is not identity. */
  readonly outputGrad: OwnedBuffer;
  readonly labels: OwnedBuffer;
  readonly targets: OwnedBuffer;
  /** Two accumulators of 4 floats: training at 0, validation at {@link STATS_SLOT}. */
  readonly stats: OwnedBuffer;

  constructor(
    device: GPUDevice,
    owner: BufferOwner,
    layers: readonly LayerInfo[],
    readonly maxRows: number,
  ) {
    const inputs = layers[0]!.inputs;
    const outputs = layers[layers.length - 1]!.outputs;
    this.x = storageBuffer(device, owner, 'batch.x', maxRows * inputs * 4);
    this.activations = layers.map((l, i) => storageBuffer(device, owner, `layer${i}.activation`, maxRows * l.outputs * 4));
    this.gradients = layers.map((l, i) => storageBuffer(device, owner, `layer${i}.gradient`, maxRows * l.outputs * 4));
    this.outputGrad = storageBuffer(device, owner, 'output.gradient', maxRows * outputs * 4);
    this.labels = storageBuffer(device, owner, 'batch.labels', maxRows * 4);
    this.targets = storageBuffer(device, owner, 'batch.targets', maxRows * outputs * 4);
    this.stats = storageBuffer(device, owner, 'stats', STATS_SLOT * 2);
  }

  /** The output activations (network outputs). */
  get output(): OwnedBuffer {
    return this.activations[this.activations.length - 1]!;
  }
}
