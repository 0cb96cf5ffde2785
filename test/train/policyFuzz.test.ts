import { afterAll, describe, expect, it } from 'vitest';
import { spirals } from '../../src/data/generated.js';
import { Random } from '../../src/data/random.js';
import type { ExpansionPolicy } from '../../src/train/expansion.js';
import { useRuntime } from '../helpers/runtime.js';

const runtime = useRuntime();
const N = Number(process.env.FUZZ_N ?? 30);
// FUZZ_FROM starts the seeds elsewhere, so a soak can try seeds no earlier soak ran.
const FROM = Number(process.env.FUZZ_FROM ?? 0);
const tally = { splits: 0, prunes: 0, failures: 0, grownThenFailed: 0 };
afterAll(() => console.info(`policy fuzz: ${JSON.stringify(tally)}`));

// Random custom policies: each epoch they split, prune or throw, in random order, a few times.
// After every call to fit the network's history runs 1, 2, 3… and its last epoch has the
// network's parameter count and architecture (FUZZ_N seeds, 30 by default).
describe('custom policies that grow, prune and fail at random', () => {
  for (let seed = FROM; seed < FROM + N; seed++) {
    it(`seed ${seed}: history and network agree whatever the policy did`, async () => {
      const r = new Random(seed + 100);
      const train = spirals({ rows: 120, seed });
      const net = runtime().createNetwork({ sizes: [2, 6, 2], seed, expandable: [1, 2] });
      let lastSplit = -1;
      const policy: ExpansionPolicy = {
        async afterEpoch({ epoch, network }) {
          let expanded = 0;
          let pruned = 0;
          for (let k = r.int(3); k > 0; k--) {
            const what = r.int(4);
            if (what === 0) {
              const target = r.next() < 0.5 ? network.structure().output.id : 1;
              if (!network.expandable().includes(target)) continue;
              // After a split or prune in this epoch the statistics are gone: score by weight.
              const metric = network.statisticsBatches() > 0 ? 'abs-grad' : 'weight-abs';
              const edges = await network.selectEdgesToSplit(target, { metric, threshold: 0.05 + 0.5 * r.next(), maxToReplace: 1 + r.int(4) });
              if (edges.length) (expanded += (await network.splitEdges(target, edges)).edgesSplit), (lastSplit = epoch), tally.splits++;
            } else if (what === 1 && lastSplit >= 0) {
              const edges = await network.selectEdgesToPrune({ metric: network.statisticsBatches() > 0 ? 'abs-grad' : 'weight-abs', threshold: 0.1 + 0.8 * r.next() });
              if (edges.length) (pruned += (await network.pruneEdges(edges)).edgesRemoved), tally.prunes++;
            } else if (what === 2) {
              tally.failures++;
              if (expanded || pruned) tally.grownThenFailed++;
              throw new Error('policy bug');
            }
          }
          return { expanded, pruned };
        },
      };
      for (let call = 0; call < 3; call++) {
        const before = net.history.length;
        // A failed call may keep epochs (those before, and one whose policy grew the network first).
        await net.fit(train, { epochs: 3, batchSize: 32, expansion: policy }).catch((e: Error) => expect(e.message).toBe('policy bug'));
        expect(net.history.length).toBeGreaterThanOrEqual(before);
        expect(net.history.map((h) => h.epoch)).toEqual(net.history.map((_, i) => i + 1));
        if (net.history.length > 0) {
          const last = net.history.at(-1)!;
          expect([last.params, last.architecture]).toEqual([net.parameterCount, net.structure.sizes]);
        }
      }
      // Whatever happened, it still trains and predicts.
      expect(await net.fit(train, { epochs: 1, batchSize: 32 })).toHaveLength(1);
      net.destroy();
    });
  }
});
