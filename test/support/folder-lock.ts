import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A lock between vitest workers: a folder holding its holder's pid at `path`. Taking it renames a
 * folder of one's own into place, which fails while another holds it; a holder that died (it
 * was killed) leaves it to the next.
 */
export function takeLock(path: string): boolean {
  const mine = mkdtempSync(`${path}.`);
  writeFileSync(join(mine, 'pid'), String(process.pid));
  try {
    renameSync(mine, path);
    return true;
  } catch {
    rmSync(mine, { recursive: true, force: true });
    if (!alive(holder(path))) giveBack(path);
    return false;
  }
}

/**
 * Gives a lock back: renamed away first (atomic), then removed. Removing it in place would empty it
 * for a moment, and a folder renamed onto an empty one replaces it: another worker's take would
 * succeed under this one's rmdir.
 */
export function giveBack(path: string): void {
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
