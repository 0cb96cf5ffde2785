import type { BufferOwner, OwnedBuffer } from '../gpu/memory.js';
import { storageBuffer, uploadStorage, writeView } from '../gpu/upload.js';
import { NEGATED, NEW_VALUE, type Remap } from '../graph/growth.js';
import type { Dispatch, Recorder } from '../kernels/dispatch.js';
import type { BindingResource } from '../kernels/kernel.js';
import { advanceStep, beginSchedule, clipScale, gradNormParts, normPartsBound, type ScheduleSteps, update } from '../kernels/optimizer.js';
import type { OptimizerName, ResolvedFit } from './options.js';

/**
 * The optimizer's memory on the GPU: first and second moments and each value's birth step,
 * parallel to the flat parameter buffer, and the step counter. It belongs to the network, so
 * training can be continued (and checkpointed) with its state intact.
 */
export class OptimizerState {
  private m1: OwnedBuffer;
  private m2: OwnedBuffer;
  /**
   * The step at which each value was born (0, or the step count when growth added it or an
   * optimizer reset restarted it): Adam's bias corrections count each value's own steps.
   * Kept on the CPU too, where a structure change's remap is planned; uploaded after each.
   */
  private birthSteps: Float32Array;
  private births: OwnedBuffer;
  /** { step, origin, lr, scale } as f32s, advanced on the GPU (see shaders/optimizer.wgsl). */
  readonly counter: OwnedBuffer;

  constructor(
    private readonly device: GPUDevice,
    private readonly owner: BufferOwner,
    /** Length of the parameter buffer, in floats. */
    private length: number,
    readonly name: OptimizerName,
  ) {
    // SGD reads only the first moment; the second is kept anyway so growth treats all alike.
    this.m1 = storageBuffer(device, owner, 'optimizer.moment1', length * 4);
    this.m2 = storageBuffer(device, owner, 'optimizer.moment2', length * 4);
    // All born at step 0: a new buffer is zeroed, as the CPU copy is.
    this.birthSteps = new Float32Array(length);
    this.births = storageBuffer(device, owner, 'optimizer.births', length * 4);
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

  /** Birth steps of the first `floats` values (the parameter layout's order). */
  birthsOf(floats: number): Float32Array {
    return this.birthSteps.slice(0, floats);
  }

  /** Take new moment buffers (after the network's parameter buffer was reallocated); the old ones are destroyed. */
  replaceMoments(moment1: OwnedBuffer, moment2: OwnedBuffer): void {
    this.m1.destroy();
    this.m2.destroy();
    this.m1 = moment1;
    this.m2 = moment2;
    this.length = moment1.size / 4;
  }

  /**
   * Carry the birth steps through a structure change (call after the moments were rewritten
   * by the same remap): a surviving value keeps its birth, a new one is born at `step`, the
   * optimizer's step count now; with `reset` (every moment cleared) all are.
   */
  remapBirths(remap: Remap, step: number, reset: boolean): void {
    const next = new Float32Array(this.length);
    for (let k = 0; k < remap.source.length; k++) {
      const from = remap.source[k]!;
      next[k] = reset || from === NEW_VALUE ? step : this.birthSteps[from & ~NEGATED]!;
    }
    this.setBirths(next);
  }

  /** Replace every value's birth step (a checkpoint's, in the parameter layout's order). */
  setBirths(steps: Float32Array): void {
    const next = new Float32Array(this.length);
    next.set(steps.subarray(0, this.length));
    this.birthSteps = next;
    // The same buffer while the moments keep theirs (their capacity did not change).
    if (this.births.size === next.byteLength) {
      writeView(this.device, this.births.buffer, 0, next);
    } else {
      this.births.destroy();
      this.births = uploadStorage(this.device, this.owner, 'optimizer.births', next);
    }
  }

  /** The dispatch that starts a schedule: the steps after it count from there (once per call to fit). */
  recordBegin(rec: Recorder): Promise<Dispatch> {
    return beginSchedule(rec, { counter: this.counter.buffer });
  }

  /**
   * The dispatches of one optimizer step: advance the counter (and the scheduled lr), update
   * in place the first `liveFloats` values (the structure's: the buffers' capacity beyond them,
   * which growth may leave up to twice as large, holds no parameter, and training does not walk
   * it; omitted, every value of the buffers). With `clip`, two more before the update: the
   * global norm of the gradient's first `clip.floats` values (the structure's parameters, each
   * shared value once by `clip.counted`) and the factor that clips it to `clip.maxNorm`, which
   * the update applies; the norm and whether it clipped are added to `clip.stats`.
   */
  async record(
    rec: Recorder,
    params: GPUBuffer,
    grads: GPUBuffer,
    hyper: ResolvedFit['optimizer'],
    schedule: ScheduleSteps,
    liveFloats = this.floats,
    clip?: GradientClip,
  ): Promise<Dispatch[]> {
    const h = {
      lr: hyper.lr,
      beta1: hyper.beta1,
      beta2: hyper.beta2,
      eps: hyper.eps,
      weightDecay: hyper.weightDecay,
      momentum: hyper.momentum,
      nesterov: hyper.nesterov,
    };
    const count = Math.min(this.floats, liveFloats);
    const clipping: Dispatch[] = [];
    if (clip) {
      const normed = Math.min(clip.floats, count);
      const parts = storageBuffer(this.device, rec.owner, 'optimizer.normParts', normPartsBound(normed) * 4).buffer;
      const norm = await gradNormParts(rec, { count: normed, grad: grads, parts, ...(clip.counted ? { counted: clip.counted } : {}) });
      clipping.push(norm.dispatch, await clipScale(rec, { counter: this.counter.buffer, parts, partCount: norm.parts, maxNorm: clip.maxNorm, stats: clip.stats, slot: clip.slot }));
    }
    return [
      await advanceStep(rec, { hyper: h, counter: this.counter.buffer, schedule }),
      ...clipping,
      await update(rec, {
        rule: this.name,
        count,
        hyper: h,
        counter: this.counter.buffer,
        param: params,
        grad: grads,
        moment1: this.moment1.buffer,
        moment2: this.moment2.buffer,
        birth: this.births.buffer,
        clip: Boolean(clip),
      }),
    ];
  }

  destroy(): void {
    this.m1.destroy();
    this.m2.destroy();
    this.births.destroy();
    this.counter.destroy();
  }
}

/** Gradient clipping by the global norm in an optimizer step (see {@link OptimizerState.record}). */
export interface GradientClip {
  /** The largest global norm the update takes; Infinity measures the norm and never clips. */
  maxNorm: number;
  /** The parameters' values in the flat buffer (the structure's `floats`). */
  floats: number;
  /** Each value's weight in the norm, where values are shared (`TieBuffers.counted`); null: every value counts. */
  counted: GPUBuffer | null;
  /** Where the norm and the clipped count are added: floats `slot` and `slot` + 1. */
  stats: BindingResource;
  slot: number;
}
