import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import type { TieGroups } from '../../src/graph/structure.js';
import { tieGradients } from '../../src/kernels/tie.js';
import { tieGradientsRef, tieGradientsWideRef } from '../../src/reference/tie.js';
import { useHarness } from '../helpers/harness.js';
import { randomArray, relativeError, report } from '../helpers/numeric.js';

const h = useHarness();

/** `count` disjoint groups of 2 to `most` random slots out of `slots`, ascending within each; the other slots in no group. */
function randomGroups(rng: Random, slots: number, count: number, most: number): TieGroups {
  const free = Array.from({ length: slots }, (_, i) => i);
  for (let i = free.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [free[i], free[j]] = [free[j]!, free[i]!];
  }
  const start = new Uint32Array(count + 1);
  const members: number[] = [];
  for (let g = 0; g < count; g++) {
    const size = 2 + rng.int(most - 1);
    members.push(...free.splice(0, size).sort((a, b) => a - b));
    start[g + 1] = members.length;
  }
  return { start, members: Uint32Array.from(members), count };
}

describe('tie kernel (shaders/tie.wgsl) against the CPU reference', () => {
  for (const [slots, count, most] of [
    [1000, 37, 20],
    [20_000, 200, 90], // a convolution's 8 × 5 × 5 kernel entries, 12 × 12 positions at most
    [70_000, 2, 30_000], // two groups of thousands (one invocation or workgroup each)
    [150_000, 70_000, 2], // more groups than one grid row holds wide (65,535 workgroups)
  ] as const) for (const wide of [false, true]) {
    it(`${count} groups of 2–${most} among ${slots} slots, ${wide ? 'a workgroup' : 'an invocation'} a group: every member holds its group's sum, the other slots are untouched`, async () => {
      const rng = new Random(slots);
      const groups = randomGroups(rng, slots, count, most);
      const grads = randomArray(rng, slots);
      const buffer = h.input(grads);
      h.run(await tieGradients(h.rec, { groups: count, start: h.input(groups.start), members: h.input(groups.members), grads: buffer, wide }));
      const got = await h.read(buffer, slots);
      const want = (wide ? tieGradientsWideRef : tieGradientsRef)(groups, grads);
      // The same float32 sums in the same order: equal bit for bit (so every member of a group holds the same bits).
      expect(got).toEqual(want);
      // Against float64 sums: rounding alone, which grows with a group's size (a serial sum of
      // 30,000 values of ±1 that nearly cancel loses ~1e-5 of its size).
      const exact = Float64Array.from(grads);
      for (let g = 0; g < count; g++) {
        const list = groups.members.subarray(groups.start[g], groups.start[g + 1]);
        const sum = Array.from(list).reduce((s, slot) => s + grads[slot]!, 0);
        for (const slot of list) exact[slot] = sum;
      }
      report(`tie${wide ? ' wide' : ''} (${count} groups in ${slots} slots) vs float64 sums`, relativeError(got, exact), 1e-4);
      const grouped = new Set(groups.members);
      expect(Array.from(got).filter((v, i) => !grouped.has(i) && v !== grads[i])).toEqual([]);
    });
  }
});
