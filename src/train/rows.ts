import { AdapterLimitError } from '../errors.js';
import { maxBindingBytes } from '../gpu/upload.js';
import type { Level, Structure } from '../graph/structure.js';

/** Rows per chunk when evaluating or predicting, where the network's levels allow (see {@link inferenceRows}). */
export const EVAL_ROWS = 1024;

/**
 * The most rows of `structure` that one buffer of `bindingBytes` holds, and the level that
 * bounds them: each level's activations and gradients take a buffer of 4 bytes a neuron a row
 * (the input level's batch at most that: f32 values, or bytes packed four to a word; left out
 * where `withInput` is false). Tens of thousands of rows for networks of ordinary width; 244 for
 * a level of 1.1 million neurons under bindings of 1 GiB.
 */
export function rowsFitting(structure: Structure, bindingBytes: number, withInput = true): { rows: number; level: Level } {
  const levels = withInput ? structure.levels : structure.levels.slice(1);
  const level = levels.reduce((widest, l) => (l.size > widest.size ? l : widest));
  return { rows: Math.floor(bindingBytes / (4 * level.size)), level };
}

/**
 * Rows that a pass which only reads the network (evaluate, predict, fit's validation) takes at
 * once: `rows` and {@link EVAL_ROWS} at most, fewer where a level is too wide for that many in
 * one buffer (then whole 32-row groups, as the sparse kernels' f32 columns hold them).
 */
export function inferenceRows(structure: Structure, limits: GPUSupportedLimits, rows: number): number {
  const most = Math.min(EVAL_ROWS, rows);
  const fitting = rowsFitting(structure, maxBindingBytes(limits)).rows;
  if (fitting >= most) return most;
  return Math.max(1, fitting >= 32 ? fitting - (fitting % 32) : fitting);
}

/**
 * Throws an {@link AdapterLimitError} that names the widest level and the rows that fit, where a
 * batch of `rows` rows would not fit the adapter's buffers (rather than the workspace's error
 * for its first buffer too large). The input level is left to the data's placement, which
 * refuses a batch of the data's rows too large for one buffer in the data's own type (a byte a
 * value for u8 inputs).
 */
export function checkBatchFits(structure: Structure, limits: GPUSupportedLimits, rows: number): void {
  const limit = maxBindingBytes(limits);
  const { rows: fitting, level } = rowsFitting(structure, limit, false);
  if (rows <= fitting) return;
  const fits = fitting > 0 ? `at most ${fitting} rows fit in a batch` : 'not one row fits';
  throw new AdapterLimitError(`a batch of ${rows} rows of level ${level.id}'s ${level.size} neurons needs ${4 * rows * level.size} bytes in one buffer; this adapter allows at most ${limit}: ${fits}`);
}
