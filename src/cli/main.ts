import { SennError } from '../errors.js';
import { TRAIN_HELP, trainCommand } from './train.js';

const HELP = `Usage: senn <command> [options]

Commands:
  train    train a network and report validation and test results

Run "senn <command> --help" for a command's options.
${'\n'}${TRAIN_HELP}`;

/** Exit codes: 0 success, 1 runtime failure, 2 bad usage or input. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (!command || command === '--help' || command === '-h' || command === 'help') {
      process.stdout.write(HELP);
      return command ? 0 : 2;
    }
    if (command === 'train') return await trainCommand(rest);
    process.stderr.write(`senn: unknown command "${command}"\n\n${HELP}`);
    return 2;
  } catch (error) {
    const e = error as Error;
    process.stderr.write(`senn: ${e.name}: ${e.message}\n`);
    const usage = e instanceof SennError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    return usage ? 2 : 1;
  }
}
