// The public API names WebGPU's types (GPUDevice, GPUBuffer, ...). The declarations for
// TypeScript before 6 bring @webgpu/types along (scripts/types-entries.mjs); TypeScript 6 and
// later have them in their "dom" library, beside which @webgpu/types would be declared twice.
/**
 * senn — self-expanding neural networks on WebGPU. This is the browser-safe entry point;
 * `senn/node` adds Dawn device creation and dataset loaders for Node.
 * @packageDocumentation
 */
export { Runtime, createRuntime } from './runtime.js';
export { Network, maxParameters, type NetworkSpec, type LayerWeights, type LayerInfo } from './graph/network.js';
export { type WeightInit, WEIGHT_INITS, initialParameters } from './graph/initialise.js';
export { Structure, type Level, type Block, type BlockForm, DENSE_FROM, DENSE_FROM_GPU, DENSE_FROM_EDGES, ACTIVE_DENSITY_FROM_EDGES, ACTIVE_ROWS_BELOW, isMasked, storageIndex, blockFloats, compactRows, parameterSlots, normWeights } from './graph/structure.js';
export { activeSources, buildCsr, csrProblems, sharedDestinationGroup, sharedSourceGroup, type CsrBlock } from './graph/csr.js';
export { averagePoolConnections, convolutionConnections, localConnections, maxPoolConnections, randomConnections, type ConvolutionConnections, type LocalConnections, type LocalConnectionsSpec, type PoolConnections, type PoolConnectionsSpec } from './graph/connections.js';
export type { Connections } from './graph/networkTypes.js';
export type { AdapterDescription } from './gpu/context.js';
export { GpuContext } from './gpu/context.js';
export { GpuMemory, BufferOwner, type OwnedBuffer } from './gpu/memory.js';
export { uploadStorage, storageBuffer, writeView } from './gpu/upload.js';
export { ACTIVATIONS, type Activation } from './kernels/activation.js';
export { Kernel, KernelCache, type KernelSpec, type BindingInfo, type UniformLayout, type BindingResource } from './kernels/kernel.js';
export { type Dispatch, type Recorder, checkGroups, encodeDispatches, submitDispatches, prepare } from './kernels/dispatch.js';
export { matmul, biasGrad, activationGrad, isUnormScale, type MatmulArgs, type Epilogue, type PackedBytes, type MatmulPlan, matmulGroupShape, SPLIT_OUTPUTS_PER_INNER, SPLIT_FROM_INNER } from './kernels/dense.js';
export { narrowBackward, NARROW_MAX, type NarrowBackwardArgs } from './kernels/narrow.js';
export { loss, type LossArgs, type LossEntry } from './kernels/loss.js';
export {
  advanceStep,
  beginSchedule,
  update,
  gradNormParts,
  clipScale,
  normPartsBound,
  MAX_NORM_GROUPS,
  CONSTANT_STEPS,
  type GradNormArgs,
  type ScheduleSteps,
  type UpdateArgs,
  type UpdateHyper,
} from './kernels/optimizer.js';
export { GATHER_SLOTS_PER_BUFFER, gatherEpoch, type GatherSlot, type GatherSource, type InputDropout } from './kernels/gather.js';
export { SHADERS, type ShaderFamily } from './kernels/sources.js';
export {
  type Dataset,
  classificationDataset,
  inputDataset,
  regressionDataset,
  subset,
  pickRows,
  splitDataset,
  hasNegativeFeatures,
} from './data/dataset.js';
export { parseIdx, idxDataset, fetchIdx, fetchIdxDataset, FASHION_MNIST_CLASSES, datasetClassNames, type IdxArray } from './data/idx.js';
export { featureStats, standardize, type FeatureStats } from './data/normalize.js';
export { spirals, xor, regression2d, regressionTarget, MAX_GENERATED_ROWS } from './data/generated.js';
export { Random } from './data/random.js';
export { epochKey, rowShift, shiftImage, type AugmentOptions, type ImageShape, type ResolvedAugment } from './data/augment.js';
export type { EpochReport, FitOptions, LossName, OptimizerConfig, OptimizerName, TrainProgress } from './train/options.js';
export type { ClassWeights } from './train/classWeights.js';
export type { Evaluation } from './train/batchSteps.js';
export { classify, classNames, confusionMatrix, mistakes, type Classification, type ConfusionMatrix, type Mistake } from './train/classify.js';
export { type LrSchedule, type ScheduleName, SCHEDULES, scheduleSteps, scheduledLr } from './train/schedule.js';
export {
  type ExpansionOptions,
  type ExpansionPolicy,
  type PolicyContext,
  type ExpandEvent,
  type PruneEvent,
  REFERENCE_EXPANSION,
  referencePolicy,
  shouldExpand,
  mayExpand,
  signedLevels,
} from './train/expansion.js';
export type { GrowthControl, SplitReport, PruneReport, SplitEdgesOptions, BlockEdgeStatistics, StatisticsPassOptions, GradientOptions } from './graph/network.js';
export { type EdgeRef, type EdgeList, type Remap, type GrowthStep, edgeList, edgeRefs, planSplit, planPrune, translateEdges, NEW_VALUE, NEGATED } from './graph/growth.js';
export { parametersAfterSplit, planLevelSplit, splitWithinBudget } from './graph/splitPlan.js';
export { planSharedSplit, filtersOf, convolutionFilters, type SharedSplitStep } from './graph/sharedSplit.js';
export { type ScoreOptions, type PruneSelectOptions, type PruneNormalization, PRUNE_NORMALIZATIONS } from './graph/selection.js';
export { METRICS, GRADIENT_METRICS, AGGREGATIONS, type Metric, type Aggregation, accumulateStatistics, scoreBlock, scoreBounds, decodeBounds, selectScores } from './kernels/score.js';
export {
  spmm,
  spmmTranspose,
  spmmTransposeColumns,
  toColumns,
  weightsBySource,
  edgeGrad,
  edgeGradParts32,
  edgeGradParts,
  edgePartFloats,
  partFloats32,
  edgeChunks,
  csrBuffers,
  columnWords,
  EDGE_CHUNK,
  type ByteColumns,
  type EdgeGradInputs,
  type TransposeFinish,
  type FloatColumns,
  type CsrBuffers,
} from './kernels/sparse.js';
export { rewrite } from './kernels/rewrite.js';
export { tieGradients } from './kernels/tie.js';
export { countNonFinite } from './kernels/finite.js';
export { dropout, dropoutKeep, dropoutScale, dropoutThreshold, type DropoutArgs, type DropoutMasks } from './kernels/dropout.js';
export { shiftImages, type ImageShifts } from './kernels/augment.js';
export { poolForward, poolGrad, poolBuffers, partitions, POOL_KINDS, type PoolBuffers, type PoolKind } from './kernels/pool.js';
export { graphForward, graphBackward, graphEdgeGrad, graphTables, uploadGraphTables, graphPartialFloats, GRAPH_ROWS, GRAPH_DENSE_OUTPUTS_MAX, type GraphTables, type GraphTableValues } from './kernels/graph.js';
export { fusedTail, FUSE_MAX_EDGES, FUSE_MAX_LEVEL, type FusedTail } from './graph/fusion.js';
export * as reference from './reference/index.js';
export * from './errors.js';
export { saveCheckpoint, loadCheckpoint, checkpointRun, describeCheckpoint, type CheckpointSummary, type CheckpointLevel, type CheckpointConvolution, type CheckpointPoolImage, type RunInfo, type SaveOptions, CHECKPOINT_VERSION } from './io/checkpoint.js';
export { encodeSafetensors, decodeSafetensors, safetensorsMetadata, type Tensor, type TensorDType, type Safetensors } from './io/safetensors.js';
export type { NetworkState, RuntimeParts } from './graph/network.js';
export type { Trainable } from './train/trainable.js';
export type { ActiveRows } from './train/passes.js';
export type { OptimizerState, GradientClip } from './train/optimizerState.js';
export type { UniformField } from './kernels/kernel.js';
export type { SplitStep, SplitOptions } from './graph/growth.js';
export type { LevelSpec, BlockSpec, StartingBlock, TieGroups, PoolWindows } from './graph/structure.js';
export type { TieBuffers } from './graph/blockBuffers.js';
export type { LabelInput } from './data/dataset.js';
