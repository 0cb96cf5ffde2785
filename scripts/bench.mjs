// `npm run bench`: bundle bench/run.ts for Node with esbuild and run it (arguments pass through).
import { build } from 'esbuild';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const outfile = 'dist/bench/run.mjs';
await build({
  entryPoints: ['bench/run.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile,
  loader: { '.wgsl': 'text' },
  mainFields: ['module', 'main'],
  // Native or heavy packages load from node_modules at run time.
  external: ['webgpu', 'puppeteer', 'esbuild'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
await import(pathToFileURL(resolve(outfile)).href);
