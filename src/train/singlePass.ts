// The network's calls that run data through it once, without training: evaluate, predict,
// gradients and the exact statistics pass. Each owns what it uploads and records for the call
// and destroys it when the call ends, whatever happens.
import { objectArg } from '../args.js';
import { type Dataset, rowsAsDataset } from '../data/dataset.js';
import { checkUploadLimit, type GpuDataset, PART_BYTES, rowParts, uploadDataset } from '../data/gpuDataset.js';
import { maxBindingBytes, storageBuffer, uploadStorage } from '../gpu/upload.js';
import { encodeDispatches, type Recorder } from '../kernels/dispatch.js';
import type { GradientOptions, StatisticsPassOptions } from '../graph/network.js';
import { checkDataFor, gradientDropout } from './checks.js';
import { classWeightsBuffer, classWeightsFor } from './classWeights.js';
import { labelSmoothingFor, resolveStatisticsOptions, type LossName } from './options.js';
import { recordBackward, recordForward, recordLoss, recordStatistics } from './passes.js';
import { STATS_SLOT, Workspace, workspaceChoices } from './workspace.js';
import { batchBytes, recordGathers } from './batchInputs.js';
import { checkBatchFits, inferenceRows } from './rows.js';
import { batches, type Evaluation, identityOrder, PlanCache, recordInference, submitChunks, toEvaluation } from './batchSteps.js';
import type { Trainable } from './trainable.js';

/**
 * Run `body` with a recorder, a workspace for `rows` rows and `data` uploaded, all owned by
 * one short-lived owner that is destroyed afterwards, whatever happens.
 */
async function withCall<T>(
  net: Trainable,
  name: string,
  data: Dataset,
  rows: number,
  body: (rec: Recorder, ws: Workspace, uploaded: GpuDataset) => Promise<T>,
  dropout?: { rate: number; inputRate: number },
): Promise<T> {
  const gpu = net.gpu;
  gpu.check();
  const owner = gpu.memory.owner(name);
  try {
    const rec: Recorder = { kernels: net.kernels, device: gpu.device, owner };
    const uploaded = uploadDataset(gpu, owner, data);
    const ws = new Workspace(gpu.device, owner, net.structure, rows, batchBytes(uploaded), workspaceChoices(net), dropout?.inputRate);
    return await body(rec, ws, uploaded);
  } finally {
    owner.destroy();
  }
}

/** Loss and accuracy of `net` on `data` (a part at a time where it is larger than one upload, see {@link rowParts}). */
export async function evaluate(net: Trainable, data: Dataset, lossName: LossName = 'softmax-cross-entropy', partBytes = PART_BYTES): Promise<Evaluation> {
  checkDataFor(data, 'evaluation data', net.inputs, net.outputs, lossName);
  const sums = new Float64Array(3); // loss sum, correct rows, rows
  for (const part of rowParts(data, Math.min(partBytes, maxBindingBytes(net.gpu.device.limits)))) {
    const stats = await withCall(net, 'evaluate', part, inferenceRows(net.structure, net.gpu.device.limits, part.rows), async (rec, ws, uploaded) => {
      const { steps } = await recordInference(net, rec, uploaded, ws, lossName);
      submitChunks(net.gpu.device, ws, steps);
      return net.gpu.readFloats(ws.stats.buffer, STATS_SLOT / 4, 4);
    });
    for (let i = 0; i < 3; i++) sums[i] = sums[i]! + stats[i]!;
  }
  return toEvaluation(Float32Array.from(sums), 0, lossName === 'softmax-cross-entropy');
}

/** Network outputs for every row of `rows` (a dataset, or rows at hand: {@link rowsAsDataset}), rows × outputs (a part at a time where it is larger than one upload). */
export async function predict(net: Trainable, rows: Dataset | Float32Array | Uint8Array, partBytes = PART_BYTES): Promise<Float32Array> {
  const data = rowsAsDataset(rows, net.inputs, 'prediction input');
  checkDataFor(data, 'prediction input', net.inputs, net.outputs, 'none');
  const outputs = net.outputs;
  const all = new Float32Array(data.rows * outputs);
  let at = 0;
  for (const part of rowParts(data, Math.min(partBytes, maxBindingBytes(net.gpu.device.limits)))) {
    all.set(
      await withCall(net, 'predict', part, inferenceRows(net.structure, net.gpu.device.limits, part.rows), async (rec, ws, uploaded) => {
        const { slots, steps } = await recordInference(net, rec, uploaded, ws, 'none');
        const result = storageBuffer(net.gpu.device, rec.owner, 'predictions', part.rows * outputs * 4);
        submitChunks(net.gpu.device, ws, steps, {
          afterChunk: (encoder, i) => {
            const slot = slots[i]!;
            encoder.copyBufferToBuffer(ws.output.buffer, ws.output.offset, result.buffer, slot.start * outputs * 4, slot.rows * outputs * 4);
          },
        });
        return net.gpu.readFloats(result.buffer, 0, part.rows * outputs);
      }),
      at,
    );
    at += part.rows * outputs;
  }
  return all;
}

