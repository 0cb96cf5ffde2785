// The benchmark's workloads in order, alternating senn and TensorFlow.js (when given) in
// rounds so that drifts of a shared, noisy machine fall on both. Runs in the page and in Node.
import { classificationDataset, convolutionConnections, type Runtime } from '../src/index.js';
import { expandLikeReference, fmaProbe, levelSparseVsDense, loadCost, loadKindCost, type Measured, measured, pruneLikeReference, sennInference, sennMatmul, sennTrainSteps } from './workloads.js';

/** TensorFlow.js's side of the comparable workloads (its WebGPU backend, or its WebAssembly one). */
export interface Peer {
  matmul(n: number, reps: number): Promise<Measured>;
  /** An MLP of `sizes`, or `'cnn'`: the suite's two convolutions (see bench/tfjs.ts). */
  trainSteps(sizes: number[] | 'cnn', x: Float32Array, labels: Uint32Array, steps: number, reps: number): Promise<Measured>;
  inference(sizes: number[], x: Float32Array, rows: number, reps: number): Promise<Measured>;
}

export interface WorkloadResult {
  name: string;
  /** Median ms of senn, and of TensorFlow.js where it runs the workload. */
  sennMs: number;
  tfjsMs?: number;
  /** tfjsMs / sennMs. */
  speedup?: number;
  senn: Measured;
  tfjs?: Measured;
  /** TensorFlow.js's WebAssembly backend on the CPU, where the run has it: median ms, all of it, tfjsWasmMs / sennMs. */
  tfjsWasmMs?: number;
  tfjsWasm?: Measured;
  speedupVsWasm?: number;
  /** Throughput, where it means something: GFLOP/s (products) or samples/s (training, inference). */
  sennGflops?: number;
  tfjsGflops?: number;
  sennSamplesPerSecond?: number;
  tfjsSamplesPerSecond?: number;
  tfjsWasmGflops?: number;
  tfjsWasmSamplesPerSecond?: number;
  /**
   * senn's GFLOP/s as a fraction of the FMA ceiling measured beside it (right after each of its
   * rounds: a software adapter's rate drifts by ±20% over a run).
   */
  fractionOfCeiling?: number;
  /** The 10%-dense level's three forms: CSR over f32 columns, CSR over batch-major rows, dense (median ms). */
  columnsMs?: number;
  rowsMs?: number;
  denseMs?: number;
  /** A grown network's step with the other setting of its fused tail than the adapter's default (Network.fuseTail). */
  fuseTailOther?: { fuseTail: boolean; sennMs: number; senn: Measured };
  /** That ceiling: the median GFLOP/s of bench/fma.wgsl over the runs beside the workload's. */
  ceilingBesideGflops?: number;
  note?: string;
}

export interface SuiteResult {
  /** How TensorFlow.js's WebAssembly backend ran, where it did. */
  tfjsWasm?: CpuPeerInfo;
  ceilingGflops: Measured;
  ceilingCheck: number;
  workloads: WorkloadResult[];
}

export interface MnistArrays {
  /** rows × 784 bytes. */
  pixels: Uint8Array;
  labels: Uint32Array;
}

/** What the WebAssembly backend runs with: threads (1 without cross-origin isolation) and SIMD. */
export interface CpuPeerInfo {
  threads: number;
  simd: boolean;
  /** Whether the threaded build could run (SharedArrayBuffer and WebAssembly threads). */
  threadedBuild: boolean;
}

/** Merge the rounds of one side into one measurement. */
const merge = (parts: Measured[]) => measured(parts.flatMap((p) => p.reps));

/**
 * Every workload, senn against `peer` (TensorFlow.js WebGPU; null: senn alone) and, where `o.cpu`
 * is given, against TensorFlow.js on the CPU too (WebAssembly backend), alternating in rounds.
 */
