import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createNodeRuntime } from '../../src/node/dawn.js';
import { installQuietPump } from '../../src/node/quietPump.js';

describe('quiet pump (Dawn promise ticks sleep instead of spinning a core)', () => {
  it('wraps setImmediate while installed, counts installs, and restores the original after the last', async () => {
    const original = globalThis.setImmediate;
    const undoA = installQuietPump();
    const undoB = installQuietPump();
    expect(globalThis.setImmediate).not.toBe(original);
    // What else hangs on setImmediate survives (util.promisify uses a symbol on it).
    await promisify(globalThis.setImmediate)();
    // JavaScript callbacks pass straight through, with their arguments.
    const sum = await new Promise((resolve) => globalThis.setImmediate((a: number, b: number) => resolve(a + b), 2, 3));
    expect(sum).toBe(5);
    // A native callback (as Dawn's tick is; a promise's resolve is one too) still runs, after its sleep.
    await new Promise((resolve) => globalThis.setImmediate(resolve));
    undoA();
    undoA(); // undoing twice counts once
    expect(globalThis.setImmediate).not.toBe(original);
    undoB();
    expect(globalThis.setImmediate).toBe(original);
  });

  it('a Node runtime on the software adapter installs it by default, GPU waits resolve under it, and destroy restores setImmediate', async () => {
    const original = globalThis.setImmediate;
    const rt = await createNodeRuntime({ forceSoftware: true });
    expect(globalThis.setImmediate).not.toBe(original);
    const net = rt.createNetwork({ sizes: [4, 3], seed: 1 });
    const out = await net.predict({ name: 'probe', rows: 2, features: 4, x: new Float32Array(8).fill(0.5), featureScale: 1 });
    expect(out.length).toBe(6);
    expect(out.every(Number.isFinite)).toBe(true);
    rt.destroy();
    expect(globalThis.setImmediate).toBe(original);
    const spinning = await createNodeRuntime({ forceSoftware: true, quietPump: false });
    expect(globalThis.setImmediate).toBe(original);
    spinning.destroy();
  });
});
