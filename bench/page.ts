// The benchmark page: senn and TensorFlow.js on this browser's WebGPU adapter.
import { createRuntime, parseIdx } from '../src/index.js';
import { runSuite, type SuiteResult } from './suite.js';
import { initTfjs, initTfjsWasm, tfjsPeer } from './tfjs.js';

interface PageState {
  done: boolean;
  error?: string;
  adapter?: string;
  tfjs?: { version: string; adapter: string };
  userAgent: string;
  result?: SuiteResult;
}
const state: PageState = { done: false, userAgent: navigator.userAgent };
(globalThis as { __bench?: PageState }).__bench = state;
const log = (line: string) => {
  document.getElementById('log')!.textContent += `\n${line}`;
  console.log(line);
};

async function idx(url: string) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return parseIdx(new Uint8Array(await response.arrayBuffer()), url);
}

try {
  const params = new URL(location.href).searchParams;
  const reps = Number(params.get('reps') ?? 10);
  // The machine's physical cores, from the runner's lscpu (a page cannot tell them apart from
  // hardware threads): the WebAssembly backend gets one thread each.
  const cores = Number(params.get('cores') ?? 0) || undefined;
  const [images, labels] = await Promise.all([idx('data/mnist/train-images-idx3-ubyte'), idx('data/mnist/train-labels-idx1-ubyte')]);
  const rows = 12_000;
  const mnist = { pixels: images.data.subarray(0, rows * 784), labels: Uint32Array.from(labels.data.subarray(0, rows)) };
  const rt = await createRuntime();
  state.adapter = rt.gpu.adapterName;
  state.tfjs = await initTfjs();
  // The WebAssembly backend's files are served beside the page; its threaded build loads only
  // in a cross-origin-isolated page (the bench server sends the headers that make it so).
  const wasm = await initTfjsWasm('tfjs-wasm/', cores);
  log(`adapter: ${state.adapter}; TensorFlow.js ${state.tfjs.version}; its CPU backend: WebAssembly, ${wasm.threads} threads (threaded build: ${wasm.threadedBuild}, cores: ${navigator.hardwareConcurrency}), SIMD ${wasm.simd}, cross-origin isolated ${globalThis.crossOriginIsolated}`);
  state.result = await runSuite(rt, mnist, tfjsPeer('webgpu'), { reps, log, cpu: { peer: tfjsPeer('wasm'), info: wasm } });
  rt.destroy();
} catch (error) {
  state.error = String((error as Error).stack ?? error);
  log(state.error);
}
state.done = true;
