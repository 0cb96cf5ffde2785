import { describe, expect, it } from 'vitest';
import { WgslReflect } from 'wgsl_reflect';
import { spirals } from '../../src/data/generated.js';
import { AdapterLimitError } from '../../src/errors.js';
import { REQUIRED_LIMITS } from '../../src/gpu/context.js';
import { fullSource, Kernel } from '../../src/kernels/kernel.js';
import { family, SHADERS, type ShaderFamily } from '../../src/kernels/sources.js';
import { Runtime } from '../../src/runtime.js';
import { useRuntime } from '../helpers/runtime.js';

const runtime = useRuntime();

/** A `GPU` whose adapters report `limit` storage buffers a shader stage, whatever the real one allows. */
function narrowedGpu(gpu: GPU, limit: number): GPU {
  const own = <T extends object>(target: T, prop: string | symbol) => {
    const value = Reflect.get(target, prop, target) as unknown;
    return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
  };
  const narrowed = (adapter: GPUAdapter): GPUAdapter => {
    const limits = new Proxy(adapter.limits, { get: (t, p) => (p === 'maxStorageBuffersPerShaderStage' ? limit : own(t, p)) });
    return new Proxy(adapter, { get: (t, p) => (p === 'limits' ? limits : own(t, p)) });
  };
  return { requestAdapter: async (options?: GPURequestAdapterOptions) => narrowed((await gpu.requestAdapter(options))!) } as unknown as GPU;
}

describe("the adapter limits senn requires", () => {
  it('every built-in entry point binds at most the storage buffers senn requires of an adapter, and the most binds exactly that; workgroups within the invocations it requires', () => {
    const counts: [string, number][] = [];
    const invocations: [string, number][] = [];
    for (const name of Object.keys(SHADERS) as ShaderFamily[]) {
      const spec = { ...family(name), entryPoint: '' };
      const reflected = new WgslReflect(fullSource(spec));
      for (const entry of reflected.entry.compute) {
        const storage = Kernel.bindingsOf({ ...spec, entryPoint: entry.name }, reflected).filter((b) => b.kind !== 'uniform');
        counts.push([`${name}:${entry.name}`, storage.length]);
        // matmul's as its overrides' defaults give it; its plan checks the sizes it picks against the adapter (dense.ts).
        invocations.push([`${name}:${entry.name}`, (entry.workgroupSize ?? [1]).reduce((a, b) => a * b, 1)]);
      }
    }
    expect(counts.length).toBeGreaterThan(40);
    const most = Math.max(...counts.map(([, n]) => n));
    console.info(`storage buffers an entry point: at most ${most} (${counts.filter(([, n]) => n === most).map(([e]) => e).join(', ')})`);
    expect(most).toBe(REQUIRED_LIMITS.maxStorageBuffersPerShaderStage);
    expect(invocations.length).toBeGreaterThan(40);
    expect(invocations.filter(([, n]) => n > REQUIRED_LIMITS.maxComputeInvocationsPerWorkgroup!)).toEqual([]);
  });

  it('an adapter of fewer storage buffers a stage is refused as the runtime is made, naming the limit; one of exactly as many runs', async () => {
    const gpu = runtime().gpu.instance;
    const need = REQUIRED_LIMITS.maxStorageBuffersPerShaderStage!;
    await expect(Runtime.fromGpu(narrowedGpu(gpu, need - 2), 'node-dawn')).rejects.toThrow(
      new AdapterLimitError(`the adapter's maxStorageBuffersPerShaderStage is ${need - 2}; senn needs at least ${need}`),
    );
    const rt = await Runtime.fromGpu(narrowedGpu(gpu, need), 'node-dawn');
    expect(rt.gpu.device.limits.maxStorageBuffersPerShaderStage).toBe(need);
    // Every built-in entry point's pipeline is made on it (a layout of more storage buffers than
    // the device allows fails validation there), and a network trains.
    const failed: string[] = [];
    for (const name of Object.keys(SHADERS) as ShaderFamily[]) {
      const spec = { ...family(name), entryPoint: '' };
      for (const entry of new WgslReflect(fullSource(spec)).entry.compute) {
        await rt.kernels.get({ ...spec, entryPoint: entry.name }).catch((e: unknown) => failed.push(`${name}:${entry.name}: ${String(e)}`));
      }
    }
    expect(failed).toEqual([]);
    const net = rt.createNetwork({ sizes: [2, 8, 2], seed: 0 });
    const reports = await net.fit(spirals({ rows: 64, seed: 0 }), { epochs: 1 });
    expect(reports).toHaveLength(1);
    rt.destroy();
  });
});
