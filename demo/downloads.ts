// The page's downloads of the network it trained: a checkpoint ("Save network") or an ONNX
// model ("Export ONNX"), named after the dataset and the architecture.
import type { Network, RunInfo, Runtime } from '../src/index.js';

/** What "Save network" and "Export ONNX" download. */
export type DownloadKind = 'checkpoint' | 'onnx';

/** Hand `bytes` to the browser as a download named `file`. */
function download(bytes: Uint8Array<ArrayBuffer>, file: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Download `net` as it is now (a finished or paused run) with `run` (how it was trained, as
 * `senn train` describes it): a checkpoint that `senn info`, `senn eval` and `senn train
 * --resume` take, or an ONNX model as `senn export` writes one. Returns the file's name and
 * size in bytes.
 */
export async function downloadNetwork(kind: DownloadKind, runtime: Runtime, net: Network, run: RunInfo): Promise<{ file: string; size: number }> {
  let bytes: Uint8Array<ArrayBuffer>;
  if (kind === 'onnx') {
    // The ONNX encoder is a chunk of its own, loaded on the first export.
    const { networkToOnnx } = await import('../src/onnx.js');
    bytes = (await networkToOnnx(net, { run })) as Uint8Array<ArrayBuffer>;
  } else {
    bytes = await runtime.saveNetwork(net, run);
  }
  // A CSV dataset is named after its file: "houses.csv" saves as senn-houses-….
  const dataset = String((run.data as { dataset: string }).dataset).replace(/\.[a-z]+$/i, '').replace(/[^\w.-]+/g, '_');
  const file = `senn-${dataset}-${net.structure.sizes.join('-')}.${kind === 'onnx' ? 'onnx' : 'senn'}`;
  download(bytes, file);
  return { file, size: bytes.length };
}
