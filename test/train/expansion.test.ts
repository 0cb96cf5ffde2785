import { describe, expect, it } from 'vitest';
import { classificationDataset } from '../../src/data/dataset.js';
import { regression2d, spirals } from '../../src/data/generated.js';
import { Structure } from '../../src/graph/structure.js';
import { convolutionConnections } from '../../src/graph/connections.js';
import { Random } from '../../src/data/random.js';
import { ConfigError } from '../../src/errors.js';
import type { GrowthControl } from '../../src/graph/networkTypes.js';
import type { PruneSelectOptions, ScoreOptions } from '../../src/graph/selection.js';
import { type ExpandEvent, type ExpansionPolicy, mayExpand, type PruneEvent, referencePolicy, resolveExpansion, shouldExpand, signedLevels } from '../../src/train/expansion.js';
import type { EpochReport } from '../../src/train/options.js';
import { graphOutputRef } from '../../src/reference/graph.js';
import { relativeError } from '../helpers/numeric.js';
import { useRuntime } from '../helpers/runtime.js';

const runtime = useRuntime();
const trigger = { window: 3, minEpochsBetween: 4, deleteAfter: 2, lossChangeThreshold: 0.01 };
/** An epoch report of constant loss: the trigger's plateau at every epoch it may fire. */
const flatEpoch = (epoch: number): EpochReport => ({ epoch, trainLoss: 1, trainAccuracy: 0, valLoss: 1, valAccuracy: 0, params: 1, seconds: 0, expanded: 0, pruned: 0, lr: 1e-3, architecture: [] });
/** Expands at every possible epoch (any loss change passes) on 2-D spirals, and prunes half. */
const quickGrowth = { ...trigger, lossChangeThreshold: 1, chooseThreshold: 0.3, maxToReplace: 6, deleteThreshold: 0.5 };

/** A stand-in for a network's growth operations: every selection one edge, every split one neuron; `overrides` replaces some. */
function fakeGrowth(overrides: Partial<Record<keyof GrowthControl, unknown>> = {}): GrowthControl {
  return {
    expandable: () => [1],
    selectEdgesToSplit: async () => [{ block: 0, edge: 0 }],
    selectEdgesToPrune: async () => [],
    splitEdges: async () => ({ level: 2, edgesSplit: 1, neuronsAdded: 1, parametersBefore: 1, parametersAfter: 2, epsilonEdges: 0 }),
    synchronize: async () => {},
    collectEdgeStatistics: async () => {},
    ...overrides,
  } as unknown as GrowthControl;
}

