import type { ResolvedAugment } from '../data/augment.js';
import type { GpuDataset } from '../data/gpuDataset.js';
import type { OwnedBuffer } from '../gpu/memory.js';
import { storageBuffer } from '../gpu/upload.js';
import { shiftImages, type ImageShifts } from '../kernels/augment.js';
import type { PackedBytes } from '../kernels/dense.js';
import type { Dispatch, Recorder } from '../kernels/dispatch.js';
import type { DropoutMasks } from '../kernels/dropout.js';
import { gatherEpoch, type GatherSlot } from '../kernels/gather.js';
import type { ByteColumns } from '../kernels/sparse.js';
import type { Trainable } from './trainable.js';
import { settleAll } from './passes.js';
import type { Workspace } from './workspace.js';

// What a training step's batch is made of: the gathers of its rows out of the dataset on the
// GPU, and the randomly moved copy of the dataset they read instead where fit augments it.

/**
 * How a batch of `data` holds its inputs: u8 inputs stay packed, f32 values stay f32. Every block
 * out of the input level reads packed bytes: plain dense products read the rows packed four
 * bytes to a word and load a word per 4 values (the gather stores a quarter as much). CSR
 * blocks read the same bytes as columns, a word holding 4 rows of one input, so a word per 4
 * rows of an edge (the MNIST reference run's 784→344 CSR forward about a third faster than over
 * f32 rows; over packed rows it loaded as often and paid for unpacking too). A dense block that
 * lacks edges from many inputs stores only its rows with edges (see `compactRows`) and reads
 * their bytes gathered and packed for it alone: walking its sources in the whole batch, it
 * loaded one value at a time. Under input dropout the workspace adds the kept bytes' factor
 * (see `Workspace.inputDropout`).
 */
export function batchBytes(data: GpuDataset): PackedBytes | null {
  if (data.xSource !== 'u8') return null;
  return { words: data.xRowWords, scale: data.data.featureScale };
}

/**
 * Gathers of x and of labels or targets for every slot; built once per dataset and call. Where
 * `ws` drops its inputs (`Workspace.inputDropout`), x's gathers drop them by the input level's
 * masks, drawn from `masks`' seed and step counter (required then).
 */
export async function recordGathers(
  rec: Recorder,
  net: Trainable,
  data: GpuDataset,
  ws: Workspace,
  slots: readonly GatherSlot[],
  order: GPUBuffer,
  masks?: Pick<DropoutMasks, 'seed' | 'counter'>,
): Promise<Dispatch[][]> {
  let drop: DropoutMasks | undefined;
  if (ws.inputDropout > 0) {
    if (!masks) throw new Error('recordGathers: a workspace that drops its inputs needs the masks\' seed and step');
    drop = { ...masks, rate: ws.inputDropout };
  }
  const input = {
    source: data.xSource,
    features: data.data.features,
    rowWords: data.xRowWords,
    scale: data.data.featureScale,
    slots,
    order,
    data: data.x.buffer,
    ...(drop ? { drop: { ...drop, level: ws.structure.input.id, width: ws.structure.input.size } } : {}),
  };
  // The batch's rows (packed or f32) where a block reads them; its byte columns where a CSR block
  // does. Packed rows of whole vec4s come out of the columns' gather, from the same loads.
  const both = ws.xRowsRead && ws.xColumns !== null && data.xRowWords % 4 === 0;
  const columnsOf = (c: ByteColumns) => ({ ...input, columnWords: c.words, out: c.buffer, ...(both ? { rowsOut: ws.x.buffer } : {}) });
  // A compact dense block's sources: its active rows' indices, already on the GPU.
  const picked = [...ws.xPicked].map(([b, p]) => gatherEpoch(rec, { ...input, at: { indices: net.activeRows(b)!.indices, count: b.rows!.length }, out: p.buffer.buffer }));
  const [rows, columns, ...pickedGathers] = await settleAll([
    ws.xRowsRead && !both ? gatherEpoch(rec, { ...input, packed: ws.xBytes !== null, out: ws.x.buffer }) : null,
    ws.xColumns ? gatherEpoch(rec, columnsOf(ws.xColumns)) : null,
    ...picked,
  ] as const);
  const x = slots.map((_, i) => [rows, columns, ...pickedGathers].flatMap((g) => (g ? [g.dispatches[i]!] : [])));
  let y: Dispatch[] = [];
  if (data.labels) {
    y = (await gatherEpoch(rec, { source: 'u32', features: 1, rowWords: 1, slots, order, data: data.labels.buffer, out: ws.labels.buffer })).dispatches;
  } else if (data.targets) {
    y = (
      await gatherEpoch(rec, { source: 'f32', features: net.outputs, rowWords: net.outputs, slots, order, data: data.targets.buffer, out: ws.targets.buffer })
    ).dispatches;
  }
  return slots.map((_, i) => (y.length ? [...x[i]!, y[i]!] : x[i]!));
}

/**
 * A copy of `data`'s inputs (held whole on the GPU) in which every row is moved at random each
 * epoch (see `FitOptions.augment`): `data` with the copy as its inputs, for the gathers to
 * read, and the recorded pass that fills the copy with an epoch's key.
 */
export async function shiftedInputs(rec: Recorder, data: GpuDataset, augment: ResolvedAugment): Promise<{ data: GpuDataset; shifts: ImageShifts }> {
  const x: OwnedBuffer = storageBuffer(rec.device, rec.owner, `${data.data.name}.x (moved)`, data.x.buffer.size);
  const source = data.xSource === 'u8' ? 'u8' : 'f32';
  const shifts = await shiftImages(rec, { source, rows: data.data.rows, features: data.data.features, rowWords: data.xRowWords, augment, data: data.x.buffer, out: x.buffer });
  return { data: { ...data, x }, shifts };
}
