import { unknownChoice } from '../args.js';
import { ConfigError } from '../errors.js';

/** Activation functions the dense kernels fuse into their epilogue. */
export const ACTIVATIONS = ['identity', 'relu', 'tanh', 'sigmoid'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** The `ACT` override value of each activation in the WGSL. */
export function activationCode(activation: Activation): number {
  const code = ACTIVATIONS.indexOf(activation);
  if (code < 0) throw new ConfigError(unknownChoice('activation', activation, ACTIVATIONS));
  return code;
}

/**
 * The `ACT` override of a backward kernel's source-level activation, with `DROP_KEEP` where
 * that level's stored activations are dropped out at keep probability `dropKeep` and its
 * derivative needs the values before (tanh, sigmoid; see shaders/activation.wgsl). ReLU and
 * identity take no `DROP_KEEP`, so their pipelines are the ones without dropout.
 */
export function activationGradConstants(activation: Activation, dropKeep = 1): { ACT: number; DROP_KEEP?: number } {
  const ACT = activationCode(activation);
  if (!(dropKeep > 0 && dropKeep <= 1)) throw new ConfigError(`dropKeep must be a number in (0, 1] (1 − the dropout rate), got ${dropKeep}`);
  return dropKeep !== 1 && (activation === 'tanh' || activation === 'sigmoid') ? { ACT, DROP_KEEP: dropKeep } : { ACT };
}

/** Throws a {@link ConfigError} unless `name` is a known activation. */
export function checkActivation(name: string): Activation {
  activationCode(name as Activation);
  return name as Activation;
}
