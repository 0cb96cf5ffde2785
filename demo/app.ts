// The demo page: settings, start / pause / reset, and the live views of a growing network.
import './style.css';
import type { CsvSchema, CsvTask } from '../src/csv.js';
import { checkpointRun, classNames, createRuntime, datasetClassNames, type EpochReport, type FeatureStats, convolutionConnections, type LocalConnections, localConnections, maxPoolConnections, METRICS, type Mistake, mistakes, type Network, type RunInfo, type Runtime, ConfigError, DivergenceError, SennError } from '../src/index.js';
import { isRecord } from '../src/args.js';
import { counted } from '../src/words.js';
import { drawBoundary, gridDataset } from './boundaryView.js';
import { type DownloadKind, downloadNetwork } from './downloads.js';
import { MOST_CLASSES_SHOWN, showConfusion } from './confusionView.js';
import { showMistakes } from './mistakesView.js';
import { EpochChart, type Marker } from './charts.js';
import { type CsvChoice, csvShape, guessTask, readCsvFile, textColumns } from './csvChoice.js';
import { type DemoData, type DemoDataset, isImageSet, loadDemoData, PRESETS, WITH_VALIDATION } from './data.js';
import { runDescription, Session } from './session.js';
import { $, input, label } from './fields.js';
import { showRunSettings } from './runFields.js';
import { settings, trainingRows } from './settings.js';
import { SketchPad, type SketchState } from './sketchView.js';
import { drawStructure, drawsEdges } from './structureView.js';

/** What the page exposes for its end-to-end test (and for curious users in the console). */
interface DemoState {
  ready: boolean;
  state: 'starting' | 'unsupported' | 'idle' | 'opened' | 'loading' | 'running' | 'pausing' | 'paused' | 'finished' | 'stopped' | 'error';
  adapter: string;
  epochs: EpochReport[];
  events: { kind: 'expand' | 'prune'; epoch: number; parametersBefore: number; parametersAfter: number }[];
  error: string | null;
  /** The name of the last checkpoint downloaded with "Save network". */
  saved: string | null;
  /** The name of the last ONNX model downloaded with "Export ONNX". */
  exported: string | null;
  /** The checkpoint file "Open network" loaded, until a reset. */
  opened: string | null;
  /** The CSV file picked for "your CSV file", with its rows and what is learnt from it. */
  csv: { name: string; rows: number; columns: string[]; target: string; task: CsvTask; ignore: string[] } | null;
  /** A classifier's last validation answers by class (true × answered counts, row-major), as the page draws them. */
  confusion: number[] | null;
  /** An image classifier's last validation mistakes, the most confident first (the page draws the first of them). */
  mistakes: Mistake[] | null;
  /** The digit drawn on the pad (MNIST), and the network's answer to it. */
  sketch: SketchState | null;
}
const demo: DemoState = { ready: false, state: 'starting', adapter: '', epochs: [], events: [], error: null, saved: null, exported: null, opened: null, csv: null, confusion: null, mistakes: null, sketch: null };
(globalThis as { __sennDemo?: DemoState }).__sennDemo = demo;


/** The fields behind the fit options a ConfigError may name (the run's options are read from them). */
const FIELD_OF_OPTION: Record<string, string> = {
  epochs: 'epochs',
  batchSize: 'batch',
  'optimizer.lr': 'lr',
  'expansion.chooseThreshold': 'chooseThreshold',
  'expansion.maxToReplace': 'maxToReplace',
  'expansion.maxParameters': 'maxParameters',
  'expansion.lossChangeThreshold': 'lossChangeThreshold',
  'expansion.window': 'window',
  'expansion.minEpochsBetween': 'minEpochsBetween',
  'expansion.deleteAfter': 'deleteAfter',
  'expansion.deleteThreshold': 'deleteThreshold',
  'expansion.neuronsPerEdge': 'neuronsPerEdge',
};

/** A message that names a fit option ("batchSize must be …") told by the field's label ("Batch size must be …"). */
function inFieldWords(message: string): string {
  const option = Object.keys(FIELD_OF_OPTION).find((o) => message.startsWith(`${o} `));
  return option ? `${label(FIELD_OF_OPTION[option]!)}${message.slice(option.length)}` : message;
}

