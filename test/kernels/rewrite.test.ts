import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { NEGATED, NEW_VALUE } from '../../src/graph/growth.js';
import { rewrite } from '../../src/kernels/rewrite.js';
import { rewriteRef } from '../../src/reference/rewrite.js';
import { useHarness } from '../helpers/harness.js';
import { randomArray } from '../helpers/numeric.js';

const h = useHarness();

describe('rewrite kernel (shaders/rewrite.wgsl) against the CPU reference (exact copies, negated ones included)', () => {
  for (const resetMoments of [false, true]) {
    it(`random remaps of 1,000 → 1,300 values, resetMoments=${resetMoments}`, async () => {
      const rng = new Random(resetMoments ? 2 : 1);
      const [oldCount, count] = [1000, 1300];
      const source = Uint32Array.from({ length: count }, () => {
        const u = rng.next();
        return u < 0.3 ? NEW_VALUE : u < 0.45 ? (rng.int(oldCount) | NEGATED) >>> 0 : rng.int(oldCount);
      });
      const remap = { source, fill: randomArray(rng, count) };
      const [p, m1, m2] = [randomArray(rng, oldCount), randomArray(rng, oldCount), randomArray(rng, oldCount, 0, 1)];
      const out = [h.output(count), h.output(count), h.output(count)] as const;
      h.run(
        await rewrite(h.rec, {
          count,
          source: h.input(source),
          fill: h.input(remap.fill),
          oldParams: h.input(p),
          oldMoment1: h.input(m1),
          oldMoment2: h.input(m2),
          newParams: out[0],
          newMoment1: out[1],
          newMoment2: out[2],
          resetMoments,
        }),
      );
      expect(await h.read(out[0], count)).toEqual(rewriteRef(remap, p));
      expect(await h.read(out[1], count)).toEqual(rewriteRef(remap, m1, 1, resetMoments));
      expect(await h.read(out[2], count)).toEqual(rewriteRef(remap, m2, 2, resetMoments));
    });
  }
});
