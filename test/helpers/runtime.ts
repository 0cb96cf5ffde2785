import { afterAll, beforeAll } from 'vitest';
import { createNodeRuntime } from '../../src/node/dawn.js';
import type { Runtime } from '../../src/runtime.js';

/**
 * One Dawn runtime per test file (software Vulkan here, a GPU where there is one),
 * destroyed after the file. Use inside a describe block or at the top level.
 */
export function useRuntime(): () => Runtime {
  let runtime: Runtime | null = null;
  beforeAll(async () => {
    runtime = await createNodeRuntime();
  });
  afterAll(() => {
    runtime?.destroy();
    runtime = null;
  });
  return () => {
    if (!runtime) throw new Error('runtime not created yet');
    return runtime;
  };
}
