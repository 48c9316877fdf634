import { describe, expect, it } from 'vitest';
import { runStep, stepContext } from '../../src/steps/run-step.js';
import { parseScenario } from '../../src/steps/scenario.js';
import { resolveTopology } from '../../src/topology/topology.js';
import { FakeBackend, pingReplies, type Responder } from '../support/fake-backend.js';
import { issuesOf, validScenario } from './scenario-input.js';

/** A path whose first hop is 1500 and whose smallest link is `pathMtu`: what ip and ping say along it. */
const path =
  (pathMtu: number): Responder =>
  (call) => {
    const [program, ...args] = call.argv;
    if (program === 'ip' && args.includes('route')) return { stdout: '[{"dst":"10.20.1.3","dev":"eth0"}]' };
    if (program === 'ip' && args.includes('link')) return { stdout: '[{"ifname":"eth0","mtu":1500}]' };
    if (program !== 'ping') return undefined;
    const size = Number(args[args.indexOf('-s') + 1]) + 28;
    if (size <= pathMtu) return { stdout: pingReplies('10.20.1.3', 1, 62) };
    return {
      code: 1,
      stdout: `From 192.168.1.32 icmp_seq=1 Frag needed and DF set (mtu = ${pathMtu})\n\n--- 10.20.1.3 ping statistics ---\n1 packets transmitted, 0 received, +1 errors, 100% packet loss\n`,
    };
  };

async function mtuOf(responder: Responder, expect?: number) {
  const scenario = parseScenario('s.ts', {
    ...validScenario(),
    steps: [{ mtu: { from: 'ns0', to: 'ns1' }, ...(expect ? { expect: { mtu: expect } } : {}) }],
  });
  const backend = new FakeBackend(responder);
  const result = await runStep(stepContext(backend, resolveTopology(scenario), []), scenario.steps[0]!, 0);
  return { result, pings: backend.commandsOn('ns0').filter((c) => c.startsWith('ping')) };
}

describe('the mtu step', () => {
  it('finds the path MTU a router reports, smaller than the first hop', async () => {
    const { result, pings } = await mtuOf(path(1400), 1400);
    expect(result).toMatchObject({
      passed: true,
      name: 'path MTU ns0 -> ns1',
      metrics: { firstHopMtu: 1500, mtu: 1400 },
    });
    expect(pings).toEqual(['ping -n -M do -c 1 -W 1 -s 1472 10.20.1.3', 'ping -n -M do -c 1 -W 1 -s 1372 10.20.1.3']);
  });

  it('fails with expected and actual when the path MTU differs', async () => {
    const { result } = await mtuOf(path(1450), 1400);
    expect(result.failures).toEqual(['mtu: expected 1400, actual 1450']);
  });

  it('fails naming why when nothing answers at any size', async () => {
    const { result } = await mtuOf((call) =>
      call.argv[0] === 'ping'
        ? { code: 1, stdout: 'From 192.168.1.32 icmp_seq=1 Destination Host Unreachable\n' }
        : path(1500)(call, 0),
    );
    expect(result.passed).toBe(false);
    expect(result.metrics).toMatchObject({ mtu: null, error: 'Destination Host Unreachable' });
  });

  it('is judged like a ping: nodes that exist, an address, a family its nodes have', () => {
    expect(issuesOf({ ...validScenario(), steps: [{ mtu: { from: 'ns9', to: 'ns1' } }] })).toEqual([
      expect.stringMatching(/^steps\[0\]\.mtu\.from: /),
    ]);
    expect(
      issuesOf({ ...validScenario(), steps: [{ mtu: { from: 'ns0', to: '10.20.1.3' }, expect: { mtu: 1400 } }] }),
    ).toEqual([]);
    expect(issuesOf({ ...validScenario(), steps: [{ mtu: { from: 'ns0', to: 'ns1' }, expect: { mtu: 20 } }] })).toEqual(
      [expect.stringMatching(/^steps\[0\]\.expect\.mtu: /)],
    );
  });
});
