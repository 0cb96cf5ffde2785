import { describe, expect, it } from 'vitest';
import { WgslReflect } from 'wgsl_reflect';
import { spirals } from '../../src/data/generated.js';
import { AdapterLimitError, ConfigError } from '../../src/errors.js';
import { REQUIRED_LIMITS } from '../../src/gpu/context.js';
import { fullSource, Kernel, reflectedWorkgroupSize, wideWorkgroup, workgroupSizeOf } from '../../src/kernels/kernel.js';
import { family, SHADERS, type ShaderFamily } from '../../src/kernels/sources.js';
import { createNodeRuntime } from '../../src/node/dawn.js';
import { Runtime } from '../../src/runtime.js';
import { useRuntime } from '../helpers/runtime.js';

const runtime = useRuntime();

/** A `GPU` whose adapters report `limits` (by name), whatever the real one allows. */
function narrowedGpu(gpu: GPU, limits: Partial<Record<keyof GPUSupportedLimits, number>>): GPU {
  const own = <T extends object>(target: T, prop: string | symbol) => {
    const value = Reflect.get(target, prop, target) as unknown;
    return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
  };
  const narrowed = (adapter: GPUAdapter): GPUAdapter => {
    const reported = new Proxy(adapter.limits, { get: (t, p) => (typeof p === 'string' && p in limits ? limits[p as keyof GPUSupportedLimits] : own(t, p)) });
    return new Proxy(adapter, { get: (t, p) => (p === 'limits' ? reported : own(t, p)) });
  };
  return { requestAdapter: async (options?: GPURequestAdapterOptions) => narrowed((await gpu.requestAdapter(options))!) } as unknown as GPU;
}

/** The built-in entry points whose pipelines `rt`'s device refuses, with why. */
async function pipelineFailures(rt: Runtime): Promise<string[]> {
  const failed: string[] = [];
  for (const name of Object.keys(SHADERS) as ShaderFamily[]) {
    const spec = { ...family(name), entryPoint: '' };
    for (const entry of new WgslReflect(fullSource(spec)).entry.compute) {
      await rt.kernels.get({ ...spec, entryPoint: entry.name }).catch((e: unknown) => failed.push(`${name}:${entry.name}: ${String(e)}`));
    }
  }
  return failed;
}

