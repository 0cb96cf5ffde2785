import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer';

/** The system Chromium (puppeteer's own download is disabled in this project). */
export function chromiumPath(): string {
  const candidates = [process.env.PUPPETEER_EXECUTABLE_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  const found = candidates.find((p): p is string => Boolean(p) && existsSync(p!));
  if (!found) throw new Error('no Chromium found: apt-get install chromium, or set PUPPETEER_EXECUTABLE_PATH');
  return found;
}

/** Headless Chromium with WebGPU (SwiftShader when there is no GPU) and no network chatter. */
export async function launchBrowser(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'senn-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--enable-unsafe-webgpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${profile}`,
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json', '.wgsl': 'text/plain' };

/**
 * Serve on 127.0.0.1 only. `routes` maps a URL path to a file, or a URL prefix ending in
 * "/" to a directory.
 */
export async function serveStatic(routes: Record<string, string>): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    let file: string | null = null;
    if (routes[path]) file = resolve(routes[path]);
    else {
      for (const [prefix, dir] of Object.entries(routes)) {
        if (!prefix.endsWith('/') || !path.startsWith(prefix)) continue;
        const base = resolve(dir);
        const candidate = normalize(join(base, path.slice(prefix.length) || 'index.html'));
        if (candidate.startsWith(base)) file = candidate;
        break;
      }
    }
    if (file && existsSync(file)) {
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(readFileSync(file));
    } else res.writeHead(404).end('not found');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
