// `npm run bench`: senn against TensorFlow.js WebGPU in headless Chromium (same adapter, one
// run), then senn's workloads in Node through Dawn. Prints tables and writes
// bench/results/latest.json (browser) and bench/results/latest-node.json.
//   npm run bench -- [--reps N] [--browser-only | --node-only]
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { dataDirectories } from '../demo/server.mjs';
import { launchBrowser, serveStatic } from '../scripts/chromium.js';
import { createNodeRuntime, loadMnist } from '../src/node.js';
import { runSuite, type SuiteResult } from './suite.js';

const { values } = parseArgs({
  options: { reps: { type: 'string', default: '10' }, 'browser-only': { type: 'boolean', default: false }, 'node-only': { type: 'boolean', default: false } },
});
const reps = Math.max(10, Number(values.reps));
const version = (pkg: string) => (JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, 'utf8')) as { version: string }).version;

/** The CPU's fp32 peak: cores × SIMD floats × FMA units (2) × 2 flops × clock, from lscpu. */
function cpuPeak(): { gflops: number; formula: string } {
  let text = '';
  try {
    text = execSync('lscpu', { encoding: 'utf8' });
  } catch {
    // No lscpu: fall back to what Node knows.
  }
  const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(text)?.[1]?.trim();
  const cores = Number(field('CPU\\(s\\)') ?? cpus().length);
  const flags = field('Flags') ?? '';
  const simd = flags.includes('avx512f') ? 16 : flags.includes('avx') ? 8 : 4;
  const mhz = Number(field('CPU max MHz') ?? 0) || Number(field('BogoMIPS') ?? 0) / 2 || cpus()[0]!.speed;
  const gflops = (cores * simd * 2 * 2 * mhz) / 1000;
  return { gflops, formula: `${cores} cores × ${simd} fp32 lanes × 2 FMA units × 2 flops × ${(mhz / 1000).toFixed(2)} GHz` };
}

function table(title: string, result: SuiteResult): string {
  const lines = [
    `${title}`,
    `FMA ceiling (bench/fma.wgsl): ${result.ceilingGflops.median.toFixed(2)} GFLOP/s (checked, rel. error ${result.ceilingCheck.toExponential(1)})`,
    `${'workload'.padEnd(58)} ${'senn ms'.padStart(10)} ${'tfjs ms'.padStart(10)} ${'speedup'.padStart(8)}  notes`,
  ];
  for (const w of result.workloads) {
    const notes = [
      w.sennGflops ? `${w.sennGflops.toFixed(2)} GFLOP/s (${(100 * w.fractionOfCeiling!).toFixed(0)}% of ceiling)${w.tfjsGflops ? ` vs ${w.tfjsGflops.toFixed(2)}` : ''}` : '',
      w.sennSamplesPerSecond ? `${Math.round(w.sennSamplesPerSecond).toLocaleString('en-US')} samples/s${w.tfjsSamplesPerSecond ? ` vs ${Math.round(w.tfjsSamplesPerSecond).toLocaleString('en-US')}` : ''}` : '',
      w.note ?? '',
    ].filter(Boolean);
    lines.push(
      `${w.name.padEnd(58)} ${w.sennMs.toFixed(2).padStart(10)} ${(w.tfjsMs?.toFixed(2) ?? '—').padStart(10)} ${(w.speedup ? `${w.speedup.toFixed(2)}x` : '—').padStart(8)}  ${notes.join('; ')}`,
    );
  }
  return lines.join('\n');
}

async function browserRun(): Promise<Record<string, unknown>> {
  await build({
    entryPoints: { page: 'bench/page.ts' },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    outdir: 'dist/bench',
    loader: { '.wgsl': 'text' },
    mainFields: ['module', 'main'],
    logLevel: 'warning',
  });
  const served = await serveStatic({ '/index.html': 'bench/index.html', '/page.js': 'dist/bench/page.js', '/data/mnist/': dataDirectories().mnist });
  const { browser, close } = await launchBrowser();
  try {
    const page = await browser.newPage();
    page.on('console', (m) => console.log(`  [page] ${m.text()}`));
    page.on('pageerror', (e) => console.log(`  [page error] ${String(e)}`));
    await page.goto(`${served.url}/index.html?reps=${reps}`);
    // Poll with short calls: one long wait would outlast the protocol's call timeout.
    while (!(await page.evaluate('Boolean(window.__bench && window.__bench.done)'))) await new Promise((r) => setTimeout(r, 2000));
    const state = (await page.evaluate('window.__bench')) as { error?: string; adapter: string; tfjs: { version: string }; userAgent: string; result: SuiteResult };
    if (state.error) throw new Error(`benchmark page failed: ${state.error}`);
    console.log(`\n${table(`Browser (${state.userAgent.match(/Chrom\S+/)?.[0] ?? 'Chromium'}), adapter: ${state.adapter}`, state.result)}\n`);
    return { runtime: 'browser', userAgent: state.userAgent, adapter: state.adapter, tfjs: state.tfjs, ...state.result };
  } finally {
    await close();
    await served.close();
  }
}

async function nodeRun(): Promise<Record<string, unknown>> {
  const rt = await createNodeRuntime();
  try {
    const { train } = loadMnist();
    const rows = 12_000;
    const mnist = { pixels: (train.x as Uint8Array).subarray(0, rows * 784), labels: train.labels!.subarray(0, rows) };
    const result = await runSuite(rt, mnist, null, { reps, log: (l) => console.log(`  [node] ${l}`) });
    console.log(`\n${table(`Node ${process.version} + Dawn (webgpu ${version('webgpu')}), adapter: ${rt.gpu.adapterName}`, result)}\n`);
    return { runtime: 'node-dawn', adapter: rt.adapter, ...result };
  } finally {
    rt.destroy();
  }
}

const peak = cpuPeak();
console.log(`CPU fp32 peak: ${peak.gflops.toFixed(0)} GFLOP/s (${peak.formula})`);
const meta = {
  date: new Date().toISOString(),
  versions: { senn: (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version, tfjs: version('@tensorflow/tfjs'), tfjsWebgpu: version('@tensorflow/tfjs-backend-webgpu'), webgpu: version('webgpu'), puppeteer: version('puppeteer'), node: process.version },
  cpuPeak: peak,
  reps,
};
mkdirSync('bench/results', { recursive: true });
if (!values['node-only']) writeFileSync('bench/results/latest.json', `${JSON.stringify({ ...meta, ...(await browserRun()) }, null, 2)}\n`);
if (!values['browser-only']) writeFileSync('bench/results/latest-node.json', `${JSON.stringify({ ...meta, ...(await nodeRun()) }, null, 2)}\n`);
