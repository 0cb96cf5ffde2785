// The demo page under test: the server and Chromium around a test file, pages of the demo, and
// the ways the tests read and drive them (the state the page exposes, fields typed as a person would).
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'puppeteer';
import { afterAll, beforeAll } from 'vitest';
import { type Served, serveDemo } from '../../demo/server.mjs';
import { launchBrowser } from './launch.js';

/** Where the tests leave their screenshots. */
export const OUT = 'test-artifacts/demo';

/** What the page exposes as `window.__sennDemo` (demo/app.ts), as far as the tests read it. */
export interface DemoState {
  ready: boolean;
  state: string;
  adapter: string;
  epochs: { epoch: number; params: number; valAccuracy: number; lr: number; architecture: number[] }[];
  events: { kind: 'expand' | 'prune'; epoch: number; parametersBefore: number; parametersAfter: number }[];
  error: string | null;
  saved: string | null;
  exported: string | null;
  confusion: number[] | null;
  mistakes: { row: number; truth: number; answer: number; confidence: number }[] | null;
  sketch: { image: number[] | null; probabilities: number[] | null; answer: number | null; when: string | null };
}

/**
 * Serve the demo and launch Chromium before the calling file's tests, and close both after
 * them. Returns how to open a page of the demo (every console error and uncaught exception
 * collected; `before` runs before it loads) and the browser, once launched.
 */
export function useDemoPages(): { openDemo: (before?: (page: Page) => Promise<void>) => Promise<{ page: Page; errors: string[] }>; browser: () => Browser } {
  let served: Served;
  let browser: Browser;
  let close: () => Promise<void>;
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    served = await serveDemo(0);
    ({ browser, close } = await launchBrowser());
  });
  afterAll(async () => {
    await close?.();
    await served?.close();
  });
  const openDemo = async (before?: (page: Page) => Promise<void>) => {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 1000 });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await before?.(page);
    await page.goto(`${served.url}/`);
    await page.waitForFunction('window.__sennDemo && window.__sennDemo.ready', { timeout: 60_000 });
    return { page, errors };
  };
  return { openDemo, browser: () => browser };
}

/** The page's state as it exposes it. */
export const state = (page: Page) => page.evaluate('window.__sennDemo') as Promise<DemoState>;

/** Type into a settings field as a person would. */
export async function setField(page: Page, id: string, value: string): Promise<void> {
  await page.click(`#${id}`, { count: 3 });
  await page.keyboard.press('Backspace');
  await page.type(`#${id}`, value);
}

/** Whether the element `selector` is rendered (the hidden attribute alone does not say: CSS may override it). */
export const shown = (page: Page, selector: string) => page.$eval(selector, (el) => getComputedStyle(el).display !== 'none' && (el as HTMLElement).offsetParent !== null);

/** Wait until the run in `page` has ended (finished, or failed), and return the page's state. */
export async function runEnded(page: Page, timeout: number): Promise<DemoState> {
  await page.waitForFunction('["finished", "error"].includes(window.__sennDemo.state)', { timeout, polling: 100 });
  return state(page);
}

/**
 * Type `value` into field `id` and press Start: a run the settings refuse ends at once. Returns
 * its error (null if it was not refused), with the field then set to `then`.
 */
export async function refusedStart(page: Page, id: string, value: string, then: string): Promise<string | null> {
  await setField(page, id, value);
  await page.click('#start');
  const { error } = await runEnded(page, 30_000);
  await setField(page, id, then);
  return error;
}
