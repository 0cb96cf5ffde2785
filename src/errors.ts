/**
 * Typed errors. Every failure a user can cause has its own class, so callers can
 * branch on `instanceof` and messages always name the offending thing.
 */

/** Base class of every error senn throws on purpose. */
export class SennError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A tensor, dataset or layer has the wrong shape or size. */
export class ShapeError extends SennError {}

/** Data of the wrong element type (for example fractional class labels). */
export class DTypeError extends SennError {}

/** Input data contains NaN or an infinity. */
export class NaNError extends SennError {}

/**
 * Training diverged: an epoch's mean training loss, or the validation loss where it ended,
 * came out NaN or infinite (fit restores the network to that epoch's start before it throws this).
 */
export class DivergenceError extends NaNError {}

/** A class label lies outside `[0, classes)`. */
export class LabelRangeError extends SennError {}

/** An option is unknown, missing or outside its allowed range. */
export class ConfigError extends SennError {}

/** The adapter cannot provide what the work needs (a limit, a feature, WebGPU itself). */
export class AdapterLimitError extends SennError {}

/** A WGSL kernel failed to compile; the message names the file and line. */
export class ShaderCompileError extends SennError {
  constructor(
    message: string,
    /** Shader file the error is in, e.g. `shaders/dense.wgsl`. */
    readonly file: string,
    /** 1-based line number, 0 when the compiler gave none. */
    readonly line: number,
  ) {
    super(message);
  }
}

/** The GPU device reported a validation or out-of-memory error, or was lost. */
export class DeviceError extends SennError {}

/**
 * The GPU could not allocate memory the work needs: a batch or a network too large for what
 * the device can hold (WebGPU gives no memory budget to check before). The runtime stays
 * usable, and a failed call leaves the network as it was: a smaller batch can follow.
 */
export class OutOfMemoryError extends DeviceError {}

/** The GPU device was lost; every pending and later call fails with this. */
export class DeviceLostError extends DeviceError {}

/** An object (network, runtime) was used after `destroy()`. */
export class DestroyedError extends SennError {}

/** A checkpoint file is truncated, corrupt, or does not match what it claims. */
export class CheckpointError extends SennError {}

/** A dataset is missing (the message says how to get it) or a data file is malformed. */
export class DatasetError extends SennError {}
