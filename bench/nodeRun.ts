// senn's benchmark workloads in Node through Dawn: the software adapter here, or a real GPU
// (Vulkan) on a machine that has one.
import { createNodeRuntime, loadMnist } from '../src/node.js';
import { gpuPeak, table, version } from './report.js';
import { runSuite } from './suite.js';

export async function nodeRun(reps: number, dataDir?: string): Promise<Record<string, unknown>> {
  const rt = await createNodeRuntime();
  try {
    const { train } = loadMnist(dataDir);
    const rows = 12_000;
    const mnist = { pixels: (train.x as Uint8Array).subarray(0, rows * 784), labels: train.labels!.subarray(0, rows) };
    // A hardware adapter finishes the square products in well under a millisecond; the larger
    // sizes show what it sustains once launch costs stop dominating.
    const matmulSizes = rt.adapter.isFallback ? [256, 512, 1024] : [256, 512, 1024, 2048, 4096];
    const result = await runSuite(rt, mnist, null, { reps, matmulSizes, log: (l) => console.log(`  [node] ${l}`) });
    const peak = rt.adapter.isFallback ? null : gpuPeak();
    console.log(`\n${table(`Node ${process.version} + Dawn (webgpu ${version('webgpu') ?? '?'}), adapter: ${rt.gpu.adapterName}`, result, peak)}\n`);
    return { runtime: 'node-dawn', adapter: rt.adapter, ...result };
  } finally {
    rt.destroy();
  }
}
