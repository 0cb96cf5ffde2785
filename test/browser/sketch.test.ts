import { describe, expect, it } from 'vitest';
import { sketchImage } from '../../demo/sketch.js';
import { OUT, runEnded, setField, shown, state, useDemoPages } from './demoPage.js';

// The demo's pad for a digit drawn by hand (MNIST): the drawing as the network reads it, and the
// network's answer to it, after each epoch and at once while it rests.
const { openDemo } = useDemoPages();

describe('the demo page in headless Chromium: draw a digit', () => {
  it('answers a digit drawn on the pad: the image MNIST-style from the ink, the answer after each epoch and at rest', async () => {
    const { page, errors } = await openDemo();
    expect(await shown(page, '#sketchPanel')).toBe(false);
    await page.select('#dataset', 'mnist');
    expect(await shown(page, '#sketchPanel')).toBe(true);
    expect(await page.$eval('#sketchText', (el) => el.textContent)).toBe('Draw a digit (0–9) on the pad');
    // A stroke with the mouse through `points` (shares of the pad's side), wherever the pad is
    // then: the panels a run adds move it.
    const stroke = async (points: [number, number][]) => {
      const box = (await (await page.$('#sketchPad'))!.boundingBox())!;
      await page.mouse.move(box.x + points[0]![0] * box.width, box.y + points[0]![1] * box.height);
      await page.mouse.down();
      for (const [x, y] of points.slice(1)) await page.mouse.move(box.x + x * box.width, box.y + y * box.height, { steps: 8 });
      await page.mouse.up();
    };
    // A "7": a bar across the top, a stroke down to the left.
    await stroke([[0.3, 0.2], [0.7, 0.2], [0.45, 0.85]]);
    let drawn = (await state(page)).sketch;
    expect([drawn.image?.length, drawn.probabilities]).toEqual([784, null]);
    expect(await page.$eval('#sketchText', (el) => el.textContent)).toBe('Train or open a network: it answers after each epoch');
    // The page's image is sketchImage of the pad's ink (its alpha), as the Node test of it checks that function.
    const ink = await page.$eval('#sketchPad', (el) => {
      const c = el as HTMLCanvasElement;
      return { width: c.width, height: c.height, alpha: Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 === 3)) };
    });
    expect(drawn.image).toEqual(Array.from(sketchImage(ink.alpha.map((a) => a / 255), ink.width, ink.height)!));
    // What the network reads, drawn beside the pad: dark where the image has ink.
    const seen = await page.$eval('#sketchSeen', (el) => Array.from((el as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0)));
    expect(seen).toEqual(drawn.image!.map((v) => 255 - v));

    await setField(page, 'rows', '2000');
    await setField(page, 'epochs', '2');
    await page.click('#start');
    const s = await runEnded(page, 120_000);
    expect(s.error).toBeNull();
    // Answered after each epoch, by the network as it is then: ten probabilities, the answer the likeliest.
    const answered = s.sketch;
    expect(answered.when).toBe('after epoch 2');
    expect(answered.probabilities).toHaveLength(10);
    expect(Math.abs(answered.probabilities!.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
    expect(answered.answer).toBe(answered.probabilities!.indexOf(Math.max(...answered.probabilities!)));
    const bars = await page.$$eval('#sketchBars > div', (rows) => rows.map((r) => [r.className, r.textContent]));
    expect(bars).toEqual(answered.probabilities!.map((p, c) => [c === answered.answer ? 'answer' : '', `${c}${(100 * p).toFixed(0)}%`]));
    expect(await page.$eval('#sketchText', (el) => el.textContent)).toBe(`answered ${answered.answer} (${(100 * answered.probabilities![answered.answer!]!).toFixed(0)}%) after epoch 2`);
    await page.screenshot({ path: `${OUT}/mnist-sketch.png`, fullPage: true });
    // Clear empties the pad and its answer; a digit drawn at rest is answered at once.
    await page.click('#sketchClear');
    drawn = (await state(page)).sketch;
    expect([drawn.image, drawn.probabilities, await page.$$eval('#sketchBars > div', (r) => r.length)]).toEqual([null, null, 0]);
    await stroke([[0.5, 0.15], [0.5, 0.85]]);
    await page.waitForFunction('window.__sennDemo.sketch.when === "now"', { timeout: 30_000 });
    drawn = (await state(page)).sketch;
    expect([drawn.image!.filter((v) => v > 0).length > 20, drawn.probabilities?.length]).toEqual([true, 10]);
    // Only MNIST has the pad.
    await page.select('#dataset', 'fashion-mnist');
    expect(await shown(page, '#sketchPanel')).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  });
});
