/** What one run of iputils ping said, reply by reply and in its summary. */
export interface PingOutput {
  transmitted: number;
  received: number;
  duplicates: number;
  errors: number;
  lossPercent: number;
  /** TTL of every (non-duplicate) reply, in order. */
  ttls: number[];
  /** Round-trip time of every (non-duplicate) reply, in ms. */
  rtts: number[];
  rtt?: { min: number; avg: number; max: number; mdev: number };
  /** An error ping printed instead of (or besides) replies, e.g. "connect: Network is unreachable". */
  error?: string;
}

const reply = /^\d+ bytes from .*?icmp_seq=\d+ ttl=(\d+) time=([\d.]+) ms(.*)$/;
const summary =
  /^(\d+) packets transmitted, (\d+) received(?:, \+(\d+) duplicates)?(?:, \+(\d+) errors)?, ([\d.]+)% packet loss/;
const rttLine = /^rtt min\/avg\/max\/mdev = ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/;
const errorLine = /^(?:ping: |From \S+ icmp_seq=\d+ )(.+)$/;

/** Parses the output (stdout and stderr together) of `ping -n`. */
export function parsePingOutput(text: string): PingOutput {
  const out: PingOutput = {
    transmitted: 0,
    received: 0,
    duplicates: 0,
    errors: 0,
    lossPercent: 100,
    ttls: [],
    rtts: [],
  };
  let sawSummary = false;
  for (const line of text.split('\n').map((l) => l.trim())) {
    const r = reply.exec(line);
    if (r) {
      if (!r[3]!.includes('DUP!')) {
        out.ttls.push(Number(r[1]));
        out.rtts.push(Number(r[2]));
      }
      continue;
    }
    const s = summary.exec(line);
    if (s) {
      sawSummary = true;
      out.transmitted = Number(s[1]);
      out.received = Number(s[2]);
      out.duplicates = Number(s[3] ?? 0);
      out.errors = Number(s[4] ?? 0);
      out.lossPercent = Number(s[5]);
      continue;
    }
    const t = rttLine.exec(line);
    if (t) {
      out.rtt = { min: Number(t[1]), avg: Number(t[2]), max: Number(t[3]), mdev: Number(t[4]) };
      continue;
    }
    const e = errorLine.exec(line);
    if (e && out.error === undefined) out.error = e[1];
  }
  if (!sawSummary) out.received = out.ttls.length;
  return out;
}

/** The p-th percentile (0–100) of `values` by nearest rank; undefined for none. */
export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
