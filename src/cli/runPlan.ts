// Where a run stands when `senn train --resume` picks it up: whether it goes on as planned.
import type { EpochReport } from '../train/options.js';
import type { LrSchedule } from '../train/schedule.js';

/**
 * The network's epochs a run set out to train: those after epoch `first` up to epoch `last` of
 * its history. A checkpoint's run info keeps it (`plan`), so a resumed run knows whether the run
 * it goes on with stopped before its end, and `senn info` can say so.
 */
export interface RunPlan {
  first: number;
  last: number;
}

/** A plan read from a file (run info is free-form): whole epochs in order, else none. */
export function planOf(value: unknown): RunPlan | null {
  const { first, last } = (value ?? {}) as { first?: unknown; last?: unknown };
  return Number.isSafeInteger(first) && Number.isSafeInteger(last) && (first as number) >= 0 && (last as number) >= (first as number) ? { first: first as number, last: last as number } : null;
}

/** The epochs a run planned as `plan` (read with {@link planOf}) has left after the network's epoch `now`: 0 where it ended, or none is known. */
export function epochsLeft(plan: unknown, now: number): number {
  const known = planOf(plan);
  return known && known.first <= now && now < known.last ? known.last - now : 0;
}

/**
 * The plan and schedule of a call of `senn train` that trains `epochs` epochs after the
 * network's `history`. Where the run it resumes (`previous`: its schedule and plan) stopped
 * before its end, and this call has the same schedule and exactly the epochs left, the run goes
 * on (`goesOn`): its plan stays, and its schedule's `startEpoch` counts the schedule's epochs
 * trained since it began, or since its last restart at growth. Otherwise this call is a run of
 * its own, its schedule starting again.
 */
export function resumePlan(
  schedule: LrSchedule | null,
  epochs: number,
  history: readonly EpochReport[],
  previous: { schedule: unknown; plan: unknown } | null,
): { schedule: LrSchedule | null; plan: RunPlan; goesOn: boolean } {
  const now = history.length;
  const plan = planOf(previous?.plan);
  const sameSchedule = JSON.stringify(previous?.schedule ?? null) === JSON.stringify(schedule);
  if (!plan || !sameSchedule || epochsLeft(plan, now) !== epochs) {
    return { schedule, plan: { first: now, last: now + epochs }, goesOn: false };
  }
  // A restart at growth follows an epoch (global e, 1-based) that expanded before the last.
  let start = plan.first;
  if (schedule?.restartAtGrowth) {
    for (let e = plan.first + 1; e <= now; e++) if (history[e - 1]!.expanded > 0 && e < plan.last) start = e;
  }
  return { schedule: schedule && now > start ? { ...schedule, startEpoch: now - start } : schedule, plan, goesOn: true };
}

/**
 * What the first line of a resumed `senn train` run adds: that it goes on as planned, or, where
 * the run it resumes had stopped before its end and this call is a run of its own, how to go on.
 */
export function resumeWords(resumed: { goesOn: boolean; plan: RunPlan; schedule: LrSchedule | null }, previousPlan: unknown, now: number): string {
  if (resumed.goesOn) return ` (going on to epoch ${resumed.plan.last} as planned${resumed.schedule ? `, its ${resumed.schedule.name} schedule too` : ''})`;
  const left = epochsLeft(previousPlan, now);
  if (left === 0) return '';
  return ` (a run of its own: the one it resumes stopped ${left} epochs before its end, and --epochs ${left} with its schedule would go on as planned)`;
}