describe('the expansion trigger (ALGORITHM.md)', () => {
  it('waits for max(deleteAfter, minEpochsBetween, window) epochs after the last expansion', () => {
    const flat = [1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
    expect(shouldExpand(flat.slice(0, 4), 0, trigger)).toBe(false); // t − last = 4, not > 4
    expect(shouldExpand(flat.slice(0, 5), 0, trigger)).toBe(true);
    expect(shouldExpand(flat, 3, trigger)).toBe(false); // 7 − 3 = 4
  });
  it('expands only when the mean |Δloss| over the window is below the threshold', () => {
    expect(shouldExpand([1, 0.9, 0.8, 0.7, 0.6, 0.5], 0, trigger)).toBe(false);
    expect(shouldExpand([1, 0.9, 0.8, 0.795, 0.79, 0.785], 0, trigger)).toBe(true);
  });
});

describe('the prune metric', () => {
  it('defaults to the split metric (ALGORITHM.md) and can be chosen apart from it', () => {
    expect(resolveExpansion({}).pruneMetric).toBe('abs-grad');
    expect(resolveExpansion({ metric: 'weight-sq' }).pruneMetric).toBe('weight-sq');
    expect(resolveExpansion({ metric: 'weight-sq', pruneMetric: 'taylor' })).toMatchObject({ metric: 'weight-sq', pruneMetric: 'taylor' });
    expect(() => resolveExpansion({ pruneMetric: 'size' as never })).toThrow(/unknown prune metric "size"/);
  });

  it('normalises the prune over both levels together unless per-level is asked for', () => {
    expect(resolveExpansion({}).pruneNormalization).toBe('together');
    expect(resolveExpansion({ pruneNormalization: 'per-level' }).pruneNormalization).toBe('per-level');
    expect(() => resolveExpansion({ pruneNormalization: 'global' as never })).toThrow(/unknown prune normalization "global"/);
  });

  it('scores the split with metric and the prune deleteAfter epochs later with pruneMetric', async () => {
    const asked: { what: string; metric: string | undefined; normalization?: string }[] = [];
    const growth = fakeGrowth({
      selectEdgesToSplit: async (_target: number, o: ScoreOptions) => (asked.push({ what: 'split', metric: o.metric }), [{ block: 0, edge: 0 }]),
      selectEdgesToPrune: async (o: PruneSelectOptions) => (asked.push({ what: 'prune', metric: o.metric, normalization: o.normalization }), []),
    });
    const policy = referencePolicy({ metric: 'abs-grad', pruneMetric: 'weight-abs', pruneNormalization: 'per-level', window: 1, minEpochsBetween: 1, deleteAfter: 2, lossChangeThreshold: 1 });
    const history: EpochReport[] = [];
    for (let epoch = 1; epoch <= 5; epoch++) {
      history.push(flatEpoch(epoch));
      await policy.afterEpoch({ epoch, epochs: 5, history, network: growth, train: spirals({ rows: 4, seed: 0 }), currentLoss: async () => 1 });
    }
    expect(asked).toEqual([
      { what: 'split', metric: 'abs-grad' },
      { what: 'prune', metric: 'weight-abs', normalization: 'per-level' },
    ]);
  });
});

describe('running statistics only where the policy reads them', () => {
  const growth = fakeGrowth();

  async function asked(statistics: 'running' | 'exact', lateSplits = true): Promise<{ needs: boolean[]; expandedAt: number[] }> {
    // max(deleteAfter, minEpochsBetween, window) = 3: expansions may come after epochs 4, 8, …
    const policy = referencePolicy({ window: 2, minEpochsBetween: 3, deleteAfter: 2, lossChangeThreshold: 1, statistics, lateSplits });
    const history: EpochReport[] = [];
    const needs: boolean[] = [];
    const expandedAt: number[] = [];
    const epochs = 9;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      needs.push(policy.needsStatistics!(epoch, epochs));
      history.push(flatEpoch(epoch));
      const r = await policy.afterEpoch({ epoch, epochs, history, network: growth, train: spirals({ rows: 4, seed: 0 }), currentLoss: async () => 1 });
      if (r.expanded) expandedAt.push(epoch);
    }
    return { needs, expandedAt };
  }

  it('the reference policy asks for them before an epoch that may expand or prunes', async () => {
    const running = await asked('running');
    expect(running.expandedAt).toEqual([4, 8]);
    // Epochs 4 and 8 may expand, 6 prunes (deleteAfter 2); the others cannot use scores.
    expect(running.needs).toEqual([false, false, false, true, false, true, false, true, false]);
    expect(mayExpand(4, 0, { window: 2, minEpochsBetween: 3, deleteAfter: 2 })).toBe(true);
    expect(mayExpand(3, 0, { window: 2, minEpochsBetween: 3, deleteAfter: 2 })).toBe(false);
    // Exact mode scores from a pass of its own.
    const exact = await asked('exact');
    expect(exact.expandedAt).toEqual([4, 8]);
    expect(exact.needs.every((n) => !n)).toBe(true);
  });

  it('makes only the splits whose prune comes within the call, unless lateSplits', async () => {
    // Of 9 epochs, the split after epoch 8 would be pruned after epoch 10: not made, and its
    // statistics not collected; lateSplits makes it, as the reference code does.
    const inCall = await asked('running', false);
    expect(inCall.expandedAt).toEqual([4]);
    expect(inCall.needs).toEqual([false, false, false, true, false, true, false, false, false]);
    expect((await asked('running', true)).expandedAt).toEqual([4, 8]);
  });

  it('skipping them changes nothing of the run: same growth, same weights, same statistics at the end', async () => {
    const train = spirals({ rows: 400, seed: 5 });
    const validation = spirals({ rows: 200, seed: 6 });
    const run = async (always: boolean) => {
      const net = runtime().createNetwork({ sizes: [2, 12, 2], seed: 3 });
      const batches: number[] = [];
      const zeroWhenSkipped: boolean[] = [];
      const reports = await net.fit(train, {
        epochs: 11,
        batchSize: 50,
        validation,
        optimizer: { name: 'adam', lr: 0.01 },
        edgeStatistics: always,
        expansion: { ...quickGrowth },
        onEpoch: async (r) => {
          // A split or prune clears the statistics: count only the epochs without growth.
          if (r.expanded > 0 || r.pruned > 0) return;
          batches.push(net.statisticsBatches);
          if (net.statisticsBatches === 0) {
            const stats = await net.gpu.readFloats(net.edgeStats, 0, 3 * net.parameterCount);
            zeroWhenSkipped.push(stats.every((v) => v === 0));
          }
        },
      });
      const params = await net.gpu.readFloats(net.params, 0, net.parameterCount);
      const stats = await net.gpu.readFloats(net.edgeStats, 0, 3 * net.parameterCount);
      net.destroy();
      return { reports: reports.map(({ seconds: _, ...r }) => r), batches, zeroWhenSkipped, params, stats };
    };
    const always = await run(true);
    const skipping = await run(false);
    expect(always.reports.some((r) => r.expanded > 0) && always.reports.some((r) => r.pruned > 0)).toBe(true);
    expect(skipping.reports).toEqual(always.reports);
    expect(skipping.params).toEqual(always.params);
    expect(skipping.stats).toEqual(always.stats); // the last epoch collects them
    expect(always.batches.every((b) => b === 8)).toBe(true);
    const skipped = skipping.batches.filter((b) => b === 0).length;
    console.info(`statistics collected in ${skipping.batches.length - skipped} of ${skipping.batches.length} epochs without growth`);
    expect(skipping.batches.every((b) => b === 0 || b === 8)).toBe(true);
    expect(skipped).toBeGreaterThanOrEqual(4);
    expect(skipping.batches[skipping.batches.length - 1]).toBe(8);
    expect(skipping.zeroWhenSkipped.length).toBeGreaterThan(0);
    expect(skipping.zeroWhenSkipped.every(Boolean)).toBe(true);
  });
});

