import { describe, expect, it } from 'vitest';
import { scheduleFor } from '../../src/cli/scheduleSpan.js';
import type { EpochReport } from '../../src/train/options.js';
import type { LrSchedule } from '../../src/train/schedule.js';

const epochs = (n: number, expandedAt: number[] = []) => Array.from({ length: n }, (_, i) => ({ epoch: i + 1, expanded: expandedAt.includes(i + 1) ? 3 : 0 }) as EpochReport);
const cosine: LrSchedule = { name: 'cosine', minLr: 0, warmupEpochs: 2, restartAtGrowth: false };

describe('the schedule of a resumed senn train run', () => {
  it('goes on where the run it resumes stopped before its end and is given the epochs left', () => {
    expect(scheduleFor(cosine, 6, epochs(4), { schedule: cosine, scheduleSpan: { first: 0, last: 10 } })).toEqual({ schedule: { ...cosine, startEpoch: 4 }, span: { first: 0, last: 10 }, goesOn: true });
    // A run that was itself resumed: the span began after its first run's epochs.
    expect(scheduleFor(cosine, 3, epochs(7), { schedule: cosine, scheduleSpan: { first: 5, last: 10 } }).schedule).toEqual({ ...cosine, startEpoch: 2 });
  });

  it("counts from the last restart at growth (an expansion before the span's last epoch)", () => {
    const restarting = { ...cosine, restartAtGrowth: true };
    expect(scheduleFor(restarting, 4, epochs(6, [2, 5]), { schedule: restarting, scheduleSpan: { first: 0, last: 10 } }).schedule).toEqual({ ...restarting, startEpoch: 1 });
    expect(scheduleFor(restarting, 4, epochs(6, [6]), { schedule: restarting, scheduleSpan: { first: 0, last: 10 } }).schedule).toEqual(restarting);
  });

  it('starts again otherwise: other epochs, another schedule, a run that ended, no span or a malformed one', () => {
    const cases: [{ schedule: unknown; scheduleSpan: unknown } | null, number][] = [
      [{ schedule: cosine, scheduleSpan: { first: 0, last: 10 } }, 5],
      [{ schedule: { ...cosine, minLr: 1e-4 }, scheduleSpan: { first: 0, last: 10 } }, 6],
      [{ schedule: cosine, scheduleSpan: { first: 0, last: 4 } }, 6],
      [{ schedule: cosine, scheduleSpan: undefined }, 6],
      [{ schedule: cosine, scheduleSpan: { first: 'x', last: 10 } }, 6],
      [null, 6],
    ];
    for (const [previous, n] of cases) expect(scheduleFor(cosine, n, epochs(4), previous)).toEqual({ schedule: cosine, span: { first: 4, last: 4 + n }, goesOn: false });
    expect(scheduleFor(null, 6, epochs(4), { schedule: null, scheduleSpan: { first: 0, last: 10 } })).toEqual({ schedule: null, span: null, goesOn: false });
  });
});
