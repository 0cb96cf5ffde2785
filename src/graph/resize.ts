import type { GpuContext } from '../gpu/context.js';
import type { BufferOwner, OwnedBuffer } from '../gpu/memory.js';
import { storageBuffer, uploadStorage } from '../gpu/upload.js';
import type { Dispatch, Recorder } from '../kernels/dispatch.js';
import type { KernelCache } from '../kernels/kernel.js';
import { rewrite } from '../kernels/rewrite.js';
import type { Remap } from './growth.js';
import { PARAMETER_ALIGN } from './structure.js';

/** Buffers parallel to the parameter layout that a structure change rewrites or resizes. */
export interface ParameterBuffers {
  params: OwnedBuffer;
  grads: OwnedBuffer;
  stats: OwnedBuffer;
  moment1: OwnedBuffer | null;
  moment2: OwnedBuffer | null;
}

/** Growth factor of the parameter capacity, so repeated growth reallocates rarely. */
export const CAPACITY_GROWTH = 1.25;

/**
 * Capacity (floats) for `floats` live values given the current capacity: kept while the
 * new layout fits and uses at least half of it; else `floats × 1.25` (pruning compacts).
 */
export function nextCapacity(current: number, floats: number): number {
  if (floats <= current && floats * 2 >= current) return current;
  return Math.ceil((floats * CAPACITY_GROWTH) / PARAMETER_ALIGN) * PARAMETER_ALIGN;
}

/**
 * Apply a structure change on the GPU: one rewrite pass computes the new parameters and
 * moments from the old ones. When the capacity stays, the results are copied back into the
 * same buffers (no reallocation); otherwise new buffers, owned by `owner`, replace the old
 * ones, which are destroyed. Running statistics restart at zero either way.
 */
export async function resizeParameters(
  gpu: GpuContext,
  kernels: KernelCache,
  owner: BufferOwner,
  current: ParameterBuffers,
  remap: Remap,
  resetMoments: boolean,
): Promise<ParameterBuffers> {
  const device = gpu.device;
  const floats = remap.source.length;
  const capacity = current.params.size / 4;
  const size = nextCapacity(capacity, floats);
  const keep = size === capacity;
  const temp = gpu.memory.owner('growth');
  try {
    const rec: Recorder = { kernels, device, owner: temp };
    const into = keep ? temp : owner;
    const fresh = (name: string) => storageBuffer(device, into, name, size * 4);
    // Stand-ins for absent optimizer moments: large enough for reads of the old layout and writes of the new.
    const zeros = (name: string) => storageBuffer(device, temp, name, Math.max(capacity, size) * 4);
    const next = {
      params: fresh('parameters'),
      moment1: current.moment1 ? fresh('optimizer.moment1') : zeros('scratch.moment1'),
      moment2: current.moment2 ? fresh('optimizer.moment2') : zeros('scratch.moment2'),
    };
    const pass: Dispatch = await rewrite(rec, {
      count: floats,
      source: uploadStorage(device, temp, 'remap.source', remap.source).buffer,
      fill: uploadStorage(device, temp, 'remap.fill', remap.fill).buffer,
      oldParams: current.params.buffer,
      oldMoment1: current.moment1?.buffer ?? zeros('old.moment1').buffer,
      oldMoment2: current.moment2?.buffer ?? zeros('old.moment2').buffer,
      newParams: next.params.buffer,
      newMoment1: next.moment1.buffer,
      newMoment2: next.moment2.buffer,
      resetMoments,
    });
    const encoder = device.createCommandEncoder({ label: 'structure change' });
    const computePass = encoder.beginComputePass();
    computePass.setPipeline(pass.kernel.pipeline);
    computePass.setBindGroup(0, pass.bindGroup);
    computePass.dispatchWorkgroups(...pass.groups);
    computePass.end();
    let result: ParameterBuffers;
    if (keep) {
      const pairs: [OwnedBuffer, OwnedBuffer | null][] = [
        [next.params, current.params],
        [next.moment1, current.moment1],
        [next.moment2, current.moment2],
      ];
      for (const [from, to] of pairs) {
        if (!to) continue;
        encoder.copyBufferToBuffer(from.buffer, 0, to.buffer, 0, floats * 4);
        if (size > floats) encoder.clearBuffer(to.buffer, floats * 4, (size - floats) * 4);
      }
      encoder.clearBuffer(current.stats.buffer);
      // Gradients are rewritten every step, except the rows of a block without edges, which
      // a product over active rows leaves as they are: they must not hold an old layout's values.
      encoder.clearBuffer(current.grads.buffer);
      result = current;
    } else {
      result = {
        params: next.params,
        grads: storageBuffer(device, owner, 'gradients', size * 4),
        stats: storageBuffer(device, owner, 'edge-statistics', 3 * size * 4),
        moment1: current.moment1 ? next.moment1 : null,
        moment2: current.moment2 ? next.moment2 : null,
      };
    }
    device.queue.submit([encoder.finish()]);
    if (!keep) {
      // Destroying after submit is safe: WebGPU finishes the submitted work first.
      current.params.destroy();
      current.grads.destroy();
      current.stats.destroy();
    }
    return result;
  } finally {
    temp.destroy();
  }
}
