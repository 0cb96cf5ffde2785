import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { advanceStep, clipScale, gradNormParts, MAX_NORM_GROUPS, normPartsBound, update } from '../../src/kernels/optimizer.js';
import { adamRef, clipRef, sgdRef } from '../../src/reference/optimizer.js';
import { ShapeError } from '../../src/errors.js';
import { useHarness } from '../helpers/harness.js';
import { randomArray, relativeError } from '../helpers/numeric.js';

// Gradient clipping by the global norm (shaders/optimizer.wgsl grad_norm_parts, clip_scale and
// the updates' CLIP) against the CPU reference (clipRef, float64). An f32 sum of squares in
// parts against float64: the norm to 1e-5 relative; parameters after clipped steps to 1e-5
// relative to the largest value, as the optimizer tests.
const TOL = 1e-5;

const h = useHarness();
// Where the tests have clip_scale add its norm and clipped count (fit's: NORM_SLOT).
const SLOT = 5;

/** The norm of `g`'s first `count` values as the kernels take it, and the stats clip_scale adds. */
async function gpuNorm(g: Float32Array, count: number, maxNorm: number, counted?: Float32Array) {
  const parts = h.output(normPartsBound(count));
  const counter = h.input(Float32Array.of(0, 0, 0, 7));
  const stats = h.output(SLOT + 2);
  const norm = await gradNormParts(h.rec, { count, grad: h.input(g), parts, ...(counted ? { counted: h.input(counted) } : {}) });
  h.run([norm.dispatch, await clipScale(h.rec, { counter, parts, partCount: norm.parts, maxNorm, stats, slot: SLOT })]);
  const [sum, clipped] = (await h.read(stats, SLOT + 2)).slice(SLOT);
  return { norm: sum!, clipped: clipped!, scale: (await h.read(counter, 4))[3]!, parts: norm.parts };
}

describe('gradient clipping kernels (shaders/optimizer.wgsl grad_norm_parts, clip_scale)', () => {
  // 999 values with a stale 1,000th (a structure's slots past its values), 4,096 values in
  // 4 groups, and 300,000 (more vec4s than 64 groups of 256 lanes: each lane walks a stride).
  for (const [count, length] of [[999, 1000], [4096, 4096], [300_000, 300_000]] as const) {
    it(`the norm of ${count} values and its factor match the CPU reference (clipping, not clipping, measuring)`, async () => {
      const rng = new Random(count);
      const g = randomArray(rng, length);
      if (length > count) g.fill(1e3, count);
      const want = clipRef(g.subarray(0, count), 1).norm;
      for (const maxNorm of [want / 3, want * 2, Infinity]) {
        const got = await gpuNorm(g, count, maxNorm);
        const relative = Math.abs(got.norm - want) / want;
        console.info(`norm of ${count} values in ${got.parts} parts: relative error ${relative.toExponential(2)} (tolerance ${TOL}); max ${maxNorm.toPrecision(4)}, factor ${got.scale}`);
        expect(relative).toBeLessThanOrEqual(TOL);
        // One part a lane of at most 64 groups of 256.
        expect(got.parts).toBe(Math.min(MAX_NORM_GROUPS, Math.ceil(Math.ceil(count / 4) / 256)) * 256);
        if (maxNorm < want) {
          expect(Math.abs(got.scale - clipRef(g.subarray(0, count), maxNorm).scale)).toBeLessThanOrEqual(TOL);
          expect(got.clipped).toBe(1);
        } else {
          expect(got.scale).toBe(1);
          expect(got.clipped).toBe(0);
        }
      }
    });
  }

  it('weighted by counted, a shared value counts once', async () => {
    const rng = new Random(5);
    const g = randomArray(rng, 1024);
    // Slots 10, 20 and 30 hold one shared value's (summed) gradient; 20 and 30 count 0.
    g[20] = g[10]!;
    g[30] = g[10]!;
    const counted = new Float32Array(1024).fill(1);
    counted[20] = 0;
    counted[30] = 0;
    const got = await gpuNorm(g, 1024, Infinity, counted);
    const want = clipRef(g, Infinity, counted).norm;
    expect(Math.abs(got.norm - want) / want).toBeLessThanOrEqual(TOL);
    expect(Math.abs(got.norm - clipRef(g, Infinity).norm)).toBeGreaterThan(1e-3);
  });

  for (const rule of ['adam', 'adamw', 'sgd'] as const) {
    it(`${rule} with clipping: 4 steps, some clipped, match the CPU reference`, async () => {
      const count = 1000;
      const rng = new Random(17 + rule.length);
      const hyper = { lr: 0.05, momentum: 0.9, weightDecay: 0.01 };
      const p0 = randomArray(rng, count);
      const param = h.input(p0);
      const [m1, m2] = [h.output(count), h.output(count)];
      const counter = h.output(4);
      const parts = h.output(normPartsBound(count));
      const stats = h.output(SLOT + 2);
      const ref = { step: 0, m: new Float64Array(count), v: new Float64Array(count) };
      const p = Float64Array.from(p0);
      const maxNorm = 10;
      let norms = 0;
      let clips = 0;
      for (let step = 0; step < 4; step++) {
        // Gradients of norm ~18 (clipped) and ~4.6 (not) in turn.
        const g = randomArray(rng, count, step % 2 ? -0.25 : -1, step % 2 ? 0.25 : 1);
        const grad = h.input(g);
        const norm = await gradNormParts(h.rec, { count, grad, parts });
        h.run([
          await advanceStep(h.rec, { hyper, counter }),
          norm.dispatch,
          await clipScale(h.rec, { counter, parts, partCount: norm.parts, maxNorm, stats, slot: SLOT }),
          await update(h.rec, { rule, count, hyper, counter, param, grad, moment1: m1, moment2: m2, clip: true }),
        ]);
        const clipped = clipRef(g, maxNorm);
        norms += clipped.norm;
        clips += clipped.scale < 1 ? 1 : 0;
        if (rule === 'sgd') sgdRef(p, clipped.grad, ref, hyper);
        else adamRef(p, clipped.grad, ref, hyper, rule === 'adamw');
      }
      const err = relativeError(await h.read(param, count), p);
      console.info(`${rule} with clipping: relative error ${err.relative.toExponential(2)} after 4 steps (tolerance ${TOL})`);
      expect(err.relative).toBeLessThanOrEqual(TOL);
      const [sum, clipped] = (await h.read(stats, SLOT + 2)).slice(SLOT);
      expect(clips).toBe(2);
      expect(clipped).toBe(clips);
      expect(Math.abs(sum! - norms) / norms).toBeLessThanOrEqual(TOL);
    });
  }

  it('refuses buffers too small for its count, naming them', async () => {
    const parts = h.output(normPartsBound(1000));
    await expect(gradNormParts(h.rec, { count: 1000, grad: h.output(996), parts })).rejects.toThrow(ShapeError);
    await expect(gradNormParts(h.rec, { count: 300_000, grad: h.output(300_000), parts: h.output(8) })).rejects.toThrow(/parts binds/);
    await expect(clipScale(h.rec, { counter: h.output(4), parts, partCount: 1, maxNorm: 1, stats: h.output(SLOT + 1), slot: SLOT })).rejects.toThrow(/stats binds/);
  });
});
