// Builds the browser ESM bundle, the Node entry and the CLI with esbuild.
// WGSL files are embedded as text; wgsl_reflect's ES module build is bundled in.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';
import { BROWSER_ALIASES } from './browserAliases.mjs';

// Code splitting names chunks by content hash: without a clean start every build would leave
// the last one's chunks behind.
for (const dir of ['dist/browser', 'dist/node']) rmSync(dir, { recursive: true, force: true });

const common = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: true,
  loader: { '.wgsl': 'text' },
  mainFields: ['module', 'main'],
  logLevel: 'warning',
};

await Promise.all([
  build({
    ...common,
    // senn/csv is an entry of its own (the main bundle stays without a CSV parser); splitting
    // puts what both entries use in one shared chunk, so each class exists once.
    entryPoints: { senn: 'src/index.ts', csv: 'src/csv.ts' },
    outdir: 'dist/browser',
    platform: 'browser',
    splitting: true,
    alias: BROWSER_ALIASES,
  }),
  build({
    ...common,
    entryPoints: { index: 'src/node.ts', csv: 'src/csv.ts', cli: 'src/cli/main.ts' },
    outdir: 'dist/node',
    platform: 'node',
    splitting: true,
    // Dawn is a native addon: loaded from node_modules at run time, never bundled.
    external: ['webgpu'],
  }),
]);
