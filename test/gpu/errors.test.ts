import { describe, expect, it } from 'vitest';
import { spirals } from '../../src/data/generated.js';
import { ConfigError, DestroyedError, DeviceLostError, ShaderCompileError } from '../../src/errors.js';
import { createNodeRuntime } from '../../src/node/dawn.js';
import { Harness } from '../helpers/harness.js';
import { useRuntime } from '../helpers/runtime.js';

const runtime = useRuntime();

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
    expect(kernel.bindings).toEqual([{ name: 'values', binding: 0, kind: 'storage' }]);
    expect(() => kernel.bindGroup({})).toThrow(ConfigError);
    expect(() => kernel.bindGroup({ values: h.output(1), other: h.output(1) })).toThrow(/has no binding "other"/);
    h.destroy();
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
