import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode, TestbedError } from '../errors.js';
import { wasInterrupted } from '../util/interrupt.js';
import { downCommand, execCommand, lsCommand, planCommand, upCommand } from './commands/lab.js';
import { imageBuildCommand } from './commands/image.js';
import { runCommand } from './commands/run.js';

/** Milliseconds from process start to here: Node's boot and module loading. */
const processStartMs = performance.now();

const EPILOGUE = `Exit codes: 0 every step passed, 1 a step failed, 2 bad scenario or usage,
3 infrastructure error (not root, tool missing, backend unavailable), 130 interrupted.`;

/** Parses argv and delegates; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.passed;
  const delegate =
    <A>(handler: (args: A, start: number) => Promise<number>) =>
    async (args: A) => {
      exitCode = await handler(args, processStartMs);
    };
  try {
    await yargs(argv)
      .scriptName('testbed')
      .usage('$0 <command>\n\nBuild Calico-style multi-host networks on one machine and prove how they behave.')
      .command(runCommand.command, runCommand.describe, runCommand.builder, delegate(runCommand.handler))
      .command(upCommand.command, upCommand.describe, upCommand.builder, delegate(upCommand.handler))
      .command(downCommand.command, downCommand.describe, downCommand.builder, delegate(downCommand.handler))
      .command(lsCommand.command, lsCommand.describe, lsCommand.builder, delegate(lsCommand.handler))
      .command(execCommand.command, execCommand.describe, execCommand.builder, delegate(execCommand.handler))
      .command(planCommand.command, planCommand.describe, planCommand.builder, delegate(planCommand.handler))
      .command(imageBuildCommand.command, imageBuildCommand.describe, imageBuildCommand.builder, delegate(imageBuildCommand.handler))
      .demandCommand(1, 'name a command')
      .strict()
      .parserConfiguration({ 'populate--': true })
      .epilogue(EPILOGUE)
      .help()
      .alias('h', 'help')
      .version()
      .wrap(Math.min(110, process.stdout.columns ?? 100))
      .fail((message, error, y) => {
        if (error) throw error;
        y.showHelp('error');
        throw new UsageErrorFromYargs(message);
      })
      .parseAsync();
  } catch (error) {
    return reportError(error);
  }
  return exitCode;
}

class UsageErrorFromYargs extends Error {}

function reportError(error: unknown): number {
  if (error instanceof UsageErrorFromYargs) {
    process.stderr.write(`\ntestbed: ${error.message}\n`);
    return ExitCode.badInput;
  }
  if (error instanceof TestbedError) {
    process.stderr.write(error.message.replace(/^/gm, 'testbed: ') + '\n');
    return wasInterrupted() ? ExitCode.interrupted : error.exitCode;
  }
  if (wasInterrupted()) return ExitCode.interrupted;
  process.stderr.write(`testbed: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return ExitCode.infrastructure;
}

process.exitCode = await main(hideBin(process.argv));
