import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { InfraError } from '../errors.js';
import { onInterruptAbort } from './interrupt.js';

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Set by a backend when the node itself could not run the command (stopped, gone); stderr says why. */
  unavailable?: true;
}

export interface RunOptions {
  input?: string;
  /** Kill the process (SIGKILL) after this many milliseconds. */
  timeoutMs?: number;
  /** Cleanup work: an interrupt must not end it half-way. */
  uninterruptible?: boolean;
}

/** Runs a command to completion and captures its output; never throws for a non-zero exit. */
export function runProcess(command: string, args: string[], options: RunOptions = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const forget = options.uninterruptible ? () => {} : onInterruptAbort(() => child.kill('SIGKILL'));
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => stdout.push(d));
    child.stderr.on('data', (d: Buffer) => stderr.push(d));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('error', (error: NodeJS.ErrnoException) => {
      forget();
      clearTimeout(timer);
      reject(
        error.code === 'ENOENT'
          ? new InfraError(`${command} is not installed (run scripts/install-deps.sh)`)
          : new InfraError(`${command}: ${error.message}`),
      );
    });
    child.on('close', (code, signal) => {
      forget();
      clearTimeout(timer);
      resolve({
        code: exitCodeOf(code, signal),
        stdout: Buffer.concat(stdout).toString(),
        stderr: Buffer.concat(stderr).toString(),
      });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** Like runProcess, but a non-zero exit becomes an InfraError naming `what` and the command's stderr. */
export async function runChecked(what: string, command: string, args: string[], options?: RunOptions): Promise<string> {
  const result = await runProcess(command, args, options);
  if (result.code !== 0)
    throw new InfraError(`${what}: ${outputTail(result) || `${command} exited with ${result.code}`}`);
  return result.stdout;
}

/** The last lines of what a failed command said, on one line: the part that names the problem. */
export function outputTail(result: ProcessResult, lines = 3): string {
  return (result.stderr || result.stdout).trim().split('\n').slice(-lines).join(' | ');
}

/** A process's exit code as a shell reports it: 128 + the signal's number when a signal ended it. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  return code ?? 128 + (signal ? constants.signals[signal] : 0);
}

/** Maps with at most `limit` calls in flight; rejects with the first error after all settle. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index]!);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
  return results;
}
