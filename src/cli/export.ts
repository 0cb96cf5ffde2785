import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.js';
import { describeCheckpoint } from '../io/checkpoint.js';
import { checkpointOnnxModel } from '../io/onnx.js';
import { SENN_VERSION } from '../version.js';
import { ADAPTER_OPTIONS, checkOutputPath, readCheckpointFile, writeOutput } from './options.js';

export const EXPORT_HELP = `Usage: senn export MODEL.senn OUT.onnx [options]

Write a checkpoint as an ONNX model, to run the network where senn is not: onnxruntime in
Python, C++, C#, on phones or in browsers. Needs no GPU. The model names the lowest opset its
nodes run on: 13, or 16 with blocks written edge by edge, 18 with max pooling by windows of
edges (see --no-image-operators).

The model's input "inputs" is batch × the network's inputs, as the network sees them: MNIST
and Fashion-MNIST pixels scaled to [0, 1], a CSV file's features standardised with the
training rows' statistics (the model's metadata holds them, under "senn.run"); with
--raw-inputs, as the dataset holds them (pixels 0-255, a CSV file's values), the model
scaling and standardising them itself. Its output "outputs" is batch × the network's
outputs (a classifier's logits, a regression's values), and a classifier's model has
"probabilities" too (their softmax), its class names in the metadata under "classes".

Every block is a matrix product over the inputs it has edges from (a split's block out of
MNIST's pixels: a few hundred rows, not 784), zeros where it has no edge. Blocks sparser
than --dense-from are written edge by edge instead (Gather, Mul, ScatterElements): smaller
files of large, very sparse blocks, but far slower in onnxruntime (the MNIST reference
network over 10,000 rows: 0.4 s as matrices, 4–5 s with --dense-from 0.25).

A --conv layer is written as ONNX Conv (its shared weights only: MNIST's --conv 5,1,8,2 is 200
weights, not a 784 × 6,272 matrix of 19 MiB), and a --pool or --avg-pool layer as MaxPool or
AveragePool, over the image as batch × channels × height × width: wherever a block's edges
and weight sharing are exactly a convolution's over some image (less the kernel entries a
split of its layer took, written as zeros; the split's blocks through its new level are
convolutions too), and a pooling level's windows exactly square windows over one.

Options:
  --dense-from D     the share of a block's src × dst edges below which it is written edge by
                     edge (default 0: every block a matrix; above 1: every block edge by edge)
  --raw-inputs       the model takes the inputs as the dataset holds them (pixel values 0-255,
                     a CSV file's feature values) and scales and standardises them itself
  --no-image-operators
                     write convolutions and pooling as any other block and pooling level
                     (matrices, windows of edges) instead of Conv, MaxPool, AveragePool
  --probabilities    add "probabilities" where the checkpoint does not say it is a classifier's
                     (one saved by the API, not by senn train)
  --software, --bounds-checks
                     taken as the other commands take them, and unused: export needs no GPU
  -h, --help         show this help
`;

/** `senn export`: returns the process exit code. */
export async function exportCommand(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args: argv,
    options: {
      'dense-from': { type: 'string' },
      probabilities: { type: 'boolean', default: false },
      'no-image-operators': { type: 'boolean', default: false },
      'raw-inputs': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      ...ADAPTER_OPTIONS,
    },
    allowPositionals: true,
    strict: true,
  });
  if (v.help) {
    process.stdout.write(EXPORT_HELP);
    return 0;
  }
  if (positionals.length !== 2) throw new ConfigError('senn export needs a checkpoint and the ONNX file to write: senn export MODEL.senn OUT.onnx');
  const [file, out] = positionals as [string, string];
  if (!out.toLowerCase().endsWith('.onnx')) throw new ConfigError(`senn export writes ONNX models: name the output FILE.onnx, not ${out}`);
  checkOutputPath('the ONNX file', out);
  let denseFrom: number | undefined;
  if (v['dense-from'] !== undefined) {
    denseFrom = Number(v['dense-from']);
    if (v['dense-from'].trim() === '' || !(denseFrom >= 0)) throw new ConfigError(`--dense-from must be a number ≥ 0, got "${v['dense-from']}"`);
  }
  const bytes = readCheckpointFile(file);
  const summary = describeCheckpoint(bytes);
  const architecture = summary.levels.map((l) => l.size).join('-');
  const { model, opset, probabilities } = checkpointOnnxModel(bytes, {
    ...(v.probabilities ? { probabilities: true } : {}),
    rawInputs: v['raw-inputs'],
    ...(v['no-image-operators'] ? { imageOperators: false } : {}),
    description: `${architecture} network of ${summary.parameters} parameters exported by senn ${SENN_VERSION} from ${file}`,
    ...(denseFrom === undefined ? {} : { denseFrom }),
  });
  writeOutput('the ONNX file', out, model);
  console.log(`${out}: ONNX model (opset ${opset}), ${architecture}, ${summary.parameters.toLocaleString('en-US')} parameters, ${(model.length / 1024).toFixed(0)} KiB; input "inputs"${v['raw-inputs'] ? ' (as the dataset holds them)' : ''}, output${probabilities ? 's "outputs" and "probabilities"' : ' "outputs"'}`);
  return 0;
}
