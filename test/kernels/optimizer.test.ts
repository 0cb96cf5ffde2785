import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { advanceStep, beginSchedule, type ScheduleSteps, update } from '../../src/kernels/optimizer.js';
import { scheduledLr } from '../../src/train/schedule.js';
import { adamRef, sgdRef } from '../../src/reference/optimizer.js';
import { useHarness } from '../helpers/harness.js';
import { randomArray, relativeError } from '../helpers/numeric.js';

// Five f32 steps against float64: parameters agree to 1e-5 relative (to the largest value).
const TOL = 1e-5;

const h = useHarness();

describe('optimizer kernels (shaders/optimizer.wgsl)', () => {
  const cases = [
    { rule: 'adam', hyper: { lr: 1e-2 } },
    { rule: 'adam', hyper: { lr: 1e-3, weightDecay: 0.1, beta1: 0.8, beta2: 0.99, eps: 1e-6 } },
    { rule: 'adamw', hyper: { lr: 1e-2, weightDecay: 0.05 } },
    { rule: 'sgd', hyper: { lr: 0.1, momentum: 0.9, weightDecay: 0.01 } },
    { rule: 'sgd', hyper: { lr: 0.05 } },
    { rule: 'sgd', hyper: { lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true } },
    { rule: 'sgd', hyper: { lr: 0.05, momentum: 0.5, nesterov: true } },
  ] as const;
  // 1,000 values: 4 per invocation (adam_vec4 / sgd_vec4); 999: one per invocation.
  for (const [i, { rule, hyper }] of cases.entries()) {
    const count = i % 2 === 0 ? 1000 : 999;
    it(`${rule} ${JSON.stringify(hyper)}: 5 steps over ${count} values match the CPU reference`, async () => {
      const rng = new Random(count + rule.length);
      const p0 = randomArray(rng, count);
      const param = h.input(p0);
      const m1 = h.output(count);
      const m2 = h.output(count);
      const counter = h.output(4);
      const ref = { step: 0, m: new Float64Array(count), v: new Float64Array(count) };
      const p = Float64Array.from(p0);
      for (let step = 0; step < 5; step++) {
        const g = randomArray(rng, count);
        const grad = h.input(g);
        h.run([
          await advanceStep(h.rec, { hyper, counter }),
          await update(h.rec, { rule, count, hyper, counter, param, grad, moment1: m1, moment2: m2 }),
        ]);
        if (rule === 'sgd') sgdRef(p, g, ref, hyper);
        else adamRef(p, g, ref, hyper, rule === 'adamw');
      }
      const err = relativeError(await h.read(param, count), p);
      console.info(`${rule} ${JSON.stringify(hyper)}: relative error ${err.relative.toExponential(2)} after 5 steps (tolerance ${TOL})`);
      expect(err.relative).toBeLessThanOrEqual(TOL);
      expect((await h.read(counter, 1))[0]).toBe(5);
    });
  }

  for (const [rule, count] of [['sgd', 257], ['sgd', 256], ['adam', 260]] as const) {
    it(`${rule} updates only the first ${count} values`, async () => {
      const param = h.input(new Float32Array(300).fill(1));
      const grad = h.input(new Float32Array(300).fill(1));
      const counter = h.output(4);
      const [m1, m2] = [h.output(300), h.output(300)];
      h.run([
        await advanceStep(h.rec, { hyper: { lr: 0.5 }, counter }),
        await update(h.rec, { rule, count, hyper: { lr: 0.5 }, counter, param, grad, moment1: m1, moment2: m2 }),
      ]);
      const out = await h.read(param, 300);
      // SGD: 1 − 0.5·1; Adam's first step moves each value by lr (the gradient's sign).
      expect(out[count - 1]).toBeCloseTo(0.5, 4); // f32 bias corrections: 0.49999 for Adam
      expect(Array.from(out.slice(count)).every((v) => v === 1)).toBe(true);
    });
  }

  // Values that growth added later (births 3 and 6, moments zero then) beside values born at
  // step 0 with moments of their own: each value's bias corrections count its own steps.
  for (const [rule, count] of [['adam', 1000], ['adamw', 999]] as const) {
    it(`${rule} with births: 5 steps from step 6 over ${count} values match the CPU reference`, async () => {
      const rng = new Random(count + 7);
      const hyper = { lr: 1e-2, weightDecay: 0.01 };
      const births = Float32Array.from({ length: count }, () => [0, 3, 6][rng.int(3)]!);
      const p0 = randomArray(rng, count);
      const m0 = Float32Array.from(births, (b) => (b < 6 ? rng.uniform(-0.1, 0.1) : 0));
      const v0 = Float32Array.from(births, (b) => (b < 6 ? rng.uniform(0, 0.01) : 0));
      const param = h.input(p0);
      const [m1, m2] = [h.input(m0), h.input(v0)];
      const counter = h.input(Float32Array.of(6, 0, 0, 0));
      const birth = h.input(births);
      const ref = { step: 6, m: Float64Array.from(m0), v: Float64Array.from(v0), births };
      const p = Float64Array.from(p0);
      for (let step = 0; step < 5; step++) {
        const g = randomArray(rng, count);
        h.run([
          await advanceStep(h.rec, { hyper, counter }),
          await update(h.rec, { rule, count, hyper, counter, param, grad: h.input(g), moment1: m1, moment2: m2, birth }),
        ]);
        adamRef(p, g, ref, hyper, rule === 'adamw');
      }
      const err = relativeError(await h.read(param, count), p);
      console.info(`${rule} with births: relative error ${err.relative.toExponential(2)} after 5 steps (tolerance ${TOL})`);
      expect(err.relative).toBeLessThanOrEqual(TOL);
    });
  }

  it('a value born at step 1,000 takes a fresh Adam step (lr), where one born at 0 with zero moments takes about 2.5 lr', async () => {
    const lr = 1e-3;
    const param = h.input(new Float32Array(8));
    const grad = h.input(new Float32Array(8).fill(0.5));
    const counter = h.input(Float32Array.of(1000, 0, 0, 0));
    const birth = h.input(Float32Array.of(1000, 1000, 1000, 1000, 0, 0, 0, 0));
    h.run([
      await advanceStep(h.rec, { hyper: { lr }, counter }),
      await update(h.rec, { rule: 'adam', count: 8, hyper: { lr }, counter, param, grad, moment1: h.output(8), moment2: h.output(8), birth }),
    ]);
    const out = await h.read(param, 8);
    // Born at 1,000: corrections 1 − β^1, the step is −lr·m̂/√v̂ = −lr. Born at 0: corrections
    // 1 − β^1001 ≈ 1 and 1 − 0.999^1001 ≈ 0.63, the step −lr·0.05/(0.0158/0.795) ≈ −2.5 lr.
    for (let i = 0; i < 4; i++) expect(out[i]! / -lr).toBeCloseTo(1, 4);
    const expected = (0.1 * 0.5) / (Math.sqrt(0.001 * 0.25) / Math.sqrt(1 - 0.999 ** 1001) + 1e-8) / (1 - 0.9 ** 1001);
    for (let i = 4; i < 8; i++) expect(out[i]! / -lr).toBeCloseTo(expected, 3);
  });

  // The learning rate `advance` writes for each step of a call that starts at step 37 (a
  // resumed network), against the schedule's CPU definition, as a fraction of lr. The step
  // decay's pow agrees to 2e-6; WGSL lets cos be off by 2^-11 absolute (SwiftShader: ~1e-4),
  // so a cosine may be off by half of that times its range.
  const schedules: [string, ScheduleSteps][] = [
    ['constant with a 5-step warm-up', { schedule: 0, warmup: 5, total: 0, every: 1, gamma: 1, min_lr: 0, offset: 0 }],
    ['step decay 0.5 every 3 steps', { schedule: 1, warmup: 0, total: 0, every: 3, gamma: 0.5, min_lr: 0, offset: 0 }],
    ['step decay 0.1 every 4 steps after a 2-step warm-up', { schedule: 1, warmup: 2, total: 0, every: 4, gamma: 0.1, min_lr: 0, offset: 0 }],
    ['cosine over 20 steps to 1e-4 after a 4-step warm-up', { schedule: 2, warmup: 4, total: 20, every: 1, gamma: 1, min_lr: 1e-4, offset: 0 }],
    ['cosine over 12 steps to 0', { schedule: 2, warmup: 0, total: 12, every: 1, gamma: 1, min_lr: 0, offset: 0 }],
    // A stopped run going on: the schedule's steps 7 … of a cosine over 26 after a 9-step warm-up.
    ['cosine over 26 steps after a 9-step warm-up, going on at its step 7', { schedule: 2, warmup: 9, total: 26, every: 1, gamma: 1, min_lr: 1e-4, offset: 6 }],
    ['step decay 0.5 every 3 steps, going on at its step 5', { schedule: 1, warmup: 0, total: 0, every: 3, gamma: 0.5, min_lr: 0, offset: 4 }],
  ];
  const lrTolerance = (s: ScheduleSteps) => (s.schedule === 2 ? 2 ** -12 : 2e-6);
  for (const [what, schedule] of schedules) {
    it(`advance writes each step's learning rate: ${what}`, async () => {
      const lr = 0.03;
      const counter = h.input(Float32Array.of(37, 0, 0, 0));
      h.run([await beginSchedule(h.rec, { counter })]);
      const advance = await advanceStep(h.rec, { hyper: { lr }, counter, schedule });
      let worst = 0;
      for (let t = 1; t <= 22; t++) {
        h.run([advance]);
        const [step, origin, rate] = await h.read(counter, 3);
        expect([step, origin]).toEqual([37 + t, 37]);
        const expected = scheduledLr(lr, schedule, t);
        worst = Math.max(worst, Math.abs(rate! - expected) / lr);
      }
      console.info(`schedule ${what}: largest error ${worst.toExponential(2)} of lr over 22 steps (tolerance ${lrTolerance(schedule).toExponential(2)})`);
      expect(worst).toBeLessThanOrEqual(lrTolerance(schedule));
    });
  }

  it('without a schedule the step takes the uniform lr itself, bit for bit', async () => {
    const counter = h.output(4);
    h.run([await advanceStep(h.rec, { hyper: { lr: 1e-3 }, counter })]);
    expect((await h.read(counter, 3))[2]).toBe(Math.fround(1e-3));
  });

  for (const rule of ['adam', 'sgd'] as const) {
    it(`${rule} steps at the scheduled rates: 6 steps of a step decay match the CPU reference`, async () => {
      const count = 400;
      const rng = new Random(41);
      const hyper = { lr: 0.05, momentum: 0.9 };
      const schedule: ScheduleSteps = { schedule: 1, warmup: 0, total: 0, every: 2, gamma: 0.3, min_lr: 0, offset: 0 };
      const p0 = randomArray(rng, count);
      const param = h.input(p0);
      const [m1, m2] = [h.output(count), h.output(count)];
      const counter = h.output(4);
      h.run([await beginSchedule(h.rec, { counter })]);
      const ref = { step: 0, m: new Float64Array(count), v: new Float64Array(count) };
      const p = Float64Array.from(p0);
      for (let t = 1; t <= 6; t++) {
        const g = randomArray(rng, count);
        h.run([
          await advanceStep(h.rec, { hyper, counter, schedule }),
          await update(h.rec, { rule, count, hyper, counter, param, grad: h.input(g), moment1: m1, moment2: m2 }),
        ]);
        const at = { ...hyper, lr: scheduledLr(hyper.lr, schedule, t) };
        if (rule === 'sgd') sgdRef(p, g, ref, at);
        else adamRef(p, g, ref, at);
      }
      const err = relativeError(await h.read(param, count), p);
      console.info(`${rule} with a step decay: relative error ${err.relative.toExponential(2)} after 6 steps (tolerance ${TOL})`);
      expect(err.relative).toBeLessThanOrEqual(TOL);
    });
  }
});