const buttons = {
  start: $<HTMLButtonElement>('start'),
  pause: $<HTMLButtonElement>('pause'),
  reset: $<HTMLButtonElement>('reset'),
  save: $<HTMLButtonElement>('save'),
  exportOnnx: $<HTMLButtonElement>('exportOnnx'),
};
/** Whether the network may be saved or exported now (after a run, while paused): both buttons at once. */
const savable = (yes: boolean) => {
  buttons.save.disabled = !yes;
  buttons.exportOnnx.disabled = !yes;
};
const status = (text: string) => ($('status').textContent = text);

const markers: Marker[] = [];
const charts = {
  loss: new EpochChart($('lossChart'), [{ label: 'train', stroke: '#2f6fde' }, { label: 'validation', stroke: '#d08a1a' }], markers, 'loss'),
  quality: new EpochChart($('qualityChart'), [{ label: 'validation', stroke: '#1f9d55' }], markers, ''),
  params: new EpochChart($('paramsChart'), [{ label: 'parameters', stroke: '#7a4fd6' }], markers, 'count'),
};

let runtime: Runtime | null = null;
let session: Session | null = null;
/** What the current run trains on and with, for the checkpoint "Save network" writes. */
let described: RunInfo | null = null;
/** A network "Open network" loaded, shown and waiting for Start to train it further. */
let opened: Network | null = null;
/** The CSV file picked, and the columns to learn from it. */
let csvChoice: CsvChoice | null = null;
/** An opened network trained on a CSV file: how it read the file (its columns, its feature statistics). */
let openedCsv: { schema: CsvSchema; stats?: FeatureStats } | null = null;
const newestLevels = new Set<number>();
const grid = gridDataset();
const sketch = new SketchPad(
  { pad: $('sketchPad'), seen: $('sketchSeen'), bars: $('sketchBars'), text: $('sketchText'), clear: $('sketchClear') },
  () => void answerDrawing(),
);
demo.sketch = sketch.state;

/** Answer the drawn digit now where a network is at rest (a run ended or paused, or one opened); a running one answers it after its epoch. */
async function answerDrawing(): Promise<void> {
  const net = ['finished', 'stopped', 'paused', 'opened', 'error'].includes(demo.state) ? (session?.net ?? opened) : null;
  if (net && !$('sketchPanel').hidden) await sketch.answer(net, 'now').catch((error) => status(`${error instanceof SennError ? error.name : 'Error'}: ${(error as Error).message}`));
}

function unsupported(message: string): void {
  const box = $('unsupported');
  box.hidden = false;
  box.textContent = message;
  buttons.start.disabled = true;
  status('Training is unavailable here (see the message above).');
  demo.state = 'unsupported';
  demo.error = message;
  demo.ready = true;
}

function applyPreset(name: DemoDataset): void {
  const p = PRESETS[name];
  input('arch').value = p.arch;
  input('rows').value = String(p.rows);
  input('epochs').value = String(p.epochs);
  input('batch').value = String(p.batch);
  input('lr').value = String(p.lr);
  input('window').value = String(p.window);
  input('minEpochsBetween').value = String(p.minEpochsBetween);
  input('lossChangeThreshold').value = String(p.lossChangeThreshold);
  input('exactSplit').checked = p.exactSplit;
  const flat = name === 'spirals' || name === 'regression';
  $('boundaryPanel').hidden = !flat;
  $('boundaryTitle').textContent = name === 'regression' ? 'Predicted surface' : 'Decision boundary';
  $('sketchPanel').hidden = name !== 'mnist';
  $('csvSettings').hidden = name !== 'csv';
  // A locally connected first layer is offered where the inputs are 28×28 images.
  const images = isImageSet(name);
  $('firstLayerLabel').hidden = !images;
  $('augmentLabel').hidden = !images;
  if (!images) $<HTMLSelectElement>('firstLayer').value = 'complete';
  if (!images) $<HTMLSelectElement>('augmentShift').value = '0';
  showFirstLayer();
  if (name === 'csv') showCsvChoice();
  else qualityTitle(name === 'regression' ? 'regression' : 'classification');
}

