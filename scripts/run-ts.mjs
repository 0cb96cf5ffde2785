// `node scripts/run-ts.mjs ENTRY.ts [args...]`: bundle a TypeScript entry point (a bench or a
// profile under bench/) for Node with esbuild into dist/bench/, then run it with the remaining
// arguments. `npm run bench` and `npm run profile` go through here.
import { build } from 'esbuild';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs ENTRY.ts [args...]');
  process.exit(2);
}
const outfile = `dist/bench/${basename(entry, '.ts')}.mjs`;
await build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile,
  loader: { '.wgsl': 'text' },
  mainFields: ['module', 'main'],
  // Native or heavy packages load from node_modules at run time.
  external: ['webgpu', 'puppeteer', 'esbuild'],
  // CommonJS names an ESM bundle lacks: require, and __dirname / __filename (the Emscripten
  // loader of TensorFlow.js's WebAssembly backend reads __dirname in Node).
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; import { dirname as __dn } from 'node:path'; import { fileURLToPath as __fu } from 'node:url'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);",
  },
  logLevel: 'warning',
});
// The entry reads its own arguments from process.argv.slice(2). argv[1] stays this script:
// bundled modules that run a main block when argv[1] is their own file (demo/server.mjs, whose
// import.meta.url is now the bundle's) must not take the bundle for themselves.
process.argv = [process.argv[0], process.argv[1], ...rest];
await import(pathToFileURL(resolve(outfile)).href);
