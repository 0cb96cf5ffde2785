import { describe, expect, it } from 'vitest';
import { spirals } from '../../src/data/generated.js';
import { globals } from 'webgpu';
import { AdapterLimitError, ConfigError, DestroyedError, DeviceError, DeviceLostError, OutOfMemoryError, ShaderCompileError, ShapeError } from '../../src/errors.js';
import { prepare } from '../../src/kernels/dispatch.js';
import { createNodeRuntime } from '../../src/node/dawn.js';
import { Harness } from '../helpers/harness.js';
import { useRuntime } from '../helpers/runtime.js';

const runtime = useRuntime();

/** Dawn's GPUError classes and event (the package types its globals as `Object`). */
const dawn = globals as {
  GPUOutOfMemoryError: new (message: string) => GPUError;
  GPUValidationError: new (message: string) => GPUError;
  GPUUncapturedErrorEvent: new (type: string, init: { error: GPUError; cancelable: boolean }) => Event;
};

describe('GPU errors surface as typed errors', () => {
  it('a WGSL compile error names the file and the line', async () => {
    const source = ['// line 1', '@compute @workgroup_size(1)', 'fn main() {', '  let x: u32 = 1.5;', '}'].join('\n');
    const error = await runtime()
      .kernels.get({ file: 'shaders/broken.wgsl', source, entryPoint: 'main' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShaderCompileError);
    expect((error as ShaderCompileError).file).toBe('shaders/broken.wgsl');
    expect((error as ShaderCompileError).line).toBe(4);
    expect((error as Error).message).toMatch(/^shaders\/broken\.wgsl:4:\d+: /);
  });

  it('errors in a family with a prelude point into the right file and line', async () => {
    const prelude = { file: 'shaders/shared.wgsl', source: 'fn helper() -> f32 {\n  return 1.0;\n}' };
    const source = '@compute @workgroup_size(1)\nfn main() {\n  let y: u32 = helper();\n}';
    const error = (await runtime()
      .kernels.get({ file: 'shaders/user.wgsl', source, prelude, entryPoint: 'main' })
      .catch((e: unknown) => e)) as ShaderCompileError;
    expect(error).toBeInstanceOf(ShaderCompileError);
    expect([error.file, error.line]).toEqual(['shaders/user.wgsl', 3]);
  });

  it('binding names are checked against the reflected WGSL', async () => {
    const h = new Harness(runtime());
    const kernel = await runtime().kernels.get({
      file: 'shaders/tiny.wgsl',
      source: '@group(0) @binding(0) var<storage, read_write> values: array<f32>;\n@compute @workgroup_size(1) fn main() { values[0] = 1.0; }',
      entryPoint: 'main',
    });
    expect(kernel.bindings).toEqual([{ name: 'values', binding: 0, kind: 'storage', minBytes: 4 }]);
    expect(() => kernel.bindGroup({})).toThrow(ConfigError);
    expect(() => kernel.bindGroup({ values: h.output(1), other: h.output(1) })).toThrow(/has no binding "other"/);
    h.destroy();
  });

  it("a buffer smaller than its binding's WGSL type is refused as the bind group is made, and one exactly as large runs", async () => {
    const h = new Harness(runtime());
    const source = [
      'struct Counter { step: f32, origin: f32, lr: f32 }',
      'struct Tail { n: u32, data: array<vec4<f32>> }',
      '@group(0) @binding(0) var<storage, read_write> counter: Counter;',
      '@group(0) @binding(1) var<storage, read> pair: array<u32, 2>;',
      '@group(0) @binding(2) var<storage, read> quads: array<vec4<f32>>;',
      '@group(0) @binding(3) var<storage, read> tail: Tail;',
      '@compute @workgroup_size(1) fn main() { counter.lr = f32(pair[1]) + quads[0].x + tail.data[0].w + f32(tail.n); }',
    ].join('\n');
    const kernel = await runtime().kernels.get({ file: 'shaders/sized.wgsl', source, entryPoint: 'main' });
    // Fixed types their size; a runtime-sized array one element, alone or ending a struct (rounded to its alignment).
    const least = { counter: 12, pair: 8, quads: 16, tail: 32 };
    expect(Object.fromEntries(kernel.bindings.map((b) => [b.name, b.minBytes]))).toEqual(least);
    const buffers = (short?: string) => Object.fromEntries(Object.entries(least).map(([name, bytes]) => [name, { buffer: h.output(bytes / 4), size: bytes - (name === short ? 4 : 0) }]));
    const device = runtime().gpu.device;
    device.pushErrorScope('validation');
    h.run({ kernel, bindGroup: kernel.bindGroup(buffers()), groups: [1, 1, 1] });
    await device.queue.onSubmittedWorkDone();
    expect(await device.popErrorScope()).toBeNull();
    for (const [name, bytes] of Object.entries(least)) {
      expect(() => kernel.bindGroup(buffers(name))).toThrow(ShapeError);
      expect(() => kernel.bindGroup(buffers(name))).toThrow(`shaders/sized.wgsl:main: binding "${name}" binds ${bytes - 4} bytes, fewer than the ${bytes} its WGSL type needs`);
    }
    h.destroy();
  });

  it('a grid WebGPU would reject is refused as the dispatch is prepared, naming the kernel, before anything is created', async () => {
    const h = new Harness(runtime());
    const source = 'struct Params { n: u32 }\n@group(0) @binding(0) var<uniform> params: Params;\n@group(0) @binding(1) var<storage, read_write> values: array<f32>;\n@compute @workgroup_size(64) fn main() { values[0] = f32(params.n); }';
    const kernel = await runtime().kernels.get({ file: 'shaders/grid.wgsl', source, entryPoint: 'main' });
    const most = runtime().gpu.device.limits.maxComputeWorkgroupsPerDimension;
    const values = h.output(1);
    const live = runtime().gpu.memory.liveBytes;
    const refused = (groups: [number, number, number]) => () => prepare(h.rec, kernel, { n: 1 }, { values }, groups);
    expect(refused([1, most + 1, 1])).toThrow(AdapterLimitError);
    expect(refused([1, most + 1, 1])).toThrow(`shaders/grid.wgsl:main: a grid of 1 × ${most + 1} × 1 workgroups exceeds the adapter's ${most} a dimension`);
    expect(refused([1.5, 1, 1])).toThrow(new ShapeError('shaders/grid.wgsl:main: a dispatch needs 3 non-negative integer workgroup counts, got [1.5,1,1]'));
    expect(refused([-1, 1, 1])).toThrow(ShapeError);
    expect(runtime().gpu.memory.liveBytes).toBe(live);
    // The largest grid allowed is prepared.
    expect(prepare(h.rec, kernel, { n: 1 }, { values }, [most, 1, 1]).groups).toEqual([most, 1, 1]);
    h.destroy();
  });

  it('a GPU error no scope caught is thrown once, at the next wait, typed and counting the errors after it; none goes to the console', async () => {
    const gpu = runtime().gpu;
    const raise = (error: GPUError) => gpu.device.dispatchEvent(new dawn.GPUUncapturedErrorEvent('uncapturederror', { error, cancelable: true }));
    // dispatchEvent answers false where a listener prevented the default: Dawn's printing.
    expect(raise(new dawn.GPUOutOfMemoryError('no room for "fit/level1.activation"'))).toBe(false);
    expect(raise(new dawn.GPUValidationError('invalid buffer "fit/level1.activation"'))).toBe(false);
    raise(new dawn.GPUValidationError('invalid bind group "matmul"'));
    const outOfMemory = await gpu.settle().catch((e: unknown) => e);
    expect(outOfMemory).toBeInstanceOf(OutOfMemoryError);
    expect((outOfMemory as Error).message).toBe('the GPU ran out of memory (2 more GPU errors followed it): a smaller batch (or network) needs less. no room for "fit/level1.activation"');
    await expect(gpu.settle()).resolves.toBeUndefined();
    raise(new dawn.GPUValidationError('invalid bind group "matmul"'));
    const validation = await gpu.settle().catch((e: unknown) => e);
    expect(validation).toBeInstanceOf(DeviceError);
    expect(validation).not.toBeInstanceOf(OutOfMemoryError);
    expect((validation as Error).message).toBe('GPU error: invalid bind group "matmul"');
  });

  it('a batch whose level buffers SwiftShader cannot allocate is an OutOfMemoryError; the network is unchanged and a smaller batch trains', async () => {
    // SwiftShader offers a 1 GiB buffer (maxBufferSize) but cannot allocate one that large: a
    // level of 256 neurons over 2^20 rows needs exactly that. A GPU allocates it and trains.
    const rt = runtime();
    const net = rt.createNetwork({ sizes: [2, 256, 2], seed: 0 });
    const rows = Math.floor(Math.min(rt.gpu.device.limits.maxBufferSize, 2 ** 30) / (4 * 256));
    const before = await net.getParameters();
    const fit = net.fit(spirals({ rows, seed: 0 }), { epochs: 1, batchSize: rows });
    if (rt.gpu.adapter.architecture === 'swiftshader') {
      await expect(fit).rejects.toThrow(OutOfMemoryError);
      expect(await net.getParameters()).toEqual(before);
    } else {
      await fit;
    }
    const small = spirals({ rows: 256, seed: 1 });
    const loss = (await net.evaluate(small)).loss;
    await net.fit(small, { epochs: 2, batchSize: 64 });
    expect((await net.evaluate(small)).loss).toBeLessThan(loss);
    net.destroy();
  });

  it('after the device is lost, calls fail with DeviceLostError or DestroyedError', async () => {
    const rt = await createNodeRuntime();
    const net = rt.createNetwork({ sizes: [2, 4, 2], seed: 0 });
    rt.gpu.device.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(net.fit(spirals({ rows: 20, seed: 0 }), { epochs: 1 })).rejects.toThrow(DeviceLostError);
    rt.destroy();
    await expect(net.evaluate(spirals({ rows: 20, seed: 0 }))).rejects.toThrow(DestroyedError);
  });

  it('a runtime destroyed while a fit runs ends that fit with a DestroyedError', async () => {
    // Dawn rejected the fit's next wait with an OperationError without a message.
    for (let run = 0; run < 4; run++) {
      const rt = await createNodeRuntime();
      const net = rt.createNetwork({ sizes: [2, 64, 2], seed: 0 });
      const fit = net.fit(spirals({ rows: 2000, seed: 1 }), { epochs: 3, batchSize: 16, onProgress: () => rt.destroy() });
      await expect(fit).rejects.toThrow(/^the senn runtime was destroyed/);
      await expect(fit).rejects.toBeInstanceOf(DestroyedError);
    }
  });
});
