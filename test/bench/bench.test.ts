import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpuPeak, nvidiaPeak, physicalCores, table } from '../../bench/report.js';
import type { SuiteResult } from '../../bench/suite.js';
import { serveStatic } from '../../demo/server.mjs';
import { fmaCeiling, fmaProbe, LOAD_KINDS, LOAD_PATTERNS, loadCost, loadKindCost, loadKindSum, loadSums, measured } from '../../bench/workloads.js';
import { Random } from '../../src/data/random.js';
import { useRuntime } from '../helpers/runtime.js';

const runtime = useRuntime();

describe('benchmark', () => {
  it('FMA-ceiling kernel: its result equals the closed form of its FMA chains', async () => {
    // CPU reference: x_n = m^n (x0 - 0.5) + 0.5 in every chain (bench/fma.wgsl's header).
    const { gflops, check } = await fmaCeiling(runtime(), 1, { groups: 16, iterations: 256 });
    console.log(`fma ceiling: ${gflops.median.toFixed(2)} GFLOP/s, relative error ${check.toExponential(2)} (tolerance 1e-5)`);
    expect(check).toBeLessThan(1e-5);
    expect(gflops.median).toBeGreaterThan(0);
  });

  it('an FMA probe measures the ceiling again and again on one calibrated grid (measured beside each product)', async () => {
    const probe = await fmaProbe(runtime(), { groups: 16, iterations: 256 });
    try {
      const [first, second] = [await probe.measure(2), await probe.measure(3)];
      expect(first.reps).toHaveLength(2);
      expect(second.reps).toHaveLength(3);
      expect(Math.min(first.median, second.median)).toBeGreaterThan(0);
      expect(await probe.check()).toBeLessThan(1e-5);
    } finally {
      probe.destroy();
    }
  });

  it('load-cost kernel reads the addresses its header says, for every pattern (exact sums)', async () => {
    const rng = new Random(3);
    const data = Float32Array.from({ length: 1 << 14 }, () => rng.int(16) / 4);
    const loads = 96;
    const costs = await loadCost(runtime(), 1, { loads, data });
    expect(costs.map((c) => c.pattern)).toEqual([...LOAD_PATTERNS]);
    for (const [code, c] of costs.entries()) {
      // Quarter-integer values under 2^24 / 4: float32 sums are exact in any order.
      const want = Array.from({ length: 64 }, (_, t) => loadSums(data, code, 0, t, loads));
      expect(Array.from(c.firstGroup)).toEqual(want);
      expect(c.nsPerLoad.median).toBeGreaterThan(0);
    }
  });

  it('load-kind kernels read the table as their header says: storage, vec4, workgroup memory, atomics at scattered, one or neighbouring addresses (exact sums)', async () => {
    const rng = new Random(4);
    const table = Float32Array.from({ length: 4096 }, () => rng.int(16) / 4);
    const loads = 80;
    const costs = await loadKindCost(runtime(), 1, { loads, table });
    expect(costs.map((c) => c.kind)).toEqual(LOAD_KINDS.map((k) => k.kind));
    for (const c of costs) {
      // Quarter-integer values (and integer addresses for 'none'): float32 sums are exact.
      const want = Array.from({ length: 64 }, (_, t) => loadKindSum(table, c.kind, t, loads));
      expect(Array.from(c.firstGroup), c.kind).toEqual(want);
      expect(c.nsPerLoad.median).toBeGreaterThan(0);
    }
  });

  it('scripts/run-ts.mjs hands its arguments to the entry, and bundled modules do not run their main blocks', () => {
    // npm run bench bundles demo/server.mjs, whose main block (serve the demo) once ran inside
    // the bundle because argv[1] named the bundle itself.
    const printed = execFileSync('node', ['scripts/run-ts.mjs', 'test/bench/fixtures/argv-entry.ts', 'a', '--reps', '3'], { encoding: 'utf8', timeout: 60_000 });
    const last = printed.trim().split('\n').at(-1)!;
    expect(JSON.parse(last)).toEqual({ args: ['a', '--reps', '3'], datasets: ['mnist', 'fashion-mnist'], dirname: resolve('dist/bench') });
  });

  it('the table gives TensorFlow.js on the CPU (WebAssembly) its columns where the run has it', () => {
    const m = (ms: number) => measured([ms]);
    const workloads = [
      { name: 'matmul 1024', sennMs: 200, senn: m(200), tfjsMs: 2000, tfjs: m(2000), speedup: 10, tfjsWasmMs: 100, tfjsWasm: m(100), speedupVsWasm: 0.5, sennGflops: 10.7, fractionOfCeiling: 0.5, ceilingBesideGflops: 21.4, tfjsWasmGflops: 21.5 },
      { name: 'expansion', sennMs: 14, senn: m(14) },
    ];
    const result: SuiteResult = { ceilingGflops: m(21.4), ceilingCheck: 1e-7, workloads };
    const withCpu = table('t', { ...result, tfjsWasm: { threads: 2, simd: true, threadedBuild: true } }).split('\n');
    expect(withCpu[1]).toContain('WebAssembly backend on the CPU (2 threads, SIMD on)');
    const row = withCpu.find((l) => l.startsWith('matmul 1024'))!;
    expect(row).toMatch(/200\.00\s+2000\.00\s+10\.00x\s+100\.00\s+0\.50x/);
    expect(row).toContain('cpu 21.50 GFLOP/s');
    expect(row).toContain('10.70 GFLOP/s (50% of the ceiling beside it, 21.40)');
    expect(withCpu.find((l) => l.startsWith('expansion'))).toMatch(/14\.00\s+—\s+—\s+—\s+—/);
    // Without the CPU peer: no such line or columns.
    const without = table('t', result);
    expect(without).not.toContain('cpu ms');
    expect(without).not.toContain('WebAssembly');
  });

  it('serves the benchmark page cross-origin isolated (threaded WebAssembly needs it), and .wasm as application/wasm', async () => {
    const served = await serveStatic({ '/x/': 'node_modules/@tensorflow/tfjs-backend-wasm/dist' }, 0, { isolated: true });
    const plain = await serveStatic({ '/x/': 'node_modules/@tensorflow/tfjs-backend-wasm/dist' });
    try {
      const response = await fetch(`${served.url}/x/tfjs-backend-wasm-simd.wasm`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/wasm');
      expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(response.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      const bytes = new Uint8Array(await response.arrayBuffer());
      expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0x61, 0x73, 0x6d]); // "\0asm"
      const other = await fetch(`${plain.url}/x/tfjs-backend-wasm-simd.wasm`);
      await other.arrayBuffer();
      expect(other.headers.get('cross-origin-embedder-policy')).toBeNull();
    } finally {
      await served.close();
      await plain.close();
    }
  });

  it('reads fp32 peaks from nvidia-smi and lscpu output', () => {
    const h100 = nvidiaPeak('NVIDIA H100 80GB HBM3, 1980\n');
    expect(h100?.gflops).toBeCloseTo(132 * 128 * 2 * 1.98, 6);
    expect(nvidiaPeak('NVIDIA A100-SXM4-40GB, 1410')?.gflops).toBeCloseTo(108 * 64 * 2 * 1.41, 6);
    expect(nvidiaPeak('Some Future GPU, 2000')).toBeNull();
    expect(nvidiaPeak('')).toBeNull();
    const cpu = cpuPeak('CPU(s):              2\nCPU max MHz:         2600.0000\nFlags:               fpu avx avx2 avx512f\n');
    expect(cpu.gflops).toBeCloseTo(2 * 16 * 2 * 2 * 2.6, 6);
    // Two hardware threads a core share its FMA units: the peak counts cores, not threads.
    const smt = cpuPeak('CPU(s):              16\nThread(s) per core:  2\nCPU max MHz:         3000.0000\nFlags:               fpu avx avx2\n');
    expect(smt.gflops).toBeCloseTo(8 * 8 * 2 * 2 * 3.0, 6);
    expect(smt.formula).toMatch(/^8 cores/);
    // Physical cores for the CPU peer's threads: logical CPUs over threads per core.
    expect(physicalCores('CPU(s):                                  2\nOn-line CPU(s) list:                     0,1\nThread(s) per core:                      1\n')).toBe(2);
    expect(physicalCores('CPU(s):                                  16\nThread(s) per core:                      2\n')).toBe(8);
  });
});
