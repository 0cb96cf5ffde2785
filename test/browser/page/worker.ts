// A module Web Worker of the browser suite: senn on the worker's own WebGPU device
// (WorkerNavigator.gpu), training the run the page trains too, and posting the result back.
import { createRuntime } from '/senn.js';
import { growingRun } from './growingRun.js';

self.onmessage = async () => {
  try {
    const rt = await createRuntime();
    const result = await growingRun(rt);
    const liveBytes = rt.liveBytes;
    rt.destroy();
    self.postMessage({ result, liveBytes });
  } catch (error) {
    self.postMessage({ error: String((error as Error).stack ?? error) });
  }
};
