import { describe, isRecord, listArg } from '../args.js';
import { ConfigError, DTypeError, ShapeError } from '../errors.js';
import type { LayerInfo, LayerWeights } from './networkTypes.js';
import { type Block, blockFloats, type Structure } from './structure.js';

// A network that has not grown is a chain of complete dense blocks: these read and check its
// parameters layer by layer (getWeights, setWeights, gradients) instead of as one flat buffer.

/** The blocks of `s` as layers, in order; throws for a graph (a network that has grown, or started with sparse connections). */
export function chainBlocks(s: Structure): Block[] {
  const complete = (b: Block) => b.form === 'dense' && b.topology.srcOf.length === b.topology.src * b.topology.dst;
  const chain = s.blocks.length === s.levels.length - 1 && s.blocks.every((b, i) => complete(b) && b.src === s.levels[i]!.id && b.dst === s.levels[i + 1]!.id);
  if (!chain) throw new ConfigError('this network is a graph (it has grown, or started with sparse connections); read it with getParameters()');
  return [...s.blocks];
}

/** Each layer's shape and activation. */
export function layersOf(s: Structure): LayerInfo[] {
  return chainBlocks(s).map((b) => ({ inputs: b.topology.src, outputs: b.topology.dst, activation: s.level(b.dst).activation }));
}

/** Each layer's weights and bias out of a flat buffer laid out as `s`. */
export function unflatten(s: Structure, all: Float32Array): LayerWeights[] {
  return chainBlocks(s).map((b) => {
    const level = s.level(b.dst);
    return { weights: all.slice(b.weightOffset, b.weightOffset + blockFloats(b)), bias: all.slice(level.biasOffset, level.biasOffset + level.size) };
  });
}

/** Throw unless `weights` fit the layers of `s` and are finite; returns the blocks to write them to. */
export function checkLayerWeights(s: Structure, weights: readonly LayerWeights[]): Block[] {
  const layers = layersOf(s);
  listArg('setWeights: the layers', weights, ShapeError);
  weights.forEach((w, i) => {
    if (!(isRecord(w) && w.weights instanceof Float32Array && w.bias instanceof Float32Array)) {
      throw new DTypeError(`setWeights: layer ${i} must be { weights: Float32Array, bias: Float32Array } (as getWeights gives it), got ${describe(w)}`);
    }
  });
  if (weights.length !== layers.length) throw new ShapeError(`expected weights for ${layers.length} layers, got ${weights.length}`);
  weights.forEach((w, i) => {
    const l = layers[i]!;
    if (w.weights.length !== l.inputs * l.outputs || w.bias.length !== l.outputs) {
      throw new ShapeError(`layer ${i} is ${l.inputs}×${l.outputs}; got ${w.weights.length} weights and ${w.bias.length} biases`);
    }
    for (const v of [...w.weights, ...w.bias]) if (!Number.isFinite(v)) throw new ShapeError(`layer ${i} weights contain ${v}`);
  });
  return chainBlocks(s);
}
