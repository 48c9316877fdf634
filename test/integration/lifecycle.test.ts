import { afterAll, describe, expect, it } from 'vitest';
import { dockerClient } from '../../src/backends/docker/client.js';
import { execCapture } from '../../src/backends/docker/exec.js';
import { nodeNamespace } from '../../src/backends/netns/names.js';
import type { BackendName } from '../../src/backends/registry.js';
import { runProcess } from '../../src/util/process.js';
import { abilityOf, LOCAL_BACKENDS, needs } from '../support/abilities.js';
import { cli, ipJson, labExists, labFor, removeLabs, rootNamespaceState, signalAt, waitFor } from './helpers.js';

const labs: string[] = [];
afterAll(() => removeLabs(...labs));

interface Route {
  dst: string;
  gateway?: string;
  dev: string;
  scope?: string;
}

/** Reads JSON from `ip` inside a node straight from the system, not through testbed. */
async function ipOnNode<T>(
  backend: BackendName,
  lab: string,
  host: string,
  workload: string | undefined,
  args: string[],
): Promise<T> {
  if (backend === 'netns') return ipJson<T>(nodeNamespace(lab, workload ?? host), ...args);
  const container = dockerClient().getContainer(`${lab}.${host}`);
  const result = await execCapture(container, ['ip', ...(workload ? ['-n', workload] : []), '-j', ...args]);
  if (result.code !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as T;
}

for (const backend of LOCAL_BACKENDS)
  describe(`builds of one lab name at once on ${backend}`, await needs(abilityOf(backend)), () => {
    it('leave exactly one lab, intact; the losers remove nothing', async () => {
      const lab = labFor(`${backend}-race`);
      labs.push(lab);
      const count = backend === 'netns' ? 20 : 10;
      const results = await Promise.all(
        Array.from({ length: count }, () => cli(['up', 'scenarios/two-host.ts', '--backend', backend, '--name', lab])),
      );
      const winners = results.filter((r) => r.code === 0);
      expect(winners).toHaveLength(1);
      for (const loser of results.filter((r) => r.code !== 0)) {
        expect(loser.code).toBe(3);
        expect(loser.stderr.trim()).toBe(
          `testbed: lab "${lab}" already exists on ${backend}; remove it with: testbed down ${lab}`,
        );
      }
      // The winner's lab is whole: every node is there and ns0 reaches ns1 with ttl 62.
      const ls = JSON.parse((await cli(['ls', '--json', '--backend', backend])).stdout) as {
        lab: string;
        nodes: string[];
      }[];
      expect(ls.find((l) => l.lab === lab)?.nodes).toEqual(['host0', 'host1', 'ns0', 'ns1']);
      const ping = await cli(['exec', lab, 'ns0', '--', 'ping', '-c', '1', '-W', '2', '10.20.1.3']);
      expect(ping.stdout).toContain('ttl=62');
      expect((await cli(['down', lab])).code).toBe(0);
      expect(await labExists(backend, lab)).toBe(false);
    }, 120_000);
  });

for (const backend of LOCAL_BACKENDS)
  describe(`up, exec, ls, down on ${backend}`, await needs(abilityOf(backend)), () => {
    it('builds a lab that exec, ls and the system agree on, and down removes all of it', async () => {
      const lab = labFor(`${backend}-updown`);
      labs.push(lab);
      const rootBefore = backend === 'netns' ? await rootNamespaceState() : '';

      const up = await cli(['up', 'scenarios/two-host.ts', '--backend', backend, '--name', lab]);
      expect(up.code).toBe(0);
      expect(up.stdout).toContain(`lab ${lab} is up on ${backend}`);

      // Read straight from the kernel, not through testbed.
      expect(await ipOnNode<Route[]>(backend, lab, 'host1', 'ns1', ['route', 'show'])).toEqual([
        { dst: 'default', gateway: '169.254.1.1', dev: 'eth0', flags: [] },
        { dst: '169.254.1.1', dev: 'eth0', scope: 'link', flags: [] },
      ]);
      const host0Routes = await ipOnNode<Route[]>(backend, lab, 'host0', undefined, ['route', 'show']);
      const cali = host0Routes.find((r) => r.dst === '10.20.1.2')!;
      expect(cali).toMatchObject({ scope: 'link' });
      expect(cali.dev).toMatch(/^cali[0-9a-f]{11}$/);
      expect(host0Routes).toContainEqual({ dst: '10.20.1.3', gateway: '192.168.1.16', dev: 'ens192', flags: [] });
      expect(host0Routes).toContainEqual({ dst: 'default', gateway: '192.168.1.1', dev: 'ens192', flags: [] });
      const [caliLink] = await ipOnNode<{ address: string }[]>(backend, lab, 'host0', undefined, [
        'link',
        'show',
        cali.dev,
      ]);
      expect(caliLink!.address).toBe('ee:ee:ee:ee:ee:ee');

      // exec shows the same, and passes exit codes through.
      const ns0 = await cli(['exec', lab, 'ns0', '--', 'ip', 'route']);
      expect(ns0.code).toBe(0);
      expect(ns0.stdout).toBe('default via 169.254.1.1 dev eth0 \n169.254.1.1 dev eth0 scope link \n');
      const host0 = await cli(['exec', lab, 'host0', '--', 'ip', 'route']);
      expect(host0.stdout).toContain(`10.20.1.2 dev ${cali.dev} scope link`);
      expect(host0.stdout).toContain('10.20.1.3 via 192.168.1.16 dev ens192');
      const links = await cli(['exec', lab, 'host0', '--', 'ip', '-br', 'link']);
      expect(links.stdout).toMatch(/^ens192@\S+\s+UP/m);
      expect(links.stdout).toMatch(new RegExp(`^${cali.dev}@\\S+\\s+UP\\s+ee:ee:ee:ee:ee:ee`, 'm'));
      expect((await cli(['exec', lab, 'host0', '--', 'sh', '-c', 'exit 7'])).code).toBe(7);
      expect((await cli(['exec', lab, 'ns0', '--', 'sh', '-c', 'exit 9'])).code).toBe(9);
      const proxyArp = await cli(['exec', lab, 'host0', '--', 'cat', `/proc/sys/net/ipv4/conf/${cali.dev}/proxy_arp`]);
      expect(proxyArp.stdout).toBe('1\n');
      const unknown = await cli(['exec', lab, 'ns9', '--', 'true']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain(`lab "${lab}" has no node "ns9"`);

      // A second lab of the same name is refused, and the first is left intact.
      const again = await cli(['up', 'scenarios/two-host.ts', '--backend', backend, '--name', lab]);
      expect(again.code).toBe(3);
      expect(again.stderr).toContain(`lab "${lab}" already exists`);
      expect((await cli(['exec', lab, 'ns0', '--', 'true'])).code).toBe(0);

      const ls = await cli(['ls', '--json']);
      const listed = (
        JSON.parse(ls.stdout) as { lab: string; backend: string; nodes: string[]; scenario: string }[]
      ).find((l) => l.lab === lab);
      expect(listed).toEqual(
        expect.objectContaining({ backend, nodes: ['host0', 'host1', 'ns0', 'ns1'], scenario: 'two-host.ts' }),
      );

      if (backend === 'netns') {
        expect(await rootNamespaceState()).toBe(rootBefore);
      } else {
        const containers = await dockerClient().listContainers({ filters: { label: [`testbed.lab=${lab}`] } });
        expect(containers.map((c) => c.Names[0]).sort()).toEqual([`/${lab}.host0`, `/${lab}.host1`]);
      }

      const down = await cli(['down', lab]);
      expect(down.code).toBe(0);
      expect(down.stdout).toContain(`removed lab ${lab} (${backend})`);
      expect(await labExists(backend, lab)).toBe(false);
      if (backend === 'netns') {
        expect(await rootNamespaceState()).toBe(rootBefore);
      } else if (process.getuid?.() === 0) {
        const rules = await runProcess('iptables', ['-w', '-S', 'DOCKER-USER']);
        expect(rules.stdout).not.toContain(`testbed:${lab}`);
      }
      const downAgain = await cli(['down', lab]);
      expect(downAgain.code).toBe(0);
      expect(downAgain.stdout).toContain('nothing to remove');
    });

    it('removes everything the run created on Ctrl-C (SIGINT) in the middle of a step', async () => {
      const lab = labFor(`${backend}-sigint`);
      labs.push(lab);
      // The long ping is under way once its echo requests reach ns1 (ICMP counters of ns1's own network stack).
      const echoesAtNs1 = async () =>
        Number(
          (await cli(['exec', lab, 'ns1', '--backend', backend, '--', 'cat', '/proc/net/snmp'])).stdout.match(
            /^Icmp: (?:\d+ ){8}(\d+)/m,
          )?.[1] ?? 0,
        );
      const result = await signalAt(
        ['run', 'test/fixtures/long-ping.ts', '--backend', backend, '--name', lab],
        /ready in/,
        'SIGINT',
        () => waitFor('the long ping to reach ns1', async () => (await echoesAtNs1()) >= 2),
      );
      expect(result.sent, result.stderr).toBe(true);
      expect(result.code).toBe(130);
      expect(result.stdout).toContain('SIGINT: stopping and removing what this run created');
      expect(result.stdout).toContain(`removing lab ${lab}`);
      expect(await labExists(backend, lab)).toBe(false);
    });
  });
