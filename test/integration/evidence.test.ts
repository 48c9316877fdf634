import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from 'testbed';
import { collectLabState, packEvidence } from '../../src/lab/evidence.js';
import { runChecked } from '../../src/util/process.js';
import { abilityOf, LOCAL_BACKENDS, needs, withBird } from '../support/abilities.js';
import { labFor, removeLabs, waitFor } from './helpers.js';

const labs: string[] = [];
afterAll(() => removeLabs(...labs));

const NODE_FILES = [
  'ip-addr.txt',
  'ip-route.txt',
  'ip-6-route.txt',
  'ip-neigh.txt',
  'ip-6-neigh.txt',
  'ip-s-link.txt',
  'sysctl.txt',
];

/** Collects the lab's state and packs it; the archive's file list and a reader of its files, from the archive itself. */
async function bundleOf(lab: Lab, work: string, tag: string) {
  const archive = join(work, `${tag}.tar.gz`);
  await collectLabState(lab.backend, lab.plan, join(work, tag), () => {});
  await packEvidence(join(work, tag), archive);
  const files = (await runChecked('listing the archive', 'tar', ['-tzf', archive])).split('\n').filter(Boolean);
  const read = (file: string) => runChecked(`reading ${file}`, 'tar', ['-xzOf', archive, `./${file}`]);
  return { files, read };
}

