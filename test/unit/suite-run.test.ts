import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { enter, pauseEvents } from '../../src/cli/pauses.js';
import { whyNotCheckable } from '../../src/lab/attach.js';
import { leftOutReport } from '../../src/lab/left-out.js';
import type { RunEvents, RunReport, StepPreview } from '../../src/lab/run.js';
import { LabSession, type SessionOptions } from '../../src/lab/session.js';
import { ConsoleReporter } from '../../src/report/console.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderSummary } from '../../src/report/summary.js';
import type { ScenarioInput } from '../../src/steps/scenario.js';
import { FakeBackend, pingReplies, type Responder } from '../support/fake-backend.js';

const lab = (name: string, steps: ScenarioInput['steps']): { file: string; scenario: ScenarioInput } => ({
  file: `${name}.ts`,
  scenario: {
    name,
    segments: [{ name: 'ens192', subnet: '192.168.1.0/24' }],
    hosts: [
      { name: 'host0', address: '192.168.1.32', workloads: [{ name: 'ns0', address: '10.20.1.2' }] },
      { name: 'host1', address: '192.168.1.16', workloads: [{ name: 'ns1', address: '10.20.1.3' }] },
    ],
    steps,
  },
});

/** ping answers with ttl 61 for its first `wrongFirst` runs from a node, then 62. */
const pinging =
  (wrongFirst = 0): Responder =>
  (call, nth) => {
    if (call.argv[0] !== 'ping') return undefined;
    const target = call.argv.at(-1)!;
    return { stdout: pingReplies(target, 1, nth < wrongFirst ? 61 : 62) };
  };

const NO_NETEM =
  'kernel sch_netem error Error: Specified qdisc kind is unknown.\nkernel sch_netem config # CONFIG_NET_SCH_NETEM is not set\n';

const ping = (name: string, from = 'ns0', to = 'ns1') => ({
  name,
  ping: { from, to, count: 1 },
  expect: { ttl: 62 },
});

const silent: RunEvents = { labReady: () => {}, stepDone: () => {} };

async function runOne(
  backend: FakeBackend,
  source: ReturnType<typeof lab>,
  options: Partial<SessionOptions> = {},
  events: RunEvents = silent,
): Promise<RunReport> {
  const session = await LabSession.open([source], { backend, progress: () => {}, ...options });
  return session.run(session.labs[0]!, events);
}

describe('--test in a session', () => {
  it('a pattern that names no step is refused before the backend is touched', async () => {
    const backend = new FakeBackend();
    await expect(
      LabSession.open([lab('a', [ping('one')])], { backend, select: ['pnig*'], progress: () => {} }),
    ).rejects.toThrow('--test "pnig*" names no step of a.ts; testbed run --list shows their steps');
    expect(backend.events).toEqual([]);
  });

  it('a scenario none of whose steps is chosen is not built, and is reported with every step skipped', async () => {
    const backend = new FakeBackend(pinging());
    const session = await LabSession.open([lab('a', [ping('one')]), lab('b', [ping('two')])], {
      backend,
      select: ['two'],
      progress: () => {},
    });
    expect(session.labs.map((l) => l.plan.topology.lab)).toEqual(['b']);
    expect(session.leftOut.map((l) => l.spec.topology.lab)).toEqual(['a']);
    const report = leftOutReport('fake', session.leftOut[0]!);
    expect(report).toMatchObject({ lab: 'a', leftOut: true, passed: true });
    expect(report.steps).toEqual([
      expect.objectContaining({ name: 'one', skipped: true, skipReason: 'not selected by --test' }),
    ]);
    expect(renderJunit([report])).toContain('<skipped message="not selected by --test"/>');
    expect(backend.events.filter((e) => e.startsWith('claim'))).toEqual([]);
  });

  it('steps left out need nothing: a netem step not chosen does not refuse the scenario where netem is missing', async () => {
    const source = lab('a', [ping('first'), { netem: { node: 'host1', delay: 5 } }, ping('last')]);
    const without = new FakeBackend(pinging(), { probe: NO_NETEM });
    await expect(LabSession.open([source], { backend: without, progress: () => {} })).rejects.toThrow(/sch_netem/);
    const report = await runOne(new FakeBackend(pinging(), { probe: NO_NETEM }), source, { select: ['first'] });
    expect(report.steps.map((s) => [s.name, s.passed, s.skipReason])).toEqual([
      ['first', true, undefined],
      ['netem on host1: delay 5 ms', false, 'not selected by --test'],
      ['last', false, 'not selected by --test'],
    ]);
    // "last" observes the delay the netem step leaves: choosing it brings the netem step along.
    await expect(
      LabSession.open([source], {
        backend: new FakeBackend(pinging(), { probe: NO_NETEM }),
        select: ['last'],
        progress: () => {},
      }),
    ).rejects.toThrow(/needs sch_netem for step 2/);
    expect(report.passed).toBe(true);
  });
});

