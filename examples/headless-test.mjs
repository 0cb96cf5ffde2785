// Testing code that uses senn in headless Chromium, as a test suite of one's own would: serve
// senn's browser bundle and a page, launch Chromium with WebGPU (a GPU where the machine has
// one, SwiftShader in software where not), train a growing network in the page and check what
// it reports from Node. Any test runner works the same way (vitest, mocha, node:test); this
// one uses node:assert alone.
//
//   npm run build && node examples/headless-test.mjs
//
// Chromium: the system's (apt-get install chromium) or PUPPETEER_EXECUTABLE_PATH; puppeteer
// must not download its own where the machine has no internet.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer';

const EPOCHS = Number(process.env.EPOCHS ?? 12);

// senn's browser build (dist/browser: senn.js and the chunks it imports), served at /senn/.
const bundle = dirname(fileURLToPath(import.meta.resolve('senn/browser')));
// The page: an ES module that imports senn as a browser app does and leaves its result for the test.
const page = `<!doctype html><script type="module">
import { createRuntime, spirals, splitDataset } from '/senn/senn.js';
try {
  const runtime = await createRuntime();
  const [train, validation] = splitDataset(spirals({ rows: 600, seed: 1, turns: 0.75 }), 0.8, 1);
  const net = runtime.createNetwork({ sizes: [2, 8, 2], seed: 1, expandable: [1, 2] });
  const history = await net.fit(train, {
    epochs: ${EPOCHS}, batchSize: 16, lr: 0.03, validation,
    expansion: { window: 1, minEpochsBetween: 3, lossChangeThreshold: 1, exactSplit: 'signed' },
  });
  window.result = { adapter: runtime.adapter, history, sizes: net.structure.sizes, parameters: net.parameterCount };
  net.destroy();
  runtime.destroy();
} catch (error) {
  window.result = { error: String(error) };
}
</script>`;

const types = { '.js': 'text/javascript', '.map': 'application/json' };
const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(page);
  const file = join(bundle, path.replace(/^\/senn\//, ''));
  if (!path.startsWith('/senn/') || !file.startsWith(bundle) || !existsSync(file)) return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

const executablePath = [process.env.PUPPETEER_EXECUTABLE_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => p && existsSync(p));
const browser = await puppeteer.launch({
  executablePath,
  headless: true,
  // WebGPU in headless Chromium on Linux; --no-sandbox where the tests run as root (containers, CI).
  args: ['--enable-unsafe-webgpu', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
});
try {
  const tab = await browser.newPage();
  tab.on('pageerror', (error) => console.error(`page: ${error}`));
  await tab.goto(`http://127.0.0.1:${server.address().port}/`);
  await tab.waitForFunction('window.result !== undefined', { timeout: 300_000 });
  const result = await tab.evaluate('window.result');

  // The test's assertions: the page trained, learned, and grew.
  assert.equal(result.error, undefined, result.error);
  assert.equal(result.history.length, EPOCHS);
  const [first, last] = [result.history[0], result.history.at(-1)];
  assert.ok(last.valLoss < first.valLoss, `validation loss ${first.valLoss} → ${last.valLoss}`);
  assert.ok(last.valAccuracy > 0.75, `validation accuracy ${last.valAccuracy}`);
  assert.ok(result.history.some((e) => e.expanded > 0), 'the network grew');
  console.log(`adapter: ${result.adapter.vendor} ${result.adapter.architecture}${result.adapter.isFallback ? ', software' : ''}`);
  for (const e of result.history) {
    console.log(`epoch ${String(e.epoch).padStart(2)}  val loss ${e.valLoss.toFixed(4)}  val acc ${(100 * e.valAccuracy).toFixed(1)}%  params ${e.params}${e.expanded ? `  +${e.expanded} split` : ''}${e.pruned ? `  -${e.pruned} pruned` : ''}`);
  }
  console.log(`passed: ${result.sizes.join('-')}, ${result.parameters} parameters`);
} finally {
  await browser.close();
  server.close();
}
