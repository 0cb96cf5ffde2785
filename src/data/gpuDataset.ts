import type { GpuContext } from '../gpu/context.js';
import type { BufferOwner, OwnedBuffer } from '../gpu/memory.js';
import { uploadStorage } from '../gpu/upload.js';
import type { GatherSource } from '../kernels/gather.js';
import type { Dataset } from './dataset.js';

/** A dataset uploaded to the GPU once, for gathering batches from. */
export interface GpuDataset {
  readonly data: Dataset;
  readonly x: OwnedBuffer;
  readonly xSource: GatherSource;
  /** Words per row of `x` (bytes are packed four to a word). */
  readonly xRowWords: number;
  readonly labels: OwnedBuffer | null;
  readonly targets: OwnedBuffer | null;
}

/** Upload `data` into buffers owned by `owner`. */
export function uploadDataset(gpu: GpuContext, owner: BufferOwner, data: Dataset): GpuDataset {
  const device = gpu.device;
  let x: OwnedBuffer;
  let xRowWords: number;
  if (data.x instanceof Uint8Array) {
    xRowWords = Math.ceil(data.features / 4);
    let packed: Uint8Array = data.x;
    if (data.features % 4 !== 0) {
      // Rows must start on a word boundary for the gather kernel; pad each row.
      packed = new Uint8Array(data.rows * xRowWords * 4);
      for (let r = 0; r < data.rows; r++) packed.set(data.x.subarray(r * data.features, (r + 1) * data.features), r * xRowWords * 4);
    }
    x = uploadStorage(device, owner, `${data.name}.x`, packed);
  } else {
    xRowWords = data.features;
    x = uploadStorage(device, owner, `${data.name}.x`, data.x);
  }
  return {
    data,
    x,
    xSource: data.x instanceof Uint8Array ? 'u8' : 'f32',
    xRowWords,
    labels: data.labels ? uploadStorage(device, owner, `${data.name}.labels`, data.labels) : null,
    targets: data.targets ? uploadStorage(device, owner, `${data.name}.targets`, data.targets) : null,
  };
}