/**
 * The demo's first layers over 28×28 images: locally connected (6×6 windows, 4 neurons each,
 * 576 neurons), a convolution (5×5 windows padded by 2, 8 filters: 14×14×8 = 1,568 neurons
 * sharing 200 weights and 8 biases), or a 3×3 convolution at every pixel (28×28×8 = 6,272
 * neurons, 72 weights and 8 biases) and 2×2 max pooling (14×14×8 = 1,568).
 */
const FIRST_LAYERS: Record<string, LocalConnections[]> = {
  local: [localConnections({ width: 28, height: 28, kernel: 6, stride: 2, filters: 4 })],
  conv: [convolutionConnections({ width: 28, height: 28, kernel: 5, stride: 2, padding: 2, filters: 8 })],
  'conv-pool': [convolutionConnections({ width: 28, height: 28, kernel: 3, padding: 1, filters: 8 }), maxPoolConnections({ width: 28, height: 28, channels: 8 })],
};

/** The chosen first layers' connections, or undefined for a complete one. */
const firstLayers = (): LocalConnections[] | undefined => FIRST_LAYERS[$<HTMLSelectElement>('firstLayer').value];

/** With a locally connected or convolutional first layer the architecture is 784-N-10 (784-N-M-10 with pooling), fixed; else as typed. */
function showFirstLayer(): void {
  if (opened) return;
  const layers = firstLayers();
  if (layers) input('arch').value = ['784', ...layers.map((l) => l.size), '10'].join('-');
  else if (input('arch').disabled) input('arch').value = PRESETS[$<HTMLSelectElement>('dataset').value as DemoDataset].arch;
  input('arch').disabled = Boolean(layers);
}

function qualityTitle(task: CsvTask): void {
  $('qualityTitle').textContent = task === 'regression' ? 'Validation RMSE' : 'Validation accuracy (%)';
}

/** The picked CSV file's columns, target and task in the settings, and the architecture they need. */
function showCsvChoice(): void {
  const target = $<HTMLSelectElement>('csvTarget');
  const task = $<HTMLSelectElement>('csvTask');
  // An opened network reads the file as it was trained: its target and task are fixed.
  target.disabled = task.disabled = openedCsv !== null;
  if (!csvChoice) {
    $('csvSummary').textContent = openedCsv ? `pick the file this network was trained on (target "${openedCsv.schema.target}")` : 'pick a file';
    demo.csv = null;
    return;
  }
  const { table } = csvChoice;
  target.replaceChildren(...table.columns.map((c) => new Option(c, c, false, c === csvChoice!.target)));
  task.value = csvChoice.task;
  qualityTitle(csvChoice.task);
  if (!input('arch').disabled) {
    const { features, outputs } = csvShape(csvChoice);
    input('arch').value = `${features}-8-${outputs}`;
  }
  input('rows').value = String(Math.max(4, Math.floor(table.rows.length / WITH_VALIDATION)));
  const classes = csvChoice.task === 'classification' ? `, ${csvShape(csvChoice).outputs} classes` : '';
  const ignored = csvChoice.ignore.length && !csvChoice.schema ? `; not numbers, so not features: ${csvChoice.ignore.join(', ')}` : '';
  $('csvSummary').textContent = `${table.name}: ${table.rows.length.toLocaleString('en-US')} rows, ${table.columns.length} columns${classes}${ignored}`;
  demo.csv = { name: table.name, rows: table.rows.length, columns: table.columns, target: csvChoice.target, task: csvChoice.task, ignore: csvChoice.ignore };
}

