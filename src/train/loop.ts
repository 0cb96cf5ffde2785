import { objectArg } from '../args.js';
import type { Dataset } from '../data/dataset.js';
import { checkUploadLimit, type GpuDataset, inputBytes, isStreamed, placeDataset } from '../data/gpuDataset.js';
import { derivedRandom } from '../data/random.js';
import { epochKey, resolveAugment } from '../data/augment.js';
import type { BufferOwner } from '../gpu/memory.js';
import { maxBindingBytes, storageBuffer, writeView } from '../gpu/upload.js';
import { DestroyedError, DivergenceError } from '../errors.js';
import { type Dispatch, encodeDispatches, type Recorder, submitDispatches } from '../kernels/dispatch.js';
import { countNonFinite } from '../kernels/finite.js';
import { checkDataFor } from './checks.js';
import type { EpochReport, FitOptions, LossName } from './options.js';
import { classWeightsBuffer, classWeightsFor } from './classWeights.js';
import { resolveFitOptions } from './options.js';
import { scheduledLr, scheduleSteps } from './schedule.js';
import type { ScheduleSteps } from '../kernels/optimizer.js';
import { checkGrowth, countingGrowth, type ExpansionPolicy, referencePolicy, resolveExpansion } from './expansion.js';
import { liveFloats, recordBackward, recordForward, recordLoss, recordStatistics, settleAll } from './passes.js';
import { NON_FINITE_SLOT, NORM_SLOT, STATS_SLOT, Workspace, workspaceChoices } from './workspace.js';
import { progressReporter } from './progress.js';
import { batchBytes, recordGathers, shiftedInputs } from './batchInputs.js';
import { checkBatchFits, inferenceRows } from './rows.js';
import type { Trainable } from './trainable.js';
import { assembleSteps, batches, identityOrder, PlanCache, recordInference, submitChunks, toEvaluation } from './batchSteps.js';
import { evaluate } from './singlePass.js';

export { EVAL_ROWS } from './rows.js';

/** Everything recorded for one structure: replaced after the network grows. */
interface FitPlans {
  structure: Trainable['structure'];
  /** The learning-rate schedule the optimizer's step was recorded with. */
  schedule: ScheduleSteps;
  owner: BufferOwner;
  trainWs: Workspace;
  steps: Dispatch[][];
  /** Appended to a step in the epochs that collect running statistics (fit with a policy or `edgeStatistics`). */
  statistics: Dispatch | null;
  /** Starts the call's learning-rate schedule; encoded before the call's first step. */
  beginSchedule: Dispatch;
  /** Counts the parameters that are not finite into the training stats' slot {@link NON_FINITE_SLOT}; appended to an epoch's last step. */
  finiteness: Dispatch;
  /** The trained state (parameters, optimizer moments and step) and copies of it taken at each epoch's start. */
  state: TrainedState;
  snapshot: TrainedState;
  evalWs: Workspace | null;
  /** The validation data's passes: one, or one per part where it is streamed ({@link StreamedDataset}). */
  evaluation: ValidationPart[] | null;
}

/** The steps that evaluate validation rows `from ..< from + rows` (held on the GPU, or written there first where streamed). */
interface ValidationPart {
  from: number;
  rows: number;
  steps: Dispatch[][];
}

/** The validation passes of `data`: its parts of one row count share one recording. */
async function recordValidation(net: Trainable, rec: Recorder, data: GpuDataset, ws: Workspace, loss: LossName): Promise<ValidationPart[]> {
  const total = isStreamed(data) ? data.source.rows : data.data.rows;
  const per = isStreamed(data) ? data.partRows : total;
  const recorded = new Map<number, Promise<Dispatch[][]>>();
  const parts: { from: number; rows: number }[] = [];
  for (let from = 0; from < total; from += per) {
    const rows = Math.min(per, total - from);
    parts.push({ from, rows });
    if (!recorded.has(rows)) recorded.set(rows, recordInference(net, rec, data, ws, loss, rows).then((r) => r.steps));
  }
  return settleAll(parts.map(async (part) => ({ ...part, steps: await recorded.get(part.rows)! })));
}

