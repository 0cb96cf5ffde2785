// A custom expansion policy on senn's research API, in a few lines and without WGSL:
// whenever validation accuracy has not improved by a point for two epochs, split the 4 edges into the
// outputs with the largest weights (|w|), and two epochs later prune the new ε edges whose
// running abs-grad score is in the bottom 20%.
//
//   npm run build && node examples/custom-policy.mjs
import { createNodeRuntime, spirals } from 'senn/node';

/** @type {import('senn').ExpansionPolicy} */
function stallPolicy() {
  let best = 0;
  let stalled = 0;
  let pruneAt = -1;
  return {
    // Only the pruning reads running statistics (the split scores |w|): fit collects them in
    // that epoch alone and trains the others without their cost.
    needsStatistics: (epoch) => epoch === pruneAt,
    async afterEpoch({ epoch, history, network }) {
      let expanded = 0;
      let pruned = 0;
      if (epoch === pruneAt) {
        const edges = await network.selectEdgesToPrune({ metric: 'abs-grad', threshold: 0.2 });
        if (edges.length) pruned = (await network.pruneEdges(edges)).edgesRemoved;
      }
      const accuracy = history[history.length - 1].valAccuracy;
      stalled = accuracy > best + 0.01 ? 0 : stalled + 1;
      best = Math.max(best, accuracy);
      if (stalled >= 2) {
        const output = network.structure().output.id;
        const edges = await network.selectEdgesToSplit(output, { metric: 'weight-abs', threshold: 0.01, maxToReplace: 4 });
        expanded = (await network.splitEdges(output, edges)).edgesSplit;
        stalled = 0;
        pruneAt = epoch + 2;
      }
      return { expanded, pruned };
    },
  };
}

const runtime = await createNodeRuntime();
const net = runtime.createNetwork({ sizes: [2, 12, 2], seed: 0 });
const epochs = Number(process.env.EPOCHS ?? 30);
await net.fit(spirals({ rows: 2000, seed: 1 }), {
  epochs,
  batchSize: 50,
  optimizer: { name: 'adam', lr: 0.01 },
  validation: spirals({ rows: 500, seed: 2 }),
  expansion: stallPolicy(),
  onEpoch: (r) =>
    console.log(`epoch ${r.epoch}: val_acc ${(100 * r.valAccuracy).toFixed(1)}%  params ${r.params}  arch ${r.architecture.join('-')}` +
      (r.expanded ? `  (+${r.expanded} split)` : '') + (r.pruned ? `  (-${r.pruned} pruned)` : '')),
});
net.destroy();
runtime.destroy();
process.exit(0);
