// What the training loop and the single passes over data (src/train/singlePass.ts) need of a
// network: the graph view the passes record from, and the state fit changes.
import type { GpuContext } from '../gpu/context.js';
import type { KernelCache } from '../kernels/kernel.js';
import type { GrowthControl } from '../graph/network.js';
import type { EpochReport } from './options.js';
import type { OptimizerState } from './optimizerState.js';
import type { GraphView } from './passes.js';

/** What the training loop needs of a network. */
export interface Trainable extends GraphView {
  readonly gpu: GpuContext;
  readonly kernels: KernelCache;
  readonly inputs: number;
  readonly outputs: number;
  readonly parameterCount: number;
  /** Whether the graph kernels run the structure's fused tail (see `Network.fuseTail`). */
  readonly fuseTail: boolean;
  /** Every epoch the network trained before (checkpoints keep it), oldest first. */
  readonly history: readonly EpochReport[];
  /** Whether the network's destroy() was called: fit stops before its next step. */
  readonly destroying: boolean;
  /** Record that `batches` batches were added to the running statistics (after clearing them, if `cleared`). */
  noteStatistics(batches: number, cleared: boolean): void;
  /** Growth operations for expansion policies, usable while fit holds the network. */
  growthControl(): GrowthControl;
  /** The optimizer state for `name`, created (zeroed) if absent or of another kind. */
  optimizerFor(name: OptimizerState['name']): OptimizerState;
}

