import type { BufferOwner, OwnedBuffer } from '../gpu/memory.js';
import { storageBuffer } from '../gpu/upload.js';
import type { Dispatch, Recorder } from '../kernels/dispatch.js';
import { advanceStep, update } from '../kernels/optimizer.js';
import type { OptimizerName, ResolvedFit } from './options.js';

/**
 * The optimizer's memory on the GPU: first and second moments, parallel to the flat
 * parameter buffer, and the step counter. It belongs to the network, so training can be
 * continued (and checkpointed) with its state intact.
 */
export class OptimizerState {
  readonly moment1: OwnedBuffer;
  readonly moment2: OwnedBuffer;
  /** { step, correction1, correction2 } as f32, advanced on the GPU. */
  readonly counter: OwnedBuffer;

  constructor(
    device: GPUDevice,
    owner: BufferOwner,
    /** Length of the parameter buffer, in floats. */
    readonly floats: number,
    readonly name: OptimizerName,
  ) {
    this.moment1 = storageBuffer(device, owner, 'optimizer.moment1', floats * 4);
    this.moment2 = storageBuffer(device, owner, 'optimizer.moment2', name === 'sgd' ? 4 : floats * 4);
    this.counter = storageBuffer(device, owner, 'optimizer.counter', 16);
  }

  /** The two dispatches of one optimizer step: advance the counter, update in place. */
  async record(rec: Recorder, params: GPUBuffer, grads: GPUBuffer, hyper: ResolvedFit['optimizer']): Promise<Dispatch[]> {
    const h = {
      lr: hyper.lr,
      beta1: hyper.beta1,
      beta2: hyper.beta2,
      eps: hyper.eps,
      weightDecay: hyper.weightDecay,
      momentum: hyper.momentum,
    };
    return [
      await advanceStep(rec, { hyper: h, counter: this.counter.buffer }),
      await update(rec, {
        rule: this.name,
        count: this.floats,
        hyper: h,
        counter: this.counter.buffer,
        param: params,
        grad: grads,
        moment1: this.moment1.buffer,
        moment2: this.moment2.buffer,
      }),
    ];
  }

  destroy(): void {
    this.moment1.destroy();
    this.moment2.destroy();
    this.counter.destroy();
  }
}
