import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fabricNamespace, nodeNamespace } from '../../src/backends/netns/names.js';
import { birdConfig } from '../../src/dataplane/bird.js';
import { planFabric } from '../../src/backends/netns/fabric-plan.js';
import { planHosts, type UplinkMode } from '../../src/dataplane/host-plan.js';
import { FABRIC } from '../../src/dataplane/ops.js';
import { renderPlanText, renderScript } from '../../src/dataplane/render.js';
import { loadScenario } from '../../src/lab/load.js';
import { parseScenario } from '../../src/steps/scenario.js';
import { resolveTopology, type Topology } from '../../src/topology/topology.js';

/** Compares with a golden file; UPDATE_GOLDEN=1 rewrites it (review the diff before committing). */
function expectGolden(actual: string, file: string): void {
  const path = new URL(`../golden/${file}`, import.meta.url);
  if (process.env.UPDATE_GOLDEN) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

const twoHost = async (lab?: string) => resolveTopology(await loadScenario('scenarios/two-host.ts'), lab);

const birdPaths = (host: string) => {
  const dir = `/run/testbed/lab/${host}`;
  return { config: `${dir}/bird.conf`, socket: `${dir}/bird.ctl`, pid: `${dir}/bird.pid`, log: `${dir}/bird.log` };
};
const hostPlans = (topology: Topology, uplink?: UplinkMode) => planHosts(topology, { uplink, birdPaths });

describe('planner', () => {
  it('renders the two-host plan like the seed (golden)', async () => {
    const topology = await twoHost();
    const text = renderPlanText({ hosts: hostPlans(topology), fabric: { title: 'fabric', sections: planFabric(topology) } });
    expectGolden(text, 'two-host.plan.txt');
  });

  it('renders one ip batch per namespace for the netns backend (golden)', async () => {
    const topology = await twoHost();
    const name = (n: string) => (n === FABRIC ? fabricNamespace('two-host') : nodeNamespace('two-host', n));
    const host0 = hostPlans(topology)[0]!;
    const script = renderScript(host0.sections, host0.host, name, { createNamespaces: false });
    expectGolden(script, 'two-host.host0.sh');
    expect(script.match(/-batch/g)).toHaveLength(2);
  });

  it('renders what runs inside a Docker host: the adopted uplink renamed, namespaces created in the script (golden)', async () => {
    const topology = await twoHost();
    const host0 = hostPlans(topology, { adopt: 'eth0' })[0]!;
    expectGolden(renderScript(host0.sections, host0.host, (n) => n, { createNamespaces: true }), 'two-host.host0.docker.sh');
  });

  it('derives Calico-style veth names from lab, host and workload', async () => {
    const a = await twoHost('lab-a');
    const b = await twoHost('lab-b');
    for (const w of a.workloads) expect(w.hostInterface).toMatch(/^cali[0-9a-f]{11}$/);
    expect(a.workloads[0]!.hostInterface).not.toBe(b.workloads[0]!.hostInterface);
    expect((await twoHost('lab-a')).workloads[0]!.hostInterface).toBe(a.workloads[0]!.hostInterface);
  });

  it('routes every remote workload of the segment via its host, and none of its own', () => {
    const scenario = parseScenario('s.ts', {
      name: 'three',
      segments: [{ name: 'ens192', subnet: '10.0.0.0/24' }],
      hosts: ['a', 'b', 'c'].map((h, i) => ({
        name: h,
        address: `10.0.0.${10 + i}`,
        workloads: [1, 2].map((w) => ({ name: `${h}${w}`, address: `10.1.${i}.${w}` })),
      })),
    });
    const plans = hostPlans(resolveTopology(scenario));
    const routesOfA = plans[0]!.sections
      .flatMap((s) => s.ops)
      .flatMap((op) => (op.kind === 'ip' && op.args.includes('via') && op.args[2] !== 'default' ? [op.args.join(' ')] : []));
    expect(routesOfA).toEqual([
      'route add 10.1.1.1 via 10.0.0.11 dev ens192',
      'route add 10.1.1.2 via 10.0.0.11 dev ens192',
      'route add 10.1.2.1 via 10.0.0.12 dev ens192',
      'route add 10.1.2.2 via 10.0.0.12 dev ens192',
    ]);
  });

  it('routes across segments in the fabric, and not at all with routing none', () => {
    const twoSegments = (routing: 'static' | 'none') => ({
      name: 'two-seg',
      routing,
      segments: [
        { name: 'ens192', subnet: '10.0.0.0/24' },
        { name: 'ens224', subnet: '10.0.1.0/24' },
      ],
      hosts: [
        { name: 'a', segment: 'ens192', address: '10.0.0.10', workloads: [{ name: 'wa', address: '10.9.0.1' }] },
        { name: 'b', segment: 'ens224', address: '10.0.1.10', workloads: [{ name: 'wb', address: '10.9.0.2' }] },
      ],
    });
    const fabricText = (routing: 'static' | 'none') => {
      const topology = resolveTopology(parseScenario('s.ts', twoSegments(routing)));
      return renderPlanText({ hosts: [], fabric: { title: 'f', sections: planFabric(topology) } });
    };
    const routed = fabricText('static');
    expect(routed).toContain('ip route add 10.9.0.1 via 10.0.0.10');
    expect(routed).toContain('ip route add 10.9.0.2 via 10.0.1.10');
    expect(routed).toContain('ip link add name to-b type veth peer name ens224 netns b');
    expect(fabricText('none')).not.toContain('ip route add');

    const isolated = resolveTopology(parseScenario('s.ts', twoSegments('none')));
    expect(hostPlans(isolated).flatMap((p) => p.sections.map((s) => s.comment))).not.toContainEqual(
      expect.stringContaining('Routes to the workloads'),
    );
  });
});

describe('BIRD configuration', () => {
  const bgpLab = (bgp: Record<string, unknown>) =>
    resolveTopology(
      parseScenario('s.ts', {
        name: 'bgp',
        segments: [{ name: 'ens192', subnet: '192.168.1.0/24' }],
        routing: 'bgp',
        bgp,
        hosts: [0, 1, 2].map((h) => ({
          name: `host-${h}`,
          address: `192.168.1.${10 + h}`,
          workloads: [{ name: `ns${h}`, address: `10.20.${h}.2` }],
        })),
      }),
    );
  const conf = (topology: Topology, host: number) => birdConfig(topology, topology.hosts[host]!, birdPaths(`host-${host}`));

  it('full mesh: announces /32s via the cali veths and peers with every other host (golden)', () => {
    expectGolden(conf(bgpLab({}), 0), 'bird-mesh.host0.conf');
  });

  it('route reflector: the reflector reflects BGP routes to its clients, clients peer with it only (golden)', () => {
    const topology = bgpLab({ reflectors: ['host-0'], block: 26, asn: 65001 });
    expectGolden(conf(topology, 0), 'bird-rr.reflector.conf');
    expectGolden(conf(topology, 1), 'bird-rr.client.conf');
  });

  it('starts BIRD from the host plan, after the config is written', () => {
    const plan = hostPlans(bgpLab({}))[1]!;
    const script = renderScript(plan.sections, plan.host, (n) => n, { createNamespaces: true });
    expect(script).toContain("cat > /run/testbed/lab/host-1/bird.conf <<'EOF'");
    expect(script.trimEnd().split('\n').at(-1)).toBe(
      'bird -c /run/testbed/lab/host-1/bird.conf -s /run/testbed/lab/host-1/bird.ctl -P /run/testbed/lab/host-1/bird.pid',
    );
  });
});