/** Read a picked CSV file; its last column is the target unless an opened network says otherwise. */
async function pickCsv(file: File): Promise<void> {
  try {
    const { table, delimiter } = await readCsvFile(file);
    const schema = openedCsv?.schema;
    const target = schema?.target ?? table.columns.at(-1)!;
    csvChoice = { table, delimiter, target, task: schema?.task ?? guessTask(table, target), ignore: textColumns(table, target), ...(schema ? { schema } : {}) };
    showCsvChoice();
    status(`read ${file.name} — Start trains on it`);
  } catch (error) {
    status(`${error instanceof SennError ? error.name : 'Error'}: ${(error as Error).message}`);
  } finally {
    // The same file may be picked again after an edit.
    input('csvFile').value = '';
  }
}

/** A new target or task for the picked CSV file. */
function changeCsvColumns(): void {
  if (!csvChoice) return;
  const target = $<HTMLSelectElement>('csvTarget').value;
  const task = target === csvChoice.target ? ($<HTMLSelectElement>('csvTask').value as CsvTask) : guessTask(csvChoice.table, target);
  csvChoice = { table: csvChoice.table, delimiter: csvChoice.delimiter, target, task, ignore: textColumns(csvChoice.table, target) };
  showCsvChoice();
}

function addEvent(kind: 'expand' | 'prune', epoch: number, text: string, before: number, after: number): void {
  markers.push({ epoch, kind });
  demo.events.push({ kind, epoch, parametersBefore: before, parametersAfter: after });
  const item = document.createElement('li');
  item.className = kind;
  item.textContent = `epoch ${epoch}: ${text}`;
  $('events').append(item);
  for (const c of Object.values(charts)) c.redraw();
}

/** One epoch on the charts (numbered over the network's whole history). */
function chartEpoch(r: EpochReport, regression: boolean): void {
  demo.epochs.push(r);
  charts.loss.push(r.epoch, [r.trainLoss, r.valLoss]);
  charts.quality.push(r.epoch, [regression ? Math.sqrt(r.valLoss) : 100 * r.valAccuracy]);
  charts.params.push(r.epoch, [r.params]);
}

/** The structure view of `net` (at rest, or lent to onEpoch), edge by edge where it is small enough. */
async function showStructure(net: Network): Promise<void> {
  const params = drawsEdges(net.structure) ? await net.getParameters() : undefined;
  drawStructure($<HTMLCanvasElement>('structure'), $('structureText'), net.structure, newestLevels, params);
}

async function onEpoch(r: EpochReport, net: Network, data: DemoData, current: () => boolean): Promise<void> {
  const regression = data.task === 'regression';
  chartEpoch(r, regression);
  await showStructure(net);
  if (data.plane) await drawBoundary($<HTMLCanvasElement>('boundary'), net, grid, data.validation, data.task);
  if (!regression && net.outputs <= MOST_CLASSES_SHOWN) {
    // One pass over the validation rows answers both views.
    const answers = await net.classify(data.validation);
    const names = classNames(net.outputs, datasetClassNames(data.recipe));
    demo.confusion = Array.from(showConfusion($<HTMLTableElement>('confusion'), $('confusionLegend'), data.validation, answers, names).counts);
    $('confusionPanel').hidden = false;
    if (isImageSet(data.recipe.dataset)) {
      const wrong = mistakes(data.validation.labels!, answers);
      showMistakes($('mistakes'), $('mistakesText'), data.validation, wrong, names);
      demo.mistakes = wrong;
      $('mistakesPanel').hidden = false;
    }
  }
  // A reset while the boundary was drawn: the status line (and the pad) are the new run's.
  if (!current()) return;
  if (!$('sketchPanel').hidden) await sketch.answer(net, `after epoch ${r.epoch}`);
  const quality = regression ? `val RMSE ${Math.sqrt(r.valLoss).toFixed(3)}` : `val accuracy ${(100 * r.valAccuracy).toFixed(1)}%`;
  const rate = $<HTMLSelectElement>('schedule').value === 'constant' ? '' : `, learning rate ${r.lr.toPrecision(2)}`;
  const clipped = r.gradNorm === undefined ? '' : `, gradient norm ${r.gradNorm.toPrecision(3)} (${counted(r.clippedSteps ?? 0, 'step')} clipped)`;
  status(`epoch ${r.epoch} — loss ${r.trainLoss.toFixed(4)}, ${quality}, ${r.params.toLocaleString('en-US')} parameters${rate}${clipped}`);
}