export async function runSuite(
  rt: Runtime,
  mnist: MnistArrays,
  peer: Peer | null,
  o: { reps: number; log: (line: string) => void; matmulSizes?: number[]; cpu?: { peer: Peer; info: CpuPeerInfo } },
): Promise<SuiteResult> {
  const rounds = 2;
  const per = Math.ceil(o.reps / rounds);
  const workloads: WorkloadResult[] = [];
  const floats = Float32Array.from(mnist.pixels, (v) => v / 255);
  const data = classificationDataset({ x: mnist.pixels, labels: mnist.labels, features: 784, classes: 10, name: 'mnist' });

  o.log('FMA ceiling…');
  const probe = await fmaProbe(rt);
  const ceiling = { gflops: await probe.measure(o.reps), check: await probe.check() };

  // `beside`, where given, is measured right after each of senn's rounds (the FMA ceiling beside a product).
  async function compare(
    name: string,
    senn: () => Promise<Measured>,
    tfjs: ((p: Peer) => Promise<Measured>) | null,
    extra: (r: WorkloadResult, beside: Measured | null) => void = () => {},
    beside: (() => Promise<Measured>) | null = null,
    /** Whether TensorFlow.js on the CPU runs it too (default yes). */
    cpuRuns?: boolean,
  ) {
    o.log(`${name}…`);
    const mine: Measured[] = [];
    const besides: Measured[] = [];
    const theirs: Measured[] = [];
    const cpu: Measured[] = [];
    for (let r = 0; r < rounds; r++) {
      mine.push(await senn());
      if (beside) besides.push(await beside());
      if (tfjs && peer) theirs.push(await tfjs(peer));
      const onCpu = tfjs && o.cpu && (cpuRuns ?? true) ? await tfjs(o.cpu.peer) : null;
      if (onCpu) cpu.push(onCpu);
    }
    const s = merge(mine);
    const result: WorkloadResult = { name, sennMs: s.median, senn: s };
    if (theirs.length) {
      const t = merge(theirs);
      Object.assign(result, { tfjsMs: t.median, tfjs: t, speedup: t.median / s.median });
    }
    if (cpu.length) {
      const w = merge(cpu);
      Object.assign(result, { tfjsWasmMs: w.median, tfjsWasm: w, speedupVsWasm: w.median / s.median });
    }
    extra(result, besides.length ? merge(besides) : null);
    workloads.push(result);
  }

  for (const n of o.matmulSizes ?? [256, 512, 1024]) {
    const flops = 2 * n ** 3;
    await compare(
      `matmul ${n}`,
      () => sennMatmul(rt, n, per),
      (p) => p.matmul(n, per),
      (r, beside) => {
        r.sennGflops = flops / r.sennMs / 1e6;
        if (r.tfjsMs) r.tfjsGflops = flops / r.tfjsMs / 1e6;
        if (r.tfjsWasmMs) r.tfjsWasmGflops = flops / r.tfjsWasmMs / 1e6;
        r.ceilingBesideGflops = beside!.median;
        r.fractionOfCeiling = r.sennGflops / beside!.median;
      },
      () => probe.measure(per),
    );
  }
  probe.destroy();

  // Steps per timed epoch. Each epoch ends with a readback; on a GPU a step takes well under a
  // millisecond, so a short epoch measured mostly that wait and its jitter (the grown network's
  // 6-step epochs on an H200: 1.4–7.1 ms a step, against 1.5 ms of GPU work replayed).
  const stepScale = rt.adapter.isFallback ? 1 : 8;
  for (const sizes of [[784, 10], [784, 96, 10], [784, 1024, 10]]) {
    const steps = (sizes[1] === 1024 ? 2 : 6) * stepScale;
    const net = rt.createNetwork({ sizes, seed: 0 });
    await compare(
      `train step ${sizes.join('-')}`,
      () => sennTrainSteps(net, data, steps, per, 1),
      (p) => p.trainSteps(sizes, floats, mnist.labels, steps, per),
      (r) => {
        r.sennSamplesPerSecond = 256 / (r.sennMs / 1000);
        if (r.tfjsMs) r.tfjsSamplesPerSecond = 256 / (r.tfjsMs / 1000);
        if (r.tfjsWasmMs) r.tfjsWasmSamplesPerSecond = 256 / (r.tfjsWasmMs / 1000);
        r.note = 'batch 256, softmax cross-entropy, Adam; ms per step';
      },
    );
    net.destroy();
  }

  {
    // Two convolutions (shared weights), as `senn train --conv 5,2,8,2 --conv 3,2,16,1` builds them.
    const first = convolutionConnections({ width: 28, height: 28, kernel: 5, stride: 2, padding: 2, filters: 8 });
    const second = convolutionConnections({ width: 14, height: 14, channels: 8, kernel: 3, stride: 2, padding: 1, filters: 16 });
    const net = rt.createNetwork({ sizes: [784, first.size, second.size, 10], seed: 0, connections: [first, second] });
    await compare(
      `train step CNN 784-conv5x5x8/2-conv3x3x16/2-10 (${net.parameterCount} params)`,
      () => sennTrainSteps(net, data, 2 * stepScale, per, 1),
      (p) => p.trainSteps('cnn', floats, mnist.labels, 2 * stepScale, per),
      (r) => {
        r.sennSamplesPerSecond = 256 / (r.sennMs / 1000);
        if (r.tfjsMs) r.tfjsSamplesPerSecond = 256 / (r.tfjsMs / 1000);
        if (r.tfjsWasmMs) r.tfjsWasmSamplesPerSecond = 256 / (r.tfjsWasmMs / 1000);
        r.note = 'batch 256, softmax cross-entropy, Adam; ms per step; senn runs the convolutions as shared-weight sparse blocks';
      },
      null,
      // TF.js 4.22's WebAssembly backend has no Conv2DBackpropFilter kernel: it cannot train this.
      false,
    );
    net.destroy();
  }

  {
    const rows = 10_000;
    const net = rt.createNetwork({ sizes: [784, 96, 10], seed: 0 });
    const test = classificationDataset({ x: mnist.pixels.subarray(0, rows * 784), labels: mnist.labels.subarray(0, rows), features: 784, classes: 10 });
    await compare('inference 784-96-10 x10000', () => sennInference(net, test, per), (p) => p.inference([784, 96, 10], floats, rows, per), (r) => {
      r.sennSamplesPerSecond = rows / (r.sennMs / 1000);
      if (r.tfjsMs) r.tfjsSamplesPerSecond = rows / (r.tfjsMs / 1000);
      if (r.tfjsWasmMs) r.tfjsWasmSamplesPerSecond = rows / (r.tfjsWasmMs / 1000);
      r.note = 'upload, forward, readback of 10,000 rows';
    });
    net.destroy();
  }

  // senn only: growth.
  o.log('expansion like the reference run…');
  const grown = await expandLikeReference(rt, data, 344, o.reps);
  const stepOf = async (sizes: number[] | null) => {
    const net = sizes ? rt.createNetwork({ sizes, seed: 0 }) : grown.net;
    const m = await sennTrainSteps(net, data, 6 * stepScale, o.reps, 1);
    if (sizes) net.destroy();
    return m;
  };
  const base = await stepOf([784, 10]);
  const stepsPerEpoch = Math.ceil(48_000 / 256);
  workloads.push({
    name: 'expansion 784-10 (344 splits)',
    sennMs: grown.expansion.median,
    senn: grown.expansion,
    note:
      `score + select + split + reallocate, ${grown.before} → ${grown.after} parameters; ${(100 * grown.expansion.median / (base.median * stepsPerEpoch)).toFixed(2)}% of a 784-10 epoch ` +
      `(48,000 rows: ${stepsPerEpoch} steps of ${base.median.toFixed(1)} ms); the first one in the process, compiling the growth kernels: ${grown.coldMs.toFixed(0)} ms`,
  });
  const pruned = await pruneLikeReference(rt, data, 344, o.reps);
  workloads.push({
    name: 'prune 784-344-10 (the ε edges of 344 splits)',
    sennMs: pruned.prune.median,
    senn: pruned.prune,
    note:
      `score + select (below 0.1 of the min–max, as the reference) + remove + compact: ${pruned.removed} of ${pruned.candidates} ε edges removed; ` +
      `the first one in the process, compiling: ${pruned.coldMs.toFixed(0)} ms (the reference code's pruning step: 7.8 s)`,
  });
  const sparseStep = await stepOf(null);
  const levels = grown.net.structure.sizes;
  const denseStep = await stepOf(levels);
  // The fused tail's other setting (Network.fuseTail; the default is the adapter's kind's).
  const fuseOther = !grown.net.fuseTail;
  grown.net.fuseTail = fuseOther;
  const otherStep = await sennTrainSteps(grown.net, data, 6 * stepScale, o.reps, 1);
  workloads.push({
    name: `train step expanded ${levels.join('-')} (grown: CSR and masked dense blocks, ${grown.net.parameterCount} params)`,
    sennMs: sparseStep.median,
    senn: sparseStep,
    fuseTailOther: { fuseTail: fuseOther, sennMs: otherStep.median, senn: otherStep },
    note:
      `the same levels stored dense (${levels.join('-')}): ${denseStep.median.toFixed(2)} ms; dense / expanded = ${(denseStep.median / sparseStep.median).toFixed(2)}x; ` +
      `fused tail ${fuseOther ? 'on' : 'off'} (not this adapter's default): ${otherStep.median.toFixed(2)} ms`,
  });
  grown.net.destroy();

  o.log('sparse level at 10% vs dense…');
  const level = await levelSparseVsDense(rt, 784, 344, 0.1, o.reps);
  // Training runs a CSR block this big over f32 columns on a software adapter, over rows on a GPU (workspaceChoices).
  const columns = rt.kernels.software;
  const trained = columns ? level.sparse : level.rows;
  const other = columns ? level.rows : level.sparse;
  const ms = (m: Measured) => m.median.toFixed(m.median < 1 ? 3 : 1);
  workloads.push({
    name: 'level 784→344 at 10% density (fwd + dX + dW)',
    sennMs: trained.median,
    senn: trained,
    columnsMs: level.sparse.median,
    rowsMs: level.rows.median,
    denseMs: level.dense.median,
    note:
      `${level.edges} edges, over ${columns ? 'f32 columns (the transpositions into columns included)' : 'batch-major rows'} as training runs a CSR block this big on this adapter; ` +
      `over ${columns ? 'batch-major rows' : 'f32 columns'}: ${ms(other)} ms (${(level.dense.median / other.median).toFixed(2)}x); ` +
      `the same level dense: ${ms(level.dense)} ms; dense / sparse = ${(level.dense.median / trained.median).toFixed(2)}x`,
  });

  // Why sparse kernels gain less than their FMA count says on some adapters: what a load costs
  // by the addresses neighbouring invocations read.
  o.log('load cost by address pattern…');
  const costs = await loadCost(rt, o.reps);
  workloads.push({
    name: 'storage load per invocation (bench/loads.wgsl)',
    sennMs: costs[0]!.ms.median,
    senn: costs[0]!.ms,
    note: `ns per load and invocation: ${costs.map((c) => `${c.pattern} ${c.nsPerLoad.median.toFixed(3)}`).join(', ')} (sennMs: 64 × 64 invocations × 1,024 consecutive loads)`,
  });

  // And by what a load reads: could wider loads, workgroup memory or atomics (whose loads a
  // software adapter may broadcast) make a sparse kernel's loads cheaper?
  o.log('load cost by kind…');
  const kinds = await loadKindCost(rt, o.reps);
  const scalar = kinds.find((k) => k.kind === 'scalar')!;
  workloads.push({
    name: 'load kinds (bench/loadkinds.wgsl)',
    sennMs: scalar.ms.median,
    senn: scalar.ms,
    note: `ns per load and invocation (values a load): ${kinds.map((k) => `${k.kind} ${k.nsPerLoad.median.toFixed(3)} (${k.values})`).join(', ')}; none = the loop without a load (sennMs: the scalar kernel)`,
  });

  return { ...(o.cpu ? { tfjsWasm: o.cpu.info } : {}), ceilingGflops: ceiling.gflops, ceilingCheck: ceiling.check, workloads };
}
