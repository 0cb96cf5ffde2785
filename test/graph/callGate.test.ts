import { describe, expect, it } from 'vitest';
import { ConfigError, DestroyedError } from '../../src/errors.js';
import { CallGate } from '../../src/graph/callGate.js';

/** A gate over a pretend network whose release is counted. */
function gate(runtimeDestroyed = false) {
  const state = { released: 0 };
  return { state, gate: new CallGate(() => void state.released++, () => state.released > 0, () => runtimeDestroyed) };
}

describe('CallGate: who may use a network now', () => {
  it('lets one call hold the network; others are refused by name, reads too unless lent', async () => {
    const { gate: g } = gate();
    let release!: () => void;
    const held = g.exclusive('fit', () => new Promise<void>((r) => (release = r)));
    await expect(g.exclusive('pruneEdges', async () => 1)).rejects.toThrow(new ConfigError('cannot pruneEdges while fit is running on this network'));
    await expect(g.reading('evaluate', async () => 1)).rejects.toThrow('cannot evaluate while fit is running on this network');
    // Lent to fit's onEpoch: one read at a time runs inside the fit.
    const reads: number[] = [];
    await g.lend(async () => reads.push(await g.reading('evaluate', async () => 7)));
    expect(reads).toEqual([7]);
    release();
    await held;
    expect(await g.exclusive('splitEdges', async () => 'free again')).toBe('free again');
  });

  it('lets reads overlap each other but no call, except from onEpoch', async () => {
    const { gate: g, state } = gate();
    let finish!: () => void;
    const reading = g.read('getParameters', () => new Promise<void>((r) => (finish = r)));
    expect(await g.read('scoreEdges', async () => 'overlapping read')).toBe('overlapping read');
    // A call (growth may replace the buffers a read uses) waits for no read: it is refused.
    await expect(g.exclusive('splitEdges', async () => 1)).rejects.toThrow('cannot splitEdges while getParameters is running on this network');
    g.destroy();
    expect(state.released).toBe(0); // the read still runs
    finish();
    await reading;
    expect(state.released).toBe(1);
    const { gate: h } = gate();
    let release!: () => void;
    const held = h.exclusive('fit', () => new Promise<void>((r) => (release = r)));
    await expect(h.read('selectEdgesToSplit', async () => 1)).rejects.toThrow('cannot selectEdgesToSplit while fit is running on this network');
    await h.lend(async () => expect(await h.read('selectEdgesToSplit', async () => 2)).toBe(2));
    release();
    await held;
  });

  it('ends a lend only when the reads its onEpoch started have ended, awaited or not', async () => {
    const { gate: g } = gate();
    let release!: () => void;
    const held = g.exclusive('fit', () => new Promise<void>((r) => (release = r)));
    const events: string[] = [];
    let finishRead!: () => void;
    let finishEvaluate!: () => void;
    const lend = g
      .lend(() => {
        // Started, not awaited: the fit must not go on (and grow) while they run.
        void g.read('getParameters', () => new Promise<void>((r) => (finishRead = r))).then(() => events.push('read'));
        void g.reading('evaluate', () => new Promise<void>((r) => (finishEvaluate = r))).then(() => events.push('evaluate'));
      })
      .then(() => events.push('lend'));
    await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual([]);
    finishRead();
    finishEvaluate();
    await lend;
    expect(events).toEqual(['read', 'evaluate', 'lend']);
    // Lent no more: the evaluate's end did not lend the network again.
    await expect(g.reading('predict', async () => 1)).rejects.toThrow('cannot predict while fit is running on this network');
    release();
    await held;
  });

  it('defers destroy() until the call holding the network stops; every call after it is a DestroyedError', async () => {
    const { gate: g, state } = gate();
    let release!: () => void;
    const held = g.exclusive('fit', () => new Promise<void>((r) => (release = r)));
    g.destroy();
    expect([g.destroying, state.released]).toEqual([true, 0]);
    expect(() => g.assertUsable()).toThrow(DestroyedError);
    release();
    await held;
    expect(state.released).toBe(1);
    g.destroy();
    expect(state.released).toBe(1); // once
    await expect(g.exclusive('predict', async () => 1)).rejects.toThrow('this network was destroyed');
    // Free when destroyed: released at once.
    const idle = gate();
    idle.gate.destroy();
    expect(idle.state.released).toBe(1);
  });

  it('turns an untyped failure after the runtime was destroyed into a DestroyedError naming the call', async () => {
    const dead = gate(true).gate;
    await expect(dead.exclusive('fit', () => Promise.reject(new DOMException('', 'OperationError')))).rejects.toThrow(new DestroyedError('the senn runtime was destroyed during fit'));
    // A typed error stays as it is, and without a destroyed runtime so does any other.
    await expect(dead.exclusive('fit', () => Promise.reject(new ConfigError('bad')))).rejects.toThrow(new ConfigError('bad'));
    await expect(gate().gate.exclusive('fit', () => Promise.reject(new TypeError('x')))).rejects.toThrow(TypeError);
  });
});
