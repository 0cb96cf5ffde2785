import { AdapterLimitError, ConfigError } from '../errors.js';
import type { GpuContext } from '../gpu/context.js';
import type { BufferOwner, OwnedBuffer } from '../gpu/memory.js';
import { storageBuffer, uploadStorage, writeView } from '../gpu/upload.js';
import type { GatherSource } from '../kernels/gather.js';
import { type ResolvedAugment, rowShift, shiftImage } from './augment.js';
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

/** Words a row of `data`'s inputs takes on the GPU: bytes packed four to a word (rows start on a word), or f32 values. */
function rowWordsOf(data: Dataset): number {
  return data.x instanceof Uint8Array ? Math.ceil(data.features / 4) : data.features;
}

/** Bytes a row of `data` takes on the GPU: its inputs and its label or targets. */
function gpuRowBytes(data: Dataset): number {
  return rowWordsOf(data) * 4 + (data.targets ? (data.targetCount ?? 1) : 1) * 4;
}

/**
 * A ConfigError unless an upload limit of `limitBytes` (the option `name`, its value as the user
 * wrote it in `shown`) holds each of `batches` (`rows` rows of `data`, the `of` rows: training,
 * validation, statistics), the least a call uploads at once: checked before the call starts.
 */
export function checkUploadLimit(name: string, shown: string, limitBytes: number, batches: readonly { data: Dataset; rows: number; of: string }[]): void {
  for (const batch of batches) {
    const bytes = batch.rows * gpuRowBytes(batch.data);
    if (limitBytes < bytes) throw new ConfigError(`${name} ${shown} holds less than a batch of ${batch.rows} ${batch.of} rows (${bytes} bytes), the least uploaded at once`);
  }
}

/** Rows `start ..< end` of `data` as a dataset of views (no copies). */
function rowRange(data: Dataset, start: number, end: number): Dataset {
  const features = data.features;
  const targets = data.targetCount ?? 1;
  return {
    ...data,
    rows: end - start,
    x: data.x.subarray(start * features, end * features),
    ...(data.labels ? { labels: data.labels.subarray(start, end) } : {}),
    ...(data.targets ? { targets: data.targets.subarray(start * targets, end * targets) } : {}),
  };
}

/** An epoch's random moves of a dataset's images (see `FitOptions.augment`): each row's follows from `key` and its index. */
export interface RowMoves {
  augment: ResolvedAugment;
  key: number;
}

/**
 * Copy `count` rows of `data` into `out` in the GPU layout (see {@link rowWordsOf}): the rows
 * `order[from ..< from + count]`, or `from ..< from + count` where `order` is null; each moved
 * as `moves` says, where given (as shaders/augment.wgsl moves the rows of data held whole).
 */
function packInputs(data: Dataset, out: Uint8Array | Float32Array, order: Uint32Array | null, from: number, count: number, moves?: RowMoves): void {
  const f = data.features;
  const stride = data.x instanceof Uint8Array ? rowWordsOf(data) * 4 : f;
  // Consecutive rows without padding: one copy.
  if (!order && !moves && stride === f) return out.set(data.x.subarray(from * f, (from + count) * f));
  for (let r = 0; r < count; r++) {
    const row = order ? order[from + r]! : from + r;
    const source = data.x.subarray(row * f, row * f + f);
    if (moves) shiftImage(source, out, r * stride, moves.augment, rowShift(moves.key, row, moves.augment.shift));
    else out.set(source, r * stride);
  }
}

