import { readFileSync } from 'node:fs';

/** A process as the kernel names it for good: its pid and the time it started (a reused pid has another). */
function startTime(pid: number): string | undefined {
  try {
    // Field 22 of /proc/PID/stat, counted after the command name (which may hold spaces and parentheses).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** This process, as a lab records its owner: `pid:starttime`. */
export function currentOwner(): string {
  return `${process.pid}:${startTime(process.pid) ?? '0'}`;
}

/** Whether the process an owner string names still runs (the same process, not a reused pid). */
export function ownerAlive(owner: string): boolean {
  const [pid, started] = owner.split(':');
  return startTime(Number(pid)) === started;
}
