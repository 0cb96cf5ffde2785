import activation from '../../shaders/activation.wgsl';
import augment from '../../shaders/augment.wgsl';
import dense from '../../shaders/dense.wgsl';
import dropout from '../../shaders/dropout.wgsl';
import finite from '../../shaders/finite.wgsl';
import gather from '../../shaders/gather.wgsl';
import graph from '../../shaders/graph.wgsl';
import loss from '../../shaders/loss.wgsl';
import narrow from '../../shaders/narrow.wgsl';
import optimizer from '../../shaders/optimizer.wgsl';
import pool from '../../shaders/pool.wgsl';
import rewrite from '../../shaders/rewrite.wgsl';
import score from '../../shaders/score.wgsl';
import sparse from '../../shaders/sparse.wgsl';
import tie from '../../shaders/tie.wgsl';

/**
 * The WGSL source of each kernel family, by file name under `shaders/`. The package's bundles
 * carry the code without its comments, each line where it was; `shaders/` has them whole.
 */
export const SHADERS = { augment, dense, dropout, finite, gather, graph, loss, narrow, optimizer, pool, rewrite, score, sparse, tie } as const;

/** Name of a built-in kernel family (a file `shaders/NAME.wgsl`). */
export type ShaderFamily = keyof typeof SHADERS;

/** Shared WGSL a family needs in front of its own source (see shaders/activation.wgsl). */
export const PRELUDES = {
  activation: { file: 'shaders/activation.wgsl', source: activation },
} as const;

/** The kernel-spec fields of a built-in family: file name, source and prelude. */
export function family(name: ShaderFamily): { file: string; source: string; prelude?: { file: string; source: string } } {
  const usesActivation = name === 'dense' || name === 'sparse' || name === 'graph' || name === 'narrow' || name === 'pool' || name === 'dropout' || name === 'gather';
  return { file: `shaders/${name}.wgsl`, source: SHADERS[name], ...(usesActivation ? { prelude: PRELUDES.activation } : {}) };
}
