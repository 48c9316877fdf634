import type Docker from 'dockerode';
import { InfraError } from '../../errors.js';
import type { Progress } from '../backend.js';
import { dockerMessage } from '../docker/labels.js';
import type { Engine } from './engines.js';

/** Swarm node label on the nodes testbed joined (and so leaves again), and on a Swarm it made. */
const JOINED = 'testbed.joined';

interface SwarmState {
  engine: Engine;
  state: string;
  clusterId?: string;
  nodeId?: string;
  manager: boolean;
  nodeAddr?: string;
}

async function stateOf(engine: Engine): Promise<SwarmState> {
  const info = (await engine.docker.info()) as {
    Swarm?: {
      LocalNodeState?: string;
      NodeID?: string;
      NodeAddr?: string;
      ControlAvailable?: boolean;
      Cluster?: { ID?: string };
    };
  };
  const swarm = info.Swarm ?? {};
  return {
    engine,
    state: swarm.LocalNodeState ?? 'inactive',
    clusterId: swarm.Cluster?.ID,
    nodeId: swarm.NodeID || undefined,
    manager: swarm.ControlAvailable === true,
    nodeAddr: swarm.NodeAddr || undefined,
  };
}

/**
 * Puts every engine in one Swarm and returns a manager: the Swarm they are in, or one testbed
 * makes (init on the first, the others join). Nodes testbed joined carry a label, so that
 * `leaveSwarm` undoes exactly that.
 */
export async function ensureSwarm(
  engines: Engine[],
  progress: Progress,
  /** Checks the engines in no Swarm (the ones it would make one of, or join) before it touches any. */
  beforeJoining: (outside: Engine[]) => Promise<void>,
): Promise<Engine> {
  const states = await Promise.all(engines.map(stateOf));
  await beforeJoining(states.filter((s) => s.state === 'inactive').map((s) => s.engine));
  const clusters = new Set(states.flatMap((s) => (s.state === 'active' && s.clusterId ? [s.clusterId] : [])));
  if (clusters.size > 1) {
    throw new InfraError(
      `the engines are in ${clusters.size} different Swarms; give engines of one Swarm, or engines in none`,
    );
  }
  let manager = states.find((s) => s.state === 'active' && s.manager);
  if (!manager) {
    if (clusters.size > 0) throw new InfraError("the engines' Swarm has no manager among them: add a manager engine");
    manager = states[0]!;
    progress(`making a Swarm: init on ${manager.engine.url}`);
    await swarmCall(manager.engine, 'init', () =>
      manager!.engine.docker.swarmInit({
        ListenAddr: '0.0.0.0:2377',
        ...(manager!.engine.address ? { AdvertiseAddr: manager!.engine.address } : {}),
        Spec: { Labels: { [JOINED]: 'made' } },
      }),
    );
    Object.assign(manager, await stateOf(manager.engine));
    await labelNode(manager.engine.docker, manager.nodeId!);
    // Labs use no service, so no routing mesh: without it a node joins and leaves without an
    // ingress sandbox to make and remove, and 10.0.0.0/24 stays free for a lab's segments.
    await removeIngress(manager.engine.docker).catch((error: unknown) =>
      progress(`the Swarm keeps its ingress network: ${dockerMessage(error)}`),
    );
  }
  const inspect = (await manager.engine.docker.swarmInspect()) as { JoinTokens: { Worker: string } };
  const managerAddr = manager.nodeAddr ?? manager.engine.address;
  for (const s of states.filter((x) => x.state !== 'active')) {
    progress(`joining ${s.engine.url} to the Swarm of ${manager.engine.url}`);
    await swarmCall(s.engine, 'join', () =>
      s.engine.docker.swarmJoin({
        ListenAddr: '0.0.0.0:2377',
        ...(s.engine.address ? { AdvertiseAddr: s.engine.address } : {}),
        RemoteAddrs: [`${managerAddr}:2377`],
        JoinToken: inspect.JoinTokens.Worker,
      }),
    );
    Object.assign(s, await stateOf(s.engine));
    // At once: a run killed later must still leave what it joined.
    if (s.nodeId) await labelNode(manager.engine.docker, s.nodeId);
  }
  return manager.engine;
}

