import type { OwnedBuffer } from '../gpu/memory.js';
import { type Dispatch, unusedOutput, type Recorder } from './dispatch.js';
import { ConfigError, ShapeError } from '../errors.js';
import { checkBindings, checkSizes, words } from './bounds.js';
import { type BindingResource, UNIFORM_SLOT } from './kernel.js';
import { family } from './sources.js';
import { type ByteColumns, columnWords } from './sparse.js';
import { checkDropoutRate, dropoutScale, dropoutThreshold, type DropoutMasks } from './dropout.js';


/** Element type of a dataset column block held on the GPU. */
export type GatherSource = 'u8' | 'f32' | 'u32';

/**
 * Input dropout of a gather (see `FitOptions.inputDropout`): the masks of shaders/dropout.wgsl
 * drawn over the input level's values (batch rows × `width`), for level `level` at the step in
 * `counter`.
 */
export interface InputDropout extends DropoutMasks {
  /** The input level's id (which level's masks). */
  level: number;
  /** Inputs a row (the level's size), whatever part of a row the gather stores. */
  width: number;
}

/** One batch to gather: `rows` rows starting at position `start` of the permutation. */
export interface GatherSlot {
  rows: number;
  start: number;
}

/**
 * Batches whose parameters one uniform buffer of {@link gatherEpoch} holds (16 MiB of 256-byte
 * slots): an epoch of more batches takes several buffers, each with its bind group, so that no
 * buffer passes the adapter's `maxBufferSize` (256 MiB by default: a million batches).
 */
export const GATHER_SLOTS_PER_BUFFER = 65_536;

