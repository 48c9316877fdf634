import { type Duplex, PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { InfraError } from '../../errors.js';
import { onInterruptAbort, throwIfInterrupted } from '../../util/interrupt.js';
import type { ProcessResult, RunOptions } from '../../util/process.js';

/**
 * Runs a command in a container through the Docker API and returns its real exit code. The exec's
 * output is demultiplexed into stdout and stderr; the exit code is read once the stream has
 * drained — and re-read while Docker still reports the exec running (ExitCode null is not 0).
 */
export async function execCapture(
  container: Docker.Container,
  argv: string[],
  options: RunOptions = {},
): Promise<ProcessResult> {
  const cmd = options.timeoutMs
    ? ['timeout', '-s', 'KILL', String(Math.ceil(options.timeoutMs / 1000)), ...argv]
    : argv;
  const withInput = options.input !== undefined;
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, AttachStdin: withInput });
  const stream = await startExec(exec, { hijack: true, stdin: withInput });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const outSink = new PassThrough().on('data', (d: Buffer) => stdout.push(d));
  const errSink = new PassThrough().on('data', (d: Buffer) => stderr.push(d));
  demux(container, stream, outSink, errSink);
  const forget = options.uninterruptible ? () => {} : onInterruptAbort(() => stream.destroy());
  try {
    if (withInput) stream.end(options.input);
    await ended(stream);
  } finally {
    forget();
    // The hijacked connection stays half-open otherwise, and dockerd keeps the exec (and, at
    // removal, the container's network endpoint) attached to it.
    stream.destroy();
  }
  // An aborted stream says nothing of the command, which may still run: the lab is going anyway.
  throwIfInterrupted();
  return {
    code: await exitCode(exec),
    stdout: Buffer.concat(stdout).toString(),
    stderr: Buffer.concat(stderr).toString(),
  };
}

/** Runs a command in a container attached to this terminal (a TTY when stdin is one). */
export async function execAttached(container: Docker.Container, argv: string[]): Promise<number> {
  const tty = process.stdin.isTTY === true;
  const exec = await container.exec({ Cmd: argv, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: tty });
  const stream = await startExec(exec, { hijack: true, stdin: true, Tty: tty });
  if (tty) {
    process.stdin.setRawMode(true);
    stream.pipe(process.stdout);
    const resize = () => void exec.resize({ h: process.stdout.rows, w: process.stdout.columns }).catch(() => {});
    process.stdout.on('resize', resize);
    resize();
  } else {
    demux(container, stream, process.stdout, process.stderr);
  }
  process.stdin.pipe(stream);
  try {
    await ended(stream);
  } finally {
    process.stdin.unpipe(stream);
    if (tty) process.stdin.setRawMode(false);
    process.stdin.pause();
  }
  return exitCode(exec);
}

/**
 * Starts an exec. With stdin open, docker-modem never ends the request, so when Docker refuses the
 * start (the container stopped or went meanwhile) the socket would stay open and keep the process
 * alive after its work is done; aborting the request closes it.
 */
async function startExec(exec: Docker.Exec, options: Docker.ExecStartOptions): Promise<Duplex> {
  const request = new AbortController();
  try {
    return await exec.start({ ...options, abortSignal: request.signal });
  } catch (error) {
    request.abort();
    throw error;
  }
}

function ended(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
}

async function exitCode(exec: Docker.Exec): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new InfraError('docker exec: the command ended but Docker reports no exit code');
}

/** Splits an exec's multiplexed stream into stdout and stderr (docker-modem's, which its types leave untyped). */
function demux(
  container: Docker.Container,
  stream: NodeJS.ReadableStream,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
): void {
  (
    container.modem as {
      demuxStream(stream: NodeJS.ReadableStream, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void;
    }
  ).demuxStream(stream, stdout, stderr);
}
