import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, type TestContext } from 'vitest';
import { giveBack, takeLock } from './folder-lock.js';
import { LAB_LOCKS, type LabLock } from './task-meta.js';
import { waitFor } from './wait.js';

/**
 * Setup of every file that builds labs on this machine. Two files run at a time, and their lab
 * tests must not meet: Docker cannot hold two networks with one subnet (the scenarios share
 * 192.168.1.0/24), and a test that kills a run watches what the next command of that backend
 * reaps. So a test holds the lock of each backend whose labs its group builds (needs() marks the
 * group), from its start to the next test that needs another set, taking them in one order (no
 * deadlock). A netns test of one file and a docker test of the other run side by side, as do unit
 * tests and the swarm's labs on engines of their own. Locks are folders made atomically, one set
 * per vitest run (its workers, forks, share the parent process).
 */
const lockPath = (lock: LabLock) => join(tmpdir(), `testbed-${lock}-labs-${process.ppid}.lock`);
/** The longest a test waits for the others: all of them, one after another, on a slow machine. */
const WAIT_MS = 40 * 60_000;

const held = new Set<LabLock>();

beforeEach(async (context) => {
  const wanted = locksOf(context);
  for (const lock of [...held]) if (!wanted.includes(lock)) release(lock);
  for (const lock of LAB_LOCKS) {
    if (!wanted.includes(lock) || held.has(lock)) continue;
    await waitFor(`the ${lock} lab tests of the other file to finish`, () => take(lock), WAIT_MS);
    held.add(lock);
  }
}, WAIT_MS + 5_000);

afterAll(() => {
  for (const lock of [...held]) release(lock);
});

function locksOf(context: TestContext): readonly LabLock[] {
  for (let suite = context.task.suite; suite; suite = suite.suite) if (suite.meta.locks) return suite.meta.locks;
  return [];
}

function take(lock: LabLock): boolean {
  return takeLock(lockPath(lock));
}

function release(lock: LabLock): void {
  giveBack(lockPath(lock));
  held.delete(lock);
}