/** The settings are read when a run starts: locked while one is under way, so what they show is what runs. */
function lockSettings(locked: boolean): void {
  $<HTMLFieldSetElement>('settings').disabled = locked;
}

async function start(): Promise<void> {
  if (!runtime) return;
  // An opened network goes on training: its history stays on the charts.
  const carried = opened;
  opened = null;
  if (!carried) reset();
  const offset = carried?.history.length ?? 0;
  lockSettings(true);
  buttons.start.disabled = true;
  buttons.reset.disabled = false;
  demo.state = 'loading';
  const name = $<HTMLSelectElement>('dataset').value as DemoDataset;
  status(`loading ${name}…`);
  let current: Session | null = null;
  try {
    const csv = csvChoice ? { choice: csvChoice, ...(openedCsv?.stats ? { stats: openedCsv.stats } : {}) } : undefined;
    const rows = trainingRows(name);
    const data = await loadDemoData(name, rows, 0, csv);
    const s = settings(data, firstLayers());
    described = runDescription(data, s, offset);
    current = new Session(runtime, {
      epoch: (r, net) => onEpoch({ ...r, epoch: r.epoch + offset }, net, data, () => session === current),
      expand: (e) => {
        newestLevels.add(e.level);
        addEvent('expand', e.epoch + offset, `split ${counted(e.edgesSplit, 'edge')}${e.sharedWeightsSplit === undefined ? '' : ` (${counted(e.sharedWeightsSplit, 'shared weight')})`} → ${counted(e.neuronsAdded, 'new neuron')}; parameters ${e.parametersBefore} → ${e.parametersAfter} (${e.milliseconds.toFixed(0)} ms)`, e.parametersBefore, e.parametersAfter);
      },
      prune: (e) => addEvent('prune', e.epoch + offset, `pruned ${counted(e.edgesRemoved, 'edge')}; parameters ${e.parametersBefore} → ${e.parametersAfter}`, e.parametersBefore, e.parametersAfter),
    });
    session = current;
    buttons.pause.disabled = false;
    demo.state = 'running';
    const ended = await current.run(data, s, carried ?? undefined);
    if (session === current) {
      demo.state = ended;
      lockSettings(false);
      buttons.pause.disabled = true;
      buttons.start.disabled = false;
      savable(true);
      if (ended === 'finished') status(`${$('status').textContent} — finished`);
    }
  } catch (error) {
    // A run that a reset replaced ends quietly: the page belongs to the new one.
    if (current && session !== current) return;
    // An opened network that no run took (its data failed to load) stays open.
    if (carried && current?.net !== carried) opened = carried;
    lockSettings(false);
    demo.state = 'error';
    // fit names its options (batchSize); the page names the fields they came from.
    demo.error = error instanceof ConfigError ? inFieldWords(error.message) : (error as Error).message;
    status(`${error instanceof SennError ? error.name : 'Error'}: ${demo.error}`);
    buttons.start.disabled = false;
    buttons.pause.disabled = true;
    // Diverged: fit put the network back as it was before that epoch, which may still be saved.
    savable(Boolean(error instanceof DivergenceError && session?.net));
  }
}

async function togglePause(): Promise<void> {
  if (!session) return;
  if (demo.state === 'paused' || demo.state === 'pausing') {
    session.resume();
    demo.state = 'running';
    buttons.pause.textContent = 'Pause';
    savable(false);
  } else {
    // "paused" only once the run holds: the epoch under way still finishes and reports.
    demo.state = 'pausing';
    buttons.pause.textContent = 'Resume';
    await session.pause();
    if (demo.state !== 'pausing') return;
    demo.state = 'paused';
    // Held between epochs (in fit's onEpoch), where a network may be saved.
    savable(true);
    status(`${$('status').textContent} — paused`);
  }
}

/**
 * Load a checkpoint (from "Save network" or `senn train --save`): show its structure and its
 * history, pick its dataset where the demo has it, and let Start train it further.
 */
