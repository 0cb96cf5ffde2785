// Where a run's learning-rate schedule stands when `senn train --resume` picks it up.
import type { EpochReport } from '../train/options.js';
import type { LrSchedule } from '../train/schedule.js';

/**
 * The network's epochs a run's schedule spans: those after epoch `first` up to epoch `last` of
 * its history. A checkpoint's run info keeps it (`scheduleSpan`), so a resumed run knows
 * whether the run it goes on with stopped before its end.
 */
export interface ScheduleSpan {
  first: number;
  last: number;
}

/** A span read from a file (run info is free-form): whole epochs in order, else none. */
function spanOf(value: unknown): ScheduleSpan | null {
  const { first, last } = (value ?? {}) as { first?: unknown; last?: unknown };
  return Number.isSafeInteger(first) && Number.isSafeInteger(last) && (first as number) >= 0 && (last as number) >= (first as number) ? { first: first as number, last: last as number } : null;
}

/**
 * The schedule of a call of `senn train` that trains `epochs` epochs after the network's
 * `history`. Where the run it resumes (`previous`: its schedule and span) stopped before the
 * end of its schedule, and this call has the same schedule and exactly the epochs left, the
 * schedule goes on: `startEpoch` counts its epochs trained since it began, or since its last
 * restart at growth (`goesOn` true). Otherwise it starts again over this call's epochs.
 */
export function scheduleFor(
  schedule: LrSchedule | null,
  epochs: number,
  history: readonly EpochReport[],
  previous: { schedule: unknown; scheduleSpan: unknown } | null,
): { schedule: LrSchedule | null; span: ScheduleSpan | null; goesOn: boolean } {
  const now = history.length;
  const fresh = { schedule, span: schedule ? { first: now, last: now + epochs } : null, goesOn: false };
  const span = spanOf(previous?.scheduleSpan);
  if (!schedule || !span || JSON.stringify(previous?.schedule) !== JSON.stringify(schedule)) return fresh;
  if (!(span.first <= now && now < span.last && epochs === span.last - now)) return fresh;
  // A restart at growth follows an epoch (global e, 1-based) that expanded before the last.
  let start = span.first;
  if (schedule.restartAtGrowth) {
    for (let e = span.first + 1; e <= now; e++) if (history[e - 1]!.expanded > 0 && e < span.last) start = e;
  }
  return { schedule: now > start ? { ...schedule, startEpoch: now - start } : schedule, span, goesOn: true };
}
