// The README's browser and CSV examples (examples/readme-browser.ts, readme-csv.ts, which
// test/readme.test.ts holds identical to the README) run as written in a page, importing the
// browser build as 'senn' and 'senn/csv': what a reader who copies them gets.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { build, type Plugin } from 'esbuild';
import type { Browser, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { launchBrowser, serveStatic } from './launch.js';

const OUT = 'test-artifacts/readme-examples';

// 'senn' and 'senn/csv' as a page imports them: the browser build, served beside the page.
const servedSenn: Plugin = {
  name: 'served-senn',
  setup(b) {
    b.onResolve({ filter: /^senn(\/csv)?$/ }, (a) => ({ path: a.path === 'senn' ? '/senn.js' : '/csv.js', external: true }));
  },
};

/** A CSV file like the README's: four measurements and a species, three species told apart by their means. */
function speciesCsv(rows: number): string {
  const random = new Random(7);
  const species = ['setosa', 'versicolor', 'virginica'];
  const lines = ['sepal_length,sepal_width,petal_length,petal_width,species'];
  for (let r = 0; r < rows; r++) {
    const s = r % 3;
    const measure = (mean: number) => (mean + 0.3 * random.normal()).toFixed(2);
    lines.push([measure(5 + 0.8 * s), measure(3.4 - 0.3 * s), measure(1.5 + 2.2 * s), measure(0.3 + 0.9 * s), species[s]].join(','));
  }
  return `${lines.join('\n')}\n`;
}

let server: Server | undefined;
let url = '';
let browser: Browser | undefined;
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  await build({ entryPoints: ['examples/readme-browser.ts', 'examples/readme-csv.ts'], bundle: true, format: 'esm', target: 'es2022', outdir: OUT, plugins: [servedSenn], logLevel: 'warning' });
  writeFileSync(`${OUT}/index.html`, '<!doctype html><meta charset="utf-8"><title>README examples</title><input type="file">\n');
  writeFileSync(`${OUT}/species.csv`, speciesCsv(150));
  const served = await serveStatic({
    '/': 'dist/browser',
    '/index.html': `${OUT}/index.html`,
    '/readme-browser.js': `${OUT}/readme-browser.js`,
    '/readme-csv.js': `${OUT}/readme-csv.js`,
  });
  server = served.server;
  url = served.url;
  ({ browser, close } = await launchBrowser());
}, 120_000);

afterAll(async () => {
  await close?.();
  server?.close();
});

/** Opens the page, lets `prepare` set it up, imports the example (which runs as it loads) and returns what it logged and any error. */
async function runExample(script: string, prepare: (page: Page) => Promise<void> = async () => {}) {
  const page = await browser!.newPage();
  const logged: Promise<unknown[]>[] = [];
  const errors: string[] = [];
  page.on('console', (m) => {
    // The browser asks for a favicon the page does not have.
    if (m.type() === 'error' && !m.location().url?.endsWith('/favicon.ico')) errors.push(`${m.text()} ${m.location().url ?? ''}`);
    if (m.type() === 'log') logged.push(Promise.all(m.args().map((a) => a.jsonValue())));
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${url}/index.html`);
  await prepare(page);
  // A module's import settles when its top-level awaits have: the example has run to its end.
  // (A string, not a function: vitest would rewrite a function's import() for Node.)
  const outcome = await page.evaluate(`import(${JSON.stringify(script)}).then(() => 'ran', (error) => 'threw ' + String(error))`);
  // Each console.log as its arguments' values.
  const logs = await Promise.all(logged);
  await page.close();
  return { outcome, logs, errors };
}

describe("the README's browser examples in headless Chromium", () => {
  it('readme-browser.ts grows a network on spirals, logs each epoch, predicts, saves and loads it', async () => {
    const { outcome, logs, errors } = await runExample('/readme-browser.js');
    expect(outcome).toBe('ran');
    expect(errors).toEqual([]);
    // One line an epoch: its number, the validation accuracy and the architecture (new levels sit between those they join).
    expect(logs.map((line) => line[0])).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const [, accuracy, architecture] = logs.at(-1) as [number, number, string];
    console.info(`readme-browser.ts: epoch 40 at ${(accuracy * 100).toFixed(1)}% validation accuracy, ${architecture}`);
    expect(accuracy).toBeGreaterThan(0.9);
    expect(architecture).toMatch(/^2-(\d+-)+2$/);
    expect(architecture).not.toBe('2-8-2'); // it grew
  }, 240_000);

  it('readme-csv.ts reads the file picked in the page, trains on its species and logs the class names and the validation result', async () => {
    const { outcome, logs, errors } = await runExample('/readme-csv.js', async (page) => {
      await (await page.$('input[type=file]'))!.uploadFile(`${OUT}/species.csv`);
    });
    expect(outcome).toBe('ran');
    expect(errors).toEqual([]);
    expect(logs).toHaveLength(1);
    const [classNames, result] = logs[0] as [string[], { loss: number; accuracy: number; rows: number }];
    console.info(`readme-csv.ts logged: ${JSON.stringify(classNames)} ${JSON.stringify(result)}`);
    expect(classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    // 30 validation rows of three species that their measurements tell apart.
    expect(result.rows).toBe(30);
    expect(result.accuracy).toBeGreaterThanOrEqual(0.9);
  }, 240_000);
});