async function openNetwork(file: File): Promise<void> {
  if (!runtime) return;
  reset();
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const net = runtime.loadNetwork(bytes);
    opened = net;
    const run = checkpointRun(bytes);
    const recipe = run?.data as { dataset?: unknown; task?: unknown; csv?: CsvSchema; standardize?: FeatureStats; generatedRows?: unknown } | undefined;
    const dataset = recipe?.csv ? 'csv' : recipe?.dataset;
    if (recipe?.csv) {
      openedCsv = { schema: recipe.csv, ...(recipe.standardize ? { stats: recipe.standardize } : {}) };
      // A file picked before may be another one: the network's own is picked again.
      csvChoice = null;
    }
    if (typeof dataset === 'string' && dataset in PRESETS) {
      $<HTMLSelectElement>('dataset').value = dataset;
      applyPreset(dataset as DemoDataset);
      // The image rows the run picked, or the rows it generated (train and validation): Start goes on with the same.
      const picked = isImageSet(dataset) ? (run?.args as { trainRows?: unknown } | undefined)?.trainRows : recipe?.generatedRows;
      if (Number.isSafeInteger(picked)) input('rows').value = String(Math.round((picked as number) / WITH_VALIDATION));
    }
    // The settings it was trained with, as senn train --resume takes them.
    const unmatched = isRecord(run?.args) ? showRunSettings(run.args) : [];
    // The architecture and the weights are the network's own: they are what Start trains.
    input('arch').value = net.structure.sizes.join('-');
    input('arch').disabled = true;
    $<HTMLSelectElement>('init').disabled = true;
    // Its first hidden level's activation (the levels its splits added are ReLU), fixed as its weights are.
    const hidden = net.structure.levels.find((l) => l.role === 'hidden' && !l.pool);
    if (hidden) $<HTMLSelectElement>('activation').value = hidden.activation;
    $<HTMLSelectElement>('activation').disabled = true;
    const regression = recipe?.task === 'regression' || dataset === 'regression';
    net.history.forEach((h, i) => {
      const epoch = i + 1;
      chartEpoch({ ...h, epoch }, regression);
      const before = i > 0 ? net.history[i - 1]!.params : h.params;
      if (h.expanded) addEvent('expand', epoch, `split ${counted(h.expanded, 'edge')} (from the file's history)`, before, h.params);
      if (h.pruned) addEvent('prune', epoch, `pruned ${counted(h.pruned, 'edge')} (from the file's history)`, before, h.params);
    });
    await showStructure(net);
    if (dataset === 'spirals' || dataset === 'regression') {
      // Generated in the page, the 2-D data are at hand: the boundary shows at once.
      const data = await loadDemoData(dataset, trainingRows(dataset), 0);
      await drawBoundary($<HTMLCanvasElement>('boundary'), net, grid, data.validation, data.task);
    }
    demo.state = 'opened';
    demo.opened = file.name;
    void answerDrawing();
    buttons.reset.disabled = false;
    const unshown = unmatched.length ? ` (with the settings it was trained with but ${unmatched.join(', ')}, which the page has no field for)` : ' (with the settings it was trained with)';
    const next = `${openedCsv ? `pick ${String(recipe?.dataset)} as the CSV file, then Start goes on training it` : 'Start goes on training it'}${unshown}`;
    status(`opened ${file.name}: ${net.structure.sizes.join('-')}, ${net.parameterCount.toLocaleString('en-US')} parameters, ${counted(net.history.length, 'epoch')} trained — ${next}`);
  } catch (error) {
    status(`${file.name}: ${error instanceof SennError ? error.name : 'Error'}: ${(error as Error).message}`);
  } finally {
    // The same file may be picked again.
    input('open').value = '';
  }
}

/** Download the network as it is now (a finished or paused run): a checkpoint, or an ONNX model. */
async function saveAs(kind: DownloadKind): Promise<void> {
  const net = session?.net;
  if (!runtime || !net || !described) return;
  try {
    const { file, size } = await downloadNetwork(kind, runtime, net, described);
    const kib = `${(size / 1024).toFixed(0)} KiB`;
    if (kind === 'onnx') {
      demo.exported = file;
      status(`exported ${file} (${kib}): an ONNX model, for onnxruntime`);
    } else {
      demo.saved = file;
      status(`saved ${file} (${kib}): senn info, senn eval and senn train --resume take it`);
    }
  } catch (error) {
    status(`${error instanceof SennError ? error.name : 'Error'}: ${(error as Error).message}`);
  }
}

