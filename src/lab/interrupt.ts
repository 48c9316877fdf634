import { InterruptedError } from '../errors.js';
import { abortRunningWork } from '../util/process.js';

let received: NodeJS.Signals | undefined;

/**
 * Turns SIGINT/SIGTERM into an orderly stop: running children are ended and the work in
 * progress sees `throwIfInterrupted` fail, so its own cleanup (finally blocks) removes the lab.
 */
export function installInterruptHandler(notify: (message: string) => void): void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) return notify(`${signal} again: still cleaning up, please wait`);
    received = signal;
    notify(`${signal}: stopping and removing what this run created`);
    void abortRunningWork();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

export function throwIfInterrupted(): void {
  if (received) throw new InterruptedError(`interrupted by ${received}`);
}

export function wasInterrupted(): boolean {
  return received !== undefined;
}
