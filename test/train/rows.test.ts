import { describe, expect, it } from 'vitest';
import { classificationDataset } from '../../src/data/dataset.js';
import { AdapterLimitError } from '../../src/errors.js';
import { maxBindingBytes } from '../../src/gpu/upload.js';
import { checkBatchFits, EVAL_ROWS, inferenceRows, rowsFitting } from '../../src/train/rows.js';
import { tailFits } from '../../src/train/workspace.js';
import { fusedTail } from '../../src/graph/fusion.js';
import { graphWorkgroupRows } from '../../src/kernels/graph.js';
import { randomConnections } from '../../src/graph/connections.js';
import { useRuntime } from '../helpers/runtime.js';

const runtime = useRuntime();

/** Limits whose largest binding is `bytes` (maxBindingBytes takes the smaller of the two). */
const limitsOf = (bytes: number) => ({ maxStorageBufferBindingSize: bytes, maxBufferSize: bytes }) as GPUSupportedLimits;

// A batch's activations and gradients take a buffer per level of 4 bytes a neuron a row: a
// level too wide for fit's batch on this adapter is refused up front with the rows that fit,
// and the passes that only read the network (evaluate, predict, fit's validation) take fewer
// rows at once than their usual 1,024 instead of failing.
describe('batch rows against the adapter\'s largest buffer', () => {
  it('rowsFitting finds the widest level; inferenceRows takes EVAL_ROWS where they fit, else whole 32-row groups of what fits', () => {
    const net = runtime().createNetwork({ sizes: [784, 3000, 10], seed: 0 });
    const { rows, level } = rowsFitting(net.structure, 1_000_000);
    expect([rows, level.size]).toEqual([83, 3000]);
    // The input level counts where asked (inference's rows), not for a training batch (the data's placement checks it, in the data's own type).
    const wideInput = runtime().createNetwork({ sizes: [3000, 100, 10], seed: 0 });
    expect(rowsFitting(wideInput.structure, 1_000_000).level.size).toBe(3000);
    expect(rowsFitting(wideInput.structure, 1_000_000, false)).toMatchObject({ rows: 2500, level: { size: 100 } });
    wideInput.destroy();
    expect(inferenceRows(net.structure, limitsOf(2 ** 30), 5000)).toBe(EVAL_ROWS);
    expect(inferenceRows(net.structure, limitsOf(2 ** 30), 700)).toBe(700);
    // 12 MB: 1,000 rows of 3,000 neurons fit; 992 taken (31 groups of 32).
    expect(inferenceRows(net.structure, limitsOf(12_000_000), 5000)).toBe(992);
    expect(inferenceRows(net.structure, limitsOf(12_000_000), 900)).toBe(900);
    // Fewer than 32 rows fit: those; not one: 1 (the workspace then names the buffer too large).
    expect(inferenceRows(net.structure, limitsOf(250_000), 5000)).toBe(20);
    expect(inferenceRows(net.structure, limitsOf(1000), 5000)).toBe(1);
    expect(() => checkBatchFits(net.structure, limitsOf(1000), 1)).toThrow(new AdapterLimitError("a batch of 1 rows of level 1's 3000 neurons needs 12000 bytes in one buffer; this adapter allows at most 1000: not one row fits"));
    net.destroy();
  });

  it('a fused tail runs a batch whose arenas, partial gradients and grid fit the adapter; past that its blocks run one by one', () => {
    const net = runtime().createNetwork({ sizes: [6, 20, 12, 4], connections: [null, randomConnections(20, 12, 0.3, 1), randomConnections(12, 4, 0.5, 2)], seed: 0 });
    const tail = fusedTail(net.structure)!;
    expect(tail.levels.map((l) => l.size)).toEqual([20, 12, 4]);
    const limits = (bytes: number, groups = 65535) => ({ ...limitsOf(bytes), maxComputeWorkgroupsPerDimension: groups }) as GPUSupportedLimits;
    // 256 rows: an arena of (20 + 12 + 4) × 256 floats, 36,864 bytes, the largest of the three buffers.
    expect(tailFits(tail, 256, limits(36_864))).toBe(true);
    expect(tailFits(tail, 256, limits(36_860))).toBe(false);
    // 256 rows are 4 workgroups of graph_forward / graph_backward (64 rows each, read from the shader).
    expect(graphWorkgroupRows()).toBe(64);
    expect(tailFits(tail, 256, limits(2 ** 30, 4))).toBe(true);
    expect(tailFits(tail, 257, limits(2 ** 30, 4))).toBe(false);
    net.destroy();
    // Many edges between few neurons: the partial weight gradients (per 16 rows, a float per edge
    // and per hidden neuron) are the largest buffer.
    const edgy = runtime().createNetwork({ sizes: [6, 200, 100, 4], connections: [null, randomConnections(200, 100, 0.3, 1), randomConnections(100, 4, 0.5, 2)], seed: 0 });
    const edgyTail = fusedTail(edgy.structure)!;
    const entries = [...edgyTail.fed, ...edgyTail.inner].reduce((n, b) => n + b.topology.srcOf.length, 0) + 300;
    const [arenaBytes, partialBytes] = [4 * 256 * 304, 4 * 16 * entries];
    expect(partialBytes).toBeGreaterThan(arenaBytes);
    expect(tailFits(edgyTail, 256, limits(partialBytes))).toBe(true);
    expect(tailFits(edgyTail, 256, limits(partialBytes - 4))).toBe(false);
    edgy.destroy();
  });

  it('fit, collectEdgeStatistics and parameterGradients refuse a batch too large for a level of 300,000 neurons, naming the rows that fit, the network unchanged', async () => {
    const rt = runtime();
    const limit = maxBindingBytes(rt.gpu.device.limits);
    const net = rt.createNetwork({ sizes: [4, 300_000, 2], seed: 0 });
    const fitting = Math.floor(limit / 1_200_000);
    const rows = fitting + 1;
    const data = classificationDataset({ x: new Float32Array(rows * 4).fill(0.5), labels: Uint32Array.from({ length: rows }, (_, i) => i % 2), features: 4, classes: 2 });
    const message = `a batch of ${rows} rows of level 1's 300000 neurons needs ${rows * 1_200_000} bytes in one buffer; this adapter allows at most ${limit}: at most ${fitting} rows fit in a batch`;
    const before = await net.getParameters();
    const live = rt.liveBytes;
    await expect(net.fit(data, { batchSize: rows, epochs: 1 })).rejects.toThrow(new AdapterLimitError(message));
    await expect(net.collectEdgeStatistics(data, { batchSize: rows })).rejects.toThrow(new AdapterLimitError(message));
    await expect(net.parameterGradients(data)).rejects.toThrow(new AdapterLimitError(message));
    expect(net.history).toEqual([]);
    // Compared value by value: a deep equality of 1.5 million floats is slow.
    const after = await net.getParameters();
    expect(after.length).toBe(before.length);
    expect(after.filter((v, k) => !Object.is(v, before[k])).length).toBe(0);
    expect(rt.liveBytes).toBe(live);
    net.destroy();
  });
});