describe("the adapter limits senn requires", () => {
  it('every built-in entry point binds at most the storage buffers senn requires of an adapter, and the most binds exactly that; workgroups within the invocations it requires', () => {
    const counts: [string, number][] = [];
    const invocations: [string, number][] = [];
    const sizes: [string, [number, number, number]][] = [];
    for (const name of Object.keys(SHADERS) as ShaderFamily[]) {
      const spec = { ...family(name), entryPoint: '' };
      const reflected = new WgslReflect(fullSource(spec));
      for (const entry of reflected.entry.compute) {
        const storage = Kernel.bindingsOf({ ...spec, entryPoint: entry.name }, reflected).filter((b) => b.kind !== 'uniform');
        counts.push([`${name}:${entry.name}`, storage.length]);
        // As a device of exactly those limits runs them (the elementwise kernels' WIDTH follows the
        // device); matmul's as its overrides' defaults give it: its plan checks the sizes it picks
        // against the adapter (dense.ts).
        const size = workgroupSizeOf(entry, { WIDTH: wideWorkgroup(REQUIRED_LIMITS as GPUSupportedLimits) });
        invocations.push([`${name}:${entry.name}`, size[0] * size[1] * size[2]]);
        sizes.push([`${name}:${entry.name}`, size]);
      }
    }
    expect(counts.length).toBeGreaterThan(40);
    const most = Math.max(...counts.map(([, n]) => n));
    console.info(`storage buffers an entry point: at most ${most} (${counts.filter(([, n]) => n === most).map(([e]) => e).join(', ')})`);
    expect(most).toBe(REQUIRED_LIMITS.maxStorageBuffersPerShaderStage);
    expect(invocations.length).toBeGreaterThan(40);
    expect(invocations.filter(([, n]) => n > REQUIRED_LIMITS.maxComputeInvocationsPerWorkgroup!)).toEqual([]);
    const [wide, tall] = [Math.max(...sizes.map(([, [x]]) => x)), Math.max(...sizes.map(([, [, y]]) => y))];
    expect(wide).toBe(REQUIRED_LIMITS.maxComputeWorkgroupSizeX);
    expect(tall).toBeLessThanOrEqual(REQUIRED_LIMITS.maxComputeWorkgroupSizeY!);
    expect(sizes.filter(([, [, , z]]) => z > 1)).toEqual([]);
    // A size named by overrides is read from the constants given, else their defaults.
    const matmul = new WgslReflect(fullSource({ ...family('dense'), entryPoint: '' })).entry.compute.find((e) => e.name === 'matmul')!;
    expect([workgroupSizeOf(matmul, { WG_X: 2, WG_Y: 32 }), workgroupSizeOf(matmul)]).toEqual([[2, 32, 1], [8, 8, 1]]);
    // The same from a kernel's spec, before it is built (a grid sized ahead: the fused tail's).
    expect(reflectedWorkgroupSize({ ...family('dense'), entryPoint: 'matmul', constants: { WG_X: 2, WG_Y: 32 } })).toEqual([2, 32, 1]);
    expect(() => reflectedWorkgroupSize({ ...family('dense'), entryPoint: 'matmul_nope' })).toThrow(new ConfigError('shaders/dense.wgsl has no compute entry point "matmul_nope"'));
  });

  it('an adapter of fewer storage buffers a stage is refused as the runtime is made, naming the limit; one of exactly as many runs', async () => {
    const gpu = runtime().gpu.instance;
    const need = REQUIRED_LIMITS.maxStorageBuffersPerShaderStage!;
    await expect(Runtime.fromGpu(narrowedGpu(gpu, { maxStorageBuffersPerShaderStage: need - 2 }), 'node-dawn')).rejects.toThrow(
      new AdapterLimitError(`the adapter's maxStorageBuffersPerShaderStage is ${need - 2}; senn needs at least ${need}`),
    );
    const rt = await Runtime.fromGpu(narrowedGpu(gpu, { maxStorageBuffersPerShaderStage: need }), 'node-dawn');
    expect(rt.gpu.device.limits.maxStorageBuffersPerShaderStage).toBe(need);
    // Every built-in entry point's pipeline is made on it (a layout of more storage buffers than
    // the device allows fails validation there), and a network trains.
    expect(await pipelineFailures(rt)).toEqual([]);
    const net = rt.createNetwork({ sizes: [2, 8, 2], seed: 0 });
    const reports = await net.fit(spirals({ rows: 64, seed: 0 }), { epochs: 1 });
    expect(reports).toHaveLength(1);
    rt.destroy();
  });

  it("runs in WebGPU's compatibility mode, at its default limits too: every built-in pipeline is made, and a growing network trains to the bits it has on a core device", async () => {
    const gpu = runtime().gpu.instance;
    const grow = async (rt: Runtime) => {
      const net = rt.createNetwork({ sizes: [2, 12, 2], seed: 3 });
      const reports = await net.fit(spirals({ rows: 400, seed: 5 }), {
        epochs: 8,
        batchSize: 50,
        validation: spirals({ rows: 200, seed: 6 }),
        optimizer: { name: 'adam', lr: 0.01 },
        expansion: { window: 3, minEpochsBetween: 4, deleteAfter: 2, lossChangeThreshold: 1, chooseThreshold: 0.3, maxToReplace: 6, deleteThreshold: 0.5 },
      });
      const grown = { sizes: net.sizes, expanded: reports.reduce((n, r) => n + r.expanded, 0), params: Array.from(await net.getParameters()) };
      net.destroy();
      return grown;
    };
    const compat = await Runtime.fromGpu(gpu, 'node-dawn', { featureLevel: 'compatibility' });
    // An adapter that offers no more than compatibility mode's defaults (OpenGL ES 3.1's minimums:
    // 128 invocations a workgroup, 128 across; Dawn's own compatibility-mode device without raised limits).
    const defaults = { maxComputeInvocationsPerWorkgroup: 128, maxComputeWorkgroupSizeX: 128, maxComputeWorkgroupSizeY: 128, maxComputeWorkgroupSizeZ: 64, maxStorageBuffersPerShaderStage: 8, maxComputeWorkgroupStorageSize: 16384, maxStorageBufferBindingSize: 134217728, maxBufferSize: 268435456 };
    const least = await Runtime.fromGpu(narrowedGpu(gpu, defaults), 'node-dawn', { featureLevel: 'compatibility' });
    const core = await Runtime.fromGpu(gpu, 'node-dawn');
    try {
      expect(compat.adapter.featureLevel).toBe('compatibility');
      expect(compat.gpu.adapterName).toContain(', compatibility mode');
      expect(core.adapter.featureLevel).toBe('core');
      for (const [name, value] of Object.entries(defaults)) expect(least.gpu.device.limits[name as keyof GPUSupportedLimits], name).toBe(value);
      // The elementwise kernels take workgroups as wide as the device allows, up to 256.
      const adam = { ...family('optimizer'), entryPoint: 'adam_vec4' };
      expect([(await least.kernels.get(adam)).workgroupSize, (await core.kernels.get(adam)).workgroupSize]).toEqual([[128, 1, 1], [256, 1, 1]]);
      expect(await pipelineFailures(compat)).toEqual([]);
      expect(await pipelineFailures(least)).toEqual([]);
      const [a, b, c] = [await grow(compat), await grow(least), await grow(core)];
      expect(a.expanded).toBeGreaterThan(0);
      expect(a).toEqual(c);
      expect(b).toEqual(c);
    } finally {
      compat.destroy();
      least.destroy();
      core.destroy();
    }
  });

  it('where no core adapter is offered, a compatibility-mode one is asked for; where none at all, an AdapterLimitError', async () => {
    const gpu = runtime().gpu.instance;
    const asked: (string | undefined)[] = [];
    const compatOnly = {
      requestAdapter: async (options?: GPURequestAdapterOptions) => {
        asked.push(options?.featureLevel);
        return options?.featureLevel === 'compatibility' ? gpu.requestAdapter(options) : null;
      },
    } as unknown as GPU;
    const rt = await Runtime.fromGpu(compatOnly, 'node-dawn');
    expect(asked).toEqual([undefined, 'compatibility']);
    expect(rt.adapter.featureLevel).toBe('compatibility');
    rt.destroy();
    const none = { requestAdapter: async () => null } as unknown as GPU;
    await expect(Runtime.fromGpu(none, 'node-dawn')).rejects.toThrow(new AdapterLimitError('no WebGPU adapter is available'));
    // Asked for core by name, none is core: no fallback.
    asked.length = 0;
    await expect(Runtime.fromGpu(compatOnly, 'node-dawn', { featureLevel: 'core' })).rejects.toThrow(AdapterLimitError);
    expect(asked).toEqual(['core']);
    // A level WebGPU does not know would find no adapter: refused by name instead.
    const unknown = new ConfigError('featureLevel must be "core" or "compatibility", got "compat"');
    await expect(Runtime.fromGpu(compatOnly, 'node-dawn', { featureLevel: 'compat' })).rejects.toThrow(unknown);
    await expect(createNodeRuntime({ adapter: { featureLevel: 'compat' } })).rejects.toThrow(unknown);
  });
});
