import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/lab/run.js';
import { LabSession } from '../../src/lab/session.js';
import type { LabSpec } from '../../src/lab/spec.js';
import { ConsoleReporter } from '../../src/report/console.js';
import { buildJsonReport } from '../../src/report/json.js';
import { renderJunit } from '../../src/report/junit.js';
import { runStep, stepContext } from '../../src/steps/run-step.js';
import { parseScenario, type ScenarioInput } from '../../src/steps/scenario.js';
import { resolveTopology } from '../../src/topology/topology.js';
import { FakeBackend, pingReplies, pingSilence, type Responder } from '../support/fake-backend.js';

const twoHosts: ScenarioInput = {
  name: 'fake-lab',
  segments: [{ name: 'ens192', subnet: '192.168.1.0/24' }],
  hosts: [
    { name: 'host0', address: '192.168.1.32', workloads: [{ name: 'ns0', address: '10.20.1.2' }] },
    { name: 'host1', address: '192.168.1.16', workloads: [{ name: 'ns1', address: '10.20.1.3' }] },
  ],
};

function spec(steps: ScenarioInput['steps']): LabSpec {
  const scenario = parseScenario('fake.ts', { ...twoHosts, steps });
  return { topology: resolveTopology(scenario), steps: scenario.steps, scenarioFile: 'fake.ts', backendOptions: {} };
}

/** ping answers with `ttl`, after `silentFirst` attempts that get no reply. */
const pinging =
  (ttl: number, silentFirst = 0): Responder =>
  (call, nth) => {
    if (call.argv[0] !== 'ping') return undefined;
    const target = call.argv.at(-1)!;
    const count = Number(call.argv[call.argv.indexOf('-c') + 1]);
    return nth < silentFirst
      ? { code: 1, stdout: pingSilence(target, count) }
      : { stdout: pingReplies(target, count, ttl) };
  };

/** What the preflight's probe prints on a kernel built without netem. */
const NO_NETEM =
  'kernel sch_netem error Error: Specified qdisc kind is unknown.\nkernel sch_netem config # CONFIG_NET_SCH_NETEM is not set\n';

const ctxOf = (backend: FakeBackend, s: LabSpec) => stepContext(backend, s.topology, []);

