// senn's side of the benchmark: each workload returns per-repetition times (ms), every
// repetition awaited to completion on the GPU. Runs in the browser and in Node (Dawn).
import {
  buildCsr,
  csrBuffers,
  type Dataset,
  type Dispatch,
  edgeGradParts,
  edgePartFloats,
  matmul,
  Random,
  columnWords,
  spmm,
  spmmTranspose,
  spmmTransposeColumns,
  toColumns,
  uploadStorage,
  weightsBySource,
  type Network,
  prepare,
  type Runtime,
  storageBuffer,
  submitDispatches,
  subset,
} from '../src/index.js';
import fmaSource from './fma.wgsl';
import loadKindsSource from './loadkinds.wgsl';
import loadsSource from './loads.wgsl';

/** Median, spread and the raw repetitions of one measured quantity. */
export interface Measured {
  median: number;
  min: number;
  max: number;
  reps: number[];
}

export function measured(reps: number[]): Measured {
  const sorted = [...reps].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, reps };
}

/** Run `once` `warmup + reps` times; returns the last `reps` wall times in ms. */
export async function repeat(once: () => Promise<void>, reps: number, warmup = 2): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < warmup + reps; i++) {
    const t = performance.now();
    await once();
    if (i >= warmup) times.push(performance.now() - t);
  }
  return times;
}

/** Milliseconds of each of `reps` runs of `dispatches` (after warm-up): one submit a run, awaited until the GPU finished. */
function timeDispatches(device: GPUDevice, dispatches: readonly Dispatch[], reps: number): Promise<number[]> {
  return repeat(async () => {
    submitDispatches(device, dispatches);
    await device.queue.onSubmittedWorkDone();
  }, reps);
}

function recorder(rt: Runtime, name: string) {
  const owner = rt.gpu.memory.owner(name);
  return { rec: { kernels: rt.kernels, device: rt.gpu.device, owner }, owner };
}

/**
 * The adapter's FMA rate from bench/fma.wgsl, ready to measure again and again: the grid is
 * sized once (see {@link fmaCeiling}), so a benchmark can measure the ceiling right beside a
 * workload, in the same minutes of a machine whose rate drifts. `check` is the relative error
 * of the last run's result against the closed form.
 */
export interface FmaProbe {
  measure(reps: number): Promise<Measured>;
  check(): Promise<number>;
  destroy(): void;
}

/**
 * An {@link FmaProbe}. `start` sets the first grid and loop length (tests use a small one); both
 * grow until one run takes ≥ 20 ms.
 */
export async function fmaProbe(rt: Runtime, start = { groups: 512, iterations: 4096 }): Promise<FmaProbe> {
  const { rec, owner } = recorder(rt, 'bench.fma');
  try {
    let iterations = start.iterations;
    const kernel = await rt.kernels.get({ file: 'bench/fma.wgsl', source: fmaSource, entryPoint: 'fma_ceiling' });
    const m = 1 - 2 ** -10;
    const c = 2 ** -11;
    // 512 workgroups keep a software adapter busy for ~100 ms; a GPU needs far more to fill
    // its cores and outlast launch costs, so grow the grid (then the loop) until one run takes ≥ 20 ms.
    let groups = start.groups;
    let dispatch: Dispatch;
    let out: GPUBuffer;
    const run = async () => {
      submitDispatches(rt.gpu.device, [dispatch]);
      await rt.gpu.device.queue.onSubmittedWorkDone();
    };
    for (;;) {
      out = storageBuffer(rt.gpu.device, owner, 'fma.out', groups * 64 * 4).buffer;
      dispatch = prepare(rec, kernel, { iterations, m, c }, { out }, [groups, 1, 1]);
      await run();
      const begin = performance.now();
      await run();
      if (performance.now() - begin >= 20) break;
      if (groups * 4 <= 65_535) groups *= 4;
      else if (iterations < 65_536) iterations *= 4;
      else break;
    }
    const flops = groups * 64 * iterations * 64;
    return {
      measure: async (reps) => measured((await repeat(run, reps, 1)).map((ms) => flops / ms / 1e6)),
      check: async () => {
        // x_n = m^n (x0 - 0.5) + 0.5 with x0 = 1.
        const expected = m ** iterations * 0.5 + 0.5;
        const got = (await rt.gpu.readFloats(out, 0, 1))[0]!;
        return Math.abs(got - expected) / expected;
      },
      destroy: () => owner.destroy(),
    };
  } catch (e) {
    owner.destroy();
    throw e;
  }
}

