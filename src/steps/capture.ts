import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StepContext } from './result.js';
import { waitEnded } from './wait-ended.js';

/** Starts tcpdump writing a pcap ($1) on every interface of a node, and returns its pid once it listens ($2: its messages). */
// Headers only (-s 256): a capture of an iperf3 step stays small.
const START =
  'tcpdump --immediate-mode -n -s 256 -i any -w "$1" </dev/null >/dev/null 2>"$2" & pid=$!; for i in $(seq 100); do grep -q listening "$2" 2>/dev/null && break; sleep 0.05; done; echo $pid';
/** Stops it ($3: pid), waits until it has written its file, prints the file as base64, and removes it. */
const STOP = `kill -INT "$3" 2>/dev/null; ${waitEnded('$3', 2)}; base64 -w0 "$1"; rm -f "$1" "$2"`;

export interface RunningCapture {
  node: string;
  pid: string;
  files: [string, string];
}

/** Starts a capture on each node; files inside the nodes are named after `tag`, unique per run. */
export async function startCaptures(ctx: StepContext, nodes: string[], tag: string): Promise<RunningCapture[]> {
  return Promise.all(
    nodes.map(async (node) => {
      const files: [string, string] = [
        `/tmp/testbed-capture-${tag}-${node}.pcap`,
        `/tmp/testbed-capture-${tag}-${node}.err`,
      ];
      const started = await ctx.exec(node, ['sh', '-c', START, 'sh', ...files]);
      return { node, pid: started.stdout.trim(), files };
    }),
  );
}

/** Stops the captures and writes each as `<prefix>-<node>.pcap` into `dir`; returns the paths written. */
export async function stopCaptures(
  ctx: StepContext,
  running: RunningCapture[],
  dir: string,
  prefix: string,
): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const written = await Promise.all(
    running.map(async ({ node, pid, files }) => {
      const result = await ctx.exec(node, ['sh', '-c', STOP, 'sh', ...files, pid]).catch(() => undefined);
      const bytes = Buffer.from(result?.stdout.trim() ?? '', 'base64');
      if (bytes.length === 0) return [];
      const path = join(dir, `${prefix}-${node}.pcap`);
      writeFileSync(path, bytes);
      return [path];
    }),
  );
  return written.flat();
}