describe('--retry', () => {
  it('runs a failed check again until it passes, keeping every earlier run', async () => {
    const backend = new FakeBackend(pinging(2));
    const retried: number[] = [];
    const report = await runOne(
      backend,
      lab('a', [ping('flaky')]),
      { retries: 3 },
      {
        ...silent,
        stepRetrying: (_failed, retry) => retried.push(retry),
      },
    );
    const [step] = report.steps;
    expect(step).toMatchObject({ passed: true, metrics: { ttl: 62 } });
    expect(step!.earlierRuns?.map((r) => r.failures)).toEqual([
      ['ttl: expected 62, actual 61'],
      ['ttl: expected 62, actual 61'],
    ]);
    expect(retried).toEqual([1, 2]);
    expect(backend.commandsOn('ns0').filter((c) => c.startsWith('ping'))).toHaveLength(3);
  });

  it('every report shows the earlier runs of a check that passed on a retry', async () => {
    const report = await runOne(new FakeBackend(pinging(1)), lab('a', [ping('flaky')]), { retries: 1 });
    const earlier = 'run 1 failed (';
    expect(renderJunit([report])).toMatch(/run 1 failed \(\d+ ms\): ttl: expected 62, actual 61/);
    expect(renderSummary([report])).toContain('- 🔁 a: flaky: passed on retry 1');
    expect(renderHtml([report], new Map(), '/tmp')).toContain(earlier);
  });

  it('stops at the limit, the step failed with its last run', async () => {
    const backend = new FakeBackend(pinging(100));
    const report = await runOne(backend, lab('a', [ping('broken')]), { retries: 1 });
    expect(report.steps[0]).toMatchObject({ passed: false, failures: ['ttl: expected 62, actual 61'] });
    expect(report.steps[0]!.earlierRuns).toHaveLength(1);
    expect(backend.commandsOn('ns0').filter((c) => c.startsWith('ping'))).toHaveLength(2);
  });

  it('never runs an action again: it changed the lab', async () => {
    // The host plans go to `sh -s` on stdin; the netem step's own command fails.
    const fails = (call: { argv: string[]; input?: string }) => call.argv[0] === 'sh' && call.input === undefined;
    const backend = new FakeBackend((call) => (fails(call) ? { code: 1, stderr: 'no such qdisc' } : undefined));
    const report = await runOne(backend, lab('a', [{ netem: { node: 'host1', clear: true } }]), { retries: 3 });
    expect(report.steps[0]).toMatchObject({ passed: false });
    expect(report.steps[0]!.earlierRuns).toBeUndefined();
    expect(backend.calls.filter((c) => fails(c) && c.argv.join(' ').includes('qdisc'))).toHaveLength(1);
  });
});

