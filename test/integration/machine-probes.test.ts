import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ICMP_PROBER, parseProber } from '../../src/net/icmp-prober.js';
import { KERNEL_FEATURES, type KernelFeature } from '../../src/requirements/kernel.js';
import { parseProbe, probeScript } from '../../src/requirements/probe.js';
import { needs } from '../support/abilities.js';

// What testbed runs in network namespaces of its own, run for real (root: the netns ability).
describe('the preflight probe in a throwaway network namespace', await needs('netns'), () => {
  it('runs for real in a throwaway network namespace and finds sh but not a made-up feature gap', () => {
    const output = execFileSync('unshare', ['--net', 'sh', '-c', probeScript(['sh', 'ip'], [])], { encoding: 'utf8' });
    expect(parseProbe(output).missingPrograms).toEqual([]);
  });

  it('gives each kernel feature the same verdict alone as beside the others in one namespace', () => {
    const features = Object.keys(KERNEL_FEATURES) as KernelFeature[];
    const missing = (some: KernelFeature[]) => [
      ...parseProbe(
        execFileSync('unshare', ['--net', 'sh', '-c', probeScript([], some)], { encoding: 'utf8' }),
      ).missingKernel.keys(),
    ];
    const alone = features.flatMap((f) => missing([f]));
    expect(missing(features).sort()).toEqual(alone.sort());
    expect(missing([...features].reverse()).sort()).toEqual(alone.sort());
  });
});

describe('the ICMP prober', await needs('netns'), () => {
  it('probes for real: one process for several namespaces, each source to every target but itself, the ttl of each reply (raw socket, as root)', () => {
    // In throwaway network namespaces, where loopback answers itself with ttl 64: source b in a
    // namespace of its own, which alone has 10.99.0.1; source a, listed after it, where the prober runs.
    const script = `ip link set lo up
unshare --net sh -c 'ip link set lo up && ip addr add 10.99.0.1/32 dev lo && exec sleep 30' &
inner=$!
n=0; until nsenter --net=/proc/$inner/ns/net ip -o addr show dev lo 2>/dev/null | grep -q 10.99.0.1; do n=$((n+1)); [ $n -lt 400 ] || exit 1; sleep 0.05; done
perl - 8 2 1 2 b /proc/$inner/ns/net 127.0.0.2 a - 127.0.0.1 127.0.0.1 127.0.0.2 10.99.0.1
kill $inner`;
    const replies = parseProber(
      execFileSync('unshare', ['--net', 'sh', '-c', script], { input: ICMP_PROBER, encoding: 'utf8' }),
    );
    const ok = { sent: 2, received: 2, ttls: [64], errors: 0 };
    expect([...replies.get('a')!.keys()].sort()).toEqual(['10.99.0.1', '127.0.0.2']);
    expect(replies.get('a')!.get('127.0.0.2')).toMatchObject(ok);
    expect(replies.get('a')!.get('10.99.0.1')).toMatchObject({ received: 0, ttls: [] });
    expect([...replies.get('b')!.keys()].sort()).toEqual(['10.99.0.1', '127.0.0.1']);
    expect(replies.get('b')!.get('127.0.0.1')).toMatchObject(ok);
    expect(replies.get('b')!.get('10.99.0.1')).toMatchObject(ok);
  });
});
