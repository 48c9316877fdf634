import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { removeContainers } from '../../src/backends/docker/lab-containers.js';

/**
 * An engine that records the calls removal makes, and how many disconnects of one network are
 * under way at once: each disconnect yields to the event loop before it returns, so that calls
 * made side by side overlap.
 */
function recordingEngine() {
  const calls: string[] = [];
  const underWay = new Map<string, number>();
  let mostAtOnce = 0;
  let mostOfOneNetwork = 0;
  const docker = {
    getNetwork: (network: string) => ({
      disconnect: async ({ Container }: { Container: string }) => {
        underWay.set(network, (underWay.get(network) ?? 0) + 1);
        mostOfOneNetwork = Math.max(mostOfOneNetwork, underWay.get(network)!);
        mostAtOnce = Math.max(
          mostAtOnce,
          [...underWay.values()].reduce((a, b) => a + b, 0),
        );
        calls.push(`disconnect ${network} ${Container}`);
        await new Promise((resolve) => setImmediate(resolve));
        underWay.set(network, underWay.get(network)! - 1);
      },
    }),
    getContainer: (id: string) => ({
      kill: async () => void calls.push(`kill ${id}`),
      wait: async () => void calls.push(`wait ${id}`),
      remove: async () => void calls.push(`remove ${id}`),
    }),
  } as unknown as Docker;
  return { docker, calls, most: () => ({ atOnce: mostAtOnce, ofOneNetwork: mostOfOneNetwork }) };
}

const container = (id: string, state: string, networks: string[]): Docker.ContainerInfo =>
  ({
    Id: id,
    State: state,
    Labels: {},
    NetworkSettings: { Networks: Object.fromEntries(networks.map((n) => [n, {}])) },
  }) as unknown as Docker.ContainerInfo;

describe('removing the containers of a lab', () => {
  const lab = [
    ...['h0', 'h1', 'h2', 'h3'].map((id) => container(id, 'running', ['lab.a'])),
    ...['h4', 'h5'].map((id) => container(id, 'running', ['lab.b'])),
    container('router', 'running', ['lab.a', 'lab.b']),
    container('claim', 'created', ['none']),
    container('helper', 'running', ['host']),
  ];

  it("drops one network's endpoints one at a time, networks side by side, and a container's before it is killed", async () => {
    const engine = recordingEngine();
    await removeContainers(engine.docker, lab, 8);
    expect(engine.most()).toEqual({ atOnce: 2, ofOneNetwork: 1 });
    const disconnects = engine.calls.filter((c) => c.startsWith('disconnect'));
    expect(disconnects.sort()).toEqual(
      [
        ...['h0', 'h1', 'h2', 'h3', 'router'].map((id) => `disconnect lab.a ${id}`),
        ...['h4', 'h5', 'router'].map((id) => `disconnect lab.b ${id}`),
      ].sort(),
    );
    const killedBeforeDropped = engine.calls.flatMap((call, at) => {
      const [verb, id] = call.split(' ');
      if (verb !== 'kill') return [];
      return engine.calls.slice(at).filter((later) => later.startsWith('disconnect') && later.endsWith(` ${id}`));
    });
    expect(killedBeforeDropped).toEqual([]);
  });

  it('kills and waits for the running containers only, and removes every one', async () => {
    const engine = recordingEngine();
    await removeContainers(engine.docker, lab, 3);
    const of = (verb: string) =>
      engine.calls
        .filter((c) => c.startsWith(`${verb} `))
        .map((c) => c.split(' ')[1])
        .sort();
    const running = ['h0', 'h1', 'h2', 'h3', 'h4', 'h5', 'helper', 'router'];
    expect(of('kill')).toEqual(running);
    expect(of('wait')).toEqual(running);
    expect(of('remove')).toEqual([...running, 'claim'].sort());
  });
});
