import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type Docker from 'dockerode';
import ssh2 from 'ssh2';
import { InfraError } from '../../errors.js';
import type { Progress } from '../backend.js';
import { dockerClient, pingDocker } from '../docker/client.js';
import { execCapture } from '../docker/exec.js';
import { ensureHostImage } from '../docker/image.js';
import { ensureImage, type ImageRecipe } from '../docker/image-build.js';
import { dockerMessage } from '../docker/labels.js';
import { connect, ENGINES_VARIABLE, MACHINE_KEY, TESTBED_KNOWN_HOSTS } from './engines.js';

/** A simulated machine: Docker-in-Docker with sshd (images/machine). */
export const MACHINE_IMAGE: ImageRecipe = {
  title: 'machine image',
  repo: 'testbed-machine',
  folder: 'machine',
  extras: [{ file: 'machine-init.sh', to: '/usr/local/bin/machine-init' }],
  cmd: ['/usr/local/bin/machine-init'],
  // `machines up` builds it; run as root, it builds offline (and the machines it starts serve every user).
  command: { name: 'testbed machines up', takesMethod: false },
};

const MACHINE_LABEL = 'testbed.machine';
const NETWORK = 'testbed-machines';
/** The machines' own network: internal (nothing leaves it), reachable from this machine through its gateway. */
const SUBNET = '172.29.251.0/24';
const machineName = (i: number) => `testbed-machine-${i}`;
const volumeName = (i: number) => `testbed-machine-${i}-docker`;

/**
 * What a machine may do, short of --privileged (which fails where the runtime cannot grant
 * CAP_SYS_RESOURCE): every other capability, no seccomp or AppArmor profile, a writable /proc/sys
 * and cgroup tree (its dockerd makes containers), and /var/lib/docker on a volume (overlay2 does
 * not stack on overlay2).
 */
export const MACHINE_CAPABILITIES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
];

/** The container of simulated machine `index` (also what the tests start through testcontainers). */
export function machineSpec(index: number, image: string, authorizedKey: string): Docker.ContainerCreateOptions {
  return {
    name: machineName(index),
    Hostname: `machine${index}`,
    Image: image,
    Env: [`TESTBED_AUTHORIZED_KEY=${authorizedKey}`],
    Labels: { [MACHINE_LABEL]: String(index) },
    HostConfig: machineHostConfig(volumeName(index)),
    NetworkingConfig: { EndpointsConfig: { [NETWORK]: {} } },
  };
}

export function machineHostConfig(volume: string): Docker.HostConfig {
  return {
    NetworkMode: NETWORK,
    CapAdd: MACHINE_CAPABILITIES,
    SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
    MaskedPaths: [],
    ReadonlyPaths: [],
    Binds: ['/sys/fs/cgroup:/sys/fs/cgroup:rw'],
    Mounts: [{ Type: 'volume', Source: volume, Target: '/var/lib/docker' }],
  };
}

/** The key testbed logs into its machines with; made on first use. */
export function machineKey(): { publicKey: string } {
  if (!existsSync(MACHINE_KEY)) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'testbed machines' });
    mkdirSync(dirname(MACHINE_KEY), { recursive: true });
    writeFileSync(MACHINE_KEY, pair.private, { mode: 0o600 });
    writeFileSync(`${MACHINE_KEY}.pub`, `${pair.public}\n`);
  }
  chmodSync(MACHINE_KEY, 0o600);
  return { publicKey: readFileSync(`${MACHINE_KEY}.pub`, 'utf8').trim() };
}

/** The machines' network on this engine; created once. */
export async function ensureMachineNetwork(docker: Docker): Promise<void> {
  const existing = await docker.listNetworks({ filters: { name: [NETWORK] } });
  if (existing.some((n) => n.Name === NETWORK)) return;
  await docker.createNetwork({
    Name: NETWORK,
    Driver: 'bridge',
    Internal: true,
    IPAM: { Driver: 'default', Config: [{ Subnet: SUBNET }] },
    Labels: { [MACHINE_LABEL]: 'network' },
  });
}

/** Removes the machines' network, unless a container still uses it (Docker refuses then). */
export async function removeMachineNetwork(docker: Docker): Promise<void> {
  const networks = await docker.listNetworks({ filters: { name: [NETWORK] } });
  for (const n of networks.filter((x) => x.Name === NETWORK))
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch(() => {});
}