describe('a lab that runs already (testbed check)', () => {
  it('runs the checks only: nothing built, nothing removed, actions reported skipped', async () => {
    const backend = new FakeBackend(pinging());
    const source = lab('a', [
      ping('before'),
      { linkDown: 'ns1' },
      ping('while down', 'ns0', 'ns1'),
      { linkUp: 'ns1' },
      ping('after'),
    ]);
    const up = await LabSession.open([source], { backend, keep: true, steps: false, progress: () => {} });
    await up.build(up.labs[0]!);
    backend.events.length = 0;
    const session = await LabSession.open([source], { backend, attach: true, progress: () => {} });
    const report = await session.check(session.labs[0]!, silent);
    // Reaping, then the lab's state; no probe (the lab has its programs), no build, no removal.
    expect(backend.events.filter((e) => !e.startsWith('exec'))).toEqual(['list', 'list']);
    expect(report).toMatchObject({ attached: true, kept: true, passed: true });
    expect(report.steps.map((s) => s.skipReason ?? 'ran')).toEqual([
      'ran',
      'changes the lab: testbed check runs only checks',
      'it observes what step 2 changes, which testbed check does not run',
      'changes the lab: testbed check runs only checks',
      'ran',
    ]);
  });

  it('a lab that is not there, or not whole and left by up, is refused before any step', async () => {
    await expect(
      LabSession.open([lab('a', [ping('one')])], { backend: new FakeBackend(), attach: true, progress: () => {} }),
    ).rejects.toThrow('no lab named "a" is running on fake');
    expect(whyNotCheckable({ lab: 'x', state: 'complete' })).toBeUndefined();
    expect(whyNotCheckable({ lab: 'x', state: 'complete', owner: '42:7' })).toBe(
      'lab x belongs to a testbed run in progress (pid 42): check runs against labs that testbed up left running',
    );
    expect(whyNotCheckable({ lab: 'x', state: 'partial' })).toMatch(/^lab x is partial: .*testbed down x/);
    expect(whyNotCheckable({ lab: 'x', state: 'orphaned', owner: '42:7' })).toMatch(/^lab x is orphaned/);
  });

  it('a scenario with no check is refused', async () => {
    await expect(
      LabSession.open([lab('a', [{ linkDown: 'ns1' }])], {
        backend: new FakeBackend(),
        attach: true,
        progress: () => {},
      }),
    ).rejects.toThrow('nothing to run: changes the lab: testbed check runs only checks');
  });
});

describe('events around each step', () => {
  it('each step that runs is announced with its number, kind and what it does; skipped ones are not', async () => {
    const previews: StepPreview[] = [];
    await runOne(
      new FakeBackend(pinging()),
      lab('a', [ping('one'), ping('two')]),
      { select: ['2'] },
      {
        ...silent,
        stepStarting: (p) => void previews.push(p),
      },
    );
    expect(previews).toEqual([
      { index: 1, total: 2, name: 'two', kind: 'ping', explanation: expect.stringMatching(/^Sends ICMP echo/) },
    ]);
  });

  it('a failure hook that says stop leaves the rest unrun, with its reason, and the lab is removed', async () => {
    const backend = new FakeBackend(pinging(100));
    const report = await runOne(
      backend,
      lab('a', [ping('fails'), ping('next')]),
      {},
      {
        ...silent,
        stepFailed: async (result) => `stopped at ${result.index + 1}`,
      },
    );
    expect(report.steps[1]).toMatchObject({ skipped: true, skipReason: 'stopped at 1' });
    expect(backend.events.at(-1)).toBe('destroy a');
  });
});