/** Removes the Swarm's routing mesh, and waits (up to 15 s) until the manager's engine has dropped its copy. */
async function removeIngress(docker: Docker): Promise<void> {
  await docker.getNetwork('ingress').remove();
  const deadline = performance.now() + 15_000;
  while ((await docker.listNetworks({ filters: { name: ['ingress'] } })).some((n) => n.Name === 'ingress')) {
    if (performance.now() > deadline) throw new Error('its ingress network was still there after 15 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function labelNode(docker: Docker, nodeId: string): Promise<void> {
  const node = docker.getNode(nodeId);
  const info = (await node.inspect()) as {
    Version: { Index: number };
    Spec: Record<string, unknown> & { Labels?: Record<string, string> };
  };
  await node.update({ version: info.Version.Index, ...info.Spec, Labels: { ...info.Spec.Labels, [JOINED]: 'true' } });
}

async function swarmCall(engine: Engine, what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    throw new InfraError(
      `engine ${engine.url}: Swarm ${what} failed: ${dockerMessage(error)} ` +
        '(engines of a Swarm must reach each other on 2377/tcp, 7946/tcp+udp and 4789/udp)',
    );
  }
}

/** Each engine's Swarm state, asked side by side; an engine that does not answer has none. */
function statesOf(engines: Engine[]): Promise<(SwarmState | undefined)[]> {
  return Promise.all(engines.map((e) => stateOf(e).catch(() => undefined)));
}

const managerAmong = (states: (SwarmState | undefined)[]) =>
  states.find((s) => s?.state === 'active' && s.manager)?.engine;

/** The manager of the Swarm the engines are in, if any. */
export async function findManager(engines: Engine[]): Promise<Engine | undefined> {
  return managerAmong(await statesOf(engines));
}

/**
 * Leaves what testbed joined, once no lab of testbed is left in the Swarm: the workers it joined
 * first, then (if testbed made the Swarm) its manager.
 */
export async function leaveSwarm(engines: Engine[], progress: Progress): Promise<void> {
  const states = await statesOf(engines);
  const manager = managerAmong(states);
  if (!manager) return;
  const labelled = { filters: { label: ['testbed.lab'] } };
  const [networks, containers, nodes, swarm] = await Promise.all([
    manager.docker.listNetworks(labelled),
    Promise.all(
      engines.map((e) =>
        e.docker.listContainers({ all: true, ...labelled }).then(
          (c) => c.length,
          () => 0,
        ),
      ),
    ),
    manager.docker.listNodes() as Promise<{ ID: string; Spec?: { Labels?: Record<string, string> } }[]>,
    manager.docker.swarmInspect() as Promise<{ Spec?: { Labels?: Record<string, string> } }>,
  ]);
  // A lab still here, or one being built (its claim exists before its networks do), keeps the Swarm.
  if (networks.length + containers.reduce((a, b) => a + b, 0) > 0) return;
  const made = swarm.Spec?.Labels?.[JOINED] === 'made';
  // Every node of a Swarm testbed made is testbed's, also one a killed run joined but never labelled.
  const ours = new Set(nodes.filter((n) => made || n.Spec?.Labels?.[JOINED] === 'true').map((n) => n.ID));
  const leaving = states.filter(
    (s): s is SwarmState => s !== undefined && s.nodeId !== undefined && ours.has(s.nodeId),
  );
  const leave = async (s: SwarmState) => {
    progress(`${s.engine.url} leaves the Swarm testbed made it join`);
    await s.engine.docker.swarmLeave({ force: true }).catch(() => {});
    // The Swarm keeps a departed worker as a node that is down; a Swarm testbed did not make keeps going.
    if (!made && !s.manager)
      await manager.docker
        .getNode(s.nodeId!)
        .remove({ force: true })
        .catch(() => {});
  };
  // One at a time, workers first: dockerd before 28.3 waits 1 s for a leaving node's gossip to
  // reach a peer still in the Swarm, and when it does not (the peers left at the same moment, or
  // the machine is slow) it keeps the gossip port 7946 bound, so that no later Swarm of that engine
  // gossips (moby#47859). Leaving side by side, 2 of 9 engines kept it here.
  for (const s of [...leaving.filter((x) => !x.manager), ...(made ? leaving.filter((x) => x.manager) : [])])
    await leave(s);
}
