import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, type TestContext } from 'vitest';
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

/** Takes a lock: a folder holding this worker's pid, renamed into place (which fails while another holds it). */
function take(lock: LabLock): boolean {
  const path = lockPath(lock);
  const mine = mkdtempSync(`${path}.`);
  writeFileSync(join(mine, 'pid'), String(process.pid));
  try {
    renameSync(mine, path);
    return true;
  } catch {
    rmSync(mine, { recursive: true, force: true });
    // A worker that died holding the lock (it was killed) leaves it to the next.
    if (!alive(holder(path))) discard(path);
    return false;
  }
}

/**
 * Gives a lock back: renamed away first (atomic), then removed. Removing it in place would empty it
 * for a moment, and a folder renamed onto an empty one replaces it: another worker's take would
 * succeed under this one's rmdir.
 */
function release(lock: LabLock): void {
  discard(lockPath(lock));
  held.delete(lock);
}

function discard(path: string): void {
  const gone = `${path}.gone-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, gone);
  } catch {
    return;
  }
  rmSync(gone, { recursive: true, force: true });
}

function holder(path: string): number | undefined {
  try {
    return Number(readFileSync(join(path, 'pid'), 'utf8'));
  } catch {
    return undefined;
  }
}

function alive(pid: number | undefined): boolean {
  // Gone between the two looks: taken and given back meanwhile.
  if (pid === undefined || Number.isNaN(pid)) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
