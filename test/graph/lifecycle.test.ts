// Random calls on a few networks sharing a runtime, some overlapping (not awaited before the
// next), destroy() at random points, from onEpoch too: every call works or throws a SennError,
// none a DeviceError (a buffer used after it was destroyed), and no GPU bytes are left at the
// end. Found: destroy() during a fit or a selection, and a selection overlapping a growing fit,
// used destroyed buffers. SOAK_SEEDS and SOAK_STEPS widen it.
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { SennError } from '../../src/errors.js';
import { spirals } from '../../src/data/generated.js';
import type { Network } from '../../src/graph/network.js';
import { useRuntime } from '../helpers/runtime.js';

const runtime = useRuntime();
const SEEDS = Number(process.env.SOAK_SEEDS ?? 6);

describe('networks used at random, overlapping, destroyed at any point', () => {
  for (let seed = 0; seed < SEEDS; seed++) {
    it(`seed ${seed}`, async () => {
      const rt = runtime();
      const start = rt.liveBytes;
      const rng = new Random(777 + seed);
      const data = spirals({ rows: 300, seed });
      const nets: Network[] = [];
      const bad: string[] = [];
      const outcomes = new Map<string, number>();
      const call = async (name: string, f: () => unknown) => {
        try { await f(); outcomes.set(`${name} ok`, (outcomes.get(`${name} ok`) ?? 0) + 1); }
        catch (e) {
          const k = `${name} ${(e as Error).name}`;
          outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
          if (!(e instanceof SennError)) bad.push(`${name}: ${(e as Error).name}: ${(e as Error).message}`);
          if ((e as Error).name === 'DeviceError') bad.push(`${name}: DeviceError: ${(e as Error).message}`);
        }
      };
      const pending: Promise<void>[] = [];
      for (let step = 0; step < Number(process.env.SOAK_STEPS ?? 80); step++) {
        if (nets.length === 0 || rng.next() < 0.15) nets.push(rt.createNetwork({ sizes: [2, 4 + rng.int(12), 2], seed: rng.int(100), expandable: [1, 2] }));
        const net = nets[rng.int(nets.length)]!;
        const op = rng.int(10);
        const run = async () => {
          switch (op) {
            case 0: return call('fit', () => net.fit(data, { epochs: 1 + rng.int(3), batchSize: 32, onEpoch: rng.next() < 0.3 ? async () => { if (rng.next() < 0.5) await net.evaluate(data); else net.destroy(); } : undefined }));
            case 1: return call('fitExpand', () => net.fit(data, { epochs: 4, batchSize: 32, expansion: { window: 1, minEpochsBetween: 1, deleteAfter: 1, lossChangeThreshold: 1, chooseThreshold: 0.4 } }));
            case 2: return call('evaluate', () => net.evaluate(data));
            case 3: return call('save+load', async () => { const b = await rt.saveNetwork(net); const n = rt.loadNetwork(b); nets.push(n); });
            case 4: return call('split', async () => { const e = await net.selectEdgesToSplit(2, { threshold: 0.5, maxToReplace: 2 }); if (e.length) await net.splitEdges(2, e); });
            case 5: return call('prune', async () => { const e = await net.selectEdgesToPrune({ threshold: 0.5 }); if (e.length) await net.pruneEdges(e); });
            case 6: return call('destroy', () => net.destroy());
            case 7: return call('predict', () => net.predict(data));
            case 8: return call('params', async () => { const p = await net.getParameters(); net.setParameters(p); });
            default: return call('stats', () => net.collectEdgeStatistics(data, { batchSize: 64 }));
          }
        };
        // Sometimes overlapping: not awaited before the next call.
        if (rng.next() < 0.35) pending.push(run()); else await run();
      }
      await Promise.all(pending);
      for (const n of nets) n.destroy();
      expect(bad).toEqual([]);
      expect(rt.liveBytes).toBe(start);
    }, 300_000);
  }
});
