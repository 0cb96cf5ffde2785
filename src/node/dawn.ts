import { existsSync } from 'node:fs';
import { booleanArg, objectArg } from '../args.js';
import { AdapterLimitError, ConfigError } from '../errors.js';
import { checkAdapterOptions } from '../gpu/context.js';
import { Runtime } from '../runtime.js';
import { installQuietPump } from './quietPump.js';
import { driverSearch, unusedGpuWarning } from './vulkanDrivers.js';

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
   * Dawn's bounds checks on every buffer access of every shader (its robustness transform,
   * Dawn's toggle `disable_robustness` when off). Default: on.
   *
   * senn's kernels keep their indices in range themselves: loads clamp into their operands,
   * stores past an output are masked, and the index tables they walk (CSR blocks, graph tables)
   * are built and checked on the CPU. The Node test suite runs every kernel with the checks off
   * against its CPU reference, and a grown network trains bit for bit alike with them on and
   * off. A runtime that runs only senn's kernels can therefore turn them off, as Chrome does for
   * its own Skia Graphite shaders with the same toggle: on SwiftShader a storage load costs
   * about 1.6 ns instead of 5.3 and training runs about 1.3x faster (`senn train` turns them
   * off unless given `--bounds-checks`). Keep them on where this runtime's device also runs
   * WGSL of your own: without them an index past a buffer reads or writes whatever lies there.
   */
  boundsChecks?: boolean;
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
 * Vulkan), so it also works on machines without a GPU; on Linux without a GPU device and without
 * any driver the Vulkan loader would find, it goes to SwiftShader without asking, and in a GPU
 * container whose NVIDIA driver lies outside the loader's folders (`/usr/local/nvidia`) it names
 * that driver in `VK_DRIVER_FILES`. `runtime.adapter` says which adapter it got.
 */
export async function createNodeRuntime(options: NodeRuntimeOptions = {}): Promise<Runtime> {
  const runtime = await createDawnRuntime(options);
  if (options.quietPump ?? runtime.adapter.isFallback) runtime.gpu.onDestroy(installQuietPump());
  return runtime;
}

async function createDawnRuntime(options: NodeRuntimeOptions): Promise<Runtime> {
  objectArg('createNodeRuntime: options', options);
  for (const key of ['forceSoftware', 'boundsChecks', 'quietPump'] as const) booleanArg(`createNodeRuntime: options.${key}`, options[key]);
  checkAdapterOptions(options.adapter);
  const dawn = await loadDawn();
  Object.assign(globalThis, dawn.globals);
  const listedOff = enabledFeatures(options.dawnFlags ?? []).includes('disable_robustness');
  if (options.boundsChecks === true && listedOff) {
    throw new ConfigError('boundsChecks: true contradicts dawnFlags, which enable disable_robustness (Dawn\'s bounds checks off)');
  }
  const boundsChecks = options.boundsChecks ?? !listedOff;
  const flags = dawnFlagsWith(options.dawnFlags ?? [], boundsChecks);
  // A Linux machine without a GPU or a Vulkan driver skips the attempt (and Dawn's warnings of it),
  // unless a `backend=` flag asks Dawn for another API.
  const drivers = driverSearch();
  const hardwareMayAnswer = drivers.hardwarePossible || flags.some((flag) => flag.startsWith('backend='));
  if (!options.forceSoftware && hardwareMayAnswer) {
    // A GPU container's driver that the loader would not find by itself is named for it.
    const named = drivers.containerFiles;
    if (named) process.env.VK_DRIVER_FILES = named;
    const gpu = dawn.create(flags);
    const adapter = await gpu.requestAdapter(options.adapter);
    if (adapter) return Runtime.fromGpu(gpu, 'node-dawn', options.adapter, boundsChecks);
    // It did not answer: the software fallback below must not go on naming it.
    if (named) delete process.env.VK_DRIVER_FILES;
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
  const unused = options.forceSoftware ? null : unusedGpuWarning();
  if (unused) process.emitWarning(unused, { code: 'SENN_GPU_UNUSED' });
  // The Vulkan loader reads this when Dawn creates its next instance.
  process.env.VK_ICD_FILENAMES = icd;
  return Runtime.fromGpu(dawn.create(flags), 'node-dawn', options.adapter, boundsChecks);
}

const ENABLE_FEATURES = 'enable-dawn-features=';

/** The toggles an `enable-dawn-features=` flag lists. */
function enabledFeatures(flags: readonly string[]): string[] {
  const flag = flags.find((f) => f.startsWith(ENABLE_FEATURES));
  return flag ? flag.slice(ENABLE_FEATURES.length).split(',').filter((name) => name !== '') : [];
}

/**
 * Dawn's flags with `disable_robustness` added when `boundsChecks` is off: appended to the
 * caller's own `enable-dawn-features=` list if there is one (Dawn reads a single list).
 */
export function dawnFlagsWith(flags: readonly string[], boundsChecks: boolean): string[] {
  if (boundsChecks) return [...flags];
  const at = flags.findIndex((flag) => flag.startsWith(ENABLE_FEATURES));
  if (at < 0) return [...flags, `${ENABLE_FEATURES}disable_robustness`];
  const listed = enabledFeatures(flags);
  if (listed.includes('disable_robustness')) return [...flags];
  return flags.map((flag, i) => (i === at ? ENABLE_FEATURES + [...listed, 'disable_robustness'].join(',') : flag));
}