/** The adapter's FMA rate from bench/fma.wgsl, and the relative error of its result against the closed form. */
export async function fmaCeiling(rt: Runtime, reps: number, start = { groups: 512, iterations: 4096 }): Promise<{ gflops: Measured; check: number }> {
  const probe = await fmaProbe(rt, start);
  try {
    const gflops = await probe.measure(reps);
    return { gflops, check: await probe.check() };
  } finally {
    probe.destroy();
  }
}

/** Address patterns of bench/loads.wgsl, in PATTERN order. */
export const LOAD_PATTERNS = ['consecutive', 'same address', 'strided', 'scattered'] as const;

/** The CPU's version of the sums bench/loads.wgsl writes for invocation `t` of workgroup `g`. */
export function loadSums(data: Float32Array, pattern: number, g: number, t: number, loads: number): number {
  const mask = data.length - 1;
  let sum = 0;
  for (let i = 0; i < loads; i++) {
    let at: number;
    if (pattern === 1) at = g * 4096 + 64 * i;
    else if (pattern === 2) at = g * 4096 + 64 * i + 17 * t;
    else if (pattern === 3) at = (Math.imul(t + 64 * g, 2654435761) + Math.imul(i, 40503)) >>> 8;
    else at = g * 4096 + 64 * i + t;
    sum = Math.fround(sum + data[(at & mask) >>> 0]!);
  }
  return sum;
}

/**
 * Milliseconds per dispatch and nanoseconds per load and invocation for each address pattern of bench/loads.wgsl (64
 * workgroups of 64 invocations, `loads` loads each, over a 16 MiB buffer), with the results
 * of the first workgroup, to check against {@link loadSums}.
 */
export async function loadCost(
  rt: Runtime,
  reps: number,
  o: { loads?: number; floats?: number; data?: Float32Array } = {},
): Promise<{ pattern: (typeof LOAD_PATTERNS)[number]; ms: Measured; nsPerLoad: Measured; firstGroup: Float32Array }[]> {
  const { rec, owner } = recorder(rt, 'bench.loads');
  try {
    const device = rt.gpu.device;
    const loads = o.loads ?? 1024;
    const floats = o.floats ?? 1 << 22;
    const groups = 64;
    const data = o.data ?? Float32Array.from({ length: floats }, (_, i) => (i % 7) * 0.25);
    const input = uploadStorage(device, owner, 'loads.data', data).buffer;
    const out = storageBuffer(device, owner, 'loads.out', groups * 64 * 4).buffer;
    const results = [];
    for (const [code, pattern] of LOAD_PATTERNS.entries()) {
      const kernel = await rt.kernels.get({ file: 'bench/loads.wgsl', source: loadsSource, entryPoint: 'loads', constants: { PATTERN: code } });
      const dispatch = prepare(rec, kernel, { loads, mask: data.length - 1 }, { data: input, out }, [groups, 1, 1]);
      const times = await timeDispatches(device, [dispatch], reps);
      const perLoad = 1e6 / (groups * 64 * loads);
      results.push({ pattern, ms: measured(times), nsPerLoad: measured(times.map((ms) => ms * perLoad)), firstGroup: await rt.gpu.readFloats(out, 0, 64) });
    }
    return results;
  } finally {
    owner.destroy();
  }
}

/** Entry points of bench/loadkinds.wgsl and how many values one of their loads reads. */
export const LOAD_KINDS = [
  { kind: 'scalar', entryPoint: 'load_scalar', values: 1 },
  { kind: 'vec4', entryPoint: 'load_vec4', values: 4 },
  { kind: 'shared', entryPoint: 'load_shared', values: 1 },
  { kind: 'atomic', entryPoint: 'load_atomic', values: 1 },
  { kind: 'atomic-same', entryPoint: 'load_atomic_same', values: 1 },
  { kind: 'atomic-consecutive', entryPoint: 'load_atomic_consecutive', values: 1 },
  { kind: 'none', entryPoint: 'load_none', values: 0 },
] as const;

