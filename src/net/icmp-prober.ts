import { readFileSync } from 'node:fs';

/**
 * testbed's ICMP prober, run with `perl -` and this text on stdin, once per host: from each of the
 * host's sources, COUNT echo requests to every target over a raw socket opened in the source's
 * network namespace, each reply's ttl read from its IP header. One process per host instead of
 * one `ping` per pair (Debian's fping cannot print a ttl) or one process per source (starting a
 * process costs more than probing 100 targets). The program is a file of its own beside this
 * module (copied into dist/ by the build), so editors, linters and `perl -c` see it.
 */
export const ICMP_PROBER = readFileSync(new URL('./icmp-prober.pl', import.meta.url), 'utf8');

/** What the prober found for one target. */
export interface ProbeReply {
  sent: number;
  received: number;
  ttls: number[];
  rtt?: { min: number; avg: number; max: number };
  errors: number;
  error?: string;
}

const line = /^(\S+) (\S+) sent=(\d+) received=(\d+) ttl=(\S+) rtt=(\S+) errors=(\d+)(?: error=(.*))?$/;

/** Pure: the probers' lines, by source and then by target address. */
export function parseProber(output: string): Map<string, Map<string, ProbeReply>> {
  const replies = new Map<string, Map<string, ProbeReply>>();
  for (const text of output.split('\n')) {
    const m = line.exec(text.trim());
    if (!m) continue;
    const [min, avg, max] = m[6] === '-' ? [] : m[6]!.split('/').map(Number);
    const bySource = replies.get(m[1]!) ?? new Map<string, ProbeReply>();
    replies.set(m[1]!, bySource);
    bySource.set(m[2]!, {
      sent: Number(m[3]),
      received: Number(m[4]),
      ttls: m[5] === '-' ? [] : m[5]!.split(',').map(Number),
      ...(min !== undefined ? { rtt: { min, avg: avg!, max: max! } } : {}),
      errors: Number(m[7]),
      ...(m[8] ? { error: m[8] } : {}),
    });
  }
  return replies;
}
