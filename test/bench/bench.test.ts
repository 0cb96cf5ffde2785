import { describe, expect, it } from 'vitest';
import { cpuPeak, nvidiaPeak } from '../../bench/report.js';
import { fmaCeiling } from '../../bench/workloads.js';
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

  it('reads fp32 peaks from nvidia-smi and lscpu output', () => {
    const h100 = nvidiaPeak('NVIDIA H100 80GB HBM3, 1980\n');
    expect(h100?.gflops).toBeCloseTo(132 * 128 * 2 * 1.98, 6);
    expect(nvidiaPeak('NVIDIA A100-SXM4-40GB, 1410')?.gflops).toBeCloseTo(108 * 64 * 2 * 1.41, 6);
    expect(nvidiaPeak('Some Future GPU, 2000')).toBeNull();
    expect(nvidiaPeak('')).toBeNull();
    const cpu = cpuPeak('CPU(s):              2\nCPU max MHz:         2600.0000\nFlags:               fpu avx avx2 avx512f\n');
    expect(cpu.gflops).toBeCloseTo(2 * 16 * 2 * 2 * 2.6, 6);
  });
});