/** Upload `data` into buffers owned by `owner`. */
export function uploadDataset(gpu: GpuContext, owner: BufferOwner, data: Dataset): GpuDataset {
  const device = gpu.device;
  const xRowWords = rowWordsOf(data);
  let x: OwnedBuffer;
  if (data.x instanceof Uint8Array && data.features % 4 !== 0) {
    // Rows must start on a word boundary for the gather kernel; pad each row.
    const packed = new Uint8Array(data.rows * xRowWords * 4);
    packInputs(data, packed, null, 0, data.rows);
    x = uploadStorage(device, owner, `${data.name}.x`, packed);
  } else {
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

/**
 * A dataset too large to hold on the GPU whole: buffers for `partRows` of its rows, refilled
 * from the CPU a part at a time. `data` is its first `partRows` rows (the shape the buffers
 * hold); `source` the whole dataset.
 */
export interface StreamedDataset extends GpuDataset {
  readonly source: Dataset;
  readonly partRows: number;
  /**
   * Write `count` (≤ `partRows`) rows of the source into the buffers, in order: the rows
   * `order[from ..< from + count]`, or `from ..< from + count` where `order` is null. Queued
   * after all GPU work submitted before it, so the work submitted so far reads the previous part.
   * With `moves`, each row is moved at random on the way (training with `augment`).
   */
  fill(order: Uint32Array | null, from: number, count: number, moves?: RowMoves): void;
}

/** Buffers for `partRows` rows of `data`, owned by `owner`, and the staging arrays that refill them. */
export function streamDataset(gpu: GpuContext, owner: BufferOwner, data: Dataset, partRows: number): StreamedDataset {
  const device = gpu.device;
  const xRowWords = rowWordsOf(data);
  const u8 = data.x instanceof Uint8Array;
  const xStage = u8 ? new Uint8Array(partRows * xRowWords * 4) : new Float32Array(partRows * xRowWords);
  const targetCount = data.targetCount ?? 1;
  const labelStage = data.labels ? new Uint32Array(partRows) : null;
  const targetStage = data.targets ? new Float32Array(partRows * targetCount) : null;
  const x = storageBuffer(device, owner, `${data.name}.x (a part)`, xStage.byteLength);
  const labels = labelStage ? storageBuffer(device, owner, `${data.name}.labels (a part)`, labelStage.byteLength) : null;
  const targets = targetStage ? storageBuffer(device, owner, `${data.name}.targets (a part)`, targetStage.byteLength) : null;
  return {
    data: rowRange(data, 0, partRows),
    source: data,
    partRows,
    x,
    xSource: u8 ? 'u8' : 'f32',
    xRowWords,
    labels,
    targets,
    fill(order, from, count, moves) {
      packInputs(data, xStage, order, from, count, moves);
      writeView(device, x.buffer, 0, xStage.subarray(0, count * (u8 ? xRowWords * 4 : xRowWords)));
      for (let r = 0; r < count; r++) {
        const row = order ? order[from + r]! : from + r;
        if (labelStage) labelStage[r] = data.labels![row]!;
        if (targetStage) targetStage.set(data.targets!.subarray(row * targetCount, (row + 1) * targetCount), r * targetCount);
      }
      if (labelStage) writeView(device, labels!.buffer, 0, labelStage.subarray(0, count));
      if (targetStage) writeView(device, targets!.buffer, 0, targetStage.subarray(0, count * targetCount));
    },
  };
}

/** The most bytes of inputs one part of an evaluate or predict call uploads. */
export const PART_BYTES = 256 * 1024 * 1024;

/**
 * Rows of `data` a part of at most `limitBytes` of inputs and labels or targets holds (a
 * multiple of `multipleOf`, so that batches do not straddle parts); throws an
 * {@link AdapterLimitError} where not even `multipleOf` rows fit.
 */
export function rowsPerPart(data: Dataset, limitBytes: number, multipleOf = 1, what = `one row of ${data.name}`): number {
  const rowBytes = gpuRowBytes(data);
  const rows = Math.floor(limitBytes / rowBytes / multipleOf) * multipleOf;
  if (rows < 1) throw new AdapterLimitError(`${what} needs ${rowBytes * multipleOf} bytes; at most ${limitBytes} may be uploaded at once`);
  return rows;
}

/**
 * `data` as consecutive row ranges (views, no copies) of at most `limitBytes` of inputs and
 * labels or targets each (evaluate, predict and the exact statistics: one binding of the
 * adapter, at most {@link PART_BYTES}), so those calls take datasets of any size, a part at a
 * time, without holding them on the GPU whole. Each part but the last has a multiple of
 * `multipleOf` rows.
 */
export function rowParts(data: Dataset, limitBytes: number, multipleOf = 1): Dataset[] {
  const rows = rowsPerPart(data, limitBytes, multipleOf);
  if (rows >= data.rows) return [data];
  const parts: Dataset[] = [];
  for (let start = 0; start < data.rows; start += rows) parts.push(rowRange(data, start, Math.min(data.rows, start + rows)));
  return parts;
}

/** Whether `data` is held on the GPU a part at a time. */
export function isStreamed(data: GpuDataset): data is StreamedDataset {
  return 'fill' in data;
}

/** Bytes `data`'s inputs take on the GPU (bytes packed four to a word, rows starting on a word). */
export function inputBytes(data: Dataset): number {
  return data.rows * rowWordsOf(data) * 4;
}

/**
 * `data` on the GPU whole where it fits in `limit` bytes (and in `wholeLimit`, where holding it
 * whole costs more: a moved copy of its inputs), else a part at a time (parts of whole groups
 * of `multipleOf` rows, so no batch straddles two; see {@link streamDataset}).
 */
export function placeDataset(gpu: GpuContext, owner: BufferOwner, data: Dataset, limit: number, multipleOf: number, what: string, wholeLimit = limit): GpuDataset {
  if (data.rows * gpuRowBytes(data) <= Math.min(limit, wholeLimit)) return uploadDataset(gpu, owner, data);
  // No bigger than the data (in whole groups): held a part at a time only for its moved copy, it may fit one.
  return streamDataset(gpu, owner, data, Math.min(rowsPerPart(data, limit, multipleOf, what), Math.ceil(data.rows / multipleOf) * multipleOf));
}