/** Builds a lab, hands it and a scratch folder to `test`, and removes both whatever happens. */
async function withLab(
  backend: (typeof LOCAL_BACKENDS)[number],
  scenario: string,
  tag: string,
  test: (lab: Lab, work: string) => Promise<void>,
): Promise<void> {
  const name = labFor(`${backend}-${tag}`);
  labs.push(name);
  const work = mkdtempSync(join(tmpdir(), 'testbed-evidence-'));
  try {
    const lab = await startLab(scenario, { backend, name });
    try {
      await test(lab, work);
    } finally {
      await lab.stop();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

for (const backend of LOCAL_BACKENDS)
  describe(`collecting a lab's state on ${backend}`, await needs(abilityOf(backend)), () => {
    it('packs every node with its routes, neighbours, links and sysctls as the kernel has them', async () => {
      await withLab(backend, 'scenarios/two-host.ts', 'evidence', async (lab, work) => {
        expect(await lab.ping('ns0', 'ns1', { count: 1 })).toMatchObject({ received: 1 });
        // Something in each stream of host0's container log (its init's stdout and stderr), where it has one.
        if (backend !== 'netns') {
          expect(
            await lab.exec('host0', ['sh', '-c', 'echo marker-out > /proc/1/fd/1; echo marker-err > /proc/1/fd/2']),
          ).toMatchObject({ code: 0 });
          // Docker copies a container's output into its log on its own time: wait until it has both lines.
          await waitFor("host0's container log to hold both markers", async () =>
            (await lab.backend.hostLogs!(lab.name, 'host0')).includes('marker-err'),
          );
        }
        const { files, read } = await bundleOf(lab, work, 'healthy');
        const nodes = ['host0', 'host1', 'ns0', 'ns1'];
        expect(files.filter((f) => /\.(txt|log)$/.test(f)).sort()).toEqual(
          [
            './README.txt',
            './firewall-rules.txt',
            ...nodes.flatMap((n) => NODE_FILES.map((f) => `./${n}/${f}`)),
            ...(backend === 'netns' ? [] : ['./host0/container.log', './host1/container.log']),
          ].sort(),
        );

        expect(await read('host0/ip-route.txt')).toMatch(
          /^\$ ip -4 route show\n(.*\n)*10\.20\.1\.3 via 192\.168\.1\.16 /,
        );
        expect(await read('ns0/ip-route.txt')).toMatch(/^default via 169\.254\.1\.1 dev eth0/m);
        expect(await read('ns0/ip-neigh.txt')).toMatch(/^169\.254\.1\.1 dev eth0 lladdr ee:ee:ee:ee:ee:ee /m);
        const veth = lab.topology.workloads.find((w) => w.name === 'ns0')!.hostInterface;
        const sysctl = await read('host0/sysctl.txt');
        expect(sysctl).toMatch(/^net\.ipv4\.ip_forward = 1$/m);
        expect(sysctl).toContain(`\nnet.ipv4.conf.${veth}.proxy_arp = 1\n`);
        expect(sysctl).not.toContain(`net.ipv4.conf.${veth}.proxy_arp = 0`);
        expect(await read('host0/ip-s-link.txt')).toMatch(new RegExp(`${veth}@.*\\n(.*\\n)*\\s+RX:`));
        expect(await read('README.txt')).toContain(`lab:       ${lab.name} (scenario two-host, `);
        expect(await read('README.txt')).toContain(`backend:   ${backend}`);

        const firewall = await read('firewall-rules.txt');
        if (backend === 'netns') expect(firewall).toBe('the netns backend adds no firewall rules\n');
        else {
          expect(firewall).toMatch(new RegExp(`^-A DOCKER-USER .*--comment "testbed:${lab.name}" -j ACCEPT$`, 'm'));
          expect(
            firewall.split('\n').filter((l) => l.startsWith('-A') && !l.includes(`"testbed:${lab.name}"`)),
          ).toEqual([]);
          const log = await read('host0/container.log');
          expect(log).toMatch(/^# the log of host host0's docker container, with timestamps\n/);
          // A timestamped line from each stream, without the frames' headers. Docker copies the two
          // streams apart, so their order in the log is not the order they were written in.
          expect(log).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z marker-out$/m);
          expect(log).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z marker-err$/m);
          expect(log).not.toContain('\u0000');
          expect(await read('host1/container.log')).toMatch(/\n\(nothing logged\)\n$/);
        }
      });
    }, 240_000);

    it('writes why into the files of a node that is gone, and still collects the others', async () => {
      await withLab(backend, 'scenarios/two-host.ts', 'evidence-gone', async (lab, work) => {
        if (backend === 'netns')
          await runChecked('removing ns1', 'ip', ['netns', 'del', lab.backend.profile.namespaceName(lab.name, 'ns1')]);
        else await lab.backend.power!.stop(lab.name, 'host1');
        const { files, read } = await bundleOf(lab, work, 'broken');
        expect(files).toEqual(expect.arrayContaining(NODE_FILES.map((f) => `./ns1/${f}`)));
        const ns1 = await read('ns1/ip-addr.txt');
        expect(ns1).toMatch(/^\$ ip addr show\n/);
        expect(ns1).toMatch(/testbed could not read it: |--- exit code \d+: the node could not run it ---/);
        expect(ns1).not.toContain('eth0');
        expect(await read('ns0/ip-addr.txt')).toMatch(/inet 10\.20\.1\.2\/32 .*eth0/);
      });
    }, 240_000);
  });

describe('collecting BIRD state on netns', await needs(...withBird('netns')), () => {
  it("reads each host's BIRD through its socket: sessions Established, the other hosts' routes", async () => {
    await withLab('netns', 'scenarios/bgp-mesh.ts', 'evidence-bgp', async (lab, work) => {
      expect((await lab.check({ bgp: {} })).passed).toBe(true);
      const { files, read } = await bundleOf(lab, work, 'bgp');
      expect(files.filter((f) => f.includes('bird-')).sort()).toEqual(
        ['host0', 'host1', 'host2'].flatMap((h) => [`./${h}/bird-protocols.txt`, `./${h}/bird-route.txt`]),
      );
      const protocols = await read('host0/bird-protocols.txt');
      expect(protocols).toMatch(/^\$ birdc -s \/run\/testbed\/\S+\/host0\/bird\.ctl show protocols all\n/);
      expect(protocols.match(/^\s+BGP state:\s+Established$/gm)).toHaveLength(2);
      expect(await read('host0/bird-route.txt')).toMatch(
        /^10\.20\.1\.2\/32\s+unicast \[\S+ .*\n\s+via 192\.168\.1\.11 /m,
      );
      expect(await read('host0/ip-route.txt')).toMatch(/^10\.20\.2\.3 via 192\.168\.1\.12 dev \S+ proto bird/m);
      // Workloads run no BIRD, and BIRD is asked nowhere but on hosts.
      expect(files.some((f) => f.startsWith('./ns01/bird-'))).toBe(false);
    });
  }, 240_000);
});
