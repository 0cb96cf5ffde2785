import { describe, expect, it } from 'vitest';
import { spirals } from '../../src/data/generated.js';
import { ConfigError } from '../../src/errors.js';
import { createNodeRuntime, dawnFlagsWith } from '../../src/node/dawn.js';
import type { Runtime } from '../../src/runtime.js';

describe("Dawn's bounds checks (createNodeRuntime's boundsChecks)", () => {
  it('adds disable_robustness to the flags only when they are off, merged into an existing feature list', () => {
    expect(dawnFlagsWith([], true)).toEqual([]);
    expect(dawnFlagsWith([], false)).toEqual(['enable-dawn-features=disable_robustness']);
    expect(dawnFlagsWith(['dlldir=x', 'enable-dawn-features=allow_unsafe_apis'], false)).toEqual([
      'dlldir=x',
      'enable-dawn-features=allow_unsafe_apis,disable_robustness',
    ]);
    expect(dawnFlagsWith(['enable-dawn-features=disable_robustness'], false)).toEqual(['enable-dawn-features=disable_robustness']);
  });

  it('records the choice on the adapter, and refuses flags that contradict it', async () => {
    const on = await createNodeRuntime();
    expect(on.adapter.boundsChecks).toBe(true);
    expect(on.gpu.adapterName).not.toContain('bounds checks off');
    on.destroy();
    const off = await createNodeRuntime({ boundsChecks: false });
    expect(off.adapter.boundsChecks).toBe(false);
    expect(off.gpu.adapterName).toContain('bounds checks off');
    off.destroy();
    const listed = await createNodeRuntime({ dawnFlags: ['enable-dawn-features=disable_robustness'] });
    expect(listed.adapter.boundsChecks).toBe(false);
    listed.destroy();
    await expect(createNodeRuntime({ boundsChecks: true, dawnFlags: ['enable-dawn-features=disable_robustness'] })).rejects.toThrow(ConfigError);
  });

  it('a network that grows and is pruned trains bit for bit alike with the checks on and off', async () => {
    // Clamping changes nothing where every index is in range: equal runs say no kernel of the
    // run (dense, CSR, fused graph tail, splits, pruning, Adam) reached past a buffer.
    const train = spirals({ rows: 300, seed: 11 });
    const validation = spirals({ rows: 100, seed: 12 });
    const run = async (rt: Runtime) => {
      const net = rt.createNetwork({ sizes: [2, 12, 2], seed: 4 });
      const growth: string[] = [];
      const reports = await net.fit(train, {
        epochs: 9,
        batchSize: 50,
        validation,
        optimizer: { name: 'adam', lr: 0.01 },
        expansion: {
          window: 2,
          minEpochsBetween: 3,
          deleteAfter: 2,
          lossChangeThreshold: 1,
          chooseThreshold: 0.3,
          maxToReplace: 6,
          deleteThreshold: 0.5,
          onExpand: (e) => void growth.push(`split ${e.edgesSplit}`),
          onPrune: (e) => void growth.push(`prune ${e.edgesRemoved}`),
        },
      });
      const params = await net.gpu.readFloats(net.params, 0, net.parameterCount);
      const out = { losses: reports.map((r) => r.valLoss), sizes: net.sizes, growth, params: Array.from(params) };
      rt.destroy();
      return out;
    };
    const checked = await run(await createNodeRuntime({ boundsChecks: true }));
    const unchecked = await run(await createNodeRuntime({ boundsChecks: false }));
    expect(checked.growth.some((g) => g.startsWith('split'))).toBe(true);
    expect(checked.growth.some((g) => g.startsWith('prune'))).toBe(true);
    expect(unchecked).toEqual(checked);
  });
});