function reset(): void {
  lockSettings(false);
  session?.stop();
  session?.destroy();
  session = null;
  opened?.destroy();
  opened = null;
  demo.opened = null;
  input('arch').disabled = false;
  $<HTMLSelectElement>('init').disabled = false;
  $<HTMLSelectElement>('activation').disabled = false;
  showFirstLayer();
  if (openedCsv) {
    // The picked file stays; what the opened network fixed about it goes with the network.
    openedCsv = null;
    if (csvChoice) {
      const { schema: _fixed, ...chosen } = csvChoice;
      csvChoice = chosen;
    }
    if ($<HTMLSelectElement>('dataset').value === 'csv') showCsvChoice();
  }
  markers.length = 0;
  newestLevels.clear();
  demo.epochs = [];
  demo.events = [];
  demo.error = null;
  for (const c of Object.values(charts)) c.clear();
  $('events').replaceChildren();
  $('confusion').replaceChildren();
  $('confusionLegend').textContent = '';
  $('confusionPanel').hidden = true;
  demo.confusion = null;
  $('mistakes').replaceChildren();
  $('mistakesText').textContent = '';
  $('mistakesPanel').hidden = true;
  demo.mistakes = null;
  sketch.forget();
  for (const id of ['structure', 'boundary']) {
    const canvas = $<HTMLCanvasElement>(id);
    canvas.getContext('2d')!.clearRect(0, 0, canvas.width, canvas.height);
  }
  $('structureText').textContent = '';
  buttons.pause.textContent = 'Pause';
  buttons.pause.disabled = true;
  savable(false);
  described = null;
  buttons.start.disabled = !runtime;
  // Without a runtime the page stays unsupported, whatever preset is picked.
  if (demo.state === 'unsupported') return;
  demo.state = 'idle';
  status('Ready.');
}

async function init(): Promise<void> {
  // The metrics senn scores edges by, abs-grad (the reference's) first.
  for (const id of ['metric', 'pruneMetric']) $<HTMLSelectElement>(id).append(...METRICS.map((m) => new Option(m, m)));
  const select = $<HTMLSelectElement>('dataset');
  select.addEventListener('change', () => applyPreset(select.value as DemoDataset));
  applyPreset(select.value as DemoDataset);
  buttons.start.addEventListener('click', () => void start());
  buttons.pause.addEventListener('click', () => void togglePause());
  buttons.reset.addEventListener('click', reset);
  buttons.save.addEventListener('click', () => void saveAs('checkpoint'));
  buttons.exportOnnx.addEventListener('click', () => void saveAs('onnx'));
  input('open').addEventListener('change', () => {
    const file = input('open').files?.[0];
    if (file) void openNetwork(file);
  });
  input('csvFile').addEventListener('change', () => {
    const file = input('csvFile').files?.[0];
    if (file) void pickCsv(file);
  });
  $('csvTarget').addEventListener('change', changeCsvColumns);
  $('firstLayer').addEventListener('change', showFirstLayer);
  $('csvTask').addEventListener('change', changeCsvColumns);
  if (!('gpu' in navigator) || !navigator.gpu) {
    unsupported('This browser has no WebGPU, which senn needs to train on your GPU. Use a recent Chrome, Edge or Firefox with WebGPU enabled (Safari: Technology Preview), or run senn in Node with "npx senn train".');
    return;
  }
  try {
    runtime = await createRuntime();
  } catch (error) {
    unsupported(`WebGPU is present but unusable here: ${(error as Error).message}`);
    return;
  }
  demo.adapter = runtime.gpu.adapterName;
  $('adapter').textContent = `Adapter: ${demo.adapter}`;
  demo.state = 'idle';
  demo.ready = true;
  reset();
}

void init();