describe('running a step (fake backend)', () => {
  it('judges the ttl read from ping: expected and actual in the failure line', async () => {
    const s = spec([{ ping: { from: 'ns0', to: 'ns1' }, expect: { ttl: 62 } }]);
    const result = await runStep(ctxOf(new FakeBackend(pinging(61)), s), s.steps[0]!, 0);
    expect(result.passed).toBe(false);
    expect(result.failures).toEqual(['ttl: expected 62, actual 61']);
    expect(result.metrics).toMatchObject({ target: '10.20.1.3', ttl: 61, received: 3, lossPercent: 0 });
  });

  it('retries within its window until the check passes, and counts the attempts', async () => {
    const s = spec([{ ping: { from: 'ns0', to: 'ns1', count: 1 }, expect: { ttl: 62 }, within: 5 }]);
    const backend = new FakeBackend(pinging(62, 2));
    const result = await runStep(ctxOf(backend, s), s.steps[0]!, 0);
    expect(result).toMatchObject({ passed: true, attempts: 3 });
    expect(backend.commandsOn('ns0').filter((c) => c.startsWith('ping'))).toHaveLength(3);
    expect(result.diagnostics).toBeUndefined();
  });

  it('gives up when the window closes, with diagnostics of the nodes involved and their hosts', async () => {
    const s = spec([{ ping: { from: 'ns0', to: 'ns1', count: 1 }, within: 0.5 }]);
    const backend = new FakeBackend(pinging(62, 1000));
    const result = await runStep(ctxOf(backend, s), s.steps[0]!, 0);
    expect(result.passed).toBe(false);
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    expect(result.failures).toEqual(['reachable: expected true, actual false']);
    expect(result.diagnostics?.match(/^--- (\S+) ---$/gm)).toEqual([
      '--- ns0 ---',
      '--- host0 ---',
      '--- ns1 ---',
      '--- host1 ---',
    ]);
  });

  it("sizes a ping from the first hop's MTU, and judges a target without a route as unreachable", async () => {
    const s = spec([
      { ping: { from: 'ns0', to: 'ns1', count: 1, size: 'largest', dontFragment: true } },
      {
        ping: { from: 'host0', to: 'host0', count: 1, size: 'tooLarge', dontFragment: true },
        expect: { reachable: false },
      },
      {
        ping: { from: 'ns0', to: '10.99.0.1', count: 1, size: 'largest', dontFragment: true },
        expect: { reachable: false },
      },
    ]);
    const mtus: Record<string, number> = { eth0: 1450, lo: 65_536 };
    const backend = new FakeBackend((call) => {
      const [program, , object, verb, target] = call.argv;
      if (program === 'ip' && object === 'route' && verb === 'get') {
        if (target === '10.99.0.1') return { code: 2, stderr: 'RTNETLINK answers: Invalid argument' };
        return { stdout: JSON.stringify([{ dst: target, dev: call.node === 'host0' ? 'lo' : 'eth0' }]) };
      }
      if (program === 'ip' && object === 'link')
        return { stdout: JSON.stringify([{ ifname: call.argv.at(-1), mtu: mtus[call.argv.at(-1)!] }]) };
      return pinging(62)(call, 0);
    });
    const [largest, local, nowhere] = await Promise.all(s.steps.map((step, i) => runStep(ctxOf(backend, s), step, i)));
    expect(largest!.metrics).toMatchObject({ size: 1422, mtu: 1450, ttl: 62 });
    expect(backend.commandsOn('ns0')).toContain('ping -n -M do -c 1 -i 0.2 -s 1422 -W 1 10.20.1.3');
    // Loopback's MTU allows more than an ICMP payload can hold.
    expect(local!.metrics).toMatchObject({ size: 65_507, mtu: 65_536 });
    expect(nowhere).toMatchObject({
      passed: true,
      metrics: { received: 0, size: null, error: 'no route to 10.99.0.1 (RTNETLINK answers: Invalid argument)' },
    });
  });

  it('a check that cannot be made fails its step with the error, and does not throw', async () => {
    const s = spec([{ route: { node: 'host0', to: '10.20.1.3' } }]);
    const backend = new FakeBackend((call) => (call.argv[0] === 'ip' ? { stdout: 'not json' } : undefined));
    const result = await runStep(ctxOf(backend, s), s.steps[0]!, 0);
    expect(result.passed).toBe(false);
    expect(result.error).toMatch(/^host0: ip -j route show printed no JSON/);
  });

  it("a netem clear with nothing to clear fails with the command's own words", async () => {
    const s = spec([{ netem: { node: 'host1', clear: true } }]);
    const backend = new FakeBackend((call) =>
      call.argv[0] === 'sh' ? { code: 1, stderr: 'no netem on ens192 to clear' } : undefined,
    );
    const result = await runStep(ctxOf(backend, s), s.steps[0]!, 0);
    expect(result.failures).toEqual(['netem on host1: no netem on ens192 to clear']);
  });
});