/**
 * Gathers of a whole epoch, recorded once: one dispatch per batch, sharing a bind group and a
 * uniform buffer holding a 256-byte slot per batch (bound with a dynamic offset; a new buffer
 * and bind group every {@link GATHER_SLOTS_PER_BUFFER} batches), so no step creates or uploads
 * anything.
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
    /** u8 sources: copy the packed words (rowWords a row) instead of unpacking them to f32. */
    packed?: boolean;
    /**
     * u8 sources: write the batch as byte columns of this many words each instead (see
     * {@link ByteColumns}; a multiple of 4, at least {@link columnWords}: whole 16-row groups are
     * written, and spmm reads whole 32-row groups, dropping the rows past the batch).
     */
    columnWords?: number;
    /**
     * With `columnWords`, where rowWords is a multiple of 4: also copy the packed rows here (what
     * `packed` writes), from the same loads.
     */
    rowsOut?: BindingResource;
    /**
     * u8 sources: only these features (`count` u32 source feature indices in `indices`), packed
     * four to a word in that order: ceil(count / 4) words a row, `features` ignored.
     */
    at?: { indices: BindingResource; count: number };
    slots: readonly GatherSlot[];
    order: BindingResource;
    data: BindingResource;
    out: BindingResource;
    /**
     * u8 and f32 sources: drop inputs out (the dropped ones 0). An f32 batch's kept values are
     * written × 1 / (1 − rate) here; packed bytes and byte columns keep the kept bytes as they
     * are, and whoever reads them multiplies each byte's value by that factor
     * ({@link PackedBytes.factor}, {@link ByteColumns.factor}).
     */
    drop?: InputDropout;
  },
): Promise<{ dispatches: Dispatch[]; uniforms: OwnedBuffer[] }> {
  // Packed u8 rows are copied 4 words at a time where their width allows, else a word at a
  // time as u32 values. Unpacked: bytes of rows whose length is a multiple of 16 are read 16 at
  // a time (MNIST's 784), of a multiple of 4 stored a word (4 values) at a time; see shaders/gather.wgsl.
  // Byte columns: one invocation per source word of 16 rows, or per 4 words where rows are
  // whole vec4s (then the packed rows may be copied on the way).
  // Picked features: one invocation per packed word.
  checkSizes('gatherEpoch', { features: a.features, rowWords: a.rowWords });
  // One pass, no spread: an epoch of batches of one row has as many slots as the data has rows
  // (`Math.max(...slots)` overflows the call stack past ~125,000).
  let positions = 0;
  let most = 0;
  a.slots.forEach((slot, i) => {
    checkSizes('gatherEpoch', { [`slots[${i}].rows`]: slot.rows, [`slots[${i}].start`]: slot.start });
    positions = Math.max(positions, slot.start + slot.rows);
    most = Math.max(most, slot.rows);
  });
  const at = a.source === 'u8' && a.at ? a.at : null;
  if (at) checkSizes('gatherEpoch', { 'at.count': at.count });
  if (at && (a.columnWords !== undefined || a.packed)) throw new ConfigError('gatherEpoch: a gather of picked features packs them itself: no byte columns or packed rows');
  const columns = a.source === 'u8' && a.columnWords !== undefined;
  const columns16 = columns && a.rowWords % 4 === 0;
  if (a.rowsOut && !columns16) throw new ConfigError('gatherEpoch: rowsOut needs byte columns of rows of a multiple of 4 words');
  if (columns) {
    checkSizes('gatherEpoch', { columnWords: a.columnWords! });
    // Whole 16-row groups are written (see gather.wgsl).
    if (a.columnWords! < columnWords(most) || a.columnWords! % 4) throw new ShapeError(`gatherEpoch: byte columns of ${a.columnWords} words cannot hold ${most} rows (a multiple of 4, ≥ ${columnWords(most)}, needed)`);
  }
  const packed = !columns && !at && a.source === 'u8' && Boolean(a.packed);
  const drop = a.drop && a.drop.rate > 0 ? a.drop : null;
  if (drop) {
    if (a.source === 'u32') throw new ConfigError('gatherEpoch: dropout is for inputs (u8 or f32 sources), not u32 labels');
    checkDropoutRate('gatherEpoch: drop.rate', drop.rate);
    checkSizes('gatherEpoch', { 'drop.seed': drop.seed, 'drop.level': drop.level, 'drop.width': drop.width });
    if (!at && drop.width < a.features) throw new ShapeError(`gatherEpoch: drop.width ${drop.width} is narrower than the ${a.features} features a row`);
  }
  // The data rows are reached through order's values, which stay on the GPU: order is checked,
  // and what the largest batch writes in the output's layout.
  checkBindings('gatherEpoch', {
    order: words(a.order, positions, 'the slots\' last start + rows u32 positions'),
    'at.indices': words(at?.indices, at?.count ?? 0, 'at.count u32 features'),
    out: at
      ? words(a.out, most * Math.ceil(at.count / 4), 'the most rows × ceil(at.count / 4) packed words')
      : columns
        ? words(a.out, a.features * a.columnWords!, 'features × columnWords words of byte columns')
        : packed
          ? words(a.out, most * a.rowWords, 'the most rows × rowWords packed words')
          : words(a.out, most * a.features, `the most rows × features ${a.source === 'u32' ? 'u32 values' : 'floats'}`),
    rowsOut: words(a.rowsOut, most * a.rowWords, 'the most rows × rowWords packed words'),
    'drop.counter': words(drop?.counter, 1, 'the step'),
  });
  const words4 = packed && a.rowWords % 4 === 0;
  const x16 = !packed && !columns && !at && a.source === 'u8' && a.features % 16 === 0 && a.rowWords * 4 === a.features;
  const vec4 = !packed && !columns && !at && a.source === 'u8' && a.features % 4 === 0;
  const entryPoint = at ? 'gather_bytes_at' : columns16 ? 'gather_columns16' : columns ? 'gather_columns' : words4 ? 'gather_words_x4' : packed ? 'gather_u32' : x16 ? 'gather_u8_x16' : vec4 ? 'gather_u8_vec4' : `gather_${a.source}`;
  const constants = { ...(columns16 ? { ROWS_TOO: Boolean(a.rowsOut) } : {}), ...(drop ? { DROP: true, DROP_ODD: drop.width % 2 === 1 } : {}) };
  const kernel = await rec.kernels.get({ ...family('gather'), entryPoint, dynamicUniform: true, ...(Object.keys(constants).length ? { constants } : {}) });
  // Values a row as the kernel counts them (gather_u32 copies words).
  const features = at ? at.count : packed ? a.rowWords : a.features;
  // Without dropout the step is never read; the order stands in for it.
  const resources: Record<string, BindingResource> = { order: a.order, counter: drop?.counter ?? a.order };
  if (a.source === 'f32') resources.source_f32 = a.data;
  else if (x16 || words4 || columns16) resources.source16 = a.data;
  else resources.source = a.data;
  // gather_columns16 names the rows' output whether or not ROWS_TOO writes it.
  if (columns16) resources.out_rows4 = a.rowsOut ?? unusedOutput(rec);
  if (at) resources.features_at = at.indices;
  if (words4 || columns) resources.out_words4 = a.out;
  else if (a.source === 'u32' || packed || at) resources.out_u32 = a.out;
  else if (vec4) resources.out4 = a.out;
  else resources.out = a.out;
  // Columns: one invocation per word (or 4) of 16 rows; words ×4: per 4 words; u8 ×16: per 16 bytes;
  // u8/f32: one workgroup per row; u32 (and packed words): one invocation per value (see gather.wgsl).
  const invocations = (slot: GatherSlot): number =>
    at
      ? slot.rows * Math.ceil(at.count / 4)
      : columns
        ? (Math.ceil(slot.rows / 16) * a.rowWords) / (columns16 ? 4 : 1)
        : words4
          ? (slot.rows * a.rowWords) / 4
          : x16
            ? (slot.rows * a.features) / 16
            : a.source === 'u32' || packed
              ? slot.rows * features
              : slot.rows * kernel.workgroupSize[0];
  const dispatches: Dispatch[] = [];
  const uniforms: OwnedBuffer[] = [];
  for (let first = 0; first < a.slots.length; first += GATHER_SLOTS_PER_BUFFER) {
    const slots = a.slots.slice(first, first + GATHER_SLOTS_PER_BUFFER);
    const bytes = new Uint8Array(UNIFORM_SLOT * slots.length);
    slots.forEach((slot, i) => {
      const values = kernel.packUniform({
        rows: slot.rows,
        features,
        row_words: a.rowWords,
        start: slot.start,
        scale: a.scale ?? 1,
        column_words: a.columnWords ?? 0,
        drop_seed: drop?.seed ?? 0,
        drop_threshold: drop ? dropoutThreshold(drop.rate) : 0,
        drop_level: drop?.level ?? 0,
        drop_width: drop?.width ?? 0,
        drop_factor: drop ? dropoutScale(drop.rate) : 1,
      });
      bytes.set(new Uint8Array(values), i * UNIFORM_SLOT);
    });
    const uniform = rec.owner.create('gather.params', bytes.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    rec.device.queue.writeBuffer(uniform.buffer, 0, bytes);
    uniforms.push(uniform);
    const bindGroup = kernel.bindGroup({ ...resources, params: uniform.buffer });
    slots.forEach((slot, i) => dispatches.push({ kernel, bindGroup, groups: kernel.groupsFor1D(invocations(slot)), dynamicOffset: i * UNIFORM_SLOT }));
  }
  return { dispatches, uniforms };
}
