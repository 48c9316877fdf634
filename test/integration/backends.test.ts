import { afterAll, describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/report/json.js';
import { needs } from '../support/abilities.js';
import { cli, labFor, removeLabs } from './helpers.js';

const labs: string[] = [];
afterAll(() => removeLabs(...labs));

/** What must not depend on the backend: each step's verdict, ttl and reachability. */
async function outcome(file: string, backend: string, lab: string) {
  const result = await cli(['run', file, '--backend', backend, '--name', lab, '--json']);
  expect(result.code).toBe(0);
  const report = JSON.parse(result.stdout) as JsonReport;
  return report.runs[0]!.steps.map((s) => ({
    name: s.name,
    passed: s.passed,
    ttl: s.metrics.ttl,
    reachable: s.kind === 'ping' ? (s.metrics.received as number) > 0 : undefined,
  }));
}

describe('netns and docker agree', await needs('netns', 'docker'), () => {
  it.each(['scenarios/two-host.ts', 'scenarios/seed-lab.ts', 'scenarios/same-host.ts'])(
    '%s: same step results on both backends',
    async (file) => {
      const lab = labFor(`same-${file.replace(/\W/g, '').slice(9, 17)}`);
      labs.push(lab);
      const [netns, docker] = await Promise.all([outcome(file, 'netns', lab), outcome(file, 'docker', lab)]);
      expect(docker).toEqual(netns);
    },
  );

  it('builds the same kernel state in every node', async () => {
    const lab = labFor('state');
    labs.push(lab);
    for (const backend of ['netns', 'docker']) {
      expect((await cli(['up', 'scenarios/two-host.ts', '--backend', backend, '--name', lab])).code).toBe(0);
    }
    const ambiguous = await cli(['exec', lab, 'ns0', '--', 'true']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain(`lab "${lab}" exists on docker and netns: choose one with --backend`);

    // Traffic first, so that neighbour entries exist too.
    for (const backend of ['netns', 'docker']) {
      expect(
        (await cli(['exec', '--backend', backend, lab, 'ns0', '--', 'ping', '-c', '1', '-W', '2', '10.20.1.3'])).code,
      ).toBe(0);
    }
    const probes: [string, string][] = [
      ['host0', 'ip route'],
      ['host1', 'ip route'],
      ['ns0', 'ip route; ip -4 addr show dev eth0 | grep inet; ip neigh show 169.254.1.1 | cut -d" " -f1-5'],
      ['ns1', 'ip route; ip -4 addr show dev eth0 | grep inet'],
      [
        'host0',
        'for k in ip_forward conf/cali*/forwarding conf/cali*/proxy_arp neigh/cali*/proxy_delay; do ' +
          'for f in /proc/sys/net/ipv4/$k; do echo "$f=$(cat $f)"; done; done; ip -br link show type veth | cut -d@ -f1 | sort',
      ],
    ];
    for (const [node, script] of probes) {
      const [netns, docker] = await Promise.all(
        ['netns', 'docker'].map((backend) => cli(['exec', '--backend', backend, lab, node, '--', 'sh', '-c', script])),
      );
      expect(netns!.stdout.length).toBeGreaterThan(0);
      expect({ node, script, state: docker!.stdout }).toEqual({ node, script, state: netns!.stdout });
    }
  });
});
