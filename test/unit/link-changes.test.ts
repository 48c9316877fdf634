import { describe, expect, it } from 'vitest';
import { planHosts, type UplinkMac } from '../../src/dataplane/host-plan.js';
import { faultLink, linkDownOps, linkUpOps } from '../../src/dataplane/link-changes.js';
import type { Op } from '../../src/dataplane/ops.js';
import { renderIpBatch } from '../../src/dataplane/render.js';
import { loadScenario } from '../../src/lab/load.js';
import { resolveTopology, type Topology } from '../../src/topology/topology.js';

const birdPaths = (host: string) => ({
  config: `/b/${host}.conf`,
  socket: `/b/${host}.ctl`,
  pid: `/b/${host}.pid`,
  log: `/b/${host}.log`,
});
const words = (op: Op) => (op.kind === 'ip' ? op.args.map(String) : []);

/**
 * What the host's plan adds on the link in its host's namespace and the kernel drops with the link
 * (its routes and IPv6 addresses; IPv4 addresses stay), as `ip` arguments without the verb.
 */
function planned(topology: Topology, node: string, uplinkMac?: UplinkMac): string[] {
  const { host, dev } = faultLink(topology, node);
  const plan = planHosts(topology, { birdPaths, ...(uplinkMac ? { uplinkMac } : {}) }).find(
    (p) => p.host === host.name,
  )!;
  return plan.sections
    .flatMap((s) => s.ops)
    .filter((op) => op.kind === 'ip' && op.ns === host.name)
    .map(words)
    .filter(
      (w) =>
        ((w[0] === 'route' && w[1] === 'add') ||
          (w[0] === 'addr' && w[1] === 'add' && w[2]!.includes(':')) ||
          (w[0] === 'neigh' && w[1] === 'replace')) &&
        w[w.indexOf('dev') + 1] === dev,
    )
    .map((w) => [w[0], ...w.slice(2)].join(' '));
}

describe('link faults as the data plane makes them', () => {
  it.for(['scenarios/two-host.ts', 'scenarios/dual-stack.ts', 'scenarios/ip-pools.ts', 'scenarios/cross-subnet.ts'])(
    '%s: link up gives back every route and address the plan put on the link, for every host and workload',
    async (file) => {
      const topology = resolveTopology(await loadScenario(file));
      for (const node of [...topology.hosts.map((h) => h.name), ...topology.workloads.map((w) => w.name)]) {
        const restored = linkUpOps(topology, node)
          .map(words)
          .filter((w) => w[1] === 'replace')
          .map((w) => [w[0], ...w.slice(2)].join(' '));
        expect(restored.sort(), `${file}: ${node}`).toEqual(planned(topology, node).sort());
      }
    },
  );

  it('dual-stack on an overlay: link up gives back the static IPv6 neighbours of the uplink too', async () => {
    const topology = resolveTopology(await loadScenario('scenarios/dual-stack.ts'));
    const uplinkMac = (address: string) => `02:42:00:00:00:${address.split('.')[3]!.padStart(2, '0')}`;
    const restored = linkUpOps(topology, 'host0', uplinkMac)
      .map(words)
      .filter((w) => w[1] === 'replace')
      .map((w) => [w[0], ...w.slice(2)].join(' '));
    expect(restored.sort()).toEqual(planned(topology, 'host0', uplinkMac).sort());
    expect(restored).toContain('neigh fd00:192:168:1::16 lladdr 02:42:00:00:00:16 dev ens192 nud permanent');
  });

  it('two-host: host0 up as one ip batch in host0; down is the link alone', async () => {
    const topology = resolveTopology(await loadScenario('scenarios/two-host.ts'));
    expect(renderIpBatch(linkUpOps(topology, 'host0'))).toBe(
      'link set dev ens192 up\nroute replace default via 192.168.1.1 dev ens192\nroute replace 10.20.1.3 via 192.168.1.16 dev ens192\n',
    );
    expect(linkDownOps(topology, 'ns1')).toEqual([
      { kind: 'ip', ns: 'host1', args: ['link', 'set', 'dev', topology.workloads[1]!.hostInterface, 'down'] },
    ]);
  });
});
