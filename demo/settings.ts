// The run's settings as the page's fields give them, read and checked when a run starts.
import { type Activation, type Connections, MAX_GENERATED_ROWS, type Metric, type WeightInit } from '../src/index.js';
import { type DemoData, type DemoDataset, WITH_VALIDATION } from './data.js';
import { $, input, label } from './fields.js';
import type { DemoOptimizer, RunSettings } from './session.js';

/** The "Optimizer" choice as fit takes it, without the rate. */
export function optimizerSetting(choice: string): DemoOptimizer {
  if (choice === 'sgd' || choice === 'sgd-nesterov') return { name: 'sgd', momentum: 0.9, nesterov: choice === 'sgd-nesterov' };
  return { name: choice === 'adamw' ? 'adamw' : 'adam' };
}

/** The "Rate schedule" choice as fit takes it (null: the constant rate). */
function scheduleSetting(choice: string): RunSettings['schedule'] {
  if (choice === 'cosine') return { name: 'cosine' };
  if (choice === 'cosine-restart') return { name: 'cosine', restartAtGrowth: true };
  return null;
}

// The clipping and smoothing fields are checked here, not by fit's messages in the field's words
// (app.ts's FIELD_OF_OPTION): fit's name an Infinity a number field cannot hold and a loss the
// page never names, where the page's say what an empty field means.

/** The "Clip gradient norm" field as fit's maxGradNorm: empty, no clipping; else a number above 0. */
function clipSetting(num: (id: string) => number): Pick<RunSettings, 'maxGradNorm'> {
  if (input('maxGradNorm').value.trim() === '') return {};
  const bound = num('maxGradNorm');
  if (!(bound > 0)) throw new Error(`${label('maxGradNorm')} must be above 0 (empty: no clipping)`);
  return { maxGradNorm: bound };
}

/** The "Label smoothing" field as fit's labelSmoothing: 0 (or empty), none; a classifier's only. */
function smoothingSetting(num: (id: string) => number, data: DemoData): Pick<RunSettings, 'labelSmoothing'> {
  if (input('labelSmoothing').value.trim() === '') return {};
  const smoothing = num('labelSmoothing');
  if (!(smoothing >= 0 && smoothing <= 1)) throw new Error(`${label('labelSmoothing')} must be from 0 to 1`);
  if (smoothing > 0 && data.task === 'regression') throw new Error(`${label('labelSmoothing')} applies to classification, not regression`);
  return smoothing > 0 ? { labelSmoothing: smoothing } : {};
}

/** The "Dropout" and "Input dropout" fields as fit's dropout and inputDropout: 0 (or empty), none; else below 1. */
function dropoutSetting(num: (id: string) => number): Pick<RunSettings, 'dropout' | 'inputDropout'> {
  const rates: Pick<RunSettings, 'dropout' | 'inputDropout'> = {};
  for (const id of ['dropout', 'inputDropout'] as const) {
    if (input(id).value.trim() === '') continue;
    const rate = num(id);
    if (!(rate >= 0 && rate < 1)) throw new Error(`${label(id)} must be from 0 to below 1`);
    if (rate > 0) rates[id] = rate;
  }
  return rates;
}

/** The "Class weights" choice as fit's classWeights: none, or balanced for a classifier. */
function classWeightsSetting(data: DemoData): Pick<RunSettings, 'classWeights'> {
  if ($<HTMLSelectElement>('classWeights').value !== 'balanced') return {};
  if (data.task === 'regression') throw new Error(`${label('classWeights')} apply to classification, not regression`);
  return { classWeights: 'balanced' };
}

/**
 * The training rows asked for: a whole number from the field's least (100; 4 for a CSV file, whose
 * rows are what it has) to what a generated set can hold (a fifth more are drawn for validation).
 */
export function trainingRows(name: DemoDataset): number {
  const least = name === 'csv' ? 4 : 100;
  const most = Math.floor(MAX_GENERATED_ROWS / WITH_VALIDATION);
  const text = input('rows').value;
  const rows = Number(text);
  if (text.trim() === '' || !Number.isInteger(rows) || rows < least || rows > most) {
    throw new Error(`${label('rows')} must be a whole number from ${least} to ${most.toLocaleString('en-US')}`);
  }
  return rows;
}

/**
 * Read and check the settings (`firstLayers`: the first layer picked, if not complete); throws
 * with a message naming the bad field.
 */
export function settings(data: DemoData, firstLayers: Connections[] | undefined): RunSettings {
  const num = (id: string) => {
    const text = input(id).value;
    const v = Number(text);
    // Number('') is 0: an emptied field is not a zero.
    if (text.trim() === '' || !Number.isFinite(v)) throw new Error(`${label(id)} must be a number`);
    return v;
  };
  const sizes = input('arch').value.split('-').map(Number);
  if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new Error('architecture must look like 2-8-2');
  const outputs = data.task === 'regression' ? 1 : data.train.classes!;
  if (sizes[0] !== data.features || sizes.at(-1) !== outputs) {
    throw new Error(`architecture must start with ${data.features} inputs and end with ${outputs} outputs for this dataset`);
  }
  return {
    sizes,
    epochs: num('epochs'),
    batch: num('batch'),
    lr: num('lr'),
    optimizer: optimizerSetting($<HTMLSelectElement>('optimizer').value),
    schedule: scheduleSetting($<HTMLSelectElement>('schedule').value),
    ...clipSetting(num),
    ...smoothingSetting(num, data),
    ...dropoutSetting(num),
    ...classWeightsSetting(data),
    init: $<HTMLSelectElement>('init').value as WeightInit,
    activation: $<HTMLSelectElement>('activation').value as Activation,
    seed: 0,
    augmentShift: Number($<HTMLSelectElement>('augmentShift').value),
    expansion: {
      metric: $<HTMLSelectElement>('metric').value as Metric,
      // Empty: the split metric, as ALGORITHM.md prunes.
      ...($<HTMLSelectElement>('pruneMetric').value ? { pruneMetric: $<HTMLSelectElement>('pruneMetric').value as Metric } : {}),
      chooseThreshold: num('chooseThreshold'),
      maxToReplace: num('maxToReplace'),
      // Empty: no budget; fit checks the number (its message told in the field's words).
      ...(input('maxParameters').value.trim() === '' ? {} : { maxParameters: num('maxParameters') }),
      lossChangeThreshold: num('lossChangeThreshold'),
      window: num('window'),
      minEpochsBetween: num('minEpochsBetween'),
      deleteAfter: num('deleteAfter'),
      deleteThreshold: num('deleteThreshold'),
      exactSplit: input('exactSplit').checked ? 'signed' : false,
      neuronsPerEdge: num('neuronsPerEdge'),
    },
    ...(firstLayers ? { firstLayers } : {}),
  };
}
