import { existsSync } from 'node:fs';
import { AdapterLimitError } from '../errors.js';
import { Runtime } from '../runtime.js';
import { installQuietPump } from './quietPump.js';

/** Vulkan drivers tried, in order, when Dawn finds no usable hardware adapter. */
const SOFTWARE_VULKAN = ['/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib/chromium-browser/vk_swiftshader_icd.json'];

interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

async function loadDawn(): Promise<DawnModule> {
  try {
    return (await import('webgpu')) as unknown as DawnModule;
  } catch (error) {
    throw new AdapterLimitError(`the "webgpu" package (Dawn for Node) is not installed: npm install webgpu (${(error as Error).message})`);
  }
}

/** Options of {@link createNodeRuntime}. */
export interface NodeRuntimeOptions {
  /** Passed to `requestAdapter`. */
  adapter?: GPURequestAdapterOptions;
  /** Skip hardware adapters and use the software Vulkan driver directly. */
  forceSoftware?: boolean;
  /** Dawn toggles, e.g. `['enable-dawn-features=allow_unsafe_apis']`. */
  dawnFlags?: string[];
  /**
   * Let Dawn's promise pump sleep between its ticks instead of spinning a core while the GPU
   * works (see `quietPump.ts`; on a 2-core machine with a software adapter, whose workgroups
   * run on those cores, it made a 784-10 training step about 1.5x faster). Default: on for a
   * software adapter, off for a hardware GPU (there the spinning core takes nothing from the
   * GPU, and its short waits are answered soonest by spinning).
   */
  quietPump?: boolean;
}

/**
 * A runtime on Dawn (the `webgpu` npm package). If Dawn finds no usable hardware adapter
 * and `VK_ICD_FILENAMES` is not set, it retries with Chromium's SwiftShader (a software
 * Vulkan), so it also works on machines without a GPU. `runtime.adapter` says which
 * adapter it got.
 */
export async function createNodeRuntime(options: NodeRuntimeOptions = {}): Promise<Runtime> {
  const runtime = await createDawnRuntime(options);
  if (options.quietPump ?? runtime.adapter.isFallback) runtime.gpu.onDestroy(installQuietPump());
  return runtime;
}

async function createDawnRuntime(options: NodeRuntimeOptions): Promise<Runtime> {
  const dawn = await loadDawn();
  Object.assign(globalThis, dawn.globals);
  const flags = options.dawnFlags ?? [];
  if (!options.forceSoftware) {
    const gpu = dawn.create(flags);
    const adapter = await gpu.requestAdapter(options.adapter);
    if (adapter) return Runtime.fromGpu(gpu, 'node-dawn', options.adapter);
  }
  if (process.env.VK_ICD_FILENAMES && !options.forceSoftware) {
    throw new AdapterLimitError(`no WebGPU adapter from Dawn with VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES}`);
  }
  const icd = SOFTWARE_VULKAN.find((path) => existsSync(path));
  if (!icd) {
    throw new AdapterLimitError(
      'no WebGPU adapter: Dawn found no GPU and no software Vulkan driver; install Chromium (apt-get install chromium, ' +
        'which ships SwiftShader) or set VK_ICD_FILENAMES to a Vulkan driver',
    );
  }
  // The Vulkan loader reads this when Dawn creates its next instance.
  process.env.VK_ICD_FILENAMES = icd;
  return Runtime.fromGpu(dawn.create(flags), 'node-dawn', options.adapter);
}
