/** CPU reference implementations of every WGSL kernel (float64), for tests and researchers. */
export * from './dense.js';
export * from './dropout.js';
export * from './narrow.js';
export * from './loss.js';
export * from './optimizer.js';
export * from './network.js';
export * from './sparse.js';
export * from './graph.js';
export * from './rewrite.js';
export * from './score.js';
export * from './tie.js';
export * from './finite.js';
export * from './pool.js';
export * from './augment.js';