/** The CPU's version of the sum bench/loadkinds.wgsl writes for invocation `t` (any workgroup). */
export function loadKindSum(table: Float32Array, kind: (typeof LOAD_KINDS)[number]['kind'], t: number, loads: number): number {
  let sum = 0;
  const lanes = [0, 0, 0, 0];
  for (let i = 0; i < loads; i++) {
    const a = kind === 'atomic-same' ? (67 * i) & 4095 : kind === 'atomic-consecutive' ? (t + 67 * i) & 4095 : (17 * t + 67 * i) & 4095;
    if (kind === 'none') sum = Math.fround(sum + a);
    else if (kind === 'vec4') for (let c = 0; c < 4; c++) lanes[c] = Math.fround(lanes[c]! + table[4 * (a & 1023) + c]!);
    else sum = Math.fround(sum + table[a]!);
  }
  return kind === 'vec4' ? Math.fround(Math.fround(lanes[0]! + lanes[1]!) + Math.fround(lanes[2]! + lanes[3]!)) : sum;
}

/**
 * Milliseconds per dispatch and nanoseconds per load and invocation for each kind of
 * bench/loadkinds.wgsl (64 workgroups of 64 invocations, `loads` loads each, from a
 * 4,096-float table), with the first workgroup's sums, to check against {@link loadKindSum}.
 */
export async function loadKindCost(
  rt: Runtime,
  reps: number,
  o: { loads?: number; table?: Float32Array } = {},
): Promise<{ kind: (typeof LOAD_KINDS)[number]['kind']; values: number; ms: Measured; nsPerLoad: Measured; firstGroup: Float32Array }[]> {
  const { rec, owner } = recorder(rt, 'bench.loadkinds');
  try {
    const device = rt.gpu.device;
    const loads = o.loads ?? 1024;
    const groups = 64;
    const table = o.table ?? Float32Array.from({ length: 4096 }, (_, i) => (i % 7) * 0.25);
    const data = uploadStorage(device, owner, 'loadkinds.data', table).buffer;
    const bits = uploadStorage(device, owner, 'loadkinds.bits', table).buffer;
    const out = storageBuffer(device, owner, 'loadkinds.out', groups * 64 * 4).buffer;
    const results = [];
    for (const { kind, entryPoint, values } of LOAD_KINDS) {
      const kernel = await rt.kernels.get({ file: 'bench/loadkinds.wgsl', source: loadKindsSource, entryPoint });
      // Each entry point binds only the buffers it reads (see the shader's header).
      const buffers: Record<string, GPUBuffer> = { data, data4: data, bits, out };
      const dispatch = prepare(rec, kernel, { loads }, Object.fromEntries(kernel.bindings.filter((b) => b.name in buffers).map((b) => [b.name, buffers[b.name]!])), [groups, 1, 1]);
      const times = await timeDispatches(device, [dispatch], reps);
      const perLoad = 1e6 / (groups * 64 * loads);
      results.push({ kind, values, ms: measured(times), nsPerLoad: measured(times.map((ms) => ms * perLoad)), firstGroup: await rt.gpu.readFloats(out, 0, 64) });
    }
    return results;
  } finally {
    owner.destroy();
  }
}

/** One n×n·n×n product per repetition (random operands). */
export async function sennMatmul(rt: Runtime, n: number, reps: number): Promise<Measured> {
  const { rec, owner } = recorder(rt, 'bench.matmul');
  try {
    const device = rt.gpu.device;
    const buf = () => ({ buffer: storageBuffer(device, owner, 'm', n * n * 4).buffer });
    const dispatch = await matmul(rec, { m: n, n, k: n, lhs: buf(), rhs: buf(), out: buf() });
    const times = await timeDispatches(device, [dispatch], reps);
    return measured(times);
  } finally {
    owner.destroy();
  }
}

/**
 * Milliseconds per training step (forward, backward, Adam; batch 256, softmax cross-entropy)
 * of `net`: fit over `steps` batches per epoch, one epoch per repetition (each epoch ends with
 * a readback, so it has finished); the first epochs (recording, upload) are warm-up.
 */
