/**
 * senn/onnx: a network or a checkpoint as an ONNX model, for running a grown network where
 * senn is not (onnxruntime in Python, C++, mobile or the browser). A separate entry so that
 * the main bundle does not carry the protobuf encoder (protobufjs); its errors are the main
 * entry's own (shared chunk), so `instanceof CheckpointError` holds across the two.
 * @packageDocumentation
 */
export { checkpointToOnnx, networkToOnnx, type OnnxOptions } from './io/onnx.js';
