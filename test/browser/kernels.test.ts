import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relativeError } from '../helpers/numeric.js';
import { runOnnx } from '../helpers/onnx.js';
import { launchBrowser, serveStatic } from './launch.js';

const OUT = 'test-artifacts/browser-suite';

interface Check {
  name: string;
  relative: number;
  tolerance: number;
}

let server: Server | undefined;
let close: (() => Promise<void>) | undefined;
let outcome: { done: boolean; error?: string; adapter?: string; results: Check[]; onnx?: { model: number[]; x: number[]; rows: number; features: number; outputs: number[] } };
const consoleErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  // The suite is bundled on its own and imports the library from /senn.js and /csv.js: the real browser build.
  await build({
    entryPoints: ['test/browser/page/suite.ts', 'test/browser/page/worker.ts'],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    outdir: OUT,
    external: ['/senn.js', '/csv.js', '/onnx.js'],
    logLevel: 'warning',
  });
  const served = await serveStatic({
    // senn.js, csv.js, onnx.js and the chunks they share.
    '/': 'dist/browser',
    '/suite.js': `${OUT}/suite.js`,
    '/worker.js': `${OUT}/worker.js`,
    '/index.html': 'test/browser/page/index.html',
  });
  server = served.server;
  const launched = await launchBrowser();
  close = launched.close;
  const page = await launched.browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${m.text()} ${m.location().url ?? ''}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(`${served.url}/index.html`);
  await page.waitForFunction('window.__senn && window.__senn.done', { timeout: 280_000, polling: 500 });
  outcome = (await page.evaluate('window.__senn')) as typeof outcome;
});

afterAll(async () => {
  await close?.();
  server?.close();
});

describe('senn in headless Chromium (browser build served from 127.0.0.1)', () => {
  it('gets a WebGPU adapter and runs the suite without errors', () => {
    console.info(`browser adapter: ${outcome.adapter}`);
    expect(outcome.error).toBeUndefined();
    expect(outcome.results.length).toBeGreaterThanOrEqual(10);
    expect(consoleErrors).toEqual([]);
    // Launch shapes and the fused tail are chosen per kind of adapter: the browser's SwiftShader
    // (this machine's, without a GPU) must be told apart from a GPU as Dawn's is in Node.
    if (/swiftshader/i.test(outcome.adapter ?? '')) expect(outcome.adapter).toMatch(/, software/);
  });

  it("senn/onnx from the browser build: the grown network's model runs in onnxruntime as the page's predict", async () => {
    const { model, x, rows, features, outputs } = outcome.onnx!;
    const probe = { name: 'probe', rows, features, x: Float32Array.from(x), featureScale: 1 };
    const got = await runOnnx(Uint8Array.from(model), probe);
    const err = relativeError(got.outputs!, outputs);
    console.info(`senn/onnx in the browser: onnxruntime vs the page's predict, relative error ${err.relative.toExponential(2)} (tolerance 1e-5)`);
    expect(err.relative).toBeLessThanOrEqual(1e-5);
    expect(got.probabilities).toHaveLength(outputs.length);
  });

  it('every check is within its tolerance', () => {
    for (const check of outcome.results) {
      console.info(`${check.name}: relative error ${check.relative.toExponential(2)} (tolerance ${check.tolerance})`);
      expect(check.relative, check.name).toBeLessThanOrEqual(check.tolerance);
    }
  });
});
