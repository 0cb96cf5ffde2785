import { describe, expect, it } from 'vitest';
import { shiftImage } from '../../src/data/augment.js';
import { classificationDataset, type Dataset } from '../../src/data/dataset.js';
import { Random } from '../../src/data/random.js';
import { ConfigError } from '../../src/errors.js';
import type { Network } from '../../src/graph/network.js';
import type { FitOptions } from '../../src/train/options.js';
import { useRuntime } from '../helpers/runtime.js';

const runtime = useRuntime();

/**
 * 8×8 byte images of a short bar, horizontal (class 0) or vertical (class 1), centred and
 * faintly noisy; `moved`: each moved by 2 pixels in a random diagonal direction.
 */
function bars(rows: number, seed: number, moved = false): Dataset {
  const rng = new Random(seed);
  const x = new Uint8Array(rows * 64);
  const labels = new Uint32Array(rows);
  const image = new Uint8Array(64);
  for (let r = 0; r < rows; r++) {
    const label = rng.int(2);
    labels[r] = label;
    for (let i = 0; i < 64; i++) image[i] = rng.int(40);
    for (let t = 2; t <= 5; t++) image[label === 0 ? 3 * 8 + t : t * 8 + 3] = 255;
    const out = x.subarray(r * 64, r * 64 + 64);
    if (moved) shiftImage(image, out, 0, { width: 8, height: 8, channels: 1, shift: 2 }, [rng.int(2) ? 2 : -2, rng.int(2) ? 2 : -2]);
    else out.set(image);
  }
  return classificationDataset({ x, labels, features: 64, classes: 2, featureScale: 1 / 255, name: moved ? 'moved bars' : 'bars' });
}

/** The same data as f32 values. */
function asFloats(d: Dataset): Dataset {
  return classificationDataset({ x: Float32Array.from(d.x, (v) => v / 255), labels: d.labels!, features: d.features, classes: 2, name: `${d.name} (f32)` });
}

async function trained(data: Dataset, options: FitOptions, sizes = [64, 16, 2]): Promise<Network> {
  const net = runtime().createNetwork({ sizes, seed: 0 });
  await net.fit(data, { optimizer: { name: 'adam', lr: 0.01 }, batchSize: 32, seed: 3, ...options });
  return net;
}

async function parameters(net: Network): Promise<Float32Array> {
  const p = await net.getParameters();
  net.destroy();
  return p;
}

