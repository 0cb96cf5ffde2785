// Steps over batches, shared by training and the single passes over data: a dataset cut into
// batch slots, each slot's gather followed by the body recorded once per row count, and
// inference chunks submitted in one command buffer.
import type { GpuContext } from '../gpu/context.js';
import type { BufferOwner } from '../gpu/memory.js';
import { uploadStorage } from '../gpu/upload.js';
import type { GpuDataset } from '../data/gpuDataset.js';
import { type Dispatch, encodeDispatches, type Recorder } from '../kernels/dispatch.js';
import type { GatherSlot } from '../kernels/gather.js';
import type { LossName } from './options.js';
import { recordForward, recordLoss, settleAll } from './passes.js';
import { recordGathers } from './batchInputs.js';
import type { Trainable } from './trainable.js';
import type { Workspace } from './workspace.js';

export interface Evaluation {
  loss: number;
  /** Fraction of rows whose argmax equals the label; NaN for regression. */
  accuracy: number;
  rows: number;
}

export function batches(rows: number, size: number): GatherSlot[] {
  const slots: GatherSlot[] = [];
  for (let start = 0; start < rows; start += size) slots.push({ rows: Math.min(size, rows - start), start });
  return slots;
}

/** Per distinct row count, the recorded body of a step (plans are built once per shape). */
export class PlanCache {
  private readonly plans = new Map<number, Promise<Dispatch[]>>();
  constructor(private readonly build: (rows: number) => Promise<Dispatch[]>) {}
  get(rows: number): Promise<Dispatch[]> {
    let plan = this.plans.get(rows);
    if (!plan) {
      plan = this.build(rows);
      this.plans.set(rows, plan);
    }
    return plan;
  }
}

/** Each slot's dispatches: its gather, then the body recorded for its row count. */
export async function assembleSteps(slots: readonly GatherSlot[], gathers: Promise<Dispatch[][]>, bodies: PlanCache): Promise<Dispatch[][]> {
  const [gathered, recorded] = await settleAll([gathers, settleAll(slots.map((slot) => bodies.get(slot.rows)))]);
  return slots.map((_, i) => [...gathered[i]!, ...recorded[i]!]);
}

/** Identity order 0 … rows−1, for evaluation and prediction. */
export function identityOrder(gpu: GpuContext, owner: BufferOwner, rows: number): GPUBuffer {
  const order = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  return uploadStorage(gpu.device, owner, 'order.identity', order).buffer;
}

/** Everything needed to run a dataset through the network in chunks without labels' gradients. */
export async function recordInference(
  net: Trainable,
  rec: Recorder,
  data: GpuDataset,
  ws: Workspace,
  loss: LossName | 'none',
  rows = data.data.rows,
): Promise<{ slots: GatherSlot[]; steps: Dispatch[][] }> {
  const slots = batches(rows, ws.maxRows);
  const gathers = recordGathers(rec, net, data, ws, slots, identityOrder(net.gpu, rec.owner, rows));
  const bodies = new PlanCache(async (rows) => {
    const [forward, scored] = await settleAll([recordForward(rec, net, ws, rows), loss === 'none' ? [] : recordLoss(rec, net, ws, rows, loss, false, 1)]);
    return [...forward, ...scored];
  });
  return { slots, steps: await assembleSteps(slots, gathers, bodies) };
}

export function toEvaluation(stats: Float32Array, offset: number, classification: boolean): Evaluation {
  const rows = stats[offset + 2]!;
  return { loss: stats[offset]! / rows, accuracy: classification ? stats[offset + 1]! / rows : Number.NaN, rows };
}

/** Submit inference chunks in one command buffer; `clear`: zero the loss sums first (default), else add to them. */
export function submitChunks(
  device: GPUDevice,
  ws: Workspace,
  steps: readonly Dispatch[][],
  o: { afterChunk?: (encoder: GPUCommandEncoder, chunk: number) => void; clear?: boolean } = {},
): void {
  const encoder = device.createCommandEncoder({ label: 'inference' });
  if (o.clear ?? true) encoder.clearBuffer(ws.stats.buffer);
  for (const [i, step] of steps.entries()) {
    const pass = encoder.beginComputePass();
    encodeDispatches(pass, step);
    pass.end();
    o.afterChunk?.(encoder, i);
  }
  device.queue.submit([encoder.finish()]);
}
