import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { maxPoolConnections } from '../../src/graph/connections.js';
import { buildCsr, type CsrBlock } from '../../src/graph/csr.js';
import { partitions, poolBuffers, poolForward, poolGrad, type PoolKind } from '../../src/kernels/pool.js';
import { activate } from '../../src/reference/dense.js';
import { poolGradRef, poolRef } from '../../src/reference/pool.js';
import { centralDifferences } from '../helpers/finiteDifference.js';
import { useHarness } from '../helpers/harness.js';
import { randomArray, relativeError, report } from '../helpers/numeric.js';

const h = useHarness();

function windowsOf(spec: Parameters<typeof maxPoolConnections>[0]): CsrBlock {
  const c = maxPoolConnections(spec);
  return buildCsr(c.size, spec.width * spec.height * (spec.channels ?? 1), c.destinations, c.sources).block;
}

const upload = (block: CsrBlock) => poolBuffers(block, (_, values) => h.input(values));

describe('pooling kernels (shaders/pool.wgsl) against the CPU reference', () => {
  // 2×2 / 2 over 3 channels, overlapping 3×3 / 2 windows with padding (windows at the edges
  // smaller), and rows not a multiple of the 4 an invocation takes; max and average pooling.
  for (const kind of ['max', 'average'] as const) {
    for (const [name, spec, rows] of [
      ['2×2 windows, stride 2, 3 channels, 37 rows', { width: 6, height: 6, channels: 3, kernel: 2 }, 37],
      ['3×3 windows, stride 2, padding 1, 2 channels, 64 rows', { width: 7, height: 5, channels: 2, kernel: 3, stride: 2, padding: 1 }, 64],
    ] as const) {
      it(`${kind}, ${name}: ${kind === 'max' ? 'the maxima and their sources exactly' : 'the means within 1e-6'}, the routed gradients within 1e-6`, async () => {
        const windows = windowsOf(spec);
        const rng = new Random(rows);
        // A ReLU level's activations: about half of them 0, so windows with ties of zeros occur.
        const input = randomArray(rng, rows * windows.src).map((v) => Math.max(v, 0));
        const csr = upload(windows);
        const out = h.output(rows * windows.dst);
        const argmax = kind === 'max' ? h.output(rows * windows.dst) : undefined;
        h.run(await poolForward(h.rec, { rows, kind, windows: csr, input: h.input(input), out, ...(argmax ? { argmax } : {}), activation: 'relu' }));
        const want = poolRef(windows, input, rows, 'relu', kind);
        const pooled = await h.read(out, rows * windows.dst);
        if (argmax) {
          // A maximum is one of the inputs: equal bit for bit, and the source the first in edge order.
          expect(pooled).toEqual(Float32Array.from(want.out));
          expect(new Uint32Array((await h.read(argmax, rows * windows.dst)).buffer)).toEqual(want.argmax);
        } else {
          report(`pool_forward, average (${name})`, relativeError(pooled, want.out), 1e-6);
        }

        const grad = randomArray(rng, rows * windows.dst);
        const prior = randomArray(rng, rows * windows.src);
        // Non-overlapping windows over an even image partition the sources: run by window too.
        expect(csr.partition).toBe(spec.kernel === 2);
        const ways = csr.partition ? [csr, { ...csr, partition: false }] : [csr];
        for (const accumulate of [false, true]) {
          const results: Float32Array[] = [];
          for (const way of ways) {
            const dx = h.input(prior);
            h.run(await poolGrad(h.rec, { rows, kind, windows: way, ...(argmax ? { argmax } : {}), grad: h.input(grad), aux: h.input(input), activation: 'relu', out: dx, accumulate }));
            results.push(await h.read(dx, rows * windows.src));
            const routed = poolGradRef(windows, want.argmax, grad, input, 'relu', rows, kind);
            const expected = accumulate ? routed.map((v, k) => v + prior[k]!) : routed;
            report(`pool_grad${way.partition ? '_windows' : ''}, ${kind} (${name}${accumulate ? ', accumulating' : ''})`, relativeError(results.at(-1)!, expected), 1e-6);
          }
          // By window and by source: the same values bit for bit (one window a source, so one term).
          if (results.length === 2) expect(results[0]).toEqual(results[1]);
        }
      });
    }
  }

  it('windows partition their sources only where every source is in exactly one', () => {
    expect(partitions(windowsOf({ width: 4, height: 4, channels: 3 }))).toBe(true);
    expect(partitions(windowsOf({ width: 5, height: 4 }))).toBe(false); // the fifth column is in no window
    expect(partitions(windowsOf({ width: 4, height: 4, kernel: 2, stride: 1 }))).toBe(false); // overlapping
  });

  for (const kind of ['max', 'average'] as PoolKind[]) {
    it(`${kind}: the input gradient matches central differences of Σ c · pool(relu(z)) over the pre-activations z`, async () => {
      const windows = windowsOf({ width: 5, height: 4, channels: 2, kernel: 2, stride: 1 });
      const rows = 6;
      const rng = new Random(11);
      // Pre-activations away from ReLU's kink and with distinct values, where the max is differentiable.
      const z = Float64Array.from(randomArray(rng, rows * windows.src), (v) => v + Math.sign(v) * 0.05);
      const c = Float64Array.from(randomArray(rng, rows * windows.dst));
      const loss = (pre: Float64Array) => {
        const pooled = poolRef(windows, pre.map((v) => activate('relu', v)), rows, 'identity', kind).out;
        return pooled.reduce((s, v, k) => s + c[k]! * v, 0);
      };
      const fd = centralDifferences(loss, z, 1e-4);
      const a = Float32Array.from(z, (v) => activate('relu', v));
      const csr = upload(windows);
      const out = h.output(rows * windows.dst);
      const argmax = kind === 'max' ? { argmax: h.output(rows * windows.dst) } : {};
      const dz = h.output(rows * windows.src);
      h.run([
        await poolForward(h.rec, { rows, kind, windows: csr, input: h.input(a), out, ...argmax }),
        await poolGrad(h.rec, { rows, kind, windows: csr, ...argmax, grad: h.input(Float32Array.from(c)), aux: h.input(a), activation: 'relu', out: dz }),
      ]);
      const got = await h.read(dz, rows * windows.src);
      expect(got.some((v) => v !== 0)).toBe(true);
      report(`pool_grad, ${kind}, vs finite differences`, relativeError(got, fd), 1e-5);
    });
  }
});