describe('options a convolution\'s shared weights cannot split', () => {
  it('are refused before any training, and signed pairs only where the convolution reads a signed level', async () => {
    const conv = convolutionConnections({ width: 4, height: 4, kernel: 2, stride: 2, filters: 2 });
    const rng = new Random(4);
    const pixels = (lo: number) => classificationDataset({ x: Float32Array.from({ length: 32 * 16 }, () => rng.uniform(lo, 1)), labels: Array.from({ length: 32 }, (_, i) => i % 3), features: 16 });
    const cases: [object, number, string][] = [
      [{ neuronsPerEdge: 2 }, 0, 'expansion.neuronsPerEdge 2: level 1 is fed by a convolution\'s shared weights'],
      [{ fullyConnected: true }, 0, 'expansion.fullyConnected: level 1'],
      [{ exactSplit: true }, 0, 'expansion.exactSplit true: level 1'],
      [{ exactSplit: 'signed' }, -1, "expansion.exactSplit 'signed': the shared weights into level 1 read level 0, which can be negative"],
    ];
    for (const [options, lo, message] of cases) {
      const net = runtime().createNetwork({ sizes: [16, conv.size, 3], seed: 1, connections: [conv], expandable: [1, 2] });
      const before = await net.getParameters();
      await expect(net.fit(pixels(lo), { epochs: 3, batchSize: 8, expansion: { ...options, window: 1, minEpochsBetween: 1, lossChangeThreshold: 10 } })).rejects.toThrow(message);
      expect([net.history.length, await net.getParameters()]).toEqual([0, before]);
      net.destroy();
    }
    // Pairs for signed parents where no shared weight reads one: the convolution's pixels are
    // non-negative, and the run splits.
    const net = runtime().createNetwork({ sizes: [16, conv.size, 3], seed: 1, connections: [conv], expandable: [1, 2] });
    const splits: ExpandEvent[] = [];
    await net.fit(pixels(0), { epochs: 6, batchSize: 8, expansion: { exactSplit: 'signed', window: 1, minEpochsBetween: 1, deleteAfter: 1, lossChangeThreshold: 10, chooseThreshold: 0.3, onExpand: (e) => void splits.push(e) } });
    expect(splits.length).toBeGreaterThan(0);
    net.destroy();
  });
});