describe('running a scenario and reporting it (fake backend)', () => {
  const steps: ScenarioInput['steps'] = [
    { name: 'ns0 reaches ns1', ping: { from: 'ns0', to: 'ns1' }, expect: { ttl: 62 } },
    { name: 'ns1 reaches ns0 with the wrong ttl', ping: { from: 'ns1', to: 'ns0' }, expect: { ttl: 63 } },
    { name: 'route read', route: { node: 'host0', to: '10.20.1.3' } },
    { name: 'netem step', netem: { node: 'host1', delay: 50 } },
  ];

  async function run(): Promise<{ backend: FakeBackend; report: RunReport; console: string }> {
    const respond: Responder = (call, nth) =>
      pinging(62)(call, nth) ?? (call.argv[0] === 'ip' && call.argv[1] === '-j' ? { stdout: '[]' } : undefined);
    const backend = new FakeBackend(respond, { probe: NO_NETEM });
    let text = '';
    const stream = { write: (chunk: string) => ((text += chunk), true), isTTY: false } as unknown as NodeJS.WriteStream;
    const reporter = new ConsoleReporter(stream);
    const session = await LabSession.open([{ file: 'fake.ts', scenario: { ...twoHosts, steps } }], {
      backend,
      skipUnsupported: true,
      progress: () => {},
    });
    const lab = session.labs[0]!;
    reporter.begin(lab.plan.topology.name, backend.profile.name, lab.plan.topology.lab);
    const report = await session.run(lab, reporter);
    reporter.end(report);
    reporter.summary([report]);
    return { backend, report, console: text };
  }

  it('builds through the seam: lab, hosts, one plan script per host on stdin, then removes the lab', async () => {
    const { backend, report } = await run();
    expect(backend.events.filter((e) => !e.startsWith('exec'))).toEqual([
      'list',
      'probe',
      'claim fake-lab',
      'createLab fake-lab',
      'createHost host0',
      'createHost host1',
      'ready fake-lab',
      'destroy fake-lab',
    ]);
    expect(backend.events.at(-1)).toBe('destroy fake-lab');
    const setups = backend.calls.filter((c) => c.argv.join(' ') === 'sh -s');
    expect(setups.map((c) => c.node)).toEqual(['host0', 'host1']);
    expect(setups[0]!.input).toMatch(/^netns add ns0$/m);
    expect(report.passed).toBe(false);
    expect(report.steps.map((s) => [s.passed, s.skipped ?? false])).toEqual([
      [true, false],
      [false, false],
      [false, false],
      [false, true],
    ]);
  });

  it('console: PASS, FAIL with expected and actual, SKIP with the reason, and the closing counts', async () => {
    const { console } = await run();
    expect(console).toMatch(/PASS 1\/4 ns0 reaches ns1 {2}ttl=62 loss=0% rtt/);
    expect(console).toMatch(/FAIL 2\/4 ns1 reaches ns0 with the wrong ttl .*\n {7}ttl: expected 63, actual 62\n/);
    expect(console).toContain(
      'SKIP 4/4 netem step  (needs sch_netem: this kernel was built without CONFIG_NET_SCH_NETEM)',
    );
    expect(console.trimEnd().split('\n').slice(-3)).toEqual([
      '2/3 steps failed (1 skipped):',
      '  fake-lab step 2: ns1 reaches ns0 with the wrong ttl',
      '  fake-lab step 3: route read',
    ]);
  });

  it('JSON: the steps with their figures, the failure, the skip and its reason', async () => {
    const { report } = await run();
    const json = JSON.parse(JSON.stringify(buildJsonReport([report], 10, 20))) as ReturnType<typeof buildJsonReport>;
    expect(json).toMatchObject({ schema: 'testbed/run-report@1', passed: false, processStartMs: 10, loadMs: 20 });
    const [first, second, third, fourth] = json.runs[0]!.steps;
    expect(first).toMatchObject({ kind: 'ping', passed: true, metrics: { ttl: 62 } });
    expect(second).toMatchObject({
      passed: false,
      failures: ['ttl: expected 63, actual 62'],
      expected: { ttl: 63 },
      actual: { ttl: 62 },
    });
    expect(third).toMatchObject({ kind: 'route', passed: false });
    expect(fourth).toMatchObject({
      kind: 'netem',
      skipped: true,
      skipReason: 'needs sch_netem: this kernel was built without CONFIG_NET_SCH_NETEM',
    });
  });

  it('JUnit: a failure with expected vs actual, a skipped test case with its message', async () => {
    const { report } = await run();
    const xml = renderJunit([report]);
    expect(xml).toMatch(/<testsuite name="fake-lab"[^>]* tests="4" failures="2" errors="0" skipped="1"/);
    expect(xml).toContain('<failure message="ttl: expected 63, actual 62" type="AssertionError">');
    expect(xml).toContain('<skipped message="needs sch_netem: this kernel was built without CONFIG_NET_SCH_NETEM"/>');
  });

  it('JUnit: a check that could not be made is an error, and a step named like XML stays data', async () => {
    const { report } = await run();
    report.steps[2] = { ...report.steps[2]!, error: 'host0: ip printed no JSON', name: '<skipped/> "quoted" & more' };
    const xml = renderJunit([report]);
    expect(xml).toMatch(/<error message="host0: ip printed no JSON" type="Error">/);
    expect(xml).toContain('name="&lt;skipped/> &quot;quoted&quot; &amp; more"');
    expect(xml.match(/<skipped message=/g)).toHaveLength(1);
  });
});
