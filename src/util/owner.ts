import { createHash } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';

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

/** This boot of this machine (and its pid namespace): an owner from elsewhere cannot be judged here. */
function bootId(): string | undefined {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    // Short: it goes into labels (a netns label has 255 bytes in all).
    return createHash('sha1')
      .update(`${boot}/${readlinkSafe('/proc/self/ns/pid')}`)
      .digest('hex')
      .slice(0, 12);
  } catch {
    return undefined;
  }
}

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

/** This process, as a lab records its owner: `pid:starttime@boot`. Undefined where there is no /proc (no owner then). */
export function currentOwner(): string | undefined {
  const started = startTime(process.pid);
  const boot = bootId();
  return started && boot ? `${process.pid}:${started}@${boot}` : undefined;
}

/**
 * Whether the process an owner names still runs (the same process, not a reused pid). An owner of
 * another machine, boot or pid namespace (a shared Docker daemon, a swarm engine) cannot be seen
 * from here, so it counts as alive: only this machine's dead runs are reaped.
 */
export function ownerAlive(owner: string): boolean {
  const [process_, boot] = owner.split('@');
  if (boot !== bootId()) return true;
  const [pid, started] = process_!.split(':');
  return startTime(Number(pid)) === started;
}
