import { describe, expect, it } from 'vitest';
import { spirals } from '../../src/data/generated.js';
import { DestroyedError } from '../../src/errors.js';
import { useRuntime } from '../helpers/runtime.js';

const runtime = useRuntime();

describe('GPU memory ownership', () => {
  it('creating, training and destroying networks returns live bytes to the start value', async () => {
    const rt = runtime();
    const start = rt.liveBytes;
    const data = spirals({ rows: 200, seed: 1 });
    for (let i = 0; i < 3; i++) {
      const net = rt.createNetwork({ sizes: [2, 24, 2], seed: i });
      expect(rt.liveBytes).toBeGreaterThan(start);
      expect(net.gpuBytes).toBeGreaterThanOrEqual(2 * 4 * net.parameterCount);
      await net.fit(data, { epochs: 2, batchSize: 32, validation: data });
      await net.evaluate(data);
      await net.predict(data);
      // Only the network's own buffers (parameters, gradients, optimizer moments) outlive a call.
      expect(rt.liveBytes - start).toBe(net.gpuBytes);
      expect(Object.keys(rt.gpu.memory.report())).toEqual(['network']);
      net.destroy();
      net.destroy();
      expect(rt.liveBytes).toBe(start);
    }
  });

  it('destroy() during fit frees the network when fit has stopped, which rejects with a DestroyedError', async () => {
    const rt = runtime();
    const start = rt.liveBytes;
    const data = spirals({ rows: 2000, seed: 1 });
    // From outside, while steps are queued, and from onEpoch: freed under a running fit, the
    // next step's submit used destroyed buffers (Dawn's validation errors, then a DeviceError).
    const outside = rt.createNetwork({ sizes: [2, 64, 2], seed: 0 });
    let heldWhileRunning = 0;
    const running = outside.fit(data, {
      epochs: 3,
      batchSize: 16,
      // The first progress report comes while the fit runs (its steps are queued ahead of it).
      onProgress: () => {
        if (outside.destroying) return;
        outside.destroy();
        heldWhileRunning = rt.liveBytes - start;
      },
    });
    await expect(running).rejects.toThrow(/^the network was destroyed during fit \(in epoch \d\)$/);
    expect(heldWhileRunning).toBeGreaterThan(0);
    const inside = rt.createNetwork({ sizes: [2, 64, 2], seed: 0 });
    const epochs: number[] = [];
    await expect(inside.fit(data, { epochs: 3, batchSize: 16, onEpoch: (r) => void (epochs.push(r.epoch), inside.destroy()) })).rejects.toThrow(DestroyedError);
    expect(epochs).toEqual([1]);
    // Both freed, nothing left pending on the device, and the runtime trains on.
    expect(rt.liveBytes).toBe(start);
    await expect(inside.evaluate(data)).rejects.toThrow('this network was destroyed');
    const next = rt.createNetwork({ sizes: [2, 8, 2], seed: 1 });
    expect(await next.fit(data, { epochs: 1, batchSize: 64 })).toHaveLength(1);
    next.destroy();
    expect(rt.liveBytes).toBe(start);
  });

  it('a failed call frees what it allocated', async () => {
    const rt = runtime();
    const net = rt.createNetwork({ sizes: [2, 4, 2], seed: 0 });
    const before = rt.liveBytes;
    const bad = { ...spirals({ rows: 10, seed: 1 }), features: 3 };
    await expect(net.evaluate(bad)).rejects.toThrow();
    expect(rt.liveBytes).toBe(before);
    net.destroy();
  });
});