/** The URLs a started machine answers at, once its dockerd does; and its host key in testbed's known_hosts. */
export async function readyMachine(docker: Docker, containerId: string, progress: Progress): Promise<string[]> {
  const container = docker.getContainer(containerId);
  const info = await container.inspect();
  const address = info.NetworkSettings.Networks[NETWORK]?.IPAddress;
  if (!address) throw new InfraError(`${info.Name.slice(1)} has no address on ${NETWORK}`);
  const urls = [`tcp://${address}:2375`, `ssh://root@${address}`];
  const engine = connect(urls[0]!, 0);
  const deadline = performance.now() + 90_000;
  for (;;) {
    try {
      await engine.docker.ping();
      break;
    } catch (error) {
      if (performance.now() > deadline)
        throw new InfraError(
          `${info.Name.slice(1)}: its dockerd did not answer within 90 s (${dockerMessage(error)}); see docker logs ${info.Name.slice(1)}`,
        );
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  const hostKey = await execCapture(container, ['cat', '/etc/ssh/ssh_host_ed25519_key.pub']);
  rememberHostKey(address, hostKey.stdout.trim().split(/\s+/).slice(0, 2).join(' '));
  progress(`${info.Name.slice(1)} answers at ${urls.join(' and ')}`);
  return urls;
}

/** testbed's own known_hosts: one line per machine address, replaced when the machine is made again. */
function rememberHostKey(address: string, key: string): void {
  const lines = existsSync(TESTBED_KNOWN_HOSTS)
    ? readFileSync(TESTBED_KNOWN_HOSTS, 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith(`${address} `))
    : [];
  mkdirSync(dirname(TESTBED_KNOWN_HOSTS), { recursive: true });
  writeFileSync(TESTBED_KNOWN_HOSTS, [...lines, `${address} ${key}`].join('\n') + '\n');
}

/** Loads this machine's host image into a machine's engine, so that its labs start without a registry. */
export async function loadHostImage(local: Docker, url: string, progress: Progress): Promise<void> {
  const ref = await ensureHostImage(local, progress);
  const engine = connect(url, 0);
  try {
    await engine.docker.getImage(ref).inspect();
    return;
  } catch {
    // not there yet
  }
  const stream = await engine.docker.loadImage(await local.getImage(ref).get());
  await new Promise<void>((resolve, reject) =>
    engine.docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())),
  );
}

async function machines(docker: Docker): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [MACHINE_LABEL] } });
}

export const machineSimulator = {
  describe: 'Docker-in-Docker machines with sshd on this engine, for the swarm backend',

  async up(count: number, progress: Progress): Promise<{ name: string; urls: string[] }[]> {
    const docker = dockerClient();
    await pingDocker(docker);
    const image = await ensureImage(docker, MACHINE_IMAGE, progress);
    const { publicKey } = machineKey();
    await ensureMachineNetwork(docker);
    const existing = await machines(docker);
    const started: { name: string; urls: string[] }[] = [];
    for (let i = 0; i < count; i++) {
      let found = existing.find((c) => c.Labels[MACHINE_LABEL] === String(i));
      if (!found) {
        progress(`starting ${machineName(i)}`);
        await (await docker.createContainer(machineSpec(i, image, publicKey))).start();
      } else if (found.State !== 'running') {
        await docker.getContainer(found.Id).start();
      }
      found = (await machines(docker)).find((c) => c.Labels[MACHINE_LABEL] === String(i))!;
      const urls = await readyMachine(docker, found.Id, progress);
      progress(`loading the host image into ${machineName(i)}`);
      await loadHostImage(docker, urls[0]!, progress);
      started.push({ name: machineName(i), urls });
    }
    return started;
  },

  /** Removes every simulated machine, its Docker volume and their network. */
  async down(progress: Progress): Promise<number> {
    const docker = dockerClient();
    await pingDocker(docker);
    const found = await machines(docker);
    for (const c of found) {
      progress(`removing ${c.Names[0]?.slice(1)}`);
      await docker.getContainer(c.Id).remove({ force: true, v: true });
      const index = Number(c.Labels[MACHINE_LABEL]);
      await docker
        .getVolume(volumeName(index))
        .remove()
        .catch(() => {});
    }
    await removeMachineNetwork(docker);
    return found.length;
  },

  async list(): Promise<{ name: string; state: string; urls: string[] }[]> {
    const docker = dockerClient();
    await pingDocker(docker);
    // In the order `up` prints them (Docker lists newest first): the first is the manager-to-be.
    const byNumber = (name: string) => Number(/\d+$/.exec(name)?.[0] ?? 0);
    return (await machines(docker))
      .map((c) => {
        const address = c.NetworkSettings?.Networks?.[NETWORK]?.IPAddress;
        return {
          name: c.Names[0]!.slice(1),
          state: c.State,
          urls: address ? [`tcp://${address}:2375`, `ssh://root@${address}`] : [],
        };
      })
      .sort((a, b) => byNumber(a.name) - byNumber(b.name));
  },

  hint(list: { urls: string[] }[]): string {
    return `export ${ENGINES_VARIABLE}="${list.map((m) => m.urls[0]).join(' ')}"`;
  },
};
