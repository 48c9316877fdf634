import { describe, expect, it } from 'vitest';
import {
  awaitOverlayReach,
  listed,
  probers,
  pendingPairs,
  type OverlayHost,
  type ReachCheck,
} from '../../src/backends/swarm/overlay-reach.js';
import { InfraError } from '../../src/errors.js';

const host = (name: string, address: string, segment = 'lab_ens192', engine = `engine-${name}`): OverlayHost => ({
  name,
  address,
  segment,
  engine,
});
const hosts = [
  host('host0', '10.0.0.10'),
  host('host1', '10.0.0.11'),
  host('host2', '10.0.0.12'),
  host('other', '10.1.0.10', 'lab_b'),
];

/**
 * Answers the prober's argv as the prober would, for the pairs `connected` holds in the source's
 * nth round, and records what was asked.
 */
function fakeOverlay(
  connected: (round: number, from: string, to: string) => boolean,
  peers = ['tcp://e0 sees n0 (10.9.0.1)'],
) {
  const asked: string[][] = [];
  const rounds = new Map<string, number>();
  const progress: string[] = [];
  const check: ReachCheck = {
    exec: async (source, argv) => {
      // perl - WINDOW COUNT TIMEOUT N SOURCE NAMESPACE OWN TARGET...
      const targets = argv.slice(9);
      asked.push([source, ...targets]);
      const round = rounds.get(source) ?? 0;
      rounds.set(source, round + 1);
      const byAddress = new Map(hosts.map((h) => [h.address, h.name]));
      const lines = targets.map((t) => {
        const ok = connected(round, source, byAddress.get(t)!);
        return `${source} ${t} sent=1 received=${ok ? 1 : 0} ttl=${ok ? 64 : '-'} rtt=${ok ? '0.1/0.1/0.1' : '-'} errors=0`;
      });
      return { code: 0, stdout: lines.join('\n'), stderr: '' };
    },
    peersOf: async () => peers,
    progress: (m) => progress.push(m),
  };
  return { check, asked, progress };
}

describe('the overlay reach check', () => {
  it('pairs within a segment only, and a proven pair in neither direction again', () => {
    const all = pendingPairs(hosts, hosts, new Set());
    expect([...all].map(([s, ts]) => [s.name, ts.map((t) => t.name)])).toEqual([
      ['host0', ['host1', 'host2']],
      ['host1', ['host0', 'host2']],
      ['host2', ['host0', 'host1']],
    ]);
    const left = pendingPairs(hosts, hosts, new Set(['host0\0host1', 'host0\0host2', 'host1\0host2']));
    expect(left.size).toBe(0);
    expect([...pendingPairs(hosts, [hosts[1]!], new Set())].map(([s, ts]) => [s.name, ts.map((t) => t.name)])).toEqual([
      ['host1', ['host0', 'host2']],
    ]);
  });

  it('asks again only for the pairs not yet answered, until all are', async () => {
    // host2 is unreachable for two rounds, then its engine's gossip catches up.
    const overlay = fakeOverlay((round, from, to) => (from !== 'host2' && to !== 'host2') || round >= 2);
    await awaitOverlayReach(hosts.slice(0, 3), hosts.slice(0, 3), overlay.check, 10_000);
    expect(overlay.asked.slice(0, 3)).toEqual([
      ['host0', '10.0.0.11', '10.0.0.12'],
      ['host1', '10.0.0.10', '10.0.0.12'],
      ['host2', '10.0.0.10', '10.0.0.11'],
    ]);
    expect(overlay.asked.slice(3, 6)).toEqual([
      ['host0', '10.0.0.12'],
      ['host1', '10.0.0.12'],
      ['host2', '10.0.0.10', '10.0.0.11'],
    ]);
    expect(overlay.progress).toEqual([
      'waiting for the overlay to connect 4 pairs of hosts (host0 → host2, host1 → host2, host2 → host0, …)',
    ]);
  });

  it('never connected: an InfraError naming the pairs, what the gossip knows, and the ports', async () => {
    const overlay = fakeOverlay((_, from, to) => from !== 'host2' && to !== 'host2');
    const failure = await awaitOverlayReach(hosts.slice(0, 3), hosts.slice(0, 3), overlay.check, 300).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(InfraError);
    expect((failure as Error).message).toBe(
      'the overlay does not connect host0 → host2, host1 → host2, host2 → host0, host2 → host1 after 0.3 s ' +
        "(what each engine's Swarm gossip knows: lab_ens192: tcp://e0 sees n0 (10.9.0.1)); engines of a Swarm must reach each other on 7946/tcp+udp and 4789/udp; " +
        'an engine that sees no peer may still hold 7946 for a Swarm it left (dockerd before 28.3, moby#47859): restart its dockerd',
    );
  });
});

describe('the hosts that probe an overlay', () => {
  it('are one per engine and segment: the engine holds the entries for all its containers', () => {
    const lab = [
      host('a', '10.0.0.1', 's1', 'e1'),
      host('b', '10.0.0.2', 's1', 'e1'),
      host('c', '10.0.0.3', 's1', 'e2'),
      host('d', '10.0.1.1', 's2', 'e1'),
      host('e', '10.0.1.2', 's2', 'e2'),
      host('f', '10.0.1.3', 's2', 'e2'),
    ];
    expect(probers(lab).map((h) => h.name)).toEqual(['a', 'c', 'd', 'e']);
    // Each prober reaches every other host of its segment: every pair is proven from both engines' side.
    const pending = pendingPairs(lab, probers(lab), new Set());
    expect([...pending].map(([s, ts]) => `${s.name}: ${ts.map((t) => t.name).join(' ')}`)).toEqual([
      'a: b c',
      'c: a b',
      'd: e f',
      'e: d f',
    ]);
  });
});

describe('naming the pairs that never connected', () => {
  it('names a few, then says how many more of how many', () => {
    const pairs = Array.from({ length: 300 }, (_, i) => `h${i} → h${i + 1}`);
    expect(listed(pairs.slice(0, 3), 6)).toBe('h0 → h1, h1 → h2, h2 → h3');
    expect(listed(pairs, 89_700)).toBe(`${pairs.slice(0, 12).join(', ')} and 288 more of 89,700 pairs`);
  });
});