/**
 * Train `net` on `train`; see {@link FitOptions}. Returns one report per epoch. `keep` is
 * given each epoch that stays in the network, before `onEpoch`: every epoch that ends, and one
 * whose policy grew the network and then failed (its growth cannot be undone, so the epoch is
 * kept with it, counted as far as the policy got).
 */
export async function fit(net: Trainable, train: Dataset, options: FitOptions = {}, keep?: (report: EpochReport) => void): Promise<EpochReport[]> {
  const o = resolveFitOptions(options);
  checkDataFor(train, 'training data', net.inputs, net.outputs, o.loss);
  const augment = resolveAugment(options.augment, train);
  const validation = options.validation;
  if (validation) checkDataFor(validation, 'validation data', net.inputs, net.outputs, o.loss);
  const classWeights = classWeightsFor(o.loss, options.classWeights, net.outputs, train);
  const expansion = options.expansion === undefined ? undefined : objectArg('fit: expansion', options.expansion);
  // The reference policy's options (anything but a policy of one's own).
  const reference = expansion !== undefined && !('afterEpoch' in expansion) ? expansion : null;
  const policy = reference ? referencePolicy(reference) : ((expansion as ExpansionPolicy | undefined) ?? null);
  if (reference) {
    const growth = net.growthControl();
    checkGrowth(growth.structure(), growth.expandable(), resolveExpansion(reference), train);
  }
  const statistics = Boolean(options.edgeStatistics || policy);
  // The network's epochs before this call, for a policy picking up a resumed run's state.
  const earlier = [...net.history];
  // Read once: the plans recorded again after growth run the tail as the first ones did.
  const choices = workspaceChoices(net);
  const gpu = net.gpu;
  gpu.check();
  const device = gpu.device;
  const owner = gpu.memory.owner('fit');
  const reports: EpochReport[] = [];
  let plans: FitPlans | null = null;
  try {
    // Uploaded once per call (or a part at a time, below); only the recorded plans depend on the structure.
    const batchRows = Math.min(o.batchSize, train.rows);
    checkBatchFits(net.structure, device.limits, batchRows);
    const evalRows = validation ? inferenceRows(net.structure, device.limits, validation.rows) : 0;
    // Data larger than one upload is held a part at a time, written from the CPU as the epoch
    // reaches it (the training part in the epoch's shuffled order).
    if (options.maxUploadBytes !== undefined) checkUploadLimit('maxUploadBytes', String(options.maxUploadBytes), options.maxUploadBytes, [
        { data: train, rows: batchRows, of: 'training' },
        ...(validation ? [{ data: validation, rows: evalRows, of: 'validation' }] : []),
      ]);
    const uploadLimit = Math.min(options.maxUploadBytes ?? Infinity, maxBindingBytes(device.limits));
    // Moved whole, the inputs take a second buffer, which maxUploadBytes counts too.
    const wholeLimit = augment && options.maxUploadBytes !== undefined ? options.maxUploadBytes - inputBytes(train) : uploadLimit;
    const trainData = placeDataset(gpu, owner, train, uploadLimit, batchRows, `a batch of ${batchRows} training rows`, wholeLimit);
    const valData = validation ? placeDataset(gpu, owner, validation, uploadLimit, evalRows, `a pass over ${evalRows} validation rows`) : null;
    const trainStream = isStreamed(trainData) ? trainData : null;
    const valStream = valData && isStreamed(valData) ? valData : null;
    // Augmented, the steps gather from a copy of the data moved anew each epoch (streamed: moved as each part is written).
    const moved = augment && !trainStream ? await shiftedInputs({ kernels: net.kernels, device, owner }, trainData, augment) : null;
    const order = trainStream ? identityOrder(gpu, owner, trainStream.partRows) : storageBuffer(device, owner, 'order.train', train.rows * 4).buffer;
    const slots = batches(train.rows, batchRows);
    // Streamed, a batch's rows start at its position in its part.
    const gatherSlots = trainStream ? slots.map((s) => ({ rows: s.rows, start: s.start % trainStream.partRows })) : slots;
    // The schedule runs over the call's epochs; with restartAtGrowth, again over the epochs left
    // after each expansion (the plans recorded for the grown structure carry it, and the next
    // epoch's first step starts it).
    let schedule = scheduleSteps(o.schedule, o.epochs, slots.length);
    let scheduleFrom = 0;
    let beginSchedule = true;

    const record = async (): Promise<FitPlans> => {
      const planOwner = gpu.memory.owner('fit');
      const rec: Recorder = { kernels: net.kernels, device, owner: planOwner };
      const trainWs = new Workspace(device, planOwner, net.structure, batchRows, batchBytes(trainData), choices, o.inputDropout);
      const target = { smoothing: o.labelSmoothing, classWeights: classWeightsBuffer(device, planOwner, classWeights) };
      const evalWs = valData ? new Workspace(device, planOwner, net.structure, evalRows, batchBytes(valData), choices) : null;
      // Everything is requested before anything is awaited: the kernels a new structure needs
      // then compile concurrently (a split's nine new pipelines: 3.3–3.5 s one after the
      // other on SwiftShader, 2.4 s together).
      const optimizer = net.optimizerFor(o.optimizer.name);
      const drop = { rate: o.dropout, seed: o.seed, counter: optimizer.counter.buffer };
      const gathers = recordGathers(rec, net, moved?.data ?? trainData, trainWs, gatherSlots, order, drop);
      // The structure's values, which the update and the finiteness count walk (not the buffers' capacity).
      const live = liveFloats(net);
      const clip = o.maxGradNorm === null ? undefined : { maxNorm: o.maxGradNorm, floats: net.structure.floats, counted: net.ties()?.counted ?? null, stats: trainWs.stats.buffer, slot: NORM_SLOT };
      const update = optimizer.record(rec, net.params, net.grads, o.optimizer, schedule, live, clip);
      const bodies = new PlanCache(async (rows) => {
        const [forward, loss, backward, updates] = await settleAll([
          recordForward(rec, net, trainWs, rows, drop),
          recordLoss(rec, net, trainWs, rows, o.loss, true, 0, target),
          recordBackward(rec, net, trainWs, rows, drop),
          update,
        ]);
        return [...forward, ...loss, ...backward, ...updates];
      });
      const [steps, evaluation, accumulate, beginSchedule, finiteness] = await settleAll([
        assembleSteps(slots, gathers, bodies),
        valData && evalWs ? recordValidation(net, rec, valData, evalWs, o.loss) : null,
        statistics ? recordStatistics(rec, net) : null,
        optimizer.recordBegin(rec),
        countNonFinite(rec, { count: live, values: net.params, result: { buffer: trainWs.stats.buffer, offset: 0, size: (NON_FINITE_SLOT + 1) * 4 }, slot: NON_FINITE_SLOT }),
      ]);
      const state: TrainedState = [net.params, optimizer.moment1.buffer, optimizer.moment2.buffer, optimizer.counter.buffer];
      const snapshot = state.map((b) => planOwner.create('fit.snapshot', b.size, GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST).buffer) as TrainedState;
      return { structure: net.structure, schedule, owner: planOwner, trainWs, steps, statistics: accumulate, beginSchedule, finiteness, state, snapshot, evalWs, evaluation };
    };
    const classification = o.loss === 'softmax-cross-entropy';
    const progress = options.onProgress ? progressReporter(gpu, owner, options.onProgress, options.progressUpdates ?? 20, o.epochs, batchRows, train.rows) : null;
    /** Validation loss and accuracy (NaN without validation data) with the current plans. */
    const validate = async (p: FitPlans) => {
      if (!p.evaluation || !p.evalWs) return { loss: Number.NaN, accuracy: Number.NaN };
      for (const [k, part] of p.evaluation.entries()) {
        valStream?.fill(null, part.from, part.rows);
        submitChunks(device, p.evalWs, part.steps, { clear: k === 0 });
      }
      return toEvaluation(await gpu.readFloats(p.evalWs.stats.buffer, STATS_SLOT / 4, 4), 0, classification);
    };
    const current = async (): Promise<FitPlans> => {
      // A restarted schedule comes with growth, but a policy of one's own may report an
      // expansion that left the structure as it was: the step is recorded again either way.
      if (!plans || plans.structure !== net.structure || plans.schedule !== schedule) {
        plans?.owner.destroy();
        plans = await record();
      }
      return plans;
    };

    // The lowest validation loss of the call so far, for earlyStop.
    const lowest = { loss: Number.POSITIVE_INFINITY, epoch: 0 };
    let stoppedEarly = false;
    for (let epoch = 1; epoch <= o.epochs && !options.signal?.aborted && !stoppedEarly; epoch++) {
      const started = performance.now();
      // A policy reads the statistics only after some epochs (the reference: one that may
      // expand, and the pruning); the others train without the dispatch that accumulates them
      // (one pass over the gradient buffer a step). Either way the step runs the same kernels,
      // so switching costs no compile. The last epoch always collects them, so they are there
      // for whoever scores edges after fit.
      const collect = statistics && (Boolean(options.edgeStatistics) || epoch === o.epochs || (policy?.needsStatistics?.(epoch, o.epochs, earlier) ?? true));
      const p = await current();
      // Keyed by the network's epoch, not this call's: a run resumed from a checkpoint shuffles as the uninterrupted run.
      const permutation = o.shuffle ? derivedRandom(o.seed, earlier.length + epoch).permutation(train.rows) : Uint32Array.from({ length: train.rows }, (_, i) => i);
      if (!trainStream) writeView(device, order, 0, permutation);
      const key = augment ? epochKey(o.seed, earlier.length + epoch) : 0;
      if (moved) {
        moved.shifts.setKey(key);
        submitDispatches(device, [moved.shifts.dispatch], 'augment');
      }
      const reported: Promise<void>[] = [];
      for (const [i, step] of p.steps.entries()) {
        if (net.destroying) throw new DestroyedError(`the network was destroyed during fit (in epoch ${epoch})`);
        const first = i * batchRows;
        if (trainStream && first % trainStream.partRows === 0) trainStream.fill(permutation, first, Math.min(trainStream.partRows, train.rows - first), augment ? { augment, key } : undefined);
        // One command buffer per step; the only non-dispatch commands are the resets.
        const encoder = device.createCommandEncoder({ label: `step ${i}` });
        if (i === 0) {
          encoder.clearBuffer(p.trainWs.stats.buffer);
          if (statistics) encoder.clearBuffer(net.edgeStats);
          copyState(encoder, p.state, p.snapshot);
        }
        const pass = encoder.beginComputePass();
        if (beginSchedule && i === 0) encodeDispatches(pass, [p.beginSchedule]);
        encodeDispatches(pass, step);
        if (collect) encodeDispatches(pass, [p.statistics!]);
        if (i === p.steps.length - 1) encodeDispatches(pass, [p.finiteness]);
        pass.end();
        const slot = progress?.due(i, p.steps.length);
        if (slot !== undefined) encoder.copyBufferToBuffer(p.trainWs.stats.buffer, 0, progress!.staging[slot]!.buffer, 0, 16);
        device.queue.submit([encoder.finish()]);
        if (slot !== undefined) reported.push(progress!.report(slot, { epoch, step: i + 1, steps: p.steps.length, started }));
      }
      await Promise.all(reported);
      beginSchedule = false;
      if (statistics) net.noteStatistics(collect ? p.steps.length : 0, true);
      const trained = await gpu.readFloats(p.trainWs.stats.buffer, 0, NORM_SLOT + 2);
      const t = toEvaluation(trained, 0, classification);
      const nonFinite = new Uint32Array(trained.buffer, trained.byteOffset, NON_FINITE_SLOT + 1)[NON_FINITE_SLOT]!;
      const v = await validate(p);
      // Diverged (the training loss over the epoch, or the validation loss of where it ended,
      // is not finite, or a parameter is, which no loss shows where it feeds a ReLU whose
      // max(NaN, 0) is 0): the network goes back to the epoch's start.
      const diverged = !Number.isFinite(t.loss)
        ? `its mean training loss is ${t.loss}`
        : validation && !Number.isFinite(v.loss)
          ? `the validation loss after it is ${v.loss}`
          : nonFinite > 0
            ? `${nonFinite} of its parameter values ${nonFinite === 1 ? 'is' : 'are'} not finite after it, though its losses are`
            : null;
      // The network as it was when the epoch started, its statistics cleared.
      const restore = async () => {
        const encoder = device.createCommandEncoder({ label: 'restore' });
        copyState(encoder, p.snapshot, p.state);
        if (statistics) encoder.clearBuffer(net.edgeStats);
        device.queue.submit([encoder.finish()]);
        if (statistics) net.noteStatistics(0, true);
        await gpu.settle();
      };
      if (diverged) {
        await restore();
        throw new DivergenceError(`training diverged in epoch ${epoch}: ${diverged}; the network is as it was before that epoch (a lower learning rate may help)`);
      }
      const report: EpochReport = {
        epoch,
        trainLoss: t.loss,
        trainAccuracy: t.accuracy,
        valLoss: v.loss,
        valAccuracy: v.accuracy,
        params: net.parameterCount,
        seconds: 0,
        expanded: 0,
        pruned: 0,
        lr: scheduledLr(o.optimizer.lr, schedule, (epoch - scheduleFrom) * p.steps.length),
        architecture: net.structure.sizes,
        ...(o.maxGradNorm === null ? {} : { gradNorm: trained[NORM_SLOT]! / p.steps.length, clippedSteps: trained[NORM_SLOT + 1]! }),
      };
      reports.push(report);
      if (policy) {
        let growth: { expanded: number; pruned: number };
        // What the policy's splits and prunes did, for an epoch whose policy fails after growing.
        const made = { expanded: 0, pruned: 0 };
        try {
          growth = await policy.afterEpoch({
            epoch,
            epochs: o.epochs,
            history: reports,
            earlier,
            network: countingGrowth(net.growthControl(), made),
            train,
            loss: o.loss,
            batchSize: batchRows,
            ...(o.labelSmoothing > 0 ? { labelSmoothing: o.labelSmoothing } : {}),
            ...(classWeights ? { classWeights } : {}),
            ...(options.maxUploadBytes !== undefined ? { maxUploadBytes: options.maxUploadBytes } : {}),
            currentLoss: async () => {
              const now = await current();
              return now.evaluation ? (await validate(now)).loss : (await evaluate(net, train, o.loss)).loss;
            },
          });
        } catch (error) {
          // A policy that fails (a custom one's bug) without having grown the network leaves it
          // as it was when the epoch started, as a divergence does: the epoch is in neither its
          // weights nor its history. One that grew it first keeps the epoch and the growth, and
          // the epoch joins the history with what the growth did, so the two agree.
          if (net.structure === p.structure) await restore();
          else {
            Object.assign(report, made, { params: net.parameterCount, architecture: net.structure.sizes, seconds: (performance.now() - started) / 1000 });
            keep?.(report);
          }
          throw error;
        }
        report.expanded = growth.expanded;
        if (growth.expanded > 0 && o.schedule?.restartAtGrowth && epoch < o.epochs) {
          schedule = scheduleSteps(o.schedule, o.epochs - epoch, slots.length, 0);
          scheduleFrom = epoch;
          beginSchedule = true;
        }
        report.pruned = growth.pruned;
        report.params = net.parameterCount;
        report.architecture = net.structure.sizes;
      }
      if (report.valLoss < lowest.loss) Object.assign(lowest, { loss: report.valLoss, epoch });
      else if (options.earlyStop && epoch - lowest.epoch >= options.earlyStop.patience) {
        report.earlyStop = { bestEpoch: lowest.epoch, bestLoss: lowest.loss };
        stoppedEarly = true;
      }
      report.seconds = (performance.now() - started) / 1000;
      keep?.(report);
      await options.onEpoch?.(report);
    }
    await gpu.settle();
    return reports;
  } finally {
    (plans as FitPlans | null)?.owner.destroy();
    owner.destroy();
  }
}

/** What training changes: the parameter buffer, the optimizer's two moments and its step counter. */
type TrainedState = [GPUBuffer, GPUBuffer, GPUBuffer, GPUBuffer];

function copyState(encoder: GPUCommandEncoder, from: TrainedState, to: TrainedState): void {
  from.forEach((buffer, k) => encoder.copyBufferToBuffer(buffer, 0, to[k]!, 0, buffer.size));
}
