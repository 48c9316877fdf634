import yargs, { type Argv } from 'yargs';
import { ExitCode, TestbedError } from '../errors.js';
import { interruptedBy, wasInterrupted } from '../util/interrupt.js';
import {
  downCommand,
  execCommand,
  graphCommand,
  lsCommand,
  planCommand,
  traceCommand,
  upCommand,
} from './commands/lab.js';
import { doctorCommand } from './commands/doctor.js';
import { imageBuildCommand } from './commands/image.js';
import { machinesCommand } from './commands/machines.js';
import { checkCommand, runCommand } from './commands/run.js';

const EPILOGUE = `Exit codes: 0 every step passed, 1 a step failed, 2 bad scenario or usage,
3 infrastructure error (not root, tool missing, backend unavailable), 130 interrupted.`;

/** A command: how yargs reads its arguments, and the handler they are delegated to. */
interface CliCommand {
  command: string;
  describe: string;
  builder(y: Argv): Argv<unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler takes the arguments its own builder declares
  handler(args: any, processStartMs: number): Promise<number>;
}

const COMMANDS: CliCommand[] = [
  runCommand,
  checkCommand,
  upCommand,
  downCommand,
  lsCommand,
  execCommand,
  traceCommand,
  planCommand,
  graphCommand,
  imageBuildCommand,
  machinesCommand,
  doctorCommand,
];

/**
 * The command line as yargs reads it: every command, with its handler storing the exit code in
 * `result`. `width` is the help text's; `npm run docs` renders the CLI reference from this parser.
 */
export function cliParser(argv: string[], width: number, result: { exitCode: number }, processStartMs = 0): Argv {
  let parser = yargs(argv)
    .scriptName('testbed')
    .usage('$0 <command>\n\nBuild Calico-style multi-host networks on one machine and prove how they behave.');
  for (const c of COMMANDS) {
    parser = parser.command(
      c.command,
      c.describe,
      (y) => c.builder(y),
      async (args) => {
        result.exitCode = await c.handler(args, processStartMs);
      },
    );
  }
  return parser
    .demandCommand(1, 'name a command')
    .strict()
    .parserConfiguration({ 'populate--': true })
    .epilogue(EPILOGUE)
    .help()
    .alias('h', 'help')
    .version()
    .wrap(width)
    .fail((message, error) => {
      // yargs' own checks (a missing option argument) arrive as a YError: bad input, like the message.
      if (error && error.name !== 'YError') throw error;
      throw new UsageErrorFromYargs(message || error?.message || 'bad arguments');
    });
}

/** The commands by name, for the CLI reference. */
export const COMMAND_NAMES = COMMANDS.map((c) => c.command.split(' ')[0]!);

/**
 * Parses argv and delegates; resolves to the process exit code. `processStartMs` is how long the
 * process took to get here (Node's start and module loading), for the JSON report.
 */
export async function main(argv: string[], processStartMs = performance.now()): Promise<number> {
  const result = { exitCode: ExitCode.passed as number };
  try {
    await cliParser(argv, Math.min(110, process.stdout.columns ?? 100), result, processStartMs).parseAsync();
  } catch (error) {
    return reportError(error, argv);
  }
  // A signal that came while the work was ending (the final teardown) still counts.
  return wasInterrupted() ? ExitCode.interrupted : result.exitCode;
}

class UsageErrorFromYargs extends Error {}

function reportError(error: unknown, argv: string[]): number {
  if (error instanceof UsageErrorFromYargs) {
    const command = COMMANDS.find((c) => c.command.split(' ')[0] === argv[0]);
    const help = command
      ? `testbed ${command.command
          .split(' ')
          .filter((w) => !/^[<[]/.test(w))
          .join(' ')} --help`
      : 'testbed --help';
    process.stderr.write(`testbed: ${error.message} (see ${help})\n`);
    return ExitCode.badInput;
  }
  // What failed after a signal failed because of it (a command it cut short): the signal is the news.
  const signal = interruptedBy();
  if (signal) {
    process.stderr.write(`testbed: interrupted by ${signal}\n`);
    return ExitCode.interrupted;
  }
  if (error instanceof TestbedError) {
    process.stderr.write(error.message.replace(/^/gm, 'testbed: ') + '\n');
    return error.exitCode;
  }
  process.stderr.write(
    `testbed: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return ExitCode.infrastructure;
}
