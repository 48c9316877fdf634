import { InterruptedError } from '../errors.js';

let received: NodeJS.Signals | undefined;
let installed = false;
let tell: (message: string) => void = () => {};
/** Work in flight that an interrupt cuts short: child processes, commands streaming through the Docker API. */
const abortables = new Set<() => void>();

/**
 * Turns SIGINT/SIGTERM into an orderly stop: work in flight is aborted and the code running it
 * sees `throwIfInterrupted` fail, so its own cleanup (finally blocks) removes the lab.
 */
export function installInterruptHandler(notify: (message: string) => void): void {
  tell = notify;
  if (installed) return;
  installed = true;
  // The early listener of bin/testbed.js (exit 130 before anything exists) gives way to this one.
  // It is not removed: a signal already pending for it would be dropped with it.
  (process as unknown as Record<symbol, boolean>)[Symbol.for('testbed.handlesSignals')] = true;
  const onSignal = (signal: NodeJS.Signals) => {
    const notify = tell;
    if (received) return notify(`${signal} again: still cleaning up, please wait`);
    received = signal;
    notify(`${signal}: stopping and removing what this run created`);
    for (const abort of abortables) abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Registers work to cut short on interrupt; call the returned function when the work is done. */
export function onInterruptAbort(abort: () => void): () => void {
  abortables.add(abort);
  return () => abortables.delete(abort);
}

export function throwIfInterrupted(): void {
  if (received) throw new InterruptedError(`interrupted by ${received}`);
}

/** Sleeps `ms`, or less: an interrupt ends the pause at once and throws, as throwIfInterrupted. */
export async function pause(ms: number): Promise<void> {
  throwIfInterrupted();
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    const forget = onInterruptAbort(done);
    function done(): void {
      clearTimeout(timer);
      forget();
      resolve();
    }
  });
  throwIfInterrupted();
}

export function wasInterrupted(): boolean {
  return received !== undefined;
}

/** The signal that interrupted this process, if one did. */
export function interruptedBy(): NodeJS.Signals | undefined {
  return received;
}
