/**
 * Shell: waits (up to `seconds`) until process `pid` has ended: gone, or a zombie its parent has
 * not reaped yet. A process a command started in the background outlives that command; on netns
 * it then belongs to the machine's init, which may reap it late, and `kill -0` still finds it.
 */
export function waitEnded(pid: string, seconds: number): string {
  return `for i in $(seq ${seconds * 20}); do kill -0 "${pid}" 2>/dev/null || break; grep -q "^State:.*Z" "/proc/${pid}/status" 2>/dev/null && break; sleep 0.05; done`;
}
