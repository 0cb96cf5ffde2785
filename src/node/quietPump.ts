/**
 * Dawn's Node binding (the `webgpu` package) resolves its promises (mapAsync,
 * onSubmittedWorkDone, popErrorScope, …) by pumping the device: while one is pending it
 * re-queues a native tick with `setImmediate`, so the event loop never sleeps and the main
 * thread holds a whole core for as long as the GPU works. On a software adapter (SwiftShader)
 * that is a core taken from the threads that run the workgroups: on a 2-core machine an epoch
 * of training ran on about one core (the node thread at 100%, SwiftShader's two at ~40% each).
 *
 * The quiet pump lets each of those ticks sleep first, without touching any other use of
 * `setImmediate`: the binding looks `setImmediate` up on the global object each time it
 * re-queues, so a wrapper there sees its ticks, which are native functions (other callbacks,
 * written in JavaScript, pass straight through). A wait that has gone on longer sleeps longer
 * per tick (up to {@link MAX_SLEEP_MS}), so a short wait is answered within tens of
 * microseconds and a long one costs about nothing. The sleep is `Atomics.wait` (Node allows it
 * on the main thread); between sleeps the event loop turns as before.
 */

/** Shortest and longest sleep before one of Dawn's ticks, in milliseconds. */
export const MIN_SLEEP_MS = 0.02;
export const MAX_SLEEP_MS = 1;
/** A tick queued later than this after the previous one starts a new wait. */
const NEW_WAIT_AFTER_MS = 5;

type SetImmediate = (callback: (...args: unknown[]) => void, ...args: unknown[]) => unknown;

let installs = 0;
let original: SetImmediate | null = null;

function isNative(fn: unknown): boolean {
  return typeof fn === 'function' && Function.prototype.toString.call(fn).endsWith('{ [native code] }');
}

/**
 * Install the quiet pump. Installs are counted: each returns the function that undoes it, and
 * the last undo restores the global `setImmediate`.
 */
export function installQuietPump(): () => void {
  if (installs++ === 0) {
    const saved = globalThis.setImmediate as unknown as SetImmediate;
    original = saved;
    const cell = new Int32Array(new SharedArrayBuffer(4));
    let waitStarted = 0;
    let lastTick = -Infinity;
    const quiet: SetImmediate = (callback, ...args) => {
      if (!isNative(callback)) return saved(callback, ...args);
      const now = performance.now();
      if (now - lastTick > NEW_WAIT_AFTER_MS) waitStarted = now;
      lastTick = now;
      const sleep = Math.min(MAX_SLEEP_MS, Math.max(MIN_SLEEP_MS, (now - waitStarted) / 4));
      return saved(() => {
        Atomics.wait(cell, 0, 0, sleep);
        lastTick = performance.now();
        callback(...args);
      });
    };
    // Keep what else hangs on setImmediate (util.promisify's custom form, name, length).
    for (const key of Reflect.ownKeys(saved)) {
      if (key !== 'prototype') Object.defineProperty(quiet, key, Object.getOwnPropertyDescriptor(saved, key)!);
    }
    (globalThis as unknown as { setImmediate: SetImmediate }).setImmediate = quiet;
  }
  let undone = false;
  return () => {
    if (undone) return;
    undone = true;
    if (--installs === 0 && original) {
      (globalThis as unknown as { setImmediate: SetImmediate }).setImmediate = original;
      original = null;
    }
  };
}
