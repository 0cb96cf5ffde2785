import { CheckpointError, ConfigError, DatasetError, DTypeError, LabelRangeError, NaNError, ShapeError } from '../errors.js';
import { EVAL_HELP, evalCommand } from './eval.js';
import { EXIT } from './options.js';
import { PREDICT_HELP, predictCommand } from './predict.js';
import { TRAIN_HELP, trainCommand } from './train.js';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; help: string }> = {
  train: { run: trainCommand, help: TRAIN_HELP },
  eval: { run: evalCommand, help: EVAL_HELP },
  predict: { run: predictCommand, help: PREDICT_HELP },
};

const HELP = `Usage: senn <command> [options]

Self-expanding neural networks on WebGPU.

Commands:
  train     train (and optionally grow) a network; --save writes a checkpoint, --resume continues one
  eval      loss and accuracy (or RMSE) of a checkpoint on a dataset's test split
  predict   predictions of a checkpoint for the rows of a CSV file
  help CMD  the options of CMD (also: senn CMD --help)

Exit codes:
  0  success
  1  failure while running (GPU device lost, adapter limits, an internal error)
  2  bad usage: unknown command or option, a value out of range
  3  bad input: a dataset missing or malformed, a checkpoint unreadable or corrupt, data that
     do not fit the model

Example:
  senn train --dataset mnist --arch 784-10 --expand --epochs 30 --save mnist.senn
  senn eval mnist.senn
`;

/** The exit code of an error: usage (2), input (3) or failure (1). */
export function exitCodeOf(error: unknown): number {
  if (error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) return EXIT.usage;
  const input = [DatasetError, CheckpointError, ShapeError, DTypeError, NaNError, LabelRangeError];
  if (input.some((type) => error instanceof type)) return EXIT.input;
  return EXIT.failure;
}

/** Run the command line `argv` (without node and the script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (!command || command === '--help' || command === '-h') {
      process.stdout.write(HELP);
      return command ? EXIT.ok : EXIT.usage;
    }
    if (command === 'help') {
      const topic = rest[0] ? COMMANDS[rest[0]] : undefined;
      process.stdout.write(topic ? topic.help : HELP);
      return rest[0] && !topic ? EXIT.usage : EXIT.ok;
    }
    const entry = COMMANDS[command];
    if (!entry) {
      process.stderr.write(`senn: unknown command "${command}"\n\n${HELP}`);
      return EXIT.usage;
    }
    return await entry.run(rest);
  } catch (error) {
    const e = error as Error;
    process.stderr.write(`senn: ${e.name}: ${e.message}\n`);
    return exitCodeOf(error);
  }
}