describe('fit with expansion', () => {
  it('maxParameters: no split leaves more parameters than the budget (the most significant edges that fit split), none where none fit', async () => {
    const train = spirals({ rows: 600, seed: 1 });
    const validation = spirals({ rows: 300, seed: 2 });
    const run = async (maxParameters?: number) => {
      const net = runtime().createNetwork({ sizes: [2, 16, 2], seed: 0 });
      const events: ExpandEvent[] = [];
      const budget = maxParameters === undefined ? {} : { maxParameters };
      const reports = await net.fit(train, { epochs: 12, batchSize: 50, validation, optimizer: { name: 'adam', lr: 0.01 }, expansion: { ...quickGrowth, ...budget, onExpand: (e) => void events.push(e) } });
      const params = await net.getParameters();
      const output = relativeError(await net.predict(validation), graphOutputRef(net.structure, params, validation.x, validation.rows)).relative;
      net.destroy();
      return { events, reports, params, output };
    };
    const free = await run();
    const [first] = free.events;
    expect(free.events.length).toBeGreaterThan(1);
    // Halfway into the first split's growth: it splits fewer edges, the most significant.
    const budget = Math.floor((first!.parametersBefore + first!.parametersAfter) / 2);
    const capped = await run(budget);
    expect(capped.events[0]!.edgesSplit).toBeLessThan(first!.edgesSplit);
    expect(capped.events[0]!.edgesSelected).toBe(first!.edgesSplit);
    expect(capped.events.every((e) => e.parametersAfter <= budget && e.parametersAfter > e.parametersBefore)).toBe(true);
    expect(capped.reports.every((r) => r.params <= budget)).toBe(true);
    expect(capped.output).toBeLessThanOrEqual(1e-5);
    // A budget every split fits: the run without one, bit for bit; one below the start: no growth.
    const roomy = await run(Math.max(...free.events.map((e) => e.parametersAfter)));
    expect([roomy.params, roomy.events.some((e) => e.edgesSelected !== undefined)]).toEqual([free.params, false]);
    const none = await run(first!.parametersBefore - 1);
    expect([none.events.length, none.reports.every((r) => r.expanded === 0 && r.pruned === 0)]).toEqual([0, true]);
    for (const bad of [0, 2.5, -3, Number.NaN]) expect(() => resolveExpansion({ maxParameters: bad })).toThrow(new ConfigError(`expansion.maxParameters must be a positive integer, got ${bad}`));
  });

  it('splits on a plateau, prunes ε edges later, reports events and keeps training', async () => {
    const train = spirals({ rows: 600, seed: 1 });
    const validation = spirals({ rows: 300, seed: 2 });
    const net = runtime().createNetwork({ sizes: [2, 16, 2], seed: 0 });
    const expands: ExpandEvent[] = [];
    const prunes: PruneEvent[] = [];
    const reports = await net.fit(train, {
      epochs: 15,
      batchSize: 50,
      validation,
      optimizer: { name: 'adam', lr: 0.01 },
      expansion: { ...quickGrowth, onExpand: (e) => void expands.push(e), onPrune: (e) => void prunes.push(e) },
    });
    // The trigger fires whenever allowed (every 5 epochs); after epoch 15, the last, a split
    // could not be pruned, so none is made.
    expect(expands.map((e) => e.epoch)).toEqual([5, 10]);
    expect(reports[14]!.expanded).toBe(0);
    const first = expands[0]!;
    expect(first.edgesSplit).toBeGreaterThan(0);
    expect(first.edgesSplit).toBeLessThanOrEqual(6);
    expect(first.parametersAfter).toBeGreaterThan(first.parametersBefore);
    // Splitting is function-preserving here (the output level's parents are post-ReLU).
    console.info(`expansion at epoch ${first.epoch}: loss ${first.lossBefore.toFixed(6)} → ${first.lossAfter.toFixed(6)}`);
    expect(Math.abs(first.lossAfter - first.lossBefore)).toBeLessThan(1e-5);
    const at = reports[first.epoch - 1]!;
    expect(at.expanded).toBe(first.edgesSplit);
    expect(at.architecture).toEqual([2, 16, first.neuronsAdded, 2]);
    expect(at.params).toBe(first.parametersAfter);
    expect(prunes.length).toBeGreaterThanOrEqual(1);
    expect(prunes[0]!.epoch).toBe(first.epoch + 2);
    expect(reports[prunes[0]!.epoch - 1]!.pruned).toBe(prunes[0]!.edgesRemoved);
    expect(prunes[0]!.parametersAfter).toBe(prunes[0]!.parametersBefore - prunes[0]!.edgesRemoved);
    expect(reports[reports.length - 1]!.valLoss).toBeLessThan(reports[0]!.valLoss);
    expect(await net.evaluate(validation)).toMatchObject({ rows: 300 });
    net.destroy();
  });

  it('a run saved between a split and its prune and resumed is the uninterrupted run bit for bit: its shuffles, ε draws, prune and trigger', async () => {
    const train = spirals({ rows: 600, seed: 1 });
    const validation = spirals({ rows: 300, seed: 2 });
    const rt = runtime();
    const growthOf = (reports: readonly EpochReport[]) => reports.flatMap((r) => [...(r.expanded ? [`split@${r.epoch}`] : []), ...(r.pruned ? [`prune@${r.epoch}`] : [])]);
    const options = { batchSize: 50, validation, optimizer: { name: 'adam' as const, lr: 0.01 }, expansion: { ...quickGrowth, lateSplits: true } };
    const whole = rt.createNetwork({ sizes: [2, 16, 2], seed: 0 });
    await whole.fit(train, { ...options, epochs: 12 });
    // Splits whenever allowed (every 5 epochs), each pruned 2 epochs later.
    expect(growthOf(whole.history)).toEqual(['split@5', 'prune@7', 'split@10', 'prune@12']);
    // Stopped after epoch 6 (Ctrl-C, --save-every): the first split's prune is due at 7.
    const first = rt.createNetwork({ sizes: [2, 16, 2], seed: 0 });
    await first.fit(train, { ...options, epochs: 6 });
    const resumed = rt.loadNetwork(await rt.saveNetwork(first));
    await resumed.fit(train, { ...options, epochs: 6 });
    expect(growthOf(resumed.history)).toEqual(['split@5', 'prune@7', 'split@10', 'prune@12']);
    // Epoch 7 shuffles as epoch 7 of the whole run (not as a call's first epoch), and the split
    // at 10 draws the ε weights the whole run drew: the same network to the last bit.
    expect(resumed.history.map((r) => [r.trainLoss, r.valLoss, r.params])).toEqual(whole.history.map((r) => [r.trainLoss, r.valLoss, r.params]));
    expect(resumed.structure.sizes).toEqual(whole.structure.sizes);
    expect(await resumed.getParameters()).toEqual(await whole.getParameters());
    for (const net of [whole, first, resumed]) net.destroy();
  });

  it("the optimizer walks the structure's values, not the capacity that growth left beyond them", async () => {
    const net = runtime().createNetwork({ sizes: [2, 16, 2], seed: 3 });
    const train = spirals({ rows: 128, seed: 2 });
    // AdamW's decay moves every value it walks, even one whose gradient and moments are 0.
    const options = { epochs: 1, batchSize: 32, edgeStatistics: true, optimizer: { name: 'adamw', lr: 0.05, weightDecay: 0.5 } } as const;
    await net.fit(train, options);
    const out = net.structure.output.id;
    await net.splitEdges(out, await net.selectEdgesToSplit(out, { threshold: 0.05, maxToReplace: 8 }));
    await net.pruneEdges(net.pruneCandidates);
    const live = net.structure.floats;
    const beyond = net.params.size / 4 - live;
    expect(beyond).toBeGreaterThan(0);
    net.gpu.device.queue.writeBuffer(net.params, live * 4, new Float32Array(beyond).fill(1));
    const before = await net.gpu.readFloats(net.params, 0, live);
    await net.fit(train, options);
    expect(Array.from(await net.gpu.readFloats(net.params, live, beyond)).every((v) => v === 1)).toBe(true);
    expect(await net.gpu.readFloats(net.params, 0, live)).not.toEqual(before);
    net.destroy();
  });

  it('a network without an expandable level is refused before any training (it would never grow)', async () => {
    const net = runtime().createNetwork({ sizes: [2, 8, 2], seed: 0, expandable: [] });
    const fit = net.fit(spirals({ rows: 100, seed: 1 }), { epochs: 2, expansion: quickGrowth });
    await expect(fit).rejects.toThrow('expansion: no level of this network is expandable (createNetwork({ expandable }) names them), so it cannot grow');
    expect(net.history).toEqual([]);
    // A policy of one's own may still do what it likes (prune, rewrite weights).
    expect(await net.fit(spirals({ rows: 100, seed: 1 }), { epochs: 1, expansion: { afterEpoch: async () => ({ expanded: 0, pruned: 0 }) } })).toHaveLength(1);
    net.destroy();
  });

  it("statistics 'exact' scores edges with fit's loss, label smoothing and batch size (a regression network grows)", async () => {
    const train = regression2d({ rows: 400, seed: 1 });
    const validation = regression2d({ rows: 200, seed: 2 });
    const net = runtime().createNetwork({ sizes: [2, 8, 1], seed: 0, activations: ['relu', 'identity'] });
    // The pass used softmax cross-entropy whatever fit's loss: on targets it was a ConfigError.
    const reports = await net.fit(train, { loss: 'mse', batchSize: 40, epochs: 8, validation, optimizer: { name: 'adam', lr: 0.01 }, expansion: { ...quickGrowth, lateSplits: true, statistics: 'exact' } });
    expect(reports.some((r) => r.expanded > 0)).toBe(true);
    // fit gives a policy its loss and batch size (the batch at most the rows), and the reference
    // policy passes them to the exact pass before its split and its prune.
    const contexts: { loss?: string; batchSize?: number; labelSmoothing?: number }[] = [];
    const recorder: ExpansionPolicy = {
      afterEpoch: async ({ loss, batchSize, labelSmoothing }) => (contexts.push({ loss, batchSize, ...(labelSmoothing === undefined ? {} : { labelSmoothing }) }), { expanded: 0, pruned: 0 }),
    };
    await net.fit(train, { loss: 'mse', batchSize: 40, epochs: 1, expansion: recorder });
    await net.fit(regression2d({ rows: 30, seed: 3 }), { loss: 'mse', batchSize: 40, epochs: 1, expansion: recorder });
    // And a classifier's label smoothing, so an exact pass scores by the loss being trained.
    const classifier = runtime().createNetwork({ sizes: [2, 8, 2], seed: 0 });
    await classifier.fit(spirals({ rows: 100, seed: 1 }), { batchSize: 50, epochs: 1, labelSmoothing: 0.1, expansion: recorder });
    classifier.destroy();
    expect(contexts).toEqual([{ loss: 'mse', batchSize: 40 }, { loss: 'mse', batchSize: 30 }, { loss: 'softmax-cross-entropy', batchSize: 50, labelSmoothing: 0.1 }]);
    const passes: unknown[] = [];
    const growth = fakeGrowth({ collectEdgeStatistics: async (_data: unknown, o: unknown) => void passes.push(o) });
    const policy = referencePolicy({ window: 1, minEpochsBetween: 1, deleteAfter: 1, lossChangeThreshold: 1, statistics: 'exact', lateSplits: true });
    const history: EpochReport[] = [];
    for (let epoch = 1; epoch <= 3; epoch++) {
      history.push(flatEpoch(epoch));
      await policy.afterEpoch({ epoch, epochs: 3, history, network: growth, train, loss: 'softmax-cross-entropy', batchSize: 40, labelSmoothing: 0.1, maxUploadBytes: 1 << 20, currentLoss: async () => 1 });
    }
    expect(passes.length).toBeGreaterThanOrEqual(2);
    for (const o of passes) expect(o).toEqual({ loss: 'softmax-cross-entropy', batchSize: 40, labelSmoothing: 0.1, maxUploadBytes: 1 << 20 });
    net.destroy();
  });

  it("exactSplit 'signed' pairs exactly the edges out of signed parents, and keeps the loss", async () => {
    // 2-8-2 with both levels expandable: level 1's parents are the signed 2-D inputs (pairs),
    // the output's the ReLU units (single neurons).
    const train = spirals({ rows: 600, seed: 1 });
    const validation = spirals({ rows: 300, seed: 2 });
    const net = runtime().createNetwork({ sizes: [2, 8, 2], seed: 0, expandable: [1, 2] });
    const expands: ExpandEvent[] = [];
    await net.fit(train, { epochs: 12, batchSize: 50, validation, optimizer: { name: 'adam', lr: 0.01 }, expansion: { ...quickGrowth, exactSplit: 'signed', onExpand: (e) => void expands.push(e) } });
    const intoHidden = expands.filter((e) => e.target === 1);
    const intoOutput = expands.filter((e) => e.target === 2);
    // Both levels grow in each expansion: every expandable level is scored before any split.
    expect(intoHidden.map((e) => e.epoch)).toEqual(intoOutput.map((e) => e.epoch));
    expect(intoHidden.length).toBeGreaterThan(0);
    // The first split into level 1 has only the inputs as parents: all pairs. Later ones also
    // split edges out of the ReLU levels that splits made, into one neuron each.
    expect(intoHidden[0]!.neuronsAdded).toBe(2 * intoHidden[0]!.edgesSplit);
    for (const e of intoHidden) expect(e.neuronsAdded).toBeGreaterThanOrEqual(e.edgesSplit);
    for (const e of intoHidden) expect(e.neuronsAdded).toBeLessThanOrEqual(2 * e.edgesSplit);
    for (const e of intoOutput) expect(e.neuronsAdded).toBe(e.edgesSplit);
    for (const e of expands) {
      console.info(`exactSplit 'signed', split into level ${e.target} at epoch ${e.epoch}: ${e.edgesSplit} edges → ${e.neuronsAdded} neurons, loss ${e.lossBefore.toFixed(6)} → ${e.lossAfter.toFixed(6)}`);
      expect(Math.abs(e.lossAfter - e.lossBefore) / e.lossBefore).toBeLessThan(1e-5);
    }
    net.destroy();
  });

  it('signedLevels: the input level only for data with a negative value, and tanh or identity levels', () => {
    const s = Structure.chain([3, 4, 4, 2], ['relu', 'tanh', 'identity']);
    const data = (x: number[]) => classificationDataset({ x: Float32Array.from(x), labels: [0], features: 3, classes: 2 });
    const [input, relu, tanh, output] = s.levels.map((l) => l.id);
    expect(signedLevels(s, data([0, 0.5, 1])).sort()).toEqual([tanh!, output!].sort());
    expect(signedLevels(s, data([0, -0.5, 1])).sort()).toEqual([input!, tanh!, output!].sort());
    expect(signedLevels(s, data([0, 0.5, 1]))).not.toContain(relu);
  });

  it('runs a custom policy written on the research API', async () => {
    const train = spirals({ rows: 300, seed: 3 });
    const net = runtime().createNetwork({ sizes: [2, 8, 2], seed: 1 });
    // Every second epoch, split the three most significant edges into the outputs.
    const limits: (number | undefined)[] = [];
    const everyOther: ExpansionPolicy = {
      async afterEpoch({ epoch, network, maxUploadBytes }) {
        limits.push(maxUploadBytes);
        if (epoch % 2 !== 0) return { expanded: 0, pruned: 0 };
        const edges = await network.selectEdgesToSplit(network.structure().output.id, { threshold: 0.01, maxToReplace: 3 });
        await network.splitEdges(network.structure().output.id, edges);
        return { expanded: edges.length, pruned: 0 };
      },
    };
    const reports = await net.fit(train, { epochs: 4, batchSize: 50, expansion: everyOther, maxUploadBytes: 1 << 20 });
    expect(reports.map((r) => r.expanded)).toEqual([0, 3, 0, 3]);
    // The policy is told fit's upload limit (for an exact statistics pass of its own).
    expect(limits).toEqual([1 << 20, 1 << 20, 1 << 20, 1 << 20]);
    expect(net.structure.levels).toHaveLength(5);
    net.destroy();
  });

  it('a custom policy that fails leaves the network as the epoch found it, or keeps the growth it made', async () => {
    const train = spirals({ rows: 300, seed: 3 });
    const net = runtime().createNetwork({ sizes: [2, 8, 2], seed: 1 });
    let afterFirst: Float32Array | null = null;
    const failing = (grow: boolean): ExpansionPolicy => ({
      async afterEpoch({ epoch, network }) {
        if (epoch < 2) return { expanded: 0, pruned: 0 };
        if (grow) await network.splitEdges(2, await network.selectEdgesToSplit(2, { threshold: 0.01, maxToReplace: 2 }));
        throw new Error('a bug in the policy');
      },
    });
    const epoch1 = (r: EpochReport) => (r.epoch === 1 ? net.getParameters().then((p) => void (afterFirst = p)) : undefined);
    await expect(net.fit(train, { epochs: 3, batchSize: 50, expansion: failing(false), onEpoch: epoch1 })).rejects.toThrow('a bug in the policy');
    // Epoch 2 trained, then its policy failed: undone, so weights and history agree.
    expect([net.history.length, await net.getParameters()]).toEqual([1, afterFirst]);
    // A policy that grew the network first keeps that growth (it cannot be undone on the GPU),
    // and the epoch joins the history with it.
    const before = net.parameterCount;
    await expect(net.fit(train, { epochs: 3, batchSize: 50, expansion: failing(true) })).rejects.toThrow('a bug in the policy');
    expect(net.structure.levels).toHaveLength(4);
    expect(net.history.map((r) => [r.epoch, r.expanded, r.pruned, r.params])).toEqual([
      [1, 0, 0, before],
      [2, 0, 0, before],
      [3, 2, 0, net.parameterCount],
    ]);
    expect(net.history[2]!.architecture).toEqual(net.structure.sizes);
    expect(await net.fit(train, { epochs: 1, batchSize: 50 })).toHaveLength(1);
    net.destroy();
  });

  it('rejects bad expansion options before training', async () => {
    const net = runtime().createNetwork({ sizes: [2, 4, 2], seed: 0 });
    const data = spirals({ rows: 50, seed: 0 });
    await expect(net.fit(data, { epochs: 1, expansion: { chooseThreshold: 0 } })).rejects.toThrow(ConfigError);
    await expect(net.fit(data, { epochs: 1, expansion: { window: 0 } })).rejects.toThrow(ConfigError);
    // A prune 0 epochs after its split would never come (it is due at the end of a later epoch).
    await expect(net.fit(data, { epochs: 1, expansion: { deleteAfter: 0 } })).rejects.toThrow(/deleteAfter must be a positive integer/);
    await expect(net.fit(data, { epochs: 1, expansion: { exactSplit: 'all' as unknown as boolean } })).rejects.toThrow(/exactSplit must be true, false or 'signed'/);
    // A number given as a string (a form's field) compares as a number in JavaScript: named as the string it is.
    await expect(net.fit(data, { epochs: 1, expansion: { chooseThreshold: '0.7' as unknown as number } })).rejects.toThrow('expansion.chooseThreshold must be in (0, 1], got "0.7"');
    await expect(net.fit(data, { epochs: 1, expansion: { lossChangeThreshold: '0.005' as unknown as number } })).rejects.toThrow('expansion.lossChangeThreshold must be positive, got "0.005"');
    await expect(net.fit(data, { epochs: 1, expansion: { maxToReplace: '900' as unknown as number } })).rejects.toThrow('expansion.maxToReplace must be a positive integer, got "900"');
    await expect(net.selectEdgesToSplit(2, { threshold: '0.5' as unknown as number })).rejects.toThrow('threshold must be in (0, 1], got "0.5"');
    await expect(net.selectEdgesToSplit(2, { threshold: 0.5, maxToReplace: '4' as unknown as number })).rejects.toThrow('maxToReplace must be a positive integer, got "4"');
    // NaN would have filled the new level's ε weights with NaN, without a word.
    const edges = await net.selectEdgesToSplit(2, { threshold: 0.5, metric: 'weight-abs' });
    const before = await net.getParameters();
    await expect(net.splitEdges(2, edges, { epsilon: Number.NaN })).rejects.toThrow('epsilon must be a finite number ≥ 0, got NaN');
    expect(await net.getParameters()).toEqual(before);
    net.destroy();
  });
});
