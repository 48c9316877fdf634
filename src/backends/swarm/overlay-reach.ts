import { InfraError } from '../../errors.js';
import { ICMP_PROBER, parseProber } from '../../net/icmp-prober.js';
import type { ProcessResult, RunOptions } from '../../util/process.js';
import { pause } from '../../util/interrupt.js';
import type { Progress } from '../backend.js';

/** A host on an overlay segment, as the reach check sees it. */
export interface OverlayHost {
  name: string;
  address: string;
  segment: string;
  /** The engine it runs on. */
  engine: string;
}

export interface ReachCheck {
  /** Runs a command in a host's root namespace. */
  exec(host: string, argv: string[], options: RunOptions): Promise<ProcessResult>;
  /** What each engine's Swarm gossip knows of a segment's overlay: for the message when it never connects. */
  peersOf(segment: string): Promise<string[]>;
  progress: Progress;
}

/** Long enough for the Swarm's gossip to recover a lost join (it retries every few seconds). */
export const OVERLAY_REACH_DEADLINE_MS = 60_000;
const ROUND_PAUSE_MS = 500;

/**
 * Pure: the pairs still to prove, per source: every host of `from` to every other host of its
 * segment among `hosts`, but for pairs already proven (an echo reply proves both directions).
 */
export function pendingPairs(
  hosts: OverlayHost[],
  from: OverlayHost[],
  proven: Set<string>,
): Map<OverlayHost, OverlayHost[]> {
  const pending = new Map<OverlayHost, OverlayHost[]>();
  for (const source of from) {
    const targets = hosts.filter(
      (t) => t !== source && t.segment === source.segment && !proven.has(pairKey(source, t)),
    );
    if (targets.length > 0) pending.set(source, targets);
  }
  return pending;
}

const pairKey = (a: OverlayHost, b: OverlayHost) => [a.name, b.name].sort().join('\0');

/**
 * Pure: the hosts whose echoes prove a lab's overlays: one per engine and segment. An engine's
 * overlay holds one entry per remote endpoint for all its containers, so one host per engine
 * that reaches every host of its segment proves every pair both ways: engines × hosts echoes,
 * where every pair would take hosts² (89,700 at 300 hosts).
 */
export function probers(hosts: OverlayHost[]): OverlayHost[] {
  const seen = new Set<string>();
  return hosts.filter((h) => {
    const key = `${h.engine}\0${h.segment}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** How many pairs a message names; a lab of hundreds of hosts can miss tens of thousands. */
const SHOWN = 12;

/** The first pairs, then how many more: `a → b, c → d and 87 more of 89,700 pairs`. */
export function listed(pairs: string[], total: number): string {
  if (pairs.length <= SHOWN) return pairs.join(', ');
  const more = (pairs.length - SHOWN).toLocaleString('en');
  return `${pairs.slice(0, SHOWN).join(', ')} and ${more} more of ${total.toLocaleString('en')} pairs`;
}

/**
 * Waits until every host of `from` reaches every other host of its segment over the overlay.
 * Swarm's gossip programs each engine's overlay with the other engines' containers; when a join
 * is lost it can take seconds to recover (moby#30314), and a lab whose hosts cannot reach each
 * other would fail its steps for a reason that is not the scenario's. Throws InfraError naming
 * the pairs and what each engine's gossip knows when they never connect.
 */
// eslint-disable-next-line max-lines-per-function -- one retry loop: probe, compare, report the pairs and every engine's view at the deadline
export async function awaitOverlayReach(
  hosts: OverlayHost[],
  from: OverlayHost[],
  check: ReachCheck,
  deadlineMs = OVERLAY_REACH_DEADLINE_MS,
): Promise<void> {
  const proven = new Set<string>();
  const total = [...pendingPairs(hosts, from, proven).values()].reduce((n, targets) => n + targets.length, 0);
  const proberFailures = new Map<string, string>();
  const deadline = performance.now() + deadlineMs;
  let told = false;
  for (;;) {
    const pending = pendingPairs(hosts, from, proven);
    if (pending.size === 0) return;
    await Promise.all(
      [...pending].map(async ([source, targets]) => {
        const argv = [
          'perl',
          '-',
          '8',
          '1',
          '1',
          '1',
          source.name,
          '-',
          source.address,
          ...targets.map((t) => t.address),
        ];
        const result = await check.exec(source.name, argv, {
          input: ICMP_PROBER,
          timeoutMs: 10_000 + targets.length * 1_200,
        });
        if (result.code !== 0) proberFailures.set(source.name, (result.stderr || result.stdout).trim());
        else proberFailures.delete(source.name);
        const replies = parseProber(result.stdout).get(source.name);
        for (const target of targets)
          if ((replies?.get(target.address)?.received ?? 0) > 0) proven.add(pairKey(source, target));
      }),
    );
    const left = pendingPairs(hosts, from, proven);
    if (left.size === 0) return;
    const pairs = [...left].flatMap(([s, ts]) => ts.map((t) => `${s.name} → ${t.name}`));
    if (performance.now() > deadline) {
      const segments = [...new Set([...left.keys()].map((s) => s.segment))];
      const views = await Promise.all(
        segments.map(async (s) => `${s}: ${(await check.peersOf(s).catch((e: Error) => [e.message])).join('; ')}`),
      );
      const probers = [...proberFailures]
        .slice(0, SHOWN)
        .map(([host, text]) => `; the probe on ${host} failed: ${text}`)
        .join('');
      throw new InfraError(
        `the overlay does not connect ${listed(pairs, total)} after ${deadlineMs / 1000} s${probers} ` +
          `(what each engine's Swarm gossip knows: ${views.join(' | ')}); ` +
          'engines of a Swarm must reach each other on 7946/tcp+udp and 4789/udp; ' +
          'an engine that sees no peer may still hold 7946 for a Swarm it left (dockerd before 28.3, moby#47859): restart its dockerd',
      );
    }
    if (!told)
      check.progress(
        `waiting for the overlay to connect ${pairs.length} pairs of hosts (${pairs.slice(0, 3).join(', ')}${pairs.length > 3 ? ', …' : ''})`,
      );
    told = true;
    await pause(ROUND_PAUSE_MS);
  }
}
