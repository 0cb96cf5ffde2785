import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ElementHandle, Page } from 'puppeteer';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/data/csv.js';
import { loadFashionMnist } from '../../src/node/datasets.js';
import { onnxAccuracy } from '../helpers/onnx.js';
import { OUT, refusedStart, runEnded, setField, shown, state, useDemoPages } from './demoPage.js';

const { openDemo, browser } = useDemoPages();

/**
 * On MNIST: choose `layer` as the first layer, check that it fixes the architecture to `arch`,
 * train 2 epochs of 2,000 rows, and check both epochs' parameter count and architecture and
 * that the network learned (10 classes: chance is 0.1).
 */
async function trainFirstLayer(page: Page, layer: string, arch: string, params: number): Promise<void> {
  await page.select('#firstLayer', layer);
  expect(await page.$eval('#arch', (el) => [(el as HTMLInputElement).value, (el as HTMLInputElement).disabled])).toEqual([arch, true]);
  await setField(page, 'rows', '2000');
  await setField(page, 'epochs', '2');
  await page.click('#start');
  const s = await runEnded(page, 120_000);
  expect(s.error).toBeNull();
  expect(s.epochs.map((e) => [e.params, e.architecture.join('-')])).toEqual([
    [params, arch],
    [params, arch],
  ]);
  expect(s.epochs[1]!.valAccuracy).toBeGreaterThan(0.5);
}

/** Press "Save network" (or another download button) and wait for the download in `dir`; returns the file's path. */
async function saveNetwork(page: Page, dir: string, button = '#save', named: 'saved' | 'exported' = 'saved'): Promise<string> {
  const cdp = await browser().target().createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: dir });
  await page.click(button);
  await page.waitForFunction(`window.__sennDemo.${named} !== null`, { timeout: 30_000 });
  const file = join(dir, (await state(page))[named]!);
  for (let waited = 0; !existsSync(file) && waited < 30_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
  return file;
}

