import type { OwnedBuffer } from '../gpu/memory.js';
import { type Dispatch, type Recorder } from './dispatch.js';
import { type BindingResource, UNIFORM_SLOT } from './kernel.js';
import { family } from './sources.js';


/** Element type of a dataset column block held on the GPU. */
export type GatherSource = 'u8' | 'f32' | 'u32';

/** One batch to gather: `rows` rows starting at position `start` of the permutation. */
export interface GatherSlot {
  rows: number;
  start: number;
}

/**
 * Gathers of a whole epoch, recorded once: one dispatch per batch, all sharing one bind
 * group and one uniform buffer holding a 256-byte slot per batch (bound with a dynamic
 * offset), so no step creates or uploads anything.
 */
export async function gatherEpoch(
  rec: Recorder,
  a: {
    source: GatherSource;
    features: number;
    /** Words (u32 or f32) per source row. */
    rowWords: number;
    /** Multiplier applied to each value (u8 and f32 sources). */
    scale?: number;
    slots: readonly GatherSlot[];
    order: BindingResource;
    data: BindingResource;
    out: BindingResource;
  },
): Promise<{ dispatches: Dispatch[]; uniform: OwnedBuffer }> {
  // Bytes of rows whose length is a multiple of 16 are read 16 at a time (MNIST's 784), of a
  // multiple of 4 stored a word (4 values) at a time; see shaders/gather.wgsl.
  const x16 = a.source === 'u8' && a.features % 16 === 0 && a.rowWords * 4 === a.features;
  const vec4 = a.source === 'u8' && a.features % 4 === 0;
  const kernel = await rec.kernels.get({
    ...family('gather'),
    entryPoint: x16 ? 'gather_u8_x16' : vec4 ? 'gather_u8_vec4' : `gather_${a.source}`,
    dynamicUniform: true,
  });
  const bytes = new Uint8Array(UNIFORM_SLOT * a.slots.length);
  a.slots.forEach((slot, i) => {
    const packed = kernel.packUniform({
      rows: slot.rows,
      features: a.features,
      row_words: a.rowWords,
      start: slot.start,
      scale: a.scale ?? 1,
    });
    bytes.set(new Uint8Array(packed), i * UNIFORM_SLOT);
  });
  const uniform = rec.owner.create('gather.params', bytes.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  rec.device.queue.writeBuffer(uniform.buffer, 0, bytes);
  const resources: Record<string, BindingResource> = { params: uniform.buffer, order: a.order };
  if (a.source === 'f32') resources.source_f32 = a.data;
  else if (x16) resources.source16 = a.data;
  else resources.source = a.data;
  if (a.source === 'u32') resources.out_u32 = a.out;
  else if (vec4) resources.out4 = a.out;
  else resources.out = a.out;
  const bindGroup = kernel.bindGroup(resources);
  const dispatches = a.slots.map((slot, i) => ({
    kernel,
    bindGroup,
    // u8 ×16: one invocation per 16 bytes; u8/f32: one workgroup per row; u32: one invocation per value (see gather.wgsl).
    groups: kernel.groupsFor1D(x16 ? (slot.rows * a.features) / 16 : a.source === 'u32' ? slot.rows * a.features : slot.rows * kernel.workgroupSize[0]),
    dynamicOffset: i * UNIFORM_SLOT,
  }));
  return { dispatches, uniform };
}
