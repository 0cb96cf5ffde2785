import dense from '../../shaders/dense.wgsl';
import gather from '../../shaders/gather.wgsl';
import loss from '../../shaders/loss.wgsl';
import optimizer from '../../shaders/optimizer.wgsl';

/** The WGSL source of each kernel family, by file name under `shaders/`. */
export const SHADERS = { dense, gather, loss, optimizer } as const;

/** Name of a built-in kernel family (a file `shaders/NAME.wgsl`). */
export type ShaderFamily = keyof typeof SHADERS;
