import { ConfigError } from '../errors.js';

/** Activation functions the dense kernels fuse into their epilogue. */
export const ACTIVATIONS = ['identity', 'relu', 'tanh', 'sigmoid'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** The `ACT` override value of each activation in the WGSL. */
export function activationCode(activation: Activation): number {
  const code = ACTIVATIONS.indexOf(activation);
  if (code < 0) throw new ConfigError(`unknown activation "${String(activation)}"; expected one of ${ACTIVATIONS.join(', ')}`);
  return code;
}

/** Throws a {@link ConfigError} unless `name` is a known activation. */
export function checkActivation(name: string): Activation {
  activationCode(name as Activation);
  return name as Activation;
}
