import { describe, expect, it } from 'vitest';
import { clearNetemArgv, netemArgv, shapedLink } from '../../src/dataplane/shaping.js';
import { loadScenario } from '../../src/lab/load.js';
import { resolveTopology } from '../../src/topology/topology.js';

describe('traffic shaping', () => {
  it('shapes a host on its uplink and a workload on its own eth0', async () => {
    const topology = resolveTopology(await loadScenario('scenarios/two-host.ts'));
    expect(shapedLink(topology, 'host0')).toEqual({ node: 'host0', dev: 'ens192' });
    expect(shapedLink(topology, 'ns1')).toEqual({ node: 'ns1', dev: 'eth0' });
  });

  it('gives tc only the parts a step sets, in its units', () => {
    expect(netemArgv('eth0', { delay: 20, jitter: 5, loss: 1.5, rate: '10mbit' })).toEqual([
      ...['tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', 'netem'],
      ...['delay', '20ms', '5ms', 'loss', '1.5%', 'rate', '10mbit'],
    ]);
    expect(netemArgv('ens192', { loss: 100 })).toEqual([
      ...['tc', 'qdisc', 'replace', 'dev', 'ens192', 'root', 'netem'],
      ...['loss', '100%'],
    ]);
  });

  it('passes the device to the clearing script as an argument, never as its text', () => {
    const argv = clearNetemArgv('e$(x);"');
    expect(argv.at(-1)).toBe('e$(x);"');
    expect(argv[2]).not.toContain('e$(x)');
  });
});