export async function sennTrainSteps(net: Network, data: Dataset, steps: number, reps: number, warmup = 2): Promise<Measured> {
  const rows = subset(data, Array.from({ length: 256 * steps }, (_, i) => i % data.rows));
  const times: number[] = [];
  let last = performance.now();
  await net.fit(rows, {
    optimizer: { name: 'adam', lr: 1e-3 },
    batchSize: 256,
    epochs: warmup + reps,
    onEpoch: (r) => {
      const now = performance.now();
      if (r.epoch > warmup) times.push((now - last) / steps);
      last = now;
    },
  });
  return measured(times);
}

/** Predictions for every row of `data` (upload, forward, readback), one call per repetition. */
export async function sennInference(net: Network, data: Dataset, reps: number): Promise<Measured> {
  return measured(await repeat(async () => void (await net.predict(data)), reps, 1));
}

/**
 * One connection level's training work (forward, input gradient, weight gradient; batch 256)
 * for a src→dst block at `density`, as training runs a CSR block out of a hidden level that
 * big (over f32 columns: the workspace's choice, see COLUMNS_FROM_EDGES_PER_VALUE; the
 * transpositions into columns counted), the same block over batch-major rows (`rows`: how
 * smaller blocks run), and the level stored dense (three matrix products). The three alternate
 * within each repetition, so a machine whose speed drifts slows them alike. Ms per step.
 */
export async function levelSparseVsDense(
  rt: Runtime,
  src: number,
  dst: number,
  density: number,
  reps: number,
): Promise<{ sparse: Measured; rows: Measured; dense: Measured; edges: number }> {
  const { rec, owner } = recorder(rt, 'bench.level');
  try {
    const device = rt.gpu.device;
    const rows = 256;
    const random = new Random(7);
    const d: number[] = [];
    const s: number[] = [];
    for (let i = 0; i < dst; i++) for (let j = 0; j < src; j++) if (random.next() < density) (d.push(i), s.push(j));
    const { block } = buildCsr(dst, src, d, s);
    const buf = (floats: number) => ({ buffer: storageBuffer(device, owner, 'level', Math.max(1, floats) * 4).buffer });
    const csr = csrBuffers(block, (name, values) => ({ buffer: uploadStorage(device, owner, name, values).buffer }));
    const e = d.length;
    const x = buf(rows * src);
    const dz = buf(rows * dst);
    const weight = buf(e);
    // As training runs a block out of a hidden level: its weight gradient in parts inside the input gradient.
    const partials = buf(edgePartFloats(rows, e));
    const quads = columnWords(rows);
    const inputColumns = { buffer: buf(src * quads * 4).buffer, quads };
    const gradColumns = { buffer: buf(dst * quads * 4).buffer, quads };
    const weightBySource = buf(e);
    const columns = [
      await toColumns(rec, { rows, width: src, input: x, out: inputColumns }),
      await spmm(rec, { rows, block: csr, weight, input: x, inputFloatColumns: inputColumns, out: buf(rows * dst) }),
      await toColumns(rec, { rows, width: dst, input: dz, out: gradColumns }),
      await weightsBySource(rec, { block: csr, weight, out: weightBySource }),
      await spmmTransposeColumns(rec, { rows, block: csr, weightBySource, gradColumns, out: buf(rows * src), weightParts: { inputColumns, partials } }),
      await edgeGradParts(rec, { rows, block: csr, partials, wgrad: buf(e), bySource: true }),
    ];
    const batchMajor = [
      await spmm(rec, { rows, block: csr, weight, input: x, out: buf(rows * dst) }),
      await spmmTranspose(rec, { rows, block: csr, weight, grad: dz, out: buf(rows * src), weightParts: { input: x, partials } }),
      await edgeGradParts(rec, { rows, block: csr, partials, wgrad: buf(e) }),
    ];
    const w = buf(src * dst);
    const dense = [
      await matmul(rec, { m: rows, n: dst, k: src, lhs: x, rhs: w, out: buf(rows * dst) }),
      await matmul(rec, { m: rows, n: src, k: dst, lhs: dz, rhs: w, transRhs: true, out: buf(rows * src) }),
      await matmul(rec, { m: src, n: dst, k: rows, lhs: x, transLhs: true, rhs: dz, out: buf(src * dst) }),
    ];
    const forms = [columns, batchMajor, dense];
    const times: number[][] = forms.map(() => []);
    const once = async (dispatches: Dispatch[]) => {
      const t = performance.now();
      submitDispatches(device, dispatches);
      await device.queue.onSubmittedWorkDone();
      return performance.now() - t;
    };
    for (let rep = -2; rep < reps; rep++) {
      for (const [k, form] of forms.entries()) {
        const ms = await once(form);
        if (rep >= 0) times[k]!.push(ms);
      }
    }
    return { sparse: measured(times[0]!), rows: measured(times[1]!), dense: measured(times[2]!), edges: e };
  } finally {
    owner.destroy();
  }
}

