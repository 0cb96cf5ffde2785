// `npm run bench`: senn against TensorFlow.js WebGPU in headless Chromium (same adapter, one
// run; TensorFlow.js's WebAssembly backend on the CPU beside them), then the same in Node
// through Dawn. Prints tables and writes
// bench/results/latest.json (browser) and bench/results/latest-node.json.
//   npm run bench -- [--reps N] [--browser-only | --node-only]
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { dataDirectories } from '../demo/server.mjs';
import { launchBrowser, serveStatic } from '../scripts/chromium.js';
import { nodeRun } from './nodeRun.js';
import { benchMeta, physicalCores, table, tfjsWasmDir } from './report.js';
import type { SuiteResult } from './suite.js';

const { values } = parseArgs({
  options: { reps: { type: 'string', default: '10' }, 'browser-only': { type: 'boolean', default: false }, 'node-only': { type: 'boolean', default: false } },
});
const reps = Math.max(10, Number(values.reps));

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
  const served = await serveStatic(
    { '/index.html': 'bench/index.html', '/page.js': 'dist/bench/page.js', '/data/mnist/': dataDirectories().mnist, '/tfjs-wasm/': tfjsWasmDir() },
    0,
    { isolated: true },
  );
  const { browser, close } = await launchBrowser();
  try {
    const page = await browser.newPage();
    page.on('console', (m) => console.log(`  [page] ${m.text()}`));
    page.on('pageerror', (e) => console.log(`  [page error] ${String(e)}`));
    await page.goto(`${served.url}/index.html?reps=${reps}&cores=${physicalCores()}`);
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

const meta = benchMeta(reps);
mkdirSync('bench/results', { recursive: true });
if (!values['node-only']) writeFileSync('bench/results/latest.json', `${JSON.stringify({ ...meta, ...(await browserRun()) }, null, 2)}\n`);
if (!values['browser-only']) writeFileSync('bench/results/latest-node.json', `${JSON.stringify({ ...meta, ...(await nodeRun(reps)) }, null, 2)}\n`);
