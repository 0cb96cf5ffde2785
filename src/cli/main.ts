import { didYouMean } from '../args.js';
import { CheckpointError, ConfigError, DatasetError, DivergenceError, DTypeError, LabelRangeError, NaNError, ShapeError } from '../errors.js';
import { EVAL_HELP, evalCommand } from './eval.js';
import { EXPORT_HELP, exportCommand } from './export.js';
import { INFO_HELP, infoCommand } from './info.js';
import { EXIT } from './options.js';
import { PREDICT_HELP, predictCommand } from './predict.js';
import { trainCommand } from './train.js';
import { TRAIN_HELP } from './trainHelp.js';
import { SENN_VERSION } from '../version.js';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; help: string }> = {
  train: { run: trainCommand, help: TRAIN_HELP },
  eval: { run: evalCommand, help: EVAL_HELP },
  predict: { run: predictCommand, help: PREDICT_HELP },
  info: { run: infoCommand, help: INFO_HELP },
  export: { run: exportCommand, help: EXPORT_HELP },
};

const HELP = `Usage: senn <command> [options]

Self-expanding neural networks on WebGPU.

Commands:
  train     train (and optionally grow) a network; --save writes a checkpoint, --resume continues one
  eval      loss and accuracy (or RMSE) of a checkpoint on a dataset's test split
  predict   predictions of a checkpoint for the rows of a CSV file
  info      what a checkpoint holds: architecture, parameters, history (no GPU needed)
  export    a checkpoint as an ONNX model, to run it with onnxruntime (no GPU needed)
  help CMD  the options of CMD (also: senn CMD --help)
  --version the version of senn

Exit codes:
  0  success
  1  failure while running (GPU device lost or out of memory, adapter limits, training diverged,
     an internal error)
  2  bad usage: unknown command or option, a value out of range
  3  bad input: a dataset missing or malformed, a checkpoint unreadable or corrupt, data that
     do not fit the model

Example:
  senn train --dataset mnist --arch 784-10 --expand --epochs 30 --save mnist.senn
  senn eval mnist.senn
  senn info mnist.senn
  senn export mnist.senn mnist.onnx
`;

/** The exit code of an error: usage (2), input (3) or failure (1). */
export function exitCodeOf(error: unknown): number {
  if (error instanceof ConfigError) return EXIT.usage;
  // A NaN of the run's own making, not of its input.
  if (error instanceof DivergenceError) return EXIT.failure;
  const input = [DatasetError, CheckpointError, ShapeError, DTypeError, NaNError, LabelRangeError];
  if (input.some((type) => error instanceof type)) return EXIT.input;
  return EXIT.failure;
}

/** The options a command's help lists. */
function optionsIn(help: string): string[] {
  return [...new Set(help.match(/--[a-z][a-z0-9-]*/g) ?? [])];
}

/** Run the command line `argv` (without node and the script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Own keys only: `senn constructor` is an unknown command, not Object's.
  const entry = command && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  try {
    if (!command || command === '--help' || command === '-h') {
      process.stdout.write(HELP);
      return command ? EXIT.ok : EXIT.usage;
    }
    if (command === '--version' || command === '-v') {
      process.stdout.write(`senn ${SENN_VERSION}\n`);
      return EXIT.ok;
    }
    if (command === 'help') {
      const topic = rest[0] && Object.hasOwn(COMMANDS, rest[0]) ? COMMANDS[rest[0]] : undefined;
      process.stdout.write(topic ? topic.help : HELP);
      return rest[0] && !topic ? EXIT.usage : EXIT.ok;
    }
    if (!entry) {
      process.stderr.write(`senn: unknown command "${command}"${didYouMean(command, Object.keys(COMMANDS))}\n\n${HELP}`);
      return EXIT.usage;
    }
    return await entry.run(rest);
  } catch (error) {
    const e = error as Error;
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('ERR_PARSE_ARGS') && entry) {
      // Node's own words (a TypeError) for a command line that does not parse, with the way to the options.
      const option = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /'(-[^']*)'/.exec(e.message)?.[1] : undefined;
      const problem = option ? `unknown option ${option}${didYouMean(option, optionsIn(entry.help))}` : e.message.replace(/\s*\n\s*/g, ' ').replace(/\.$/, '');
      process.stderr.write(`senn: ${problem}; \`senn ${command} --help\` lists the options\n`);
      return EXIT.usage;
    }
    process.stderr.write(`senn: ${e.name}: ${e.message}\n`);
    return exitCodeOf(error);
  }
}
