import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { AGGREGATIONS, METRICS, scoreBlock, scoreBounds, selectScores } from '../../src/kernels/score.js';
import { normaliseRef, scoreRef, selectRef } from '../../src/reference/score.js';
import { useHarness } from '../helpers/harness.js';
import { randomArray, relativeError } from '../helpers/numeric.js';

const h = useHarness();

/** Statistics as a real accumulation would leave them: sums of |g|, g, g² over `batches` draws. */
function fakeStats(rng: Random, count: number, batches: number): Float32Array {
  const stats = new Float32Array(3 * count);
  for (let k = 0; k < count; k++) {
    for (let b = 0; b < batches; b++) {
      const g = rng.normal() * (1 + (k % 7));
      stats[3 * k] = stats[3 * k]! + Math.abs(g);
      stats[3 * k + 1] = stats[3 * k + 1]! + g;
      stats[3 * k + 2] = stats[3 * k + 2]! + g * g;
    }
  }
  return stats;
}

describe('score kernels (shaders/score.wgsl) against the CPU reference', () => {
  for (const metric of METRICS) {
    for (const aggregation of AGGREGATIONS) {
      it(`score ${metric} / ${aggregation} on 777 values`, async () => {
        const rng = new Random(metric.length * 3 + aggregation.length);
        const count = 777;
        const stats = fakeStats(rng, count, 5);
        const weights = randomArray(rng, count);
        const scores = h.output(count + 10);
        h.run(await scoreBlock(h.rec, { metric, aggregation, count, batches: 5, offset: 10, stats: h.input(stats), weights: h.input(weights), scores }));
        const got = (await h.read(scores, count + 10)).subarray(10);
        const err = relativeError(got, scoreRef(metric, aggregation, stats, weights, 5));
        console.info(`score ${metric}/${aggregation}: relative error ${err.relative.toExponential(2)} (tolerance 1e-5)`);
        expect(err.relative).toBeLessThanOrEqual(1e-5);
      });
    }
  }

  for (const above of [true, false]) {
    it(`minmax and select ${above ? 'above' : 'below'} a threshold pick exactly the reference's edges`, async () => {
      const rng = new Random(above ? 1 : 2);
      const count = 3000;
      const values = randomArray(rng, count, -3, 5);
      const scores = h.input(values);
      const bounds = h.output(2);
      const picked = h.output(2 * count);
      const counter = h.output(1);
      const threshold = above ? 0.7 : 0.1;
      h.run([await scoreBounds(h.rec, { count, scores, bounds }), await selectScores(h.rec, { count, threshold, above, scores, bounds, picked, counter })]);
      const b = await h.read(bounds, 2);
      expect([b[0], b[1]]).toEqual([Math.min(...values), Math.max(...values)]);
      const n = new Uint32Array((await h.read(counter, 1)).buffer)[0]!;
      const raw = await h.read(picked, 2 * n);
      const ids = new Uint32Array(raw.buffer);
      const got = Array.from({ length: n }, (_, i) => ids[2 * i]!).sort((x, y) => x - y);
      const want = selectRef(normaliseRef(values), threshold, above).sort((x, y) => x - y);
      expect(got).toEqual(want);
      for (let i = 0; i < n; i++) expect(raw[2 * i + 1]!).toBeCloseTo(normaliseRef(values)[ids[2 * i]!]!, 5);
    });
  }
});
