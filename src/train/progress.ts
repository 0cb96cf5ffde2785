import type { GpuContext } from '../gpu/context.js';
import type { BufferOwner } from '../gpu/memory.js';
import type { TrainProgress } from './options.js';

/**
 * Live progress without stalling the queue: at about `updates` steps of each epoch the
 * running loss sums are copied into one of a ring of mappable buffers (made once per fit),
 * and the callback runs when that copy's mapping resolves.
 */
export function progressReporter(gpu: GpuContext, owner: BufferOwner, onProgress: (p: TrainProgress) => void, updates: number, epochs: number, batchRows: number, rows: number) {
  const count = Math.max(1, Math.min(64, Math.floor(updates)));
  const staging = Array.from({ length: count }, (_, i) => owner.create(`progress ${i}`, 16, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST));
  return {
    staging,
    /** The staging slot to fill after step `i`, or undefined when no update falls there. */
    due(i: number, steps: number): number | undefined {
      const every = Math.max(1, Math.ceil(steps / count));
      if ((i + 1) % every !== 0 && i !== steps - 1) return undefined;
      return Math.min(count - 1, Math.floor(i / every));
    },
    async report(slot: number, at: { epoch: number; step: number; steps: number; started: number }): Promise<void> {
      const buffer = staging[slot]!.buffer;
      await gpu.mapForReading(buffer);
      const stats = new Float32Array(buffer.getMappedRange().slice(0));
      buffer.unmap();
      onProgress({
        epoch: at.epoch,
        epochs,
        step: at.step,
        steps: at.steps,
        samples: Math.min(rows, at.step * batchRows),
        loss: stats[0]! / Math.max(1, stats[2]!),
        seconds: (performance.now() - at.started) / 1000,
      });
    },
  };
}
