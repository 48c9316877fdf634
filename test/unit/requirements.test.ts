import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LabSpec } from '../../src/lab/spec.js';
import { checkSize, findMissing, judgeNeeds, scenarioNeeds } from '../../src/lab/preflight.js';
import { KERNEL_FEATURES } from '../../src/requirements/kernel.js';
import { parseProbe, probeScript } from '../../src/requirements/probe.js';
import {
  browserTestPackages,
  imageBuildPackages,
  imagePackages,
  machinePackages,
} from '../../src/requirements/programs.js';
import { parseScenario, type ScenarioInput } from '../../src/steps/scenario.js';
import { resolveTopology } from '../../src/topology/topology.js';

const sorted = (items: string[]) => [...items].sort();

describe('the table of external programs', () => {
  it('is what scripts/install-deps.sh installs, with and without --docker', () => {
    const list = (...args: string[]) =>
      execFileSync('sh', ['scripts/install-deps.sh', '--list', ...args], { encoding: 'utf8' })
        .trim()
        .split('\n');
    expect(sorted(list())).toEqual(sorted(machinePackages()));
    expect(sorted(list('--docker'))).toEqual(sorted([...machinePackages(), ...imageBuildPackages()]));
    expect(sorted(list('--docker', '--browser'))).toEqual(
      sorted([...machinePackages(), ...imageBuildPackages(), ...browserTestPackages()]),
    );
  });

  it('is what the host image holds', () => {
    const packages = readFileSync('images/host/packages.txt', 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    expect(sorted(packages)).toEqual(sorted(imagePackages()));
  });

  it('names bird2 and iperf3 for the machine: every shipped scenario runs on netns after install-deps', () => {
    expect(machinePackages()).toEqual(expect.arrayContaining(['bird2', 'iperf3', 'iproute2', 'iputils-ping']));
  });
});

describe('probe', () => {
  it('checks only table words, and reads back missing programs and kernel features with the reason', () => {
    const script = probeScript(['ip', 'bird'], ['sch_netem']);
    expect(script).toContain('command -v bird');
    expect(script).toContain('tc qdisc add dev lo root netem delay 1ms');
    const findings = parseProbe(
      'program bird\r\nkernel sch_netem error Error: Specified qdisc kind is unknown.\r\nkernel sch_netem config # CONFIG_NET_SCH_NETEM is not set\r\n',
    );
    expect(findings.missingPrograms).toEqual(['bird']);
    expect(findings.missingKernel.get('sch_netem')).toBe('this kernel was built without CONFIG_NET_SCH_NETEM');
  });

  it('tells a module that would not load from a kernel without config', () => {
    expect(
      parseProbe('kernel sch_netem error x\nkernel sch_netem config CONFIG_NET_SCH_NETEM=m\n').missingKernel.get(
        'sch_netem',
      ),
    ).toMatch(/module .* modprobe sch_netem/);
    expect(
      parseProbe('kernel sch_netem error Error: nope\nkernel sch_netem config\n').missingKernel.get('sch_netem'),
    ).toBe('this kernel cannot do it (CONFIG_NET_SCH_NETEM; the probe said: Error: nope)');
  });

  it('has kernel probes that share a namespace without a clash: each makes what it makes under its own name', () => {
    const made = Object.values(KERNEL_FEATURES).flatMap((f: { probe: string }) =>
      [...f.probe.matchAll(/ip link add (\S+)/g)].map((m) => m[1]),
    );
    expect(made.length).toBeGreaterThan(1);
    expect(new Set(made).size).toBe(made.length);
  });
});

const base: ScenarioInput = {
  name: 'n',
  segments: [{ name: 'ens192', subnet: '192.168.1.0/24' }],
  hosts: [
    { name: 'host0', address: '192.168.1.10', workloads: [{ name: 'ns0', address: '10.20.0.2' }] },
    { name: 'host1', address: '192.168.1.11', workloads: [{ name: 'ns1', address: '10.20.1.2' }] },
  ],
  routing: 'bgp',
  steps: [
    { bgp: {} },
    { netem: { node: 'host1', delay: 50 } },
    { ping: { from: 'ns0', to: 'ns1' }, expect: { minAvgRtt: 50 } },
    { netem: { node: 'host1', clear: true } },
    { ping: { from: 'ns0', to: 'ns1' } },
    { stopHost: 'host1' },
    { ping: { from: 'ns0', to: 'ns1' }, expect: { reachable: false } },
    { startHost: 'host1' },
    { ping: { from: 'ns0', to: 'ns1' } },
  ],
};

function spec(input: ScenarioInput): LabSpec {
  const scenario = parseScenario('s.ts', input);
  return { topology: resolveTopology(scenario), steps: scenario.steps, scenarioFile: 's.ts', backendOptions: {} };
}

const netns = { programHome: { where: 'on this machine', fix: 'install it with: sh scripts/install-deps.sh' } };

describe('judging what a scenario needs against what is missing', () => {
  const s = spec(base);
  const needs = scenarioNeeds(s);

  it("lists the lab's needs and each step's", () => {
    expect(needs.filter((n) => n.step === undefined).map((n) => n.requirement)).toEqual([
      { program: 'ip' },
      { program: 'sh' },
      { program: 'nsenter' },
      { program: 'bird' },
    ]);
    expect(needs.filter((n) => n.step === 1).map((n) => n.requirement)).toContainEqual({ kernel: 'sch_netem' });
    expect(needs.filter((n) => n.step === 5).map((n) => n.requirement)).toEqual([{ capability: 'power' }]);
  });

  it('refuses with one line per missing thing, naming the steps, the package and the fix', () => {
    const missing = new Map([
      ['sch_netem', 'this kernel was built without CONFIG_NET_SCH_NETEM'],
      ['bird', 'not found on this machine'],
      ['birdc', 'not found on this machine'],
      ['stopping and starting hosts', 'the netns backend cannot do that'],
    ]);
    expect(judgeNeeds(s, needs, missing, netns, false).fatal).toEqual([
      's.ts needs bird, birdc (package bird2) for routing: "bgp" and step 1: not found on this machine; install it with: sh scripts/install-deps.sh',
      's.ts needs sch_netem for steps 2 and 4: this kernel was built without CONFIG_NET_SCH_NETEM',
      's.ts needs stopping and starting hosts for steps 6 and 8: the netns backend cannot do that',
    ]);
  });

  it('skips what steps alone need, and the steps that observe a skipped fault, up to the step that ends it', () => {
    const missing = new Map([
      ['sch_netem', 'this kernel was built without CONFIG_NET_SCH_NETEM'],
      ['stopping and starting hosts', 'the netns backend cannot do that'],
    ]);
    const { fatal, skips } = judgeNeeds(s, needs, missing, netns, true);
    expect(fatal).toEqual([]);
    expect([...skips.keys()].sort()).toEqual([1, 2, 3, 5, 6, 7]);
    expect(skips.get(1)).toBe('needs sch_netem: this kernel was built without CONFIG_NET_SCH_NETEM');
    expect(skips.get(2)).toBe('it observes the effect of step 2, which was skipped');
    expect(skips.get(6)).toBe('it observes the effect of step 6, which was skipped');
  });

  it('asks the backend for IPv6 where a host has an address6, and the kernel for the tunnel of an encapsulation', async () => {
    const dual = spec({
      ...base,
      routing: 'static',
      steps: [],
      segments: [{ name: 'ens192', subnet: '192.168.1.0/24', subnet6: 'fd00:1::/64' }],
      hosts: base.hosts.map((h, i) => ({ ...h, address6: `fd00:1::${i + 10}` })),
    });
    const powerOnly = await findMissing(
      {
        profile: { name: 'lean', capabilities: ['power'], programHome: netns.programHome },
        probe: async () => ({ code: 0, stdout: '', stderr: '' }),
      } as never,
      scenarioNeeds(dual).map((n) => n.requirement),
      () => {},
      'two-host',
    );
    expect(judgeNeeds(dual, scenarioNeeds(dual), powerOnly, netns, false).fatal).toEqual([
      's.ts needs IPv6 between hosts for address6: the lean backend cannot do that (the docker backend or the netns backend or the swarm backend can)',
    ]);
    const vxlan = spec({ ...base, routing: 'static', steps: [], encapsulation: 'vxlan', bgp: { block: 26 } });
    expect(scenarioNeeds(vxlan).map((n) => n.requirement)).toEqual(
      expect.arrayContaining([{ kernel: 'vxlan' }, { program: 'bridge' }]),
    );
  });

  it('never skips what the lab itself needs', () => {
    const missing = new Map([['bird', 'not found on this machine']]);
    expect(judgeNeeds(s, needs, missing, netns, true).fatal).toEqual([
      's.ts needs bird (package bird2) for routing: "bgp": not found on this machine; install it with: sh scripts/install-deps.sh',
    ]);
  });
});

describe('size', () => {
  it('refuses more hosts on one segment than the backend can hold, saying why and what to do', () => {
    // 1024 hosts from 10.0.0.2 on: in a /20, addresses ending in .0 or .255 are hosts too.
    const hosts = Array.from({ length: 1024 }, (_, i) => ({
      name: `h${i}`,
      address: `10.0.${(i + 2) >> 8}.${(i + 2) & 255}`,
    }));
    const big = spec({ name: 'big', segments: [{ name: 'ens192', subnet: '10.0.0.0/20' }], hosts });
    const profile = {
      name: 'netns',
      hostsPerSegment: { max: 1023, why: 'a segment is a Linux bridge, which has at most 1023 ports' },
    };
    expect(checkSize(big, profile)).toEqual([
      `s.ts puts 1024 hosts on segment ens192: the netns backend holds at most 1023 (a segment is a Linux bridge, which has at most 1023 ports); spread them over more segments`,
    ]);
    expect(checkSize(spec(base), profile)).toEqual([]);
    expect(checkSize(big, { name: 'docker' })).toEqual([]);
  });
});
