// What the benchmark prints and records beside its workloads: the machine's fp32 peaks (CPU from
// lscpu, NVIDIA GPU from nvidia-smi), package versions, and the result table.
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import type { SuiteResult } from './suite.js';

export interface Peak {
  gflops: number;
  formula: string;
}

const run = (command: string): string => {
  try {
    return execSync(command, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
};

/** The value of lscpu's line `name:` (a regular expression), trimmed; undefined where it has none. */
const lscpuField = (text: string, name: string): string | undefined => new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(text)?.[1]?.trim();

/**
 * The CPU's fp32 peak: physical cores × SIMD floats × FMA units (2) × 2 flops × clock, from
 * lscpu's output (a core's second hardware thread shares its FMA units, so it adds nothing).
 */
export function cpuPeak(text = run('lscpu')): Peak {
  const field = (name: string) => lscpuField(text, name);
  const cores = physicalCores(text);
  const flags = field('Flags') ?? '';
  const simd = flags.includes('avx512f') ? 16 : flags.includes('avx') ? 8 : 4;
  const mhz = Number(field('CPU max MHz') ?? 0) || Number(field('BogoMIPS') ?? 0) / 2 || cpus()[0]!.speed;
  const gflops = (cores * simd * 2 * 2 * mhz) / 1000;
  return { gflops, formula: `${cores} cores × ${simd} fp32 lanes × 2 FMA units × 2 flops × ${(mhz / 1000).toFixed(2)} GHz` };
}

/**
 * Physical cores from lscpu's output (CPU(s) / Thread(s) per core): the threads TensorFlow.js's
 * WebAssembly backend should get, which on its own assumes two hardware threads per core.
 */
export function physicalCores(text = run('lscpu')): number {
  const field = (name: string) => Number.parseInt(lscpuField(text, name) ?? '', 10) || 0;
  const logical = field('CPU\\(s\\)') || cpus().length;
  return Math.max(1, Math.floor(logical / (field('Thread\\(s\\) per core') || 1)));
}

/**
 * Streaming multiprocessors and fp32 lanes per multiprocessor of the NVIDIA parts we have met
 * (from NVIDIA's architecture whitepapers); nvidia-smi reports the name and clock, not these.
 */
const NVIDIA_PARTS: { pattern: RegExp; sms: number; lanes: number }[] = [
  { pattern: /H100.*PCIe/i, sms: 114, lanes: 128 },
  { pattern: /H100|H200|GH200/i, sms: 132, lanes: 128 },
  { pattern: /A100/i, sms: 108, lanes: 64 },
  { pattern: /L4\b/i, sms: 58, lanes: 128 },
];

/** The NVIDIA GPU's fp32 peak (SMs × fp32 lanes × 2 flops × max SM clock), or null without one. */
export function gpuPeak(): (Peak & { name: string }) | null {
  return nvidiaPeak(run('nvidia-smi --query-gpu=name,clocks.max.sm --format=csv,noheader,nounits'));
}

/** {@link gpuPeak} from nvidia-smi's `name, max SM clock (MHz)` line; null for parts not in the table. */
export function nvidiaPeak(output: string): (Peak & { name: string }) | null {
  const line = output.split('\n')[0]?.trim();
  if (!line) return null;
  const [name = '', mhzText = ''] = line.split(',').map((s) => s.trim());
  const part = NVIDIA_PARTS.find((p) => p.pattern.test(name));
  const mhz = Number(mhzText);
  if (!part || !(mhz > 0)) return null;
  return { name, gflops: (part.sms * part.lanes * 2 * mhz) / 1000, formula: `${part.sms} SMs × ${part.lanes} fp32 lanes × 2 flops × ${(mhz / 1000).toFixed(2)} GHz` };
}

/** The directory of TensorFlow.js's WebAssembly backend files (its CPU side) in node_modules; throws where it is not installed. */
export function tfjsWasmDir(): string {
  return dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
}

/** An installed package's version, or null where it is not installed (e.g. a bare GPU machine). */
export function version(pkg: string): string | null {
  try {
    return (JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

/** Run-level facts every results file starts with (printed in part as they are read). */
export function benchMeta(reps: number): Record<string, unknown> & { cpuPeak: Peak } {
  let senn: string | null = null;
  try {
    senn = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
  } catch {
    // Run from a bundle outside the checkout.
  }
  const gpu = gpuPeak();
  const cpu = cpuPeak();
  console.log(`CPU fp32 peak: ${cpu.gflops.toFixed(0)} GFLOP/s (${cpu.formula})`);
  return {
    date: new Date().toISOString(),
    versions: { senn, tfjs: version('@tensorflow/tfjs'), tfjsWebgpu: version('@tensorflow/tfjs-backend-webgpu'), tfjsWasm: version('@tensorflow/tfjs-backend-wasm'), webgpu: version('webgpu'), puppeteer: version('puppeteer'), node: process.version },
    cpuPeak: cpu,
    ...(gpu ? { gpuPeak: gpu } : {}),
    reps,
  };
}

/** The printed table; GFLOP/s also as a fraction of the FMA ceiling and, on a GPU, of its peak. */
export function table(title: string, result: SuiteResult, peak: Peak | null = null): string {
  // TensorFlow.js's WebAssembly backend on the CPU, where the run has it: two more columns.
  const wasm = result.tfjsWasm;
  const lines = [
    `${title}`,
    ...(wasm ? [`cpu: TensorFlow.js WebAssembly backend on the CPU (${wasm.threads} thread${wasm.threads === 1 ? '' : 's'}, SIMD ${wasm.simd ? 'on' : 'off'}); vs cpu = cpu ms / senn ms`] : []),
    `FMA ceiling (bench/fma.wgsl) at the start: ${result.ceilingGflops.median.toFixed(2)} GFLOP/s (checked, rel. error ${result.ceilingCheck.toExponential(1)})` +
      (peak ? `; fp32 peak ${peak.gflops.toFixed(0)} GFLOP/s (${peak.formula})` : ''),
    `${'workload'.padEnd(58)} ${'senn ms'.padStart(10)} ${'tfjs ms'.padStart(10)} ${'speedup'.padStart(8)}${wasm ? ` ${'cpu ms'.padStart(10)} ${'vs cpu'.padStart(8)}` : ''}  notes`,
  ];
  for (const w of result.workloads) {
    const notes = [
      w.sennGflops
        ? `${w.sennGflops.toFixed(2)} GFLOP/s (${(100 * w.fractionOfCeiling!).toFixed(0)}% of the ceiling beside it${w.ceilingBesideGflops ? `, ${w.ceilingBesideGflops.toFixed(2)}` : ''}${peak ? `, ${((100 * w.sennGflops) / peak.gflops).toFixed(1)}% of peak` : ''})${w.tfjsGflops ? ` vs ${w.tfjsGflops.toFixed(2)}` : ''}`
        : '',
      w.sennSamplesPerSecond ? `${Math.round(w.sennSamplesPerSecond).toLocaleString('en-US')} samples/s${w.tfjsSamplesPerSecond ? ` vs ${Math.round(w.tfjsSamplesPerSecond).toLocaleString('en-US')}` : ''}` : '',
      w.tfjsWasmGflops ? `cpu ${w.tfjsWasmGflops.toFixed(2)} GFLOP/s` : '',
      w.note ?? '',
    ].filter(Boolean);
    lines.push(
      `${w.name.padEnd(58)} ${w.sennMs.toFixed(2).padStart(10)} ${(w.tfjsMs?.toFixed(2) ?? '—').padStart(10)} ${(w.speedup ? `${w.speedup.toFixed(2)}x` : '—').padStart(8)}${wasm ? ` ${(w.tfjsWasmMs?.toFixed(2) ?? '—').padStart(10)} ${(w.speedupVsWasm ? `${w.speedupVsWasm.toFixed(2)}x` : '—').padStart(8)}` : ''}  ${notes.join('; ')}`,
    );
  }
  return lines.join('\n');
}
