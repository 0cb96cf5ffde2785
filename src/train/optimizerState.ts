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
  private m1: OwnedBuffer;
  private m2: OwnedBuffer;
  /** { step, correction1, correction2 } as f32, advanced on the GPU. */
  readonly counter: OwnedBuffer;

  constructor(
    device: GPUDevice,
    owner: BufferOwner,
    /** Length of the parameter buffer, in floats. */
    private length: number,
    readonly name: OptimizerName,
  ) {
    // SGD reads only the first moment; the second is kept anyway so growth treats all alike.
    this.m1 = storageBuffer(device, owner, 'optimizer.moment1', length * 4);
    this.m2 = storageBuffer(device, owner, 'optimizer.moment2', length * 4);
    this.counter = storageBuffer(device, owner, 'optimizer.counter', 16);
  }

  get floats(): number {
    return this.length;
  }
  get moment1(): OwnedBuffer {
    return this.m1;
  }
  get moment2(): OwnedBuffer {
    return this.m2;
  }

  /** Take new moment buffers (after the network's parameter buffer was reallocated); the old ones are destroyed. */
  replaceMoments(moment1: OwnedBuffer, moment2: OwnedBuffer): void {
    this.m1.destroy();
    this.m2.destroy();
    this.m1 = moment1;
    this.m2 = moment2;
    this.length = moment1.size / 4;
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
    this.m1.destroy();
    this.m2.destroy();
    this.counter.destroy();
  }
}