/** Eight batches of 256 rows of `data`: what the growth workloads train on between their steps. */
const growthRows = (data: Dataset): Dataset => subset(data, Array.from({ length: 256 * 8 }, (_, i) => i % data.rows));

/** One epoch of `rows` with running edge statistics, as the growth workloads score from. */
const fitWithStatistics = (net: Network, rows: Dataset) => net.fit(rows, { batchSize: 256, epochs: 1, edgeStatistics: true });

/** Split up to `splits` of the output level's edges (above 0.05 of the min–max, most significant first). */
async function splitOutputEdges(net: Network, splits: number): Promise<void> {
  const output = net.structure.output.id;
  await net.splitEdges(output, await net.selectEdgesToSplit(output, { threshold: 0.05, maxToReplace: splits }));
}

/**
 * The reference run's first prune without its epochs: a 784-10 network split at `splits`
 * output edges as in {@link expandLikeReference}, trained on a few batches with running edge
 * statistics, then one prune as the reference settings make it (timed: score, select the ε
 * edges below 0.1 of the min–max, remove them and compact, GPU finished). Fresh networks each
 * repetition; the first, which compiles, is reported apart as `coldMs`.
 */
export async function pruneLikeReference(rt: Runtime, data: Dataset, splits: number, reps: number): Promise<{ prune: Measured; coldMs: number; candidates: number; removed: number }> {
  const rows = growthRows(data);
  const times: number[] = [];
  let candidates = 0;
  let removed = 0;
  for (let rep = 0; rep <= reps; rep++) {
    const net = rt.createNetwork({ sizes: [784, 10], seed: rep });
    try {
      await fitWithStatistics(net, rows);
      await splitOutputEdges(net, splits);
      await fitWithStatistics(net, rows);
      await rt.gpu.settle();
      candidates = net.pruneCandidates.length;
      const started = performance.now();
      const picked = await net.selectEdgesToPrune({ threshold: 0.1 });
      await net.pruneEdges(picked);
      await rt.gpu.settle();
      times.push(performance.now() - started);
      removed = picked.length;
    } finally {
      net.destroy();
    }
  }
  return { prune: measured(times.slice(1)), coldMs: times[0]!, candidates, removed };
}

/**
 * The reference run's shape without its 11 epochs: a 784-10 network with running edge
 * statistics from a few batches, one expansion of up to `splits` output edges (timed: score,
 * select, split, reallocate, GPU finished), then the pruning of most new ε edges as the
 * reference settings do. Repeated on fresh networks: the first expansion of a process also
 * compiles the growth kernels (reported apart as `coldMs`). Returns the grown network of the
 * last repetition.
 */
export async function expandLikeReference(
  rt: Runtime,
  data: Dataset,
  splits: number,
  reps: number,
): Promise<{ expansion: Measured; coldMs: number; net: Network; before: number; after: number }> {
  const rows = growthRows(data);
  const times: number[] = [];
  let net: Network | null = null;
  let before = 0;
  let after = 0;
  for (let rep = 0; rep <= reps; rep++) {
    net?.destroy();
    net = rt.createNetwork({ sizes: [784, 10], seed: rep });
    await fitWithStatistics(net, rows);
    await rt.gpu.settle();
    before = net.parameterCount;
    const started = performance.now();
    await splitOutputEdges(net, splits);
    await rt.gpu.settle();
    times.push(performance.now() - started);
    after = net.parameterCount;
  }
  // The reference settings prune ~94% of the new ε edges (threshold 0.1 on min-max scores);
  // keep every 16th so the grown level is as sparse as after the reference's prune.
  await net!.pruneEdges(net!.pruneCandidates.filter((_, i) => i % 16 !== 0));
  return { expansion: measured(times.slice(1)), coldMs: times[0]!, net: net!, before, after };
}
