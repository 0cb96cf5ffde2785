import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vitest/config';

/**
 * Import `.wgsl` files as text, as esbuild's text loader does in the build. A `load` hook, not a
 * `transform`: the first plugin to load a file is the only one, where every transform runs in
 * turn (vitest 5 runs the root's plugins and the project's, and a transform twice would make
 * the module's text its own source code).
 */
const wgslText: Plugin = {
  name: 'wgsl-text',
  load(id) {
    const file = id.split('?')[0]!;
    if (file.endsWith('.wgsl')) return { code: `export default ${JSON.stringify(readFileSync(file, 'utf8'))};`, map: null };
    return null;
  },
};

// wgsl_reflect's "main" is CommonJS inside a "type": "module" package, which Node cannot
// load; its "module" build is fine (the esbuild bundles pick it the same way).
const alias = [{ find: /^wgsl_reflect$/, replacement: 'wgsl_reflect/wgsl_reflect.module.js' }];

export default defineConfig({
  plugins: [wgslText],
  resolve: { alias },
  test: {
    projects: [
      {
        plugins: [wgslText],
        resolve: { alias },
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**'],
          environment: 'node',
          // Dawn on SwiftShader is single-device and CPU-bound: one file at a time.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