describe('the console as steps go', () => {
  const reporterOn = (isTTY: boolean) => {
    let text = '';
    const stream = { write: (c: string) => ((text += c), true), isTTY } as unknown as NodeJS.WriteStream;
    return { reporter: new ConsoleReporter(stream), text: () => text };
  };

  it('after a --pause named the step, a log gets its result line only', () => {
    const { reporter, text } = reporterOn(false);
    reporter.stepStarting({ index: 0, total: 1, name: 'one', kind: 'ping', explanation: '' }, true);
    expect(text()).toBe('');
    reporter.stepStarting({ index: 0, total: 1, name: 'one', kind: 'ping', explanation: '' });
    expect(text()).toBe('  [1/1] one\n');
  });

  it('in a log: "[i/N] name" before the step, its result after; then how many of the steps that ran failed, and which', async () => {
    const { reporter, text } = reporterOn(false);
    const wrongFromNs0: Responder = (call) =>
      call.argv[0] === 'ping'
        ? { stdout: pingReplies(call.argv.at(-1)!, 1, call.node === 'ns0' ? 61 : 62) }
        : undefined;
    const report = await runOne(
      new FakeBackend(wrongFromNs0),
      lab('a', [ping('good', 'ns1', 'ns0'), ping('bad'), { netem: { node: 'host1', delay: 5 } }]),
      { select: ['ping'] },
      reporter,
    );
    reporter.summary([report]);
    expect(text()).toMatch(/^ {2}\[1\/3\] good\n {2}PASS 1\/3 good /m);
    expect(text()).toMatch(/^ {2}\[2\/3\] bad\n {2}FAIL 2\/3 bad /m);
    expect(text()).not.toContain('[3/3]');
    expect(text()).toContain('1/2 steps failed (1 skipped):\n  a step 2: bad\n');
  });

  it('on a terminal the "[i/N]" line is replaced by the result', async () => {
    const { reporter, text } = reporterOn(true);
    await runOne(new FakeBackend(pinging()), lab('a', [ping('one')]), {}, reporter);
    expect(text()).toContain('  [1/1] one …\r\x1b[2K  PASS 1/1 one ');
  });

  it('a retried check shows each failed run, then "passed on retry", counted in the summary', async () => {
    const { reporter, text } = reporterOn(false);
    const report = await runOne(new FakeBackend(pinging(1)), lab('a', [ping('flaky')]), { retries: 2 }, reporter);
    reporter.summary([report]);
    expect(text()).toMatch(/FAIL 1\/1 flaky .*retry 1 of 2 follows\)\n {7}ttl: expected 62, actual 61\n/);
    expect(text()).toMatch(/PASS 1\/1 flaky .*passed on retry 1\)/);
    expect(text().trimEnd().split('\n').at(-1)).toBe('the one step that ran passed (1 passed on a retry)');
  });
});

describe('pauses', () => {
  it('Enter, the end of the input, or an input that ended already lets the run go on', async () => {
    const input = new PassThrough();
    const waiting = enter(input);
    input.write('no newline yet');
    input.write('\n');
    await waiting;
    const second = enter(input);
    input.end();
    await second;
    await enter(input);
    expect(input.readableEnded).toBe(true);
  });

  it('--pause-on-fail prints how to look at the failed step, waits, then stops the run', async () => {
    const said: string[] = [];
    const input = new PassThrough();
    const events = pauseEvents({ beforeEach: false, onFail: true }, (l) => said.push(l), input);
    const backend = new FakeBackend(pinging(100));
    const running = runOne(backend, lab('a', [ping('fails'), ping('next')]), {}, { ...silent, ...events });
    // The lab stays until Enter: nothing removed while the pause lasts.
    await expect.poll(() => said.length).toBeGreaterThan(0);
    expect(backend.events).not.toContain('destroy a');
    input.write('\n');
    const report = await running;
    expect(said).toEqual([
      'step 1 failed; lab a is kept as the failure left it. Look at it:',
      '  testbed exec a ns0 -- ip neigh',
      '  testbed exec a host0 -- ip route',
      '  testbed exec a ns1 -- ip neigh',
      '  testbed exec a host1 -- ip route',
      '  testbed trace a.ts ns0 ns1',
      'press Enter to remove the lab and end the run with its report (Ctrl-C interrupts it: no report)',
    ]);
    expect(report.steps[1]!.skipReason).toBe('the run stopped after step 1 failed (--pause-on-fail)');
    expect(events.ended()).toBe(true);
    expect(backend.events.at(-1)).toBe('destroy a');
  });

  it('--pause says what each step does before it runs, and runs it on Enter', async () => {
    const said: string[] = [];
    const input = new PassThrough();
    const events = pauseEvents({ beforeEach: true, onFail: false }, (l) => said.push(l), input);
    const backend = new FakeBackend(pinging());
    const running = runOne(backend, lab('a', [ping('one')]), {}, { ...silent, ...events });
    await expect.poll(() => said.length).toBe(3);
    expect(backend.commandsOn('ns0').filter((c) => c.startsWith('ping'))).toEqual([]);
    expect(said[0]).toBe('next: [1/1] one');
    expect(said[1]).toMatch(/^ {6}ping: Sends ICMP echo/);
    input.write('\n');
    expect((await running).passed).toBe(true);
  });
});
