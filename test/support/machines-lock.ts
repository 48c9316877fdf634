import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { giveBack, takeLock } from './folder-lock.js';
import { waitFor } from './wait.js';

/**
 * Setup of every file that runs simulated machines on this machine's Docker engine (the `swarm`
 * and `machines` projects of vitest.config.ts): one such file at a time, from before its first
 * beforeAll to after its last afterAll. Their machines share one network (`testbed-machines`,
 * which each file removes when it is done, and `testbed machines down` with it), and two sets of
 * Docker-in-Docker engines on a small machine starve each other's overlays past their deadlines.
 * The lab locks (test/support/lab-locks.ts) are per test, taken after a file's beforeAll has
 * started its machines: too late for this. Test files of other projects do not wait for it. A
 * file whose tests are all skipped runs no hook, and takes nothing.
 */
const LOCK = join(tmpdir(), `testbed-machines-${process.ppid}.lock`);
/** The longest a file waits: the swarm's file takes about 5 minutes, far more on a slow machine. */
const WAIT_MS = 40 * 60_000;

let held = false;

beforeAll(async () => {
  await waitFor('the other file that runs simulated machines to finish', () => takeLock(LOCK), WAIT_MS);
  held = true;
}, WAIT_MS + 5_000);

afterAll(() => {
  if (held) giveBack(LOCK);
  held = false;
});
