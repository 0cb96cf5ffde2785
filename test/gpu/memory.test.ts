import { describe, expect, it } from 'vitest';
import { spirals } from '../../src/data/generated.js';
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
