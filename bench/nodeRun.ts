// senn's benchmark workloads in Node through Dawn, against TensorFlow.js's WebGPU backend on a
// second Dawn instance of the same adapter: the software adapter here, or a real GPU (Vulkan)
// on a machine that has one.
import { createNodeRuntime, loadMnist } from '../src/node.js';
import { gpuPeak, table, version } from './report.js';
import { runSuite } from './suite.js';

export async function nodeRun(reps: number, dataDir?: string): Promise<Record<string, unknown>> {
  const rt = await createNodeRuntime();
  try {
    const { train } = loadMnist(dataDir);
    const rows = 12_000;
    const mnist = { pixels: (train.x as Uint8Array).subarray(0, rows * 784), labels: train.labels!.subarray(0, rows) };
    // createNodeRuntime has settled which Vulkan driver Dawn uses; TF.js gets its own instance.
    // TF.js registers its WebGPU backend when imported, and only if `navigator.gpu` exists.
    const dawn = (await import('webgpu')) as { create(flags: string[]): GPU };
    const navigator = Object.assign(Object.create((globalThis as { navigator?: object }).navigator ?? {}) as object, { gpu: dawn.create([]) });
    Object.defineProperty(globalThis, 'navigator', { value: navigator, configurable: true, writable: true });
    const { initTfjs, tfjsPeer } = await import('./tfjs.js');
    const tfjs = await initTfjs();
    console.log(`  [node] adapter: ${rt.gpu.adapterName}; TensorFlow.js ${tfjs.version} on ${tfjs.adapter}`);
    // A hardware adapter finishes the square products in well under a millisecond; the larger
    // sizes show what it sustains once launch costs stop dominating.
    const matmulSizes = rt.adapter.isFallback ? [256, 512, 1024] : [256, 512, 1024, 2048, 4096];
    const result = await runSuite(rt, mnist, tfjsPeer, { reps, matmulSizes, log: (l) => console.log(`  [node] ${l}`) });
    const peak = rt.adapter.isFallback ? null : gpuPeak();
    console.log(`\n${table(`Node ${process.version} + Dawn (webgpu ${version('webgpu') ?? '?'}), adapter: ${rt.gpu.adapterName}`, result, peak)}\n`);
    return { runtime: 'node-dawn', adapter: rt.adapter, tfjs, ...result };
  } finally {
    rt.destroy();
  }
}