describe('fit({ augment }): training on randomly moved images', () => {
  it('teaches a network images it never saw unmoved: bars moved 2 pixels, near chance or worse without it, ≥ 90% with shift 2', async () => {
    const [train, moved] = [bars(400, 1), bars(400, 2, true)];
    const memory = runtime().gpu.memory;
    /** A network trained 15 epochs, and the GPU bytes its fit left live (the optimizer's state). */
    const train15 = async (options: FitOptions) => {
      const net = runtime().createNetwork({ sizes: [64, 16, 2], seed: 0 });
      const live = memory.liveBytes;
      await net.fit(train, { optimizer: { name: 'adam', lr: 0.01 }, batchSize: 32, seed: 3, epochs: 15, ...options });
      return { net, kept: memory.liveBytes - live };
    };
    const [{ net: plain, kept: plainKept }, { net: augmented, kept }] = [await train15({}), await train15({ augment: { shift: 2 } })];
    // The moved copy of the data is fit's, freed when it ends.
    expect(kept).toBe(plainKept);
    const [before, after] = [(await plain.evaluate(moved)).accuracy, (await augmented.evaluate(moved)).accuracy];
    console.info(`bars moved by 2 pixels: ${(100 * before).toFixed(1)}% trained on centred bars, ${(100 * after).toFixed(1)}% with augment { shift: 2 }`);
    expect(after).toBeGreaterThanOrEqual(0.9);
    expect(after - before).toBeGreaterThan(0.1);
    plain.destroy();
    augmented.destroy();
  });

  for (const floats of [false, true]) {
    it(`${floats ? 'f32' : 'u8'} rows: moved on the GPU (held whole) and on the CPU (a part at a time), the same bits; shift 0 is no augmentation; a resumed fit moves as the uninterrupted one`, async () => {
      const train = floats ? asFloats(bars(300, 4)) : bars(300, 4);
      const whole = await parameters(await trained(train, { epochs: 3, augment: { shift: 2 } }));
      // 96 rows a part: the epoch's shuffled rows written, moved, in four parts.
      const rowBytes = (floats ? 64 * 4 : 64) + 4;
      expect(await parameters(await trained(train, { epochs: 3, augment: { shift: 2 }, maxUploadBytes: 96 * rowBytes }))).toEqual(whole);
      const resumed = runtime().createNetwork({ sizes: [64, 16, 2], seed: 0 });
      for (const epochs of [2, 1]) await resumed.fit(train, { optimizer: { name: 'adam', lr: 0.01 }, batchSize: 32, seed: 3, epochs, augment: { shift: 2 } });
      expect(await parameters(resumed)).toEqual(whole);
      const plain = await parameters(await trained(train, { epochs: 3 }));
      expect(plain).not.toEqual(whole);
      expect(await parameters(await trained(train, { epochs: 3, augment: { shift: 0 } }))).toEqual(plain);
      // Another seed, other moves.
      expect(await parameters(await trained(train, { epochs: 3, augment: { shift: 2 }, seed: 4 }))).not.toEqual(whole);
    });
  }

  it('keeps within maxUploadBytes: where the data and its moved copy do not both fit, the rows are moved part by part (the same bits)', async () => {
    const train = bars(300, 6);
    /** Bytes fit holds during its epochs, and the trained parameters. */
    const held = async (options: FitOptions) => {
      const net = runtime().createNetwork({ sizes: [64, 16, 2], seed: 0 });
      let most = 0;
      await net.fit(train, { optimizer: { name: 'adam', lr: 0.01 }, batchSize: 32, seed: 3, epochs: 2, augment: { shift: 1 }, ...options, onEpoch: () => void (most = Math.max(most, runtime().gpu.memory.report().fit ?? 0)) });
      return { most, parameters: await parameters(net) };
    };
    // 300 rows of 64 bytes and a label: 20,400 bytes whole, 39,600 with the moved copy.
    const [whole, limited] = [await held({}), await held({ maxUploadBytes: 30_000 })];
    expect(limited.parameters).toEqual(whole.parameters);
    // Held whole with its copy, the data took 9,600 bytes more than the limit: the limited run holds that much less at least.
    expect(whole.most - limited.most).toBeGreaterThanOrEqual(39_600 - 30_000);
  });

  it('refuses what it cannot move with a ConfigError naming the problem, before training: the network unchanged', async () => {
    const train = bars(64, 5);
    const net = runtime().createNetwork({ sizes: [64, 2], seed: 0 });
    const before = await net.getParameters();
    const cases: [FitOptions['augment'], RegExp][] = [
      [{ shift: -1 }, /augment.shift must be a whole number of pixels ≥ 0, got -1/],
      [{ shift: 1.5 }, /augment.shift must be a whole number/],
      [{ shift: 8 }, /augment.shift 8 would move a 8×8 image out of its frame; at most 7/],
      [{ shift: 1, image: { width: 4, height: 4 } }, /augment.image 4×4×1 holds 16 values; bars has 64 inputs a row/],
      [{ shift: 1, image: { width: 4, height: 8, channels: 0 } }, /augment.image.channels must be a positive integer, got 0/],
      [null as never, /augment must be an object/],
    ];
    for (const [augment, message] of cases) {
      await expect(net.fit(train, { epochs: 1, augment })).rejects.toThrow(message);
      await expect(net.fit(train, { epochs: 1, augment })).rejects.toBeInstanceOf(ConfigError);
    }
    const strip = runtime().createNetwork({ sizes: [12, 2], seed: 0 });
    const rows = classificationDataset({ x: new Float32Array(24), labels: [0, 1], features: 12, name: 'strips' });
    await expect(strip.fit(rows, { epochs: 1, augment: { shift: 1 } })).rejects.toThrow(/augment: strips's 12 inputs are not a square one-channel image; give augment.image/);
    await strip.fit(rows, { epochs: 1, augment: { shift: 1, image: { width: 4, height: 3 } } });
    strip.destroy();
    expect(await net.getParameters()).toEqual(before);
    expect(net.history).toHaveLength(0);
    net.destroy();
  });
});
