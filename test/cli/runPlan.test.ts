import { describe, expect, it } from 'vitest';
import { resumePlan, resumeWords } from '../../src/cli/runPlan.js';
import type { EpochReport } from '../../src/train/options.js';
import type { LrSchedule } from '../../src/train/schedule.js';

const epochs = (n: number, expandedAt: number[] = []) => Array.from({ length: n }, (_, i) => ({ epoch: i + 1, expanded: expandedAt.includes(i + 1) ? 3 : 0 }) as EpochReport);
const cosine: LrSchedule = { name: 'cosine', minLr: 0, warmupEpochs: 2, restartAtGrowth: false };

describe('the plan of a resumed senn train run', () => {
  it('goes on where the run it resumes stopped before its end and is given the epochs left, its schedule too', () => {
    expect(resumePlan(cosine, 6, epochs(4), { schedule: cosine, plan: { first: 0, last: 10 } })).toEqual({ schedule: { ...cosine, startEpoch: 4 }, plan: { first: 0, last: 10 }, goesOn: true });
    expect(resumePlan(null, 6, epochs(4), { schedule: null, plan: { first: 0, last: 10 } })).toEqual({ schedule: null, plan: { first: 0, last: 10 }, goesOn: true });
    // A run that was itself resumed: the plan began after its first run's epochs.
    expect(resumePlan(cosine, 3, epochs(7), { schedule: cosine, plan: { first: 5, last: 10 } }).schedule).toEqual({ ...cosine, startEpoch: 2 });
  });

  it("counts the schedule from its last restart at growth (an expansion before the plan's last epoch)", () => {
    const restarting = { ...cosine, restartAtGrowth: true };
    expect(resumePlan(restarting, 4, epochs(6, [2, 5]), { schedule: restarting, plan: { first: 0, last: 10 } }).schedule).toEqual({ ...restarting, startEpoch: 1 });
    expect(resumePlan(restarting, 4, epochs(6, [6]), { schedule: restarting, plan: { first: 0, last: 10 } }).schedule).toEqual(restarting);
  });

  it('is a run of its own otherwise: other epochs, another schedule, a run that ended, no plan or a malformed one', () => {
    const cases: [{ schedule: unknown; plan: unknown } | null, number][] = [
      [{ schedule: cosine, plan: { first: 0, last: 10 } }, 5],
      [{ schedule: { ...cosine, minLr: 1e-4 }, plan: { first: 0, last: 10 } }, 6],
      [{ schedule: null, plan: { first: 0, last: 10 } }, 6],
      [{ schedule: cosine, plan: { first: 0, last: 4 } }, 6],
      [{ schedule: cosine, plan: undefined }, 6],
      [{ schedule: cosine, plan: { first: 'x', last: 10 } }, 6],
      [null, 6],
    ];
    for (const [previous, n] of cases) expect(resumePlan(cosine, n, epochs(4), previous)).toEqual({ schedule: cosine, plan: { first: 4, last: 4 + n }, goesOn: false });
  });

  it('says on the first line whether the run goes on as planned, or how it would', () => {
    const plan = { first: 0, last: 10 };
    expect(resumeWords(resumePlan(cosine, 6, epochs(4), { schedule: cosine, plan }), plan, 4)).toBe(' (going on to epoch 10 as planned, its cosine schedule too)');
    expect(resumeWords(resumePlan(null, 6, epochs(4), { schedule: null, plan }), plan, 4)).toBe(' (going on to epoch 10 as planned)');
    expect(resumeWords(resumePlan(cosine, 3, epochs(4), { schedule: cosine, plan }), plan, 4)).toBe(
      ' (a run of its own: the one it resumes stopped 6 epochs before its end, and --epochs 6 with its schedule would go on as planned)',
    );
    expect(resumeWords(resumePlan(cosine, 3, epochs(10), { schedule: cosine, plan }), plan, 10)).toBe('');
  });
});
