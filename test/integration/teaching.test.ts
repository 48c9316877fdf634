import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/report/json.js';
import type { StepResult } from '../../src/steps/result.js';
import type { Ability } from '../support/gating.js';
import { needs } from '../support/abilities.js';
import { cli, labExists, labFor, removeLabs } from './helpers.js';

/**
 * The lesson of docs/teaching.md, kept true: every exercise under scenarios/teaching/ runs on the
 * netns backend, and each of its steps must give the answer the lesson teaches, read off the step's
 * own metrics (not only its pass mark, which the scenario's expectations decide).
 */
const FOLDER = 'scenarios/teaching';

interface Lesson {
  needs: Ability[];
  /** Each step's name and its answer, in order. */
  answers: [name: string, answer: string][];
}

const LESSONS: Record<string, Lesson> = {
  '1-proxy-arp-off.ts': {
    needs: ['netns'],
    answers: [
      ['BEFORE: ns0 reaches ns1 with ttl 62', 'ttl 62'],
      ['BEFORE: 169.254.1.1 resolves to ee:ee:ee:ee:ee:ee in ns0', 'ee:ee:ee:ee:ee:ee'],
      ["BREAK: host0 turns proxy ARP off on ns0's cali veth", 'exit 0'],
      ["BREAK: ns0 forgets its gateway's MAC, as it would after a while", 'exit 0'],
      ["Q1: what does host0 now read in proxy_arp of ns0's cali veth?", '= 0'],
      ['Q2: can ns0 still reach ns1?', 'unreachable'],
      ['Q3: does 169.254.1.1 still resolve to a MAC in ns0?', 'no MAC'],
      [
        'Q4: how far does one packet from ns0 to ns1 get, and who answers its ARP?',
        'seen nowhere; ARP for 169.254.1.1 unanswered',
      ],
      ['Q5: can ns1 still reach ns0?', 'unreachable'],
      [
        'Q6: how far does one packet from ns1 to ns0 get?',
        'ns1 out eth0 ttl 64; host1 in cali… ttl 64 out ens192 ttl 63; host0 in ens192 ttl 63 out cali… ttl 62; ns0 in eth0 ttl 62; ARP for 169.254.1.1 answered by ee:ee:ee:ee:ee:ee',
      ],
      ['Q7: can host0 still reach host1?', 'ttl 64'],
      ['HEAL: host0 turns proxy ARP on again', 'exit 0'],
      ['AFTER: ns0 reaches ns1 with ttl 62 again', 'ttl 62'],
    ],
  },
  '2-route-removed.ts': {
    needs: ['netns'],
    answers: [
      ['BEFORE: ns0 reaches ns1 with ttl 62', 'ttl 62'],
      ['BEFORE: host0 routes ns1 via host1', '10.20.1.3 via 192.168.1.16 dev ens192'],
      ['BREAK: host0 deletes its route to ns1', 'exit 0'],
      ['Q1: does host0 still have a route to 10.20.1.3?', 'no route to 10.20.1.3'],
      ['Q2: can ns0 still reach ns1?', 'unreachable'],
      ['Q3: does 169.254.1.1 still resolve to ee:ee:ee:ee:ee:ee in ns0?', 'ee:ee:ee:ee:ee:ee'],
      [
        'Q4: how far does one packet from ns0 to ns1 get?',
        'ns0 out eth0 ttl 64; host0 in cali… ttl 64 out ens192 ttl 63; ARP for 169.254.1.1 answered by ee:ee:ee:ee:ee:ee',
      ],
      ['Q5: which route of host0 is left that covers 10.20.1.3?', 'default via 192.168.1.1 dev ens192'],
      ['Q6: can ns1 still reach ns0?', 'unreachable'],
      [
        'Q7: how far does one packet from ns1 to ns0 get?',
        'ns1 out eth0 ttl 64; host1 in cali… ttl 64 out ens192 ttl 63; host0 in ens192 ttl 63 out cali… ttl 62; ns0 in eth0 ttl 62; ARP for 169.254.1.1 answered by ee:ee:ee:ee:ee:ee',
      ],
      ['Q8: can host0 still reach host1?', 'ttl 64'],
      ['HEAL: host0 adds the route to ns1 again', 'exit 0'],
      ['AFTER: ns0 reaches ns1 with ttl 62 again', 'ttl 62'],
    ],
  },
  '3-bird-stopped.ts': {
    needs: ['netns', 'bird'],
    answers: [
      [
        'BEFORE: the BGP session is Established, each host learned the other workload',
        '2/2 established, 2 bird routes',
      ],
      ['BEFORE: host0 routes ns1 via host1, learned by BIRD', '10.20.1.3 via 192.168.1.16 dev ens192 proto bird'],
      ['BEFORE: ns0 reaches ns1 with ttl 62', 'ttl 62'],
      ['BREAK: BIRD stops on host1', 'exit 0'],
      ['Q1: does host0 still have a route to 10.20.1.3?', 'no route to 10.20.1.3'],
      ['Q2: does host1 still have a route to 10.20.1.2?', 'no route to 10.20.1.2'],
      ['Q3: does host1 still route ns1 to its cali veth?', '10.20.1.3 dev cali… scope link'],
      ['Q4: can ns0 still reach ns1?', 'unreachable'],
      ['Q5: does 169.254.1.1 still resolve to ee:ee:ee:ee:ee:ee in ns0?', 'ee:ee:ee:ee:ee:ee'],
      ['Q6: can host0 still reach host1?', 'ttl 64'],
      ['HEAL: BIRD starts again on host1', 'exit 0'],
      ['AFTER: the session is Established again, both routes learned again', '2/2 established, 2 bird routes'],
      ['AFTER: ns0 reaches ns1 with ttl 62 again', 'ttl 62'],
    ],
  },
  '4-default-route-removed.ts': {
    needs: ['netns'],
    answers: [
      ['BEFORE: ns0 reaches ns1 with ttl 62', 'ttl 62'],
      ['BREAK: host0 deletes its default route', 'exit 0'],
      ["BREAK: ns0 forgets its gateway's MAC, as it would after a while", 'exit 0'],
      ["Q1: is proxy ARP still on for ns0's cali veth?", '= 1'],
      ['Q2: does host0 still route ns1 via host1?', '10.20.1.3 via 192.168.1.16 dev ens192'],
      ['Q3: can ns0 still reach ns1?', 'unreachable'],
      ['Q4: does 169.254.1.1 still resolve to a MAC in ns0?', 'no MAC'],
      ['Q5: can host0 itself still reach ns1?', 'ttl 63'],
      ['HEAL: host0 adds its default route again', 'exit 0'],
      ['AFTER: ns0 reaches ns1 with ttl 62 again', 'ttl 62'],
    ],
  },
};

