import { describe, expect, it } from 'vitest';
import { spirals } from '../../src/data/generated.js';
import { useRuntime } from '../helpers/runtime.js';

const runtime = useRuntime();

type Counts = { createBuffer: number; createBindGroup: number; createPipeline: number; mapAsync: number; submit: number; writeBuffer: number };

/**
 * Count the device calls made while `body` runs, by wrapping the WebGPU prototypes (the
 * counting is exact; no timer is involved).
 */
async function counting(body: () => Promise<void>): Promise<Counts> {
  const counts: Counts = { createBuffer: 0, createBindGroup: 0, createPipeline: 0, mapAsync: 0, submit: 0, writeBuffer: 0 };
  const wrap = <T extends object>(proto: T, name: keyof T & string, key: keyof Counts) => {
    const original = proto[name] as unknown as (...a: unknown[]) => unknown;
    (proto as Record<string, unknown>)[name] = function (this: unknown, ...a: unknown[]) {
      counts[key]++;
      return original.apply(this, a);
    };
    return () => ((proto as Record<string, unknown>)[name] = original);
  };
  const g = globalThis as unknown as { GPUDevice: { prototype: GPUDevice }; GPUBuffer: { prototype: GPUBuffer }; GPUQueue: { prototype: GPUQueue } };
  const restore = [
    wrap(g.GPUDevice.prototype, 'createBuffer', 'createBuffer'),
    wrap(g.GPUDevice.prototype, 'createBindGroup', 'createBindGroup'),
    wrap(g.GPUDevice.prototype, 'createComputePipeline', 'createPipeline'),
    wrap(g.GPUDevice.prototype, 'createComputePipelineAsync', 'createPipeline'),
    wrap(g.GPUBuffer.prototype, 'mapAsync', 'mapAsync'),
    wrap(g.GPUQueue.prototype, 'submit', 'submit'),
    wrap(g.GPUQueue.prototype, 'writeBuffer', 'writeBuffer'),
  ];
  try {
    await body();
  } finally {
    for (const r of restore) r();
  }
  return counts;
}

describe('the training loop on the GPU', () => {
  const variants = [
    { what: '', extra: {} },
    { what: ' (with a cosine learning-rate schedule)', extra: { schedule: { name: 'cosine', warmupEpochs: 1 } as const } },
    { what: ' (with gradient clipping)', extra: { maxGradNorm: 0.1 } },
    { what: ' (with class weights)', extra: { classWeights: 'balanced' as const } },
    { what: ' (with dropout)', extra: { dropout: 0.3 } },
    { what: ' (with input dropout)', extra: { inputDropout: 0.2 } },
  ];
  for (const { what, extra } of variants) {
    it(`an epoch creates no buffers, bind groups or pipelines per step, uploads only its shuffle, submits one command buffer per step and reads back once${what}`, async () => {
      const rt = runtime();
      const perEpoch: Record<number, Counts> = {};
      const recording: Record<number, Counts> = {};
      for (const steps of [8, 16]) {
        const data = spirals({ rows: 32 * steps, seed: 1 });
        const net = rt.createNetwork({ sizes: [2, 16, 2], seed: 0 });
        const options = { batchSize: 32, ...extra };
        await net.fit(data, { ...options, epochs: 2 }); // kernels compiled
        const one = await counting(async () => void (await net.fit(data, { ...options, epochs: 2 })));
        const four = await counting(async () => void (await net.fit(data, { ...options, epochs: 5 })));
        const diff = Object.fromEntries(Object.entries(four).map(([k, v]) => [k, (v - one[k as keyof Counts]) / 3])) as Counts;
        perEpoch[steps] = diff;
        recording[steps] = one;
        console.info(`${steps} steps/epoch: per extra epoch ${JSON.stringify(diff)}; recording a fit: ${one.createBindGroup} bind groups, ${one.createBuffer} buffers`);
        net.destroy();
      }
      // Recording a fit's plans does not grow with the number of steps either.
      expect(recording[16]!.createBindGroup).toBe(recording[8]!.createBindGroup);
      expect(recording[16]!.createBuffer).toBe(recording[8]!.createBuffer);
      for (const steps of [8, 16]) {
        const d = perEpoch[steps]!;
        expect(d.createBindGroup).toBe(0);
        expect(d.createPipeline).toBe(0);
        // The only buffer an epoch makes is the staging buffer of its one readback (loss sums).
        expect(d.createBuffer).toBe(1);
        expect(d.mapAsync).toBe(1);
        expect(d.submit).toBe(steps + 1);
        // Its one upload is the epoch's shuffled order: the schedule's rates come from the GPU's step counter.
        expect(d.writeBuffer).toBe(1);
      }
    });
  }

  it('with its data in parts (maxUploadBytes), an epoch uploads each part once and still creates nothing per step', async () => {
    const rt = runtime();
    const steps = 16;
    const data = spirals({ rows: 32 * steps, seed: 1 });
    const net = rt.createNetwork({ sizes: [2, 16, 2], seed: 0 });
    // 12 bytes a row (two f32 inputs, a label): 1,600 bytes hold 4 batches of 32 rows, so 4 parts.
    const options = { batchSize: 32, maxUploadBytes: 1600 };
    await net.fit(data, { ...options, epochs: 2 });
    const one = await counting(async () => void (await net.fit(data, { ...options, epochs: 2 })));
    const four = await counting(async () => void (await net.fit(data, { ...options, epochs: 5 })));
    const d = Object.fromEntries(Object.entries(four).map(([k, v]) => [k, (v - one[k as keyof Counts]) / 3])) as Counts;
    console.info(`${steps} steps/epoch in 4 parts: per extra epoch ${JSON.stringify(d)}`);
    expect([d.createBindGroup, d.createPipeline, d.createBuffer, d.mapAsync, d.submit]).toEqual([0, 0, 1, 1, steps + 1]);
    // Each part's inputs and labels, written as the epoch reaches it; no order upload.
    expect(d.writeBuffer).toBe(4 * 2);
    net.destroy();
  });
});
