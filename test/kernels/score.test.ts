import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { accumulateStatistics, AGGREGATIONS, decodeBounds, METRICS, scoreBlock, scoreBounds, selectScores } from '../../src/kernels/score.js';
import { accumulateStatisticsRef, normaliseRef, scoreRef, selectRef } from '../../src/reference/score.js';
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
  // 1,000 values take the vec4 form, 999 the scalar one; three steps each, from sums not zero.
  for (const count of [1000, 999]) {
    it(`accumulate: three steps' statistics of ${count} gradient values`, async () => {
      const rng = new Random(count);
      const start = fakeStats(rng, count, 2);
      const sums = h.input(start, 'sums');
      let want: Float64Array = Float64Array.from(start);
      for (let step = 0; step < 3; step++) {
        const grads = randomArray(rng, count);
        h.run(await accumulateStatistics(h.rec, { count, grads: h.input(grads), sums }));
        want = accumulateStatisticsRef(want, grads);
      }
      const err = relativeError(await h.read(sums, 3 * count), want);
      console.info(`accumulate (${count % 4 === 0 ? 'vec4' : 'scalar'}): relative error ${err.relative.toExponential(2)} (tolerance 1e-6)`);
      expect(err.relative).toBeLessThanOrEqual(1e-6);
    });
  }

  it('accumulate: the vec4 and scalar forms give the same bits', async () => {
    const rng = new Random(5);
    const count = 4096;
    const start = fakeStats(rng, count, 3);
    const grads = h.input(randomArray(rng, count));
    const [vec4, scalar] = [h.input(start, 'sums'), h.input(start, 'sums')];
    h.run(await accumulateStatistics(h.rec, { count, grads, sums: vec4 }));
    // 4095 values take the scalar form; the last one is added alone.
    h.run(await accumulateStatistics(h.rec, { count: count - 1, grads, sums: scalar }));
    const a = await h.read(vec4, 3 * count);
    const b = await h.read(scalar, 3 * count);
    expect(Array.from(a.subarray(0, 3 * (count - 1)))).toEqual(Array.from(b.subarray(0, 3 * (count - 1))));
    // The scalar run left the last value's sums as they were.
    expect(Array.from(b.subarray(3 * (count - 1)))).toEqual(Array.from(start.subarray(3 * (count - 1))));
  });

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

  it('score with a mask: values without an edge score -1, the others as without a mask', async () => {
    const rng = new Random(77);
    const count = 500;
    const stats = fakeStats(rng, count, 4);
    const weights = randomArray(rng, count);
    const mask = Float32Array.from({ length: count }, () => (rng.next() < 0.3 ? 0 : 1));
    const scores = h.output(count);
    h.run(await scoreBlock(h.rec, { metric: 'abs-grad', aggregation: 'mean', count, batches: 4, offset: 0, stats: h.input(stats), weights: h.input(weights), scores, mask: h.input(mask) }));
    const got = await h.read(scores, count);
    const want = scoreRef('abs-grad', 'mean', stats, weights, 4);
    for (let k = 0; k < count; k++) {
      if (mask[k] === 0) expect(got[k]).toBe(-1);
      else expect(Math.abs(got[k]! - want[k]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[k]!)));
    }
  });

  for (const above of [true, false]) {
    it(`minmax and select ${above ? 'above' : 'below'} a threshold pick exactly the reference's edges`, async () => {
      const rng = new Random(above ? 1 : 2);
      // 40,000 values: minmax runs on several workgroups.
      const count = above ? 3000 : 40000;
      // Scores are ≥ 0; about one in ten is -1, a value of a masked dense block with no edge.
      const values = randomArray(rng, count, 0, 5).map((v) => (rng.next() < 0.1 ? -1 : v));
      const scores = h.input(values);
      const bounds = h.output(2);
      const picked = h.output(2 * count);
      const counter = h.output(1);
      const threshold = above ? 0.7 : 0.1;
      h.run([await scoreBounds(h.rec, { count, scores, bounds }), await selectScores(h.rec, { count, threshold, above, scores, bounds, picked, counter })]);
      const b = decodeBounds(new Uint32Array((await h.read(bounds, 2)).buffer));
      const present = values.filter((v) => v >= 0);
      expect(b).toEqual([present.reduce((m, v) => Math.min(m, v)), present.reduce((m, v) => Math.max(m, v))]);
      const n = new Uint32Array((await h.read(counter, 1)).buffer)[0]!;
      const raw = await h.read(picked, 2 * n);
      const ids = new Uint32Array(raw.buffer);
      const got = Array.from({ length: n }, (_, i) => ids[2 * i]!).sort((x, y) => x - y);
      expect(got.every((i) => values[i]! >= 0)).toBe(true);
      const normalised = normaliseRef(values);
      const want = selectRef(normalised, threshold, above).sort((x, y) => x - y);
      expect(got).toEqual(want);
      for (let i = 0; i < n; i++) expect(raw[2 * i + 1]!).toBeCloseTo(normalised[ids[2 * i]!]!, 5);
    });
  }
});
