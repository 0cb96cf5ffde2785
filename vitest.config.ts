import { defineConfig, type Plugin } from 'vitest/config';

/** Import `.wgsl` files as text, as esbuild's text loader does in the build. */
const wgslText: Plugin = {
  name: 'wgsl-text',
  transform(code, id) {
    if (id.endsWith('.wgsl')) return { code: `export default ${JSON.stringify(code)};`, map: null };
    return null;
  },
};

// wgsl_reflect's "main" is CommonJS inside a "type": "module" package, which Node cannot
// load; its "module" build is fine (the esbuild bundles pick it the same way).
const alias = [{ find: /^wgsl_reflect$/, replacement: 'wgsl_reflect/wgsl_reflect.module.js' }];

// The plugin and alias are the node project's alone: vitest 5 also applies a root config's
// plugins to every project, and the text transform run twice made each shader its own source.
export default defineConfig({
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
          globalSetup: ['test/globalSetup.ts'],
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
          globalSetup: ['test/globalSetup.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
