// Builds the browser ESM bundle, the Node entry and the CLI with esbuild.
// WGSL files are embedded as text (see wgslCode); wgsl_reflect's ES module build is bundled in.
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';
import { BROWSER_ALIASES } from './browserAliases.mjs';

// The bundles carry the shaders' code without their comments (half of their text; shaders/ has
// them whole), each line kept where it was, so a compile error's line number still points into
// shaders/*.wgsl. WGSL has no string literals: "//" always starts a comment there.
const wgslCode = {
  name: 'wgsl-code',
  setup(b) {
    b.onLoad({ filter: /\.wgsl$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8')
        .split('\n')
        .map((line) => line.replace(/\s*\/\/.*$/, ''))
        .join('\n'),
      loader: 'text',
    }));
  },
};

// Code splitting names chunks by content hash: without a clean start every build would leave
// the last one's chunks behind.
for (const dir of ['dist/browser', 'dist/node']) rmSync(dir, { recursive: true, force: true });

const common = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: true,
  mainFields: ['module', 'main'],
  logLevel: 'warning',
  plugins: [wgslCode],
};

await Promise.all([
  build({
    ...common,
    // senn/csv and senn/onnx are entries of their own (the main bundle stays without a CSV
    // parser and a protobuf encoder); splitting puts what the entries share in one shared
    // chunk, so each class exists once.
    entryPoints: { senn: 'src/index.ts', csv: 'src/csv.ts', onnx: 'src/onnx.ts' },
    outdir: 'dist/browser',
    platform: 'browser',
    splitting: true,
    alias: BROWSER_ALIASES,
  }),
  build({
    ...common,
    entryPoints: { index: 'src/node.ts', csv: 'src/csv.ts', onnx: 'src/onnx.ts', cli: 'src/cli/main.ts' },
    outdir: 'dist/node',
    platform: 'node',
    splitting: true,
    // Dawn is a native addon: loaded from node_modules at run time, never bundled.
    external: ['webgpu'],
  }),
]);
