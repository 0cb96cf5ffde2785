import type { ResolvedAugment } from '../data/augment.js';
import { createUniform, type Dispatch, type Recorder } from './dispatch.js';
import { checkBindings, checkSizes, words } from './bounds.js';
import type { BindingResource } from './kernel.js';
import { family } from './sources.js';

/** A recorded pass of {@link shiftImages}, replayed each epoch with that epoch's key. */
export interface ImageShifts {
  readonly dispatch: Dispatch;
  /** Set the key the next replays draw their moves from (see `epochKey` in src/data/augment.ts); a queued write. */
  setKey(key: number): void;
}

/**
 * Every one of `rows` image rows of `data` moved at random into `out` (shaders/augment.wgsl;
 * the same layout: `rowWords` words a row, bytes packed four to a word for `u8`, f32 values
 * for `f32`), each by its own draw of at most `shift` pixels a direction from the key given to
 * {@link ImageShifts.setKey}. Recorded once; a new key a pass costs a 32-byte write.
 */
export async function shiftImages(
  rec: Recorder,
  a: { source: 'u8' | 'f32'; rows: number; features: number; rowWords: number; augment: ResolvedAugment; data: BindingResource; out: BindingResource },
): Promise<ImageShifts> {
  checkSizes('shiftImages', { rows: a.rows, features: a.features, rowWords: a.rowWords });
  // u8 rows are rowWords packed words; f32 rows are features values.
  const [perRow, holds] = a.source === 'u8' ? [a.rowWords, 'rows × rowWords words'] : [a.features, 'rows × features floats'];
  checkBindings('shiftImages', { data: words(a.data, a.rows * perRow, holds), out: words(a.out, a.rows * perRow, holds) });
  const kernel = await rec.kernels.get({ ...family('augment'), entryPoint: `shift_${a.source}` });
  const values = (key: number) => ({
    rows: a.rows,
    features: a.features,
    row_words: a.rowWords,
    width: a.augment.width,
    height: a.augment.height,
    channels: a.augment.channels,
    shift: a.augment.shift,
    key,
  });
  const uniform = createUniform(rec.device, rec.owner, kernel, values(0));
  const resources: Record<string, BindingResource> = a.source === 'u8' ? { source_u8: a.data, out_u8: a.out } : { source_f32: a.data, out_f32: a.out };
  // One invocation per row.
  const groups = kernel.groupsFor1D(a.rows);
  return {
    dispatch: { kernel, bindGroup: kernel.bindGroup({ params: uniform.buffer, ...resources }), groups },
    setKey: (key) => rec.device.queue.writeBuffer(uniform.buffer, 0, kernel.packUniform(values(key))),
  };
}
