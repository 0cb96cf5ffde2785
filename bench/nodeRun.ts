// senn's benchmark workloads in Node through Dawn, against TensorFlow.js's WebGPU backend on a
// second Dawn instance of the same adapter (the software adapter here, or a real GPU through
// Vulkan on a machine that has one) and against its WebAssembly backend on the CPU.
import { createNodeRuntime, loadMnist } from '../src/node.js';
import { dawnFlagsWith } from '../src/node/dawn.js';
import { gpuPeak, table, tfjsWasmDir, version } from './report.js';
import { type CpuPeerInfo, type Peer, runSuite } from './suite.js';

/**
 * TensorFlow.js's WebGPU backend on its own Dawn instance, or null (with the reason printed)
 * where it cannot start. Its backend registers when imported, and only if `navigator.gpu`
 * exists, hence the late import.
 */
async function startTfjs(): Promise<{ peer: Peer; info: { version: string; adapter: string } } | null> {
  try {
    const dawn = (await import('webgpu')) as { create(flags: string[]): GPU };
    // The same Dawn flags as senn's runtime (bounds checks off), so both run on equal terms.
    const gpu = dawn.create(dawnFlagsWith([], BOUNDS_CHECKS));
    const navigator = Object.assign(Object.create((globalThis as { navigator?: object }).navigator ?? {}) as object, { gpu });
    Object.defineProperty(globalThis, 'navigator', { value: navigator, configurable: true, writable: true });
    const { initTfjs, tfjsPeer } = await import('./tfjs.js');
    return { peer: tfjsPeer('webgpu'), info: await initTfjs() };
  } catch (error) {
    console.log(`  [node] TensorFlow.js: ${(error as Error).message}`);
    return null;
  }
}

/**
 * TensorFlow.js's WebAssembly backend (the CPU; one thread in Node, SIMD), or null (with the
 * reason printed) where it cannot start, e.g. a bundle run without node_modules beside it.
 */
async function startTfjsWasm(): Promise<{ peer: Peer; info: CpuPeerInfo } | null> {
  try {
    const { initTfjsWasm, tfjsPeer } = await import('./tfjs.js');
    return { peer: tfjsPeer('wasm'), info: await initTfjsWasm(`${tfjsWasmDir()}/`) };
  } catch (error) {
    console.log(`  [node] TensorFlow.js WebAssembly: ${(error as Error).message}`);
    return null;
  }
}

/**
 * senn runs here as `senn train` does, with Dawn's bounds checks off (see createNodeRuntime's
 * `boundsChecks`); TensorFlow.js's instance gets the same flags.
 */
const BOUNDS_CHECKS = false;

export async function nodeRun(reps: number, dataDir?: string): Promise<Record<string, unknown>> {
  const rt = await createNodeRuntime({ boundsChecks: BOUNDS_CHECKS });
  try {
    const { train } = loadMnist(dataDir);
    const rows = 12_000;
    const mnist = { pixels: (train.x as Uint8Array).subarray(0, rows * 784), labels: train.labels!.subarray(0, rows) };
    // createNodeRuntime has settled which Vulkan driver Dawn uses; TF.js gets its own instance.
    const peer = await startTfjs();
    const cpu = await startTfjsWasm();
    console.log(`  [node] adapter: ${rt.gpu.adapterName}; ${peer ? `TensorFlow.js ${peer.info.version} on ${peer.info.adapter}` : 'TensorFlow.js did not start: senn alone'}`);
    if (cpu) console.log(`  [node] TensorFlow.js on the CPU: WebAssembly, ${cpu.info.threads} thread(s), SIMD ${cpu.info.simd}`);
    // A hardware adapter finishes the square products in well under a millisecond; the larger
    // sizes show what it sustains once launch costs stop dominating.
    const matmulSizes = rt.adapter.isFallback ? [256, 512, 1024] : [256, 512, 1024, 2048, 4096];
    const result = await runSuite(rt, mnist, peer?.peer ?? null, { reps, matmulSizes, log: (l) => console.log(`  [node] ${l}`), ...(cpu ? { cpu } : {}) });
    const peak = rt.adapter.isFallback ? null : gpuPeak();
    console.log(`\n${table(`Node ${process.version} + Dawn (webgpu ${version('webgpu') ?? '?'}), adapter: ${rt.gpu.adapterName}`, result, peak)}\n`);
    return { runtime: 'node-dawn', adapter: rt.adapter, tfjs: peer?.info ?? null, ...result };
  } finally {
    rt.destroy();
  }
}