describe('the demo page in headless Chromium', () => {
  it('trains a growing network live: charts, structure and boundary show the expansion; pause holds it', async () => {
    const { page, errors } = await openDemo();
    expect((await state(page)).state).toBe('idle');
    // A short spirals run that must expand early: a loss-change threshold of 1 fires as
    // soon as the window of 2 epochs is full.
    await setField(page, 'epochs', '30');
    await setField(page, 'window', '2');
    await setField(page, 'minEpochsBetween', '4');
    await setField(page, 'lossChangeThreshold', '1');
    await setField(page, 'chooseThreshold', '0.5');
    // A cosine rate that starts again after each expansion.
    await page.select('#schedule', 'cosine-restart');
    await page.click('#start');
    await page.waitForFunction('window.__sennDemo.events.some((e) => e.kind === "expand")', { timeout: 120_000, polling: 100 });

    await page.click('#pause');
    await page.waitForFunction('window.__sennDemo.state === "paused"', { timeout: 10_000 });
    const pausedAt = (await state(page)).epochs.length;
    // Held between epochs, the network can be saved (the download itself is checked below).
    expect(await page.$eval('#save', (el) => (el as HTMLButtonElement).disabled)).toBe(false);
    await page.click('#save');
    await page.waitForFunction('window.__sennDemo.saved !== null', { timeout: 30_000 });
    expect((await state(page)).saved).toMatch(/^senn-spirals-2-.*-2\.senn$/);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await state(page)).epochs.length).toBe(pausedAt);
    await page.click('#pause');
    expect(await page.$eval('#save', (el) => (el as HTMLButtonElement).disabled)).toBe(true);
    const s = await runEnded(page, 200_000);
    expect(s.error).toBeNull();
    expect(s.epochs).toHaveLength(30);
    const expansion = s.events.find((e) => e.kind === 'expand')!;
    expect(expansion.parametersAfter).toBeGreaterThan(expansion.parametersBefore);
    // Every chart drew every epoch and marks the expansion.
    for (const id of ['lossChart', 'qualityChart', 'paramsChart']) {
      const data = await page.$eval(`#${id}`, (el) => ({ ...(el as HTMLElement).dataset }));
      expect(Number(data.points), id).toBe(30);
      expect(Number(data.expansions), id).toBeGreaterThanOrEqual(1);
      expect(Number(data.prunes), id).toBe(s.events.filter((e) => e.kind === 'prune').length);
      // Away from the cursor, the legend reads the last epoch's values.
      const legend = await page.$$eval(`#${id} .u-legend .u-value`, (els) => els.map((e) => e.textContent));
      expect(legend[0], id).toBe('30');
      expect(legend.every((v) => v !== '--' && v !== ''), `${id}: ${legend.join(', ')}`).toBe(true);
    }
    // The parameter count the chart plots grew at the expansion (both levels of 2-8-2 are
    // expandable: an expansion splits into each, one event a split).
    const splitsThen = s.events.filter((e) => e.kind === 'expand' && e.epoch === expansion.epoch);
    expect(s.epochs[expansion.epoch - 1]!.params).toBe(splitsThen.at(-1)!.parametersAfter);
    expect(s.epochs[0]!.params).toBe(expansion.parametersBefore);
    // The rate falls within each stretch between expansions and is back up after each one.
    const expanded = new Set(s.events.filter((e) => e.kind === 'expand').map((e) => e.epoch));
    for (let e = 2; e <= 30; e++) {
      const [before, now] = [s.epochs[e - 2]!.lr, s.epochs[e - 1]!.lr];
      if (expanded.has(e - 1)) expect(now, `epoch ${e}, after an expansion`).toBeGreaterThan(before);
      else expect(now, `epoch ${e}`).toBeLessThan(before);
    }
    // The structure view now shows more than the 3 levels of 2-8-2.
    const levels = await page.$eval('#structureText', (el) => Number((el as HTMLElement).dataset.levels));
    expect(levels).toBeGreaterThan(3);
    expect(await page.$eval('#structureText', (el) => el.textContent)).toMatch(/levels \(2 → .* → 2\)/);
    expect(await page.$eval('#boundary', (el) => Number((el as HTMLElement).dataset.drawn))).toBe(30);
    // Points in a plane are no images: no mistakes to draw.
    expect([s.mistakes, await shown(page, '#mistakesPanel')]).toEqual([null, false]);
    // The events list names the expansion; the structure canvas is not blank.
    expect(await page.$eval('#events', (el) => el.textContent)).toMatch(/split [\d,]+ edges?/);
    const inked = await page.$eval('#structure', (el) => {
      const c = el as HTMLCanvasElement;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(500);
    // A network this small is drawn edge by edge, every edge once, by its weight's sign.
    const drawn = await page.$eval('#structure', (el) => ({ ...(el as HTMLElement).dataset }));
    const edges = await page.$eval('#structureText', (el) => Number((el as HTMLElement).dataset.edges));
    expect([drawn.view, Number(drawn.edgesDrawn)]).toEqual(['edges', edges]);
    expect(Number(drawn.positive)).toBeGreaterThan(0);
    expect(Number(drawn.negative)).toBeGreaterThan(0);
    expect(Number(drawn.positive) + Number(drawn.negative)).toBeLessThanOrEqual(edges);
    await page.screenshot({ path: `${OUT}/spirals-grown.png`, fullPage: true });
    console.info(`demo: ${s.adapter}; expansion at epoch ${expansion.epoch}: ${expansion.parametersBefore} → ${expansion.parametersAfter} parameters; final val accuracy ${(100 * s.epochs.at(-1)!.valAccuracy).toFixed(1)}%; screenshot ${OUT}/spirals-grown.png`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('loads Fashion-MNIST from the server (gzip IDX, unpacked in the page) and trains on it', async () => {
    const { page, errors } = await openDemo();
    await page.select('#dataset', 'fashion-mnist');
    await setField(page, 'rows', '1000');
    await setField(page, 'epochs', '2');
    // Trained on images moved by up to a pixel (fit's augment), which the saved run keeps.
    expect(await shown(page, '#augmentLabel')).toBe(true);
    await page.select('#augmentShift', '1');
    // And with AdamW, the gradient clipped to a norm of 5, the labels smoothed by 0.1, dropout 0.1
    // and input dropout 0.2 (fit's optimizer, maxGradNorm, labelSmoothing, dropout and
    // inputDropout), which the saved run keeps too.
    await page.select('#optimizer', 'adamw');
    await setField(page, 'maxGradNorm', '5');
    await setField(page, 'labelSmoothing', '0.1');
    await setField(page, 'dropout', '0.1');
    await setField(page, 'inputDropout', '0.2');
    // He's initialisation, and pruning by weight magnitude (createNetwork's init, expansion.pruneMetric).
    await page.select('#init', 'he-uniform');
    // The metrics senn has (METRICS), the reference's first; the prune metric's first is none of them.
    const metrics = await page.$$eval('#metric option', (options) => options.map((o) => (o as HTMLOptionElement).value));
    expect([metrics[0], metrics.length, await page.$$eval('#pruneMetric option', (options) => options.map((o) => (o as HTMLOptionElement).value))]).toEqual(['abs-grad', 5, ['', ...metrics]]);
    await page.select('#pruneMetric', 'weight-abs');
    await page.click('#start');
    const s = await runEnded(page, 200_000);
    expect(s.error).toBeNull();
    expect(s.epochs).toHaveLength(2);
    // 10 classes: chance is 0.1. He's wider start learns slower in these 8 steps at rate 0.001:
    // 33.2%, where nn.Linear's reaches 52.0% (senn train on the same rows gives the same bits).
    expect(s.epochs[1]!.valAccuracy).toBeGreaterThan(0.25);
    expect(await page.$eval('#status', (el) => el.textContent)).toMatch(/parameters, gradient norm [\d.]+ \(\d+ steps? clipped\) — finished$/);
    expect(await shown(page, '#boundaryPanel')).toBe(false);
    // The validation answers by class: every validation row counted once (the 250 held out
    // beside the 1,000 training rows), the diagonal the accuracy the chart shows; the table
    // draws the same counts.
    const counts = s.confusion!;
    expect(counts).toHaveLength(100);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(250);
    expect(Array.from({ length: 10 }, (_, c) => counts[11 * c]!).reduce((a, b) => a + b, 0) / 250).toBeCloseTo(s.epochs[1]!.valAccuracy, 12);
    expect(await shown(page, '#confusionPanel')).toBe(true);
    expect(await page.$$eval('#confusion td', (cells) => cells.map((c) => Number(c.textContent)))).toEqual(counts);
    // Fashion-MNIST's names, too wide for the table's heads, in its legend.
    expect(await page.$eval('#confusionLegend', (el) => el.textContent!.replace(/\u00a0/g, ' '))).toMatch(/^0 T-shirt\/top · 1 Trouser · .* · 9 Ankle boot$/);
    // The mistakes: the confusion matrix's off-diagonal rows, each once, the most confident
    // first; the first 24 drawn (inked, captioned true → answered by number, as the table).
    const mistakes = s.mistakes!;
    const pairs = new Array<number>(100).fill(0);
    for (const m of mistakes) pairs[10 * m.truth + m.answer]!++;
    expect(pairs).toEqual(counts.map((n, i) => (i % 11 === 0 ? 0 : n)));
    expect(new Set(mistakes.map((m) => m.row)).size).toBe(mistakes.length);
    expect(mistakes.every((m, i) => m.row < 250 && (i === 0 || m.confidence <= mistakes[i - 1]!.confidence))).toBe(true);
    expect(await shown(page, '#mistakesPanel')).toBe(true);
    const drawnMistakes = await page.$$eval('#mistakes figure', (figures) =>
      figures.map((f) => {
        const c = f.querySelector('canvas')!;
        const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let ink = 0;
        for (let i = 0; i < px.length; i += 4) if (px[i]! < 128) ink++;
        return { caption: f.querySelector('figcaption')!.textContent, ink, title: f.title };
      }),
    );
    expect(drawnMistakes.map((f) => f.caption)).toEqual(mistakes.slice(0, 24).map((m) => `${m.truth}→${m.answer}`));
    expect(drawnMistakes.every((f) => f.ink > 20)).toBe(true);
    expect(drawnMistakes[0]!.title).toMatch(/^validation row \d+: a .+ answered .+ \(\d+%\)$/);
    expect(await page.$eval('#mistakesText', (el) => el.textContent)).toBe(
      `${mistakes.length} of 250 validation images answered wrong${mistakes.length > 24 ? '; the 24 answered most confidently' : ''} (true → answered)`,
    );
    await page.screenshot({ path: `${OUT}/fashion-mnist.png`, fullPage: true });

    // "Save network" downloads a checkpoint that the command line takes: info reads the
    // architecture the page trained, eval tests it on Fashion-MNIST's test split, train resumes it.
    const downloads = mkdtempSync(join(tmpdir(), 'senn-demo-'));
    expect(await page.$eval('#save', (el) => (el as HTMLButtonElement).disabled)).toBe(false);
    const file = await saveNetwork(page, downloads);
    expect(await page.$eval('#status', (el) => el.textContent)).toMatch(/^saved senn-fashion-mnist-784-.*\.senn \(\d+ KiB\)/);
    try {
      const senn = (...args: string[]) => execFileSync(process.execPath, ['bin/senn.js', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      senn('info', file, '--json', join(downloads, 'info.json'));
      const info = JSON.parse(readFileSync(join(downloads, 'info.json'), 'utf8'));
      expect(info.levels.map((l: { size: number }) => l.size)).toEqual(s.epochs[1]!.architecture);
      // The run it set out on (2 epochs after none) and the rows it picked, as senn train writes them.
      const { args } = info.run;
      expect([info.run.plan, args.trainRows, args.seed, args.optimizer, args.maxGradNorm, args.labelSmoothing, args.dropout, args.inputDropout, args.init]).toEqual([{ first: 0, last: 2 }, 1250, 0, 'adamw', 5, 0.1, 0.1, 0.2, 'he-uniform']);
      expect([args.expansion.metric, args.expansion.pruneMetric]).toEqual(['abs-grad', 'weight-abs']);
      // The 1,250 images the page picked (1,000 to train on, 250 to validate with), as --train-rows picks them.
      expect(senn('info', file)).toMatch(/\nrun +senn train on fashion-mnist .*optimizer adamw, gradient norm clipped to 5, label smoothing 0.1, dropout 0.1, input dropout 0.2, he-uniform initialisation.*1250 training rows.*, images moved up to 1 px.*\nexpansion +.*--prune-metric weight-abs/);
      const evaluated = senn('eval', file, '--software');
      const accuracy = Number(/accuracy ([\d.]+)%/.exec(evaluated)?.[1]);
      // Class by class, in Fashion-MNIST's names.
      expect(evaluated).toMatch(/\nper class {5}T-shirt\/top [\d.]+%  Trouser [\d.]+%/);
      console.info(`demo checkpoint: senn eval on the Fashion-MNIST test split ${accuracy}% (validation in the page ${(100 * s.epochs[1]!.valAccuracy).toFixed(1)}%)`);
      expect(accuracy).toBeGreaterThan(25); // as the page's validation accuracy above
      // "Export ONNX" downloads the same network as an ONNX model, as senn export writes one:
      // onnxruntime answers Fashion-MNIST's test split as senn eval does.
      const onnx = await saveNetwork(page, downloads, '#exportOnnx', 'exported');
      expect(onnx).toMatch(/senn-fashion-mnist-784-.*\.onnx$/);
      expect(await page.$eval('#status', (el) => el.textContent)).toMatch(/^exported senn-fashion-mnist-784-.*\.onnx \(\d+ KiB\): an ONNX model/);
      const onnxTest = await onnxAccuracy(new Uint8Array(readFileSync(onnx)), loadFashionMnist().test);
      expect(Math.abs(100 * onnxTest.accuracy - accuracy)).toBeLessThanOrEqual(0.01 + 1e-9);
      // And training goes on from it in Node, on the same rows, the run having ended as planned.
      expect(senn('train', '--resume', file, '--epochs', '1', '--software')).toMatch(/fashion-mnist train 1000 \/ validation 250 \/ test 10000, arch 784-\S+, resuming after 2 epochs\n[\s\S]*epoch {3}3 /);

      // "Open network" in a fresh page shows its history and goes on training it.
      const again = await openDemo();
      const picker = (await again.page.$('input#open')) as ElementHandle<HTMLInputElement>;
      await picker.uploadFile(file);
      await again.page.waitForFunction('window.__sennDemo.state === "opened"', { timeout: 30_000 });
      let o = await state(again.page);
      expect(o.epochs.map((e) => [e.epoch, e.params])).toEqual(s.epochs.map((e) => [e.epoch, e.params]));
      expect(await again.page.$eval('#dataset', (el) => (el as HTMLSelectElement).value)).toBe('fashion-mnist');
      // Its rows too: Start goes on with the images the run picked.
      expect(await again.page.$eval('#rows', (el) => (el as HTMLInputElement).value)).toBe('1000');
      expect(await again.page.$eval('#status', (el) => el.textContent)).toMatch(/^opened senn-fashion-mnist-.*: 784-10, 7,850 parameters, 2 epochs trained — Start goes on training it \(with the settings it was trained with\)$/);
      // Start goes on with the settings it was trained with, as senn train --resume does (the fresh page showed its defaults).
      const shownSettings = await again.page.$$eval(['optimizer', 'maxGradNorm', 'labelSmoothing', 'dropout', 'inputDropout', 'augmentShift', 'metric', 'pruneMetric', 'lr', 'batch'].map((id) => `#${id}`).join(','), (fields) => fields.map((f) => [f.id, (f as HTMLInputElement).value]));
      expect(Object.fromEntries(shownSettings)).toEqual({ optimizer: 'adamw', maxGradNorm: '5', labelSmoothing: '0.1', dropout: '0.1', inputDropout: '0.2', augmentShift: '1', metric: 'abs-grad', pruneMetric: 'weight-abs', lr: '0.001', batch: '256' });
      // Its weights are its own: the initialisation it had, fixed.
      expect(await again.page.$eval('#init', (el) => [(el as HTMLSelectElement).value, (el as HTMLSelectElement).disabled])).toEqual(['he-uniform', true]);
      await setField(again.page, 'epochs', '1');
      await again.page.click('#start');
      o = await runEnded(again.page, 200_000);
      expect(o.error).toBeNull();
      expect(o.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
      expect(await again.page.$eval('#lossChart', (el) => Number((el as HTMLElement).dataset.points))).toBe(3);
      await again.page.screenshot({ path: `${OUT}/opened-and-trained.png`, fullPage: true });
      // A corrupt file is refused with the loader's typed error, and the page stays usable.
      writeFileSync(join(downloads, 'broken.senn'), readFileSync(file).subarray(0, 100));
      await picker.uploadFile(join(downloads, 'broken.senn'));
      await again.page.waitForFunction('/CheckpointError/.test(document.getElementById("status").textContent)', { timeout: 30_000 });
      expect((await state(again.page)).state).toBe('idle');
      expect(again.errors).toEqual([]);
      await again.page.close();
    } finally {
      rmSync(downloads, { recursive: true, force: true });
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('starts MNIST with a locally connected first layer when asked (784-576-10, 20,736 local edges)', async () => {
    const { page, errors } = await openDemo();
    expect([await shown(page, '#firstLayerLabel'), await shown(page, '#augmentLabel'), await shown(page, '#csvSettings')]).toEqual([false, false, false]);
    await page.select('#dataset', 'mnist');
    expect([await shown(page, '#firstLayerLabel'), await shown(page, '#augmentLabel'), await shown(page, '#csvSettings')]).toEqual([true, true, false]);
    await trainFirstLayer(page, 'local', '784-576-10', 27_082);
    expect(await page.$eval('#structureText', (el) => el.textContent)).toMatch(/3 levels \(784 → 576 → 10\), 26,496 edges/);
    // Too large for edges: drawn block by block, density labels only where they fit (some, at most one a block).
    const drawn = await page.$eval('#structure', (el) => ({ ...(el as HTMLElement).dataset }));
    expect(drawn.view).toBe('blocks');
    expect(Number(drawn.labels)).toBeGreaterThan(0);
    expect(Number(drawn.labels)).toBeLessThanOrEqual(Number(drawn.blocks));
    await page.screenshot({ path: `${OUT}/mnist-local.png`, fullPage: true });
    // Back to a complete layer: the architecture is the preset's and may be typed again.
    await page.select('#firstLayer', 'complete');
    expect(await page.$eval('#arch', (el) => [(el as HTMLInputElement).value, (el as HTMLInputElement).disabled])).toEqual(['784-10', false]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('starts MNIST with a convolution when asked (784-1568-10: 200 shared weights, 8 shared biases)', async () => {
    const { page, errors } = await openDemo();
    await page.select('#dataset', 'mnist');
    // 200 + 8 shared values, 1,568 × 10 + 10 for the output layer.
    await trainFirstLayer(page, 'conv', '784-1568-10', 15_898);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('starts MNIST with a convolution and max pooling when asked (784-6272-1568-10: 72 shared weights, 8 shared biases, pooling without parameters)', async () => {
    const { page, errors } = await openDemo();
    await page.select('#dataset', 'mnist');
    await trainFirstLayer(page, 'conv-pool', '784-6272-1568-10', 72 + 8 + 15_680 + 10);
    // The pooling level's windows are no edges: the convolution's 6,272 × 9 less the padding's, and the output's.
    expect(await page.$eval('#structureText', (el) => el.textContent)).toMatch(/4 levels \(784 → 6272 → 1568 → 10\), 69,472 edges/);
    await page.screenshot({ path: `${OUT}/mnist-conv-pool.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('fits the 2-D regression task with a cosine rate schedule and draws its predicted surface', async () => {
    const { page, errors } = await openDemo();
    await page.select('#dataset', 'regression');
    // An emptied field is refused by its name (Number('') would have read it as 0 epochs).
    expect(await refusedStart(page, 'epochs', '', '2')).toBe('Epochs must be a number');
    // What fit refuses is told by the field's label, not by fit's option; so are the training rows.
    await setField(page, 'batch', '0');
    await page.click('#start');
    expect((await runEnded(page, 30_000)).error).toBe('Batch size must be a positive integer, got 0');
    expect(await page.$eval('#status', (el) => el.textContent)).toBe('ConfigError: Batch size must be a positive integer, got 0');
    await setField(page, 'batch', '64');
    // Not the preset's 2,000 after it: the saved run must carry the page's count to Node.
    expect(await refusedStart(page, 'rows', 'many', '1200')).toBe('Training rows must be a whole number from 100 to 53,687,091');
    expect(await refusedStart(page, 'maxGradNorm', '-1', '')).toBe('Clip gradient norm must be above 0 (empty: no clipping)');
    expect(await refusedStart(page, 'labelSmoothing', '0.1', '')).toBe('Label smoothing applies to classification, not regression');
    expect(await refusedStart(page, 'dropout', '1', '')).toBe('Dropout must be from 0 to below 1');
    expect(await refusedStart(page, 'inputDropout', '-0.1', '')).toBe('Input dropout must be from 0 to below 1');
    await page.select('#classWeights', 'balanced');
    await page.click('#start');
    expect((await runEnded(page, 30_000)).error).toBe('Class weights apply to classification, not regression');
    await page.select('#classWeights', '');
    expect(await refusedStart(page, 'maxParameters', '2.5', '40')).toBe('Max parameters must be a positive integer, got 2.5');
    // A run that diverges: the network is as it was before that epoch, and may be saved.
    const rate = await page.$eval('#lr', (el) => (el as HTMLInputElement).value);
    await setField(page, 'epochs', '2');
    await setField(page, 'lr', '1e30');
    await page.click('#start');
    expect((await runEnded(page, 60_000)).error).toMatch(/^training diverged in epoch 1: /);
    expect(await page.$eval('#status', (el) => el.textContent)).toMatch(/^DivergenceError: /);
    expect(await page.$eval('#save', (el) => (el as HTMLButtonElement).disabled)).toBe(false);
    await setField(page, 'lr', rate);
    await setField(page, 'epochs', '6');
    await page.select('#schedule', 'cosine');
    // tanh hidden units (createNetwork's activations), which the saved network keeps.
    await page.select('#activation', 'tanh');
    await page.click('#start');
    const s = await runEnded(page, 120_000);
    expect(s.error).toBeNull();
    expect(s.epochs).toHaveLength(6);
    // Grown within the budget of 40 parameters left in its field (2-8-1 has 33).
    expect(s.epochs.every((e) => e.params <= 40)).toBe(true);
    // A regression has no classes to confuse.
    expect([s.confusion, await shown(page, '#confusionPanel')]).toEqual([null, false]);
    expect([s.mistakes, await shown(page, '#mistakesPanel')]).toEqual([null, false]);
    // The rate falls from about the preset's 0.01 towards 0 over the run, and the status line shows it.
    const rates = s.epochs.map((e) => e.lr);
    expect(rates.every((r, i) => i === 0 || r < rates[i - 1]!)).toBe(true);
    expect(rates[0]).toBeGreaterThan(0.009);
    expect(rates[5]).toBeLessThan(1e-4);
    expect(await page.$eval('#status', (el) => el.textContent)).toMatch(/learning rate [\d.e-]+ — finished$/);
    expect(await page.$eval('#qualityTitle', (el) => el.textContent)).toBe('Validation RMSE');
    expect(await page.$eval('#boundaryTitle', (el) => el.textContent)).toBe('Predicted surface');
    expect(await page.$eval('#boundary', (el) => Number((el as HTMLElement).dataset.drawn))).toBe(6);
    expect(errors).toEqual([]);

    // Saved and opened in a fresh page, the 2-D network shows its surface at once.
    const downloads = mkdtempSync(join(tmpdir(), 'senn-demo-2d-'));
    try {
      const file = await saveNetwork(page, downloads);
      const again = await openDemo();
      await ((await again.page.$('input#open')) as ElementHandle<HTMLInputElement>).uploadFile(file);
      await again.page.waitForFunction('window.__sennDemo.state === "opened"', { timeout: 30_000 });
      expect(await again.page.$eval('#dataset', (el) => (el as HTMLSelectElement).value)).toBe('regression');
      // The rows the run generated, set again for Start, and its schedule, batch and budget.
      expect(await again.page.$eval('#rows', (el) => (el as HTMLInputElement).value)).toBe('1200');
      expect(await again.page.$$eval('#batch, #schedule, #maxParameters', (fields) => fields.map((f) => (f as HTMLInputElement).value))).toEqual(['64', 'cosine', '40']);
      expect(await again.page.$eval('#boundary', (el) => Number((el as HTMLElement).dataset.drawn))).toBe(1);
      expect(await shown(again.page, '#boundaryPanel')).toBe(true);
      // Its activation shown, and fixed as its weights are.
      expect(await again.page.$eval('#activation', (el) => [(el as HTMLSelectElement).value, (el as HTMLSelectElement).disabled])).toEqual(['tanh', true]);
      expect(again.errors).toEqual([]);
      await again.page.close();
      // In Node the run goes on on the rows the page generated (1,200 + 300, from its seed), not on senn train's 4,000.
      const senn = (...args: string[]) => execFileSync(process.execPath, ['bin/senn.js', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(senn('info', file)).toMatch(/\nlevels +L0 2 inputs, L1 8 tanh\b[\s\S]*\nrun +senn train on regression \(regression\): .*, 1500 rows generated/);
      expect(senn('train', '--resume', file, '--epochs', '1', '--software')).toMatch(/\nsenn: regression train 1200 \/ validation 300 \/ test 1000, arch 2-\S+, resuming after \d+ epochs\n/);
    } finally {
      rmSync(downloads, { recursive: true, force: true });
    }
    await page.close();
  });

  it('opens a senn train checkpoint with its settings, and names those the page has no field for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'senn-demo-cli-'));
    try {
      const file = join(dir, 'spirals.senn');
      const trained = ['--dataset', 'spirals', '--arch', '2-8-2', '--epochs', '1', '--optimizer', 'sgd', '--momentum', '0.5', '--lr', '0.05', '--expand', '--window', '3', '--prune-metric', 'weight-abs', '--fully-connected', '--init', 'glorot-uniform', '--activation', 'sigmoid'];
      execFileSync(process.execPath, ['bin/senn.js', 'train', ...trained, '--save', file, '--software'], { stdio: 'pipe' });
      const { page, errors } = await openDemo();
      await ((await page.$('input#open')) as ElementHandle<HTMLInputElement>).uploadFile(file);
      await page.waitForFunction('window.__sennDemo.state === "opened"', { timeout: 30_000 });
      const shownSettings = await page.$$eval('#activation, #init, #lr, #optimizer, #pruneMetric, #window', (fields) => fields.map((f) => (f as HTMLInputElement).value));
      // The page's SGD has momentum 0.9: its optimizer choice stays the page's (Adam).
      expect(shownSettings).toEqual(['sigmoid', 'glorot-uniform', '0.05', 'adam', 'weight-abs', '3']);
      expect(await page.$eval('#status', (el) => el.textContent)).toMatch(/Start goes on training it \(with the settings it was trained with but optimizer sgd \(momentum 0\.5\), --fully-connected, which the page has no field for\)$/);
      // The page's own SGD, but with a weight decay the page has no field for: named, not dropped.
      const decayed = join(dir, 'decayed.senn');
      execFileSync(process.execPath, ['bin/senn.js', 'train', '--dataset', 'spirals', '--arch', '2-8-2', '--epochs', '1', '--optimizer', 'sgd', '--momentum', '0.9', '--weight-decay', '0.001', '--save', decayed, '--software'], { stdio: 'pipe' });
      await ((await page.$('input#open')) as ElementHandle<HTMLInputElement>).uploadFile(decayed);
      await page.waitForFunction('/decayed\\.senn/.test(document.getElementById("status").textContent)', { timeout: 30_000 });
      expect(await page.$eval('#status', (el) => el.textContent)).toMatch(/but optimizer sgd \(momentum 0\.9\) \(weight decay 0\.001\), which the page has no field for\)$/);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('trains on a CSV file picked in the page (senn/csv, loaded then), and senn predict reads that file with the saved network', async () => {
    // Three classes (one with a comma in its quoted name) from two of four features, on
    // scales far apart (the page standardises them); "score" is a quantity, a regression target.
    // Separated by semicolons, which the page finds in the header (and saves for senn predict);
    // a column of text ("note") that the page leaves out of the features.
    const dir = mkdtempSync(join(tmpdir(), 'senn-demo-csv-'));
    const lines = ['width;"height, mm";noise;note;score;kind'];
    let seed = 1;
    const uniform = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const kinds: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const [u, v, n] = [uniform(), uniform(), uniform()];
      const kind = u + v > 0.5 ? 'tall' : u - v > 0.5 ? '"wide, flat"' : 'round';
      kinds.push(kind.replaceAll('"', ''));
      lines.push(`${(u * 0.01).toFixed(6)};${(2000 + 900 * v).toFixed(1)};${n.toFixed(3)};row ${i};${(u * v).toFixed(4)};${kind}`);
    }
    const csvPath = join(dir, 'shapes.csv');
    writeFileSync(csvPath, `${lines.join('\n')}\n`);
    try {
      const { page, errors } = await openDemo();
      await page.select('#dataset', 'csv');
      expect([await shown(page, '#csvSettings'), await shown(page, '#firstLayerLabel'), await shown(page, '#boundaryPanel')]).toEqual([true, false, false]);
      // Start before a file is picked says what is missing.
      await page.click('#start');
      await page.waitForFunction('window.__sennDemo.state === "error"', { timeout: 30_000 });
      expect(await page.$eval('#status', (el) => el.textContent)).toMatch(/^DatasetError: pick a CSV file first/);
      const picker = (await page.$('input#csvFile')) as ElementHandle<HTMLInputElement>;
      await picker.uploadFile(csvPath);
      await page.waitForFunction('window.__sennDemo.csv !== null', { timeout: 30_000 });
      let csv = (await page.evaluate('window.__sennDemo.csv')) as { rows: number; columns: string[]; target: string; task: string; ignore: string[] };
      expect(csv).toMatchObject({ rows: 1000, columns: ['width', 'height, mm', 'noise', 'note', 'score', 'kind'], target: 'kind', task: 'classification', ignore: ['note'] });
      expect(await page.$eval('#arch', (el) => (el as HTMLInputElement).value)).toBe('4-8-3');
      // Another target: "score" holds fractions, so the page takes it for regression (and "kind", text, is no feature then).
      await page.select('#csvTarget', 'score');
      csv = (await page.evaluate('window.__sennDemo.csv')) as typeof csv;
      expect([csv.target, csv.task, csv.ignore]).toEqual(['score', 'regression', ['note', 'kind']]);
      expect(await page.$eval('#arch', (el) => (el as HTMLInputElement).value)).toBe('3-8-1');
      expect(await page.$eval('#qualityTitle', (el) => el.textContent)).toBe('Validation RMSE');
      await page.select('#csvTarget', 'kind');
      expect(await page.$eval('#csvSummary', (el) => el.textContent)).toBe('shapes.csv: 1,000 rows, 6 columns, 3 classes; not numbers, so not features: note');
      await setField(page, 'epochs', '12');
      // Its classes are uneven ("round" the most): weighted balanced (fit's classWeights).
      await page.select('#classWeights', 'balanced');
      await page.click('#start');
      const s = await runEnded(page, 120_000);
      expect(s.error).toBeNull();
      expect(s.epochs).toHaveLength(12);
      expect(s.epochs[11]!.valAccuracy).toBeGreaterThan(0.85);
      await page.screenshot({ path: `${OUT}/csv.png`, fullPage: true });

      // The saved network describes the file as senn train does: senn predict reads the same
      // CSV by its column names, standardised with the page's statistics.
      const file = await saveNetwork(page, dir);
      expect(file).toMatch(/senn-shapes-4-.*\.senn$/);
      const output = join(dir, 'predicted.csv');
      execFileSync(process.execPath, ['bin/senn.js', 'predict', file, '--input', csvPath, '--output', output, '--software'], { stdio: 'pipe' });
      const predicted = parseCsv(readFileSync(output, 'utf8'), { name: 'predicted.csv' });
      expect(predicted.columns).toEqual(['prediction', 'p_round', 'p_tall', 'p_wide, flat']);
      const right = predicted.rows.filter((row, i) => row[0] === kinds[i]).length;
      console.info(`demo CSV network: senn predict on the whole file ${(right / 10).toFixed(1)}% right (validation in the page ${(100 * s.epochs[11]!.valAccuracy).toFixed(1)}%)`);
      expect(right / 1000).toBeGreaterThan(0.85);
      expect(errors).toEqual([]);
      await page.close();

      // Opened again, the network asks for its file and reads it as it was trained (target
      // and task fixed, the saved feature statistics), then trains on.
      const again = await openDemo();
      await ((await again.page.$('input#open')) as ElementHandle<HTMLInputElement>).uploadFile(file);
      await again.page.waitForFunction('window.__sennDemo.state === "opened"', { timeout: 30_000 });
      expect(await again.page.$eval('#dataset', (el) => (el as HTMLSelectElement).value)).toBe('csv');
      expect(await again.page.$eval('#status', (el) => el.textContent)).toMatch(/12 epochs trained — pick shapes\.csv as the CSV file, then Start/);
      expect(await again.page.$eval('#classWeights', (el) => (el as HTMLSelectElement).value)).toBe('balanced');
      await ((await again.page.$('input#csvFile')) as ElementHandle<HTMLInputElement>).uploadFile(csvPath);
      await again.page.waitForFunction('window.__sennDemo.csv !== null', { timeout: 30_000 });
      expect(await again.page.$eval('#csvTarget', (el) => [(el as HTMLSelectElement).value, (el as HTMLSelectElement).disabled])).toEqual(['kind', true]);
      await setField(again.page, 'epochs', '1');
      await again.page.click('#start');
      const o = await runEnded(again.page, 60_000);
      expect(o.error).toBeNull();
      expect(o.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
      // Trained on as it was read: no jump in validation accuracy from new statistics.
      expect(o.epochs[12]!.valAccuracy).toBeGreaterThan(0.85);
      // A reset frees the target choice again.
      await again.page.click('#reset');
      expect(await again.page.$eval('#csvTarget', (el) => (el as HTMLSelectElement).disabled)).toBe(false);
      expect(again.errors).toEqual([]);
      await again.page.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Reset during a run stops it quietly (after the epoch in progress) and the next run starts clean', async () => {
    const { page, errors } = await openDemo();
    await setField(page, 'epochs', '200');
    await page.click('#start');
    await page.waitForFunction('window.__sennDemo.epochs.length >= 2', { timeout: 60_000, polling: 50 });
    // Settings are read at the start: locked during the run, so they show what runs.
    const locked = () => page.$eval('#settings', (el) => (el as HTMLFieldSetElement).disabled);
    expect(await locked()).toBe(true);
    expect(await page.$eval('#dataset', (el) => (el as HTMLSelectElement).matches(':disabled'))).toBe(true);
    await page.click('#reset');
    expect(await locked()).toBe(false);
    // The stopped run's last epoch still ends (fit stops at an epoch boundary); none of it shows.
    await new Promise((r) => setTimeout(r, 3000));
    let s = await state(page);
    expect([s.state, s.error, s.epochs.length]).toEqual(['idle', null, 0]);
    expect(await page.$eval('#status', (el) => el.textContent)).toBe('Ready.');
    await setField(page, 'epochs', '3');
    await page.click('#start');
    s = await runEnded(page, 60_000);
    expect([s.state, s.error, s.epochs.map((e) => e.epoch)]).toEqual(['finished', null, [1, 2, 3]]);
    expect(await locked()).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says clearly that WebGPU is missing instead of showing a blank page', async () => {
    const { page } = await openDemo(async (p) => {
      await p.evaluateOnNewDocument(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined }));
    });
    const message = await page.$eval('#unsupported', (el) => ({ hidden: (el as HTMLElement).hidden, text: el.textContent }));
    expect(message.hidden).toBe(false);
    expect(message.text).toMatch(/no WebGPU/);
    expect(await page.$eval('#start', (el) => (el as HTMLButtonElement).disabled)).toBe(true);
    // The status line agrees, also after another dataset is picked.
    await page.select('#dataset', 'mnist');
    expect(await page.$eval('#status', (el) => el.textContent)).toBe('Training is unavailable here (see the message above).');
    expect(await page.$eval('#start', (el) => (el as HTMLButtonElement).disabled)).toBe(true);
    expect(await page.evaluate('window.__sennDemo.state')).toBe('unsupported');
    await page.screenshot({ path: `${OUT}/no-webgpu.png` });
    await page.close();
  });
});
