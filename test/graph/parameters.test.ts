import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { ConfigError, DTypeError, NaNError, ShapeError } from '../../src/errors.js';
import { fusedTail } from '../../src/graph/fusion.js';
import { blockFloats, isMasked, storageIndex } from '../../src/graph/structure.js';
import { graphOutputRef } from '../../src/reference/graph.js';
import { randomClassification as data } from '../helpers/datasets.js';
import { relativeError } from '../helpers/numeric.js';
import { useRuntime } from '../helpers/runtime.js';

// Network.setParameters and GrowthControl.setParameters: the flat parameter buffer written back.
const runtime = useRuntime();

describe('setParameters: the flat buffer written back', () => {
  it('writes edited weights of a grown network (CSR, masked dense and fused-tail blocks): outputs as the CPU graph computes them from the edit', async () => {
    const rng = new Random(12);
    const train = data(rng, 64, 120, 10);
    const net = runtime().createNetwork({ sizes: [120, 10], seed: 3 });
    for (let k = 0; k < 2; k++) {
      await net.fit(train, { epochs: 1, batchSize: 32, edgeStatistics: true });
      await net.splitEdges(1, await net.selectEdgesToSplit(1, { threshold: 0.2, maxToReplace: 6 }));
    }
    const s = net.structure;
    expect(new Set(s.blocks.map((b) => b.form))).toEqual(new Set(['dense', 'sparse']));
    expect(fusedTail(s)).not.toBeNull();
    const masked = s.blocks.find(isMasked)!;
    const edited = await net.getParameters();
    // The split edges are gone from the masked block: their slots hold no parameter.
    const present = new Set(Array.from(masked.topology.srcOf, (_, e) => storageIndex(masked, e)));
    const absent = Array.from({ length: blockFloats(masked) }, (_, k) => k).find((k) => !present.has(k))!;
    const stray = edited.slice();
    stray[masked.weightOffset + absent] = 0.5;
    expect(() => net.setParameters(stray)).toThrow(`an absent edge of block ${masked.id} (${masked.src} → ${masked.dst}) and must stay 0, got 0.5`);
    // Every edge's weight and every bias moved: what reaches the GPU is all of it.
    for (const b of s.blocks) for (let e = 0; e < b.topology.srcOf.length; e++) edited[b.weightOffset + storageIndex(b, e)]! += rng.uniform(-0.1, 0.1);
    for (const l of s.levels.slice(1)) for (let i = 0; i < l.size; i++) edited[l.biasOffset + i]! += rng.uniform(-0.1, 0.1);
    net.setParameters(edited);
    expect(await net.getParameters()).toEqual(edited);
    const probe = data(rng, 20, 120, 10);
    const err = relativeError(await net.predict(probe), graphOutputRef(s, edited, probe.x, probe.rows));
    console.info(`setParameters on a grown network: outputs vs the CPU graph of the edit, relative error ${err.relative.toExponential(2)} (tolerance 1e-5)`);
    expect(err.relative).toBeLessThanOrEqual(1e-5);
    // Training goes on from the edit.
    await net.fit(train, { epochs: 1, batchSize: 32 });
    expect(await net.getParameters()).not.toEqual(edited);
    net.destroy();
  });

  it('refuses a wrong length, a NaN, a value where no parameter is, and a call during fit, changing nothing', async () => {
    const rng = new Random(13);
    const train = data(rng, 64, 8, 3);
    const net = runtime().createNetwork({ sizes: [8, 6, 3], seed: 1 });
    await net.fit(train, { epochs: 1, batchSize: 32, edgeStatistics: true });
    await net.splitEdges(2, await net.selectEdgesToSplit(2, { threshold: 0.2, maxToReplace: 3 }));
    const before = await net.getParameters();
    const s = net.structure;
    expect(() => net.setParameters(before.subarray(1))).toThrow(ShapeError);
    expect(() => net.setParameters(Array.from(before) as unknown as Float32Array)).toThrow(DTypeError);
    const nan = before.slice();
    nan[s.levels[1]!.biasOffset] = Number.NaN;
    expect(() => net.setParameters(nan)).toThrow(NaNError);
    // The slot just past the first block's weights is padding (offsets are aligned to 64 floats).
    const first = s.blocks[0]!;
    const padding = before.slice();
    padding[first.weightOffset + blockFloats(first)] = 1;
    expect(() => net.setParameters(padding)).toThrow(/padding between the blocks and must stay 0, got 1/);
    let during: unknown = null;
    await net.fit(train, {
      epochs: 1,
      batchSize: 32,
      onEpoch: () => {
        try {
          net.setParameters(before);
        } catch (e) {
          during = e;
        }
      },
    });
    expect(during).toBeInstanceOf(ConfigError);
    const after = await net.getParameters();
    net.setParameters(after);
    expect(await net.getParameters()).toEqual(after);
    net.destroy();
  });

  it('an expansion policy writes through its GrowthControl: a split whose new in-weights it halves', async () => {
    const rng = new Random(14);
    const train = data(rng, 96, 8, 3);
    const net = runtime().createNetwork({ sizes: [8, 6, 3], seed: 2 });
    let written: Float32Array | null = null;
    await net.fit(train, {
      epochs: 2,
      batchSize: 32,
      expansion: {
        async afterEpoch({ epoch, network }) {
          if (epoch !== 1) return { expanded: 0, pruned: 0 };
          const split = await network.splitEdges(2, await network.selectEdgesToSplit(2, { threshold: 0.2, maxToReplace: 3 }));
          const p = await network.getParameters();
          const s = network.structure();
          const level = s.levels.find((l) => l.id === split.level)!;
          for (const b of s.blocks.filter((x) => x.dst === level.id)) for (let e = 0; e < b.topology.srcOf.length; e++) p[b.weightOffset + storageIndex(b, e)]! *= 0.5;
          network.setParameters(p);
          written = p;
          return { expanded: split.edgesSplit, pruned: 0 };
        },
      },
      onEpoch: async (r) => {
        if (r.epoch === 1) expect(await net.getParameters()).toEqual(written);
      },
    });
    expect(written).not.toBeNull();
    net.destroy();
  });
});