/** The generated host ends (`cali` + 11 hex digits of a hash of the lab's name) differ from lab to lab. */
const withoutHashes = (text: string) => text.replace(/cali[0-9a-f]{11}/g, 'cali…');

/** What a step found, in the words of the lesson. */
function answerOf(step: StepResult): string {
  const m = step.metrics;
  switch (step.kind) {
    case 'ping':
      return Number(m.received) > 0 ? `ttl ${m.ttl}` : 'unreachable';
    case 'neighbour':
      return m.lladdr === null ? 'no MAC' : String(m.lladdr);
    case 'route':
      return withoutHashes(String(m.routes));
    case 'sysctl':
      return `= ${m.value}`;
    case 'trace': {
      const arp = m.arpAnswer === null ? 'unanswered' : `answered by ${m.arpAnswer}`;
      const path = m.path === null ? 'seen nowhere' : withoutHashes(String(m.path));
      return `${path}; ARP for ${m.gateway} ${m.arpAsked ? arp : 'not asked'}`;
    }
    case 'bgp':
      return `${m.established}/${m.sessions} established, ${m.birdRoutes} bird routes`;
    default:
      return `exit ${m.exitCode}`;
  }
}

const labs: string[] = [];
afterAll(() => removeLabs(...labs));

describe('the teaching scenarios', () => {
  it('each exercise has its lesson here, and each lesson its exercise', () => {
    const files = readdirSync(FOLDER).filter((f) => /\.(ts|mts|js|mjs)$/.test(f));
    expect(files.sort()).toEqual(Object.keys(LESSONS).sort());
  });
});

for (const [file, lesson] of Object.entries(LESSONS))
  describe(`teaching exercise ${file} on netns`, await needs(...lesson.needs), () => {
    it('breaks what it says, and every question gets the answer the lesson teaches', async () => {
      const lab = labFor(`teach-${file.split('-')[0]}`);
      labs.push(lab);
      const result = await cli(['run', `${FOLDER}/${file}`, '--backend', 'netns', '--name', lab, '--json']);
      const steps = (JSON.parse(result.stdout) as JsonReport).runs[0]!.steps;
      expect(steps.map((s) => [s.name, answerOf(s)])).toEqual(lesson.answers);
      expect(steps.filter((s) => !s.passed).map((s) => [s.name, s.failures, s.error])).toEqual([]);
      expect(result.code, result.stderr).toBe(0);
      expect(await labExists('netns', lab)).toBe(false);
    });
  });
