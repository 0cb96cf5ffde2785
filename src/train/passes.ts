import type { LayerInfo } from '../graph/layout.js';
import { activationGrad, biasGrad, matmul } from '../kernels/dense.js';
import type { Dispatch, Recorder } from '../kernels/dispatch.js';
import { loss } from '../kernels/loss.js';
import type { LossName } from './options.js';
import { STATS_SLOT, type Workspace } from './workspace.js';

/** The parts of a network the passes read: its layers and its flat parameter and gradient buffers. */
export interface ParameterView {
  readonly layers: readonly LayerInfo[];
  readonly params: GPUBuffer;
  readonly grads: GPUBuffer;
}

const slice = (buffer: GPUBuffer, offsetFloats: number, floats: number) => ({ buffer, offset: offsetFloats * 4, size: floats * 4 });

/** act(x · W + b) layer by layer, for `rows` rows of the workspace's batch. */
export async function recordForward(rec: Recorder, net: ParameterView, ws: Workspace, rows: number): Promise<Dispatch[]> {
  const out: Dispatch[] = [];
  for (const [i, layer] of net.layers.entries()) {
    out.push(
      await matmul(rec, {
        m: rows,
        n: layer.outputs,
        k: layer.inputs,
        lhs: i === 0 ? ws.x.buffer : ws.activations[i - 1]!.buffer,
        rhs: slice(net.params, layer.weightOffset, layer.inputs * layer.outputs),
        bias: slice(net.params, layer.biasOffset, layer.outputs),
        out: ws.activations[i]!.buffer,
        epilogue: 'bias-activation',
        activation: layer.activation,
      }),
    );
  }
  return out;
}

/**
 * The loss over the outputs, accumulated into stats slot `statsSlot` (0 train, 1 validation);
 * when `writeGrad`, also the gradient w.r.t. the output layer's pre-activation.
 */
export async function recordLoss(
  rec: Recorder,
  net: ParameterView,
  ws: Workspace,
  rows: number,
  lossName: LossName,
  writeGrad: boolean,
  statsSlot: 0 | 1,
): Promise<Dispatch[]> {
  const last = net.layers[net.layers.length - 1]!;
  const outputs = last.outputs;
  const dz = ws.gradients[net.layers.length - 1]!.buffer;
  // With an identity output the loss writes dz directly; otherwise da, then da ⊙ act'.
  const direct = last.activation === 'identity';
  const out = [
    await loss(rec, {
      entry: lossName === 'mse' ? 'mse' : 'softmax_xent',
      rows,
      classes: outputs,
      logits: ws.output.buffer,
      labels: ws.labels.buffer,
      targets: ws.targets.buffer,
      grad: direct ? dz : ws.outputGrad.buffer,
      writeGrad,
      stats: { buffer: ws.stats.buffer, offset: statsSlot * STATS_SLOT, size: 16 },
    }),
  ];
  if (writeGrad && !direct) {
    out.push(
      await activationGrad(rec, { m: rows, n: outputs, activation: last.activation, da: ws.outputGrad.buffer, a: ws.output.buffer, dz }),
    );
  }
  return out;
}

/** Weight, bias and input gradients, from the output layer down. */
export async function recordBackward(rec: Recorder, net: ParameterView, ws: Workspace, rows: number): Promise<Dispatch[]> {
  const out: Dispatch[] = [];
  for (let i = net.layers.length - 1; i >= 0; i--) {
    const layer = net.layers[i]!;
    const input = i === 0 ? ws.x.buffer : ws.activations[i - 1]!.buffer;
    const dz = ws.gradients[i]!.buffer;
    out.push(
      await matmul(rec, {
        m: layer.inputs,
        n: layer.outputs,
        k: rows,
        lhs: input,
        transLhs: true,
        rhs: dz,
        out: slice(net.grads, layer.weightOffset, layer.inputs * layer.outputs),
      }),
      await biasGrad(rec, { m: rows, n: layer.outputs, dz, db: slice(net.grads, layer.biasOffset, layer.outputs) }),
    );
    if (i > 0) {
      const below = net.layers[i - 1]!;
      out.push(
        await matmul(rec, {
          m: rows,
          n: layer.inputs,
          k: layer.outputs,
          lhs: dz,
          rhs: slice(net.params, layer.weightOffset, layer.inputs * layer.outputs),
          transRhs: true,
          epilogue: 'activation-grad',
          activation: below.activation,
          aux: ws.activations[i - 1]!.buffer,
          out: ws.gradients[i - 1]!.buffer,
        }),
      );
    }
  }
  return out;
}