/**
 * Gradients of the mean loss over all of `data` (one batch) w.r.t. every parameter, in the
 * flat layout of the network's parameter buffer. Parameters are not changed.
 */
export async function gradients(net: Trainable, data: Dataset, lossName: LossName = 'softmax-cross-entropy', options: GradientOptions = {}): Promise<Float32Array> {
  const given = objectArg('gradients: options', options);
  const smoothing = labelSmoothingFor(lossName, given.labelSmoothing);
  checkDataFor(data, 'gradient data', net.inputs, net.outputs, lossName);
  const weights = classWeightsFor(lossName, given.classWeights, net.outputs, data);
  const dropout = gradientDropout(given.dropout);
  checkBatchFits(net.structure, net.gpu.device.limits, data.rows);
  return withCall(net, 'gradients', data, data.rows, async (rec, ws, uploaded) => {
    const slots = [{ rows: data.rows, start: 0 }];
    // The step the masks are drawn for, where training's forward finds it (the optimizer's counter).
    const drop = dropout ? { ...dropout, counter: uploadStorage(net.gpu.device, rec.owner, 'dropout.step', new Float32Array([dropout.step, 0, 0, 0])).buffer } : undefined;
    const [gather] = await recordGathers(rec, net, uploaded, ws, slots, identityOrder(net.gpu, rec.owner, data.rows), drop);
    const step = [
      ...gather!,
      ...(await recordForward(rec, net, ws, data.rows, drop)),
      ...(await recordLoss(rec, net, ws, data.rows, lossName, true, 0, { smoothing, classWeights: classWeightsBuffer(net.gpu.device, rec.owner, weights) })),
      ...(await recordBackward(rec, net, ws, data.rows, drop)),
    ];
    submitChunks(net.gpu.device, ws, [step]);
    return net.gpu.readFloats(net.grads);
  }, dropout ?? undefined);
}

/**
 * Clear the running per-edge statistics and fill them with one pass over `data`: forward,
 * loss and backward per batch, no parameter update (a part at a time where `data` is larger than
 * one upload, see {@link rowParts}). Returns the number of batches.
 */
export async function collectStatistics(net: Trainable, data: Dataset, options: StatisticsPassOptions): Promise<number> {
  const { batchSize, loss: lossName, labelSmoothing, maxUploadBytes } = resolveStatisticsOptions(objectArg('collectEdgeStatistics: options', options));
  checkDataFor(data, 'statistics data', net.inputs, net.outputs, lossName);
  // 'balanced' from all of data's labels, not each part's.
  const weights = classWeightsFor(lossName, options.classWeights, net.outputs, data);
  const rows = Math.min(batchSize, data.rows);
  checkBatchFits(net.structure, net.gpu.device.limits, rows);
  if (maxUploadBytes !== undefined) checkUploadLimit('maxUploadBytes', String(maxUploadBytes), maxUploadBytes, [{ data, rows, of: 'statistics' }]);
  const partBytes = maxUploadBytes ?? PART_BYTES;
  let counted = 0;
  // Parts of whole batches (where the data is larger than one upload), so the batches are those of one pass.
  const parts = rowParts(data, Math.min(partBytes, maxBindingBytes(net.gpu.device.limits)), rows);
  for (const [k, part] of parts.entries()) {
    counted += await withCall(net, 'statistics', part, rows, async (rec, ws, uploaded) => {
      const slots = batches(part.rows, rows);
      const gathers = await recordGathers(rec, net, uploaded, ws, slots, identityOrder(net.gpu, rec.owner, part.rows));
      const target = { smoothing: labelSmoothing, classWeights: classWeightsBuffer(net.gpu.device, rec.owner, weights) };
      const bodies = new PlanCache(async (n) => [
        ...(await recordForward(rec, net, ws, n)),
        ...(await recordLoss(rec, net, ws, n, lossName, true, 0, target)),
        ...(await recordBackward(rec, net, ws, n)),
        await recordStatistics(rec, net),
      ]);
      const encoder = net.gpu.device.createCommandEncoder({ label: 'edge statistics' });
      if (k === 0) encoder.clearBuffer(net.edgeStats);
      for (const [i, slot] of slots.entries()) {
        const pass = encoder.beginComputePass();
        encodeDispatches(pass, [...gathers[i]!, ...(await bodies.get(slot.rows))]);
        pass.end();
      }
      net.gpu.device.queue.submit([encoder.finish()]);
      await net.gpu.settle();
      return slots.length;
    });
  }
  return counted;
}
