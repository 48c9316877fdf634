import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/lab/run.js';
import { renderHtml } from '../../src/report/html.js';
import { renderSummary } from '../../src/report/summary.js';
import { parseScenario } from '../../src/steps/scenario.js';
import { resolveTopology } from '../../src/topology/topology.js';

const step = (index: number, over: Partial<RunReport['steps'][number]>): RunReport['steps'][number] => ({
  index,
  name: `step ${index}`,
  kind: 'ping',
  passed: true,
  durationMs: 5,
  attempts: 1,
  metrics: { ttl: 62, received: 3, lossPercent: 0, rttMinMs: 0.1, rttAvgMs: 0.1, rttMaxMs: 0.1 },
  expected: {},
  actual: {},
  failures: [],
  ...over,
});

const report: RunReport = {
  scenario: { name: 'two-host', file: 'scenarios/two-host.ts' },
  backend: 'netns',
  lab: 'two-host',
  passed: false,
  timings: { setupMs: 20, stepsMs: 900, teardownMs: 7, totalMs: 930 },
  kept: false,
  steps: [
    step(0, {}),
    step(1, {
      passed: false,
      name: 'ns1 <to> ns0 | ttl',
      failures: ['ttl: expected 61, actual 62'],
      diagnostics: '$ ip route get 10.20.1.2',
      attachments: ['/tmp/caps/two-host/step2-ns1.pcap'],
    }),
    step(2, {
      kind: 'trace',
      name: 'trace',
      metrics: { hops: 'ns0,host0,host1,ns1', ttls: '64,63,62', arpAnswer: 'ee:ee:ee:ee:ee:ee' },
    }),
    step(3, {
      passed: false,
      skipped: true,
      skipReason: 'needs sch_netem: this kernel was built without CONFIG_NET_SCH_NETEM',
    }),
  ],
};

describe('the Markdown summary', () => {
  it('is a table of scenarios, then each failure folded', () => {
    const text = renderSummary([report]);
    expect(text).toContain('### testbed: ❌ 2 passed, 1 failed, 1 skipped');
    expect(text).toContain('| scenario | backend | passed | failed | skipped | time |');
    expect(text).toContain('| ❌ two-host | netns | 2 | 1 | 1 | 0.9 s |');
    expect(text).toContain('<details><summary>❌ two-host: ns1 &#60;to&#62; ns0 \\| ttl</summary>');
    expect(text).toContain('- ttl: expected 61, actual 62');
    expect(text).toContain('ns0 → host0 → host1 → ns1, ttl 64 → 63 → 62');
  });

  it('says why a run stopped', () => {
    expect(renderSummary([], 'scenarios/faults.ts needs sch_netem for steps 3 and 5')).toContain(
      '**The run stopped:** scenarios/faults.ts needs sch_netem',
    );
  });
});

describe('the HTML page', () => {
  const scenario = parseScenario('s.ts', {
    name: 'two-host',
    segments: [{ name: 'ens192', subnet: '192.168.1.0/24' }],
    hosts: [
      { name: 'host0', address: '192.168.1.32', workloads: [{ name: 'ns0', address: '10.20.1.2' }] },
      { name: 'host1', address: '192.168.1.16', workloads: [{ name: 'ns1', address: '10.20.1.3' }] },
    ],
  });
  const page = renderHtml([report], new Map([['two-host', resolveTopology(scenario)]]), '/tmp');

  it('draws the lab, escapes names, opens failures, links captures relative to the page', () => {
    expect(page).toContain('<svg');
    expect(page).toContain('ns0  10.20.1.2/32');
    expect(page).toContain('ns1 &#60;to&#62; ns0 | ttl');
    expect(page).toMatch(/<details class="step failed" open data-step="2" data-state="fail">/);
    expect(page).toContain('<a href="caps/two-host/step2-ns1.pcap">');
    expect(page).not.toMatch(/<script|(src|href)="https?:/);
  });

  it('draws a trace hop by hop', () => {
    expect(page).toContain(
      '<span class="hop">ns0</span><span class="link">— ttl 64 →</span><span class="hop">host0</span>',
    );
    expect(page).toContain('169.254.1.1 answered by ee:ee:ee:ee:ee:ee (proxy ARP)');
  });
});
