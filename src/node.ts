/**
 * senn for Node: everything of the browser entry plus Dawn device creation and dataset loaders.
 * @packageDocumentation
 */
export * from './index.js';
export { createNodeRuntime, type NodeRuntimeOptions } from './node/dawn.js';
export { loadMnist, loadFashionMnist, loadIdxDirectory, FASHION_MNIST_DIR, type ImageDatasetSplits } from './node/datasets.js';
export { readCsv } from './node/csv.js';
export * from './csv.js';
