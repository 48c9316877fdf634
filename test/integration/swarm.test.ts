import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dockerClient } from '../../src/backends/docker/client.js';
import { ensureImage } from '../../src/backends/docker/image-build.js';
import { hostImage } from '../../src/backends/docker/image.js';
import { connect, TESTBED_KNOWN_HOSTS } from '../../src/backends/swarm/engines.js';
import {
  ensureMachineNetwork,
  loadHostImage,
  removeMachineNetwork,
  MACHINE_IMAGE,
  machineHostConfig,
  machineKey,
  readyMachine,
} from '../../src/backends/swarm/machines.js';
import type { JsonReport } from '../../src/report/json.js';
import { needs } from '../support/abilities.js';
import { kernelAllows } from '../support/kernel.js';
import { waitFor } from '../support/wait.js';
import { cli, signalAt } from './helpers.js';

// No registry here: testcontainers' reaper image cannot be had, so each test removes what it started.
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
const { GenericContainer, Wait } = await import('testcontainers');

const MACHINES = 3;
const tag = `t${process.pid}`;
const volume = (i: number) => `testbed-${tag}-machine-${i}`;

/** A simulated machine started by testcontainers, with the same host configuration `testbed machines up` gives. */
class Machine extends GenericContainer {
  constructor(image: string, index: number, key: string) {
    super(image);
    Object.assign(this.hostConfig, machineHostConfig(volume(index)));
    this.withNetworkMode('testbed-machines')
      .withName(`testbed-${tag}-machine-${index}`)
      .withHostname(`machine${index}`)
      .withEnvironment({ TESTBED_AUTHORIZED_KEY: key })
      .withLabels({ 'testbed.test': tag })
      .withWaitStrategy(Wait.forLogMessage('API listen on /var/run/docker.sock'))
      .withStartupTimeout(120_000);
  }
}

/** Machines of an earlier run of this file that was killed before it could remove them (no reaper here). */
async function removeStaleMachines(docker: ReturnType<typeof dockerClient>): Promise<void> {
  for (const c of await docker.listContainers({ all: true, filters: { label: ['testbed.test'] } })) {
    const owner = Number(c.Labels['testbed.test']!.slice(1));
    let alive = true;
    try {
      process.kill(owner, 0);
    } catch {
      alive = false;
    }
    if (alive) continue;
    await docker.getContainer(c.Id).remove({ force: true, v: true });
    for (let i = 0; i < MACHINES; i++)
      await docker
        .getVolume(`testbed-${c.Labels['testbed.test']}-machine-${i}`)
        .remove()
        .catch(() => {});
  }
}

type Started = Awaited<ReturnType<Machine['start']>>;
const started: Started[] = [];
/** Per machine: its tcp:// and ssh:// URLs. */
const urls: string[][] = [];

/** Runs a scenario; a run that printed no report fails here with what it said on stderr. */
async function run(
  file: string,
  engines: string[],
  extra: string[] = [],
): Promise<{ code: number | null; stderr: string; steps: JsonReport['runs'][number]['steps'] }> {
  const result = await cli(
    ['run', file, '--backend', 'swarm', ...engines.flatMap((e) => ['--engine', e]), '--json', ...extra],
    { deadlineMs: SWARM_DEADLINE_MS },
  );
  const steps = result.stdout ? (JSON.parse(result.stdout) as JsonReport).runs[0]?.steps : undefined;
  expect(steps, `testbed run ${file} printed no report (exit ${result.code}):\n${result.stderr}`).toBeDefined();
  return { code: result.code, stderr: result.stderr, steps: steps! };
}
/** Every shipped scenario; those the tests above run are run there. */
const SHIPPED = ['scenarios', 'scenarios/teaching'].flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `${dir}/${f}`),
);
const RUN_ABOVE = ['scenarios/two-host.ts', 'scenarios/bgp-mesh.ts', 'scenarios/vxlan.ts', 'scenarios/faults.ts'];
const EVERY_OTHER_SCENARIO = SHIPPED.filter((f) => !RUN_ABOVE.includes(f));
/** Simulated machines share this machine's kernel: what it lacks, they lack, as the test itself finds. */
const kernel = { ipip: await kernelAllows('ip link add probe type ipip remote 192.0.2.1') };
const KERNEL_NEEDS: Record<string, (keyof typeof kernel)[]> = { 'scenarios/ipip.ts': ['ipip'] };

/** Where a run is killed, each seen on its stdout (the host image is removed from an engine for its load). */
const KILL_STAGES: [string, RegExp, number][] = (
  [
    ['while it loads the host image into an engine', /loading \S+ into/],
    ['while it joins the engines into a Swarm', /joining \S+ to the Swarm/],
    ['while it creates the overlays', /creating overlay networks/],
    ['while its hosts start', /starting \d+ host containers/],
    ['once a host is ready', /host\d ready/],
    ['between steps', /PASS 1\//],
    ['while it tears the lab down', /removing lab/],
  ] as const
).map(([what, stage], i) => [what, stage, i]);

/** An engine's part in a Swarm: inactive, pending, active, error or locked. */
async function swarmState(engine: ReturnType<typeof connect>): Promise<string> {
  const info = (await engine.docker.info()) as { Swarm: { LocalNodeState: string } };
  return info.Swarm.LocalNodeState;
}

/** Engines are Docker-in-Docker on one machine: a slow moment of one of them must not fail a test, a hang must show where. */
const SWARM_DEADLINE_MS = 150_000;
const SWARM_TEST_MS = 2 * SWARM_DEADLINE_MS + 30_000;

describe('swarm: hosts spread over simulated machines', await needs('swarm'), () => {
  beforeAll(async () => {
    const docker = dockerClient();
    await removeStaleMachines(docker);
    const image = await ensureImage(docker, MACHINE_IMAGE, (m) => console.log(`[swarm] ${m}`));
    await ensureMachineNetwork(docker);
    const { publicKey } = machineKey();
    for (let i = 0; i < MACHINES; i++) started.push(await new Machine(image, i, publicKey).start());
    for (const machine of started) {
      const ready = await readyMachine(docker, machine.getId(), () => {});
      await loadHostImage(docker, ready[0]!, () => {});
      urls.push(ready);
    }
  }, 600_000);

  afterAll(async () => {
    // The engines are this file's own machines: whatever lab a failed test left on them goes.
    await cli(['down', '--all', '--backend', 'swarm', ...urls.flatMap((u) => ['--engine', u[0]!])]);
    for (const machine of started) await machine.stop({ removeVolumes: true });
    for (let i = 0; i < MACHINES; i++)
      await dockerClient()
        .getVolume(volume(i))
        .remove()
        .catch(() => {});
    await removeMachineNetwork(dockerClient());
  }, 300_000);

  // What the engines said, for a failure that only their logs explain (an overlay that did not connect).
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    for (const machine of started) {
      const logs = await dockerClient()
        .getContainer(machine.getId())
        .logs({ stdout: true, stderr: true, tail: 30, follow: false });
      // A log without a terminal comes in frames: 8 bytes of header (stream, 0, 0, 0, size), then the bytes.
      let text = '';
      for (let at = 0; at + 8 <= logs.length; at += 8 + logs.readUInt32BE(at + 4))
        text += logs.subarray(at + 8, at + 8 + logs.readUInt32BE(at + 4)).toString();
      console.error(`[swarm] the last lines of ${machine.getName()}'s log:\n${text}`);
    }
  });

  it(
    'two-host across two engines, one reached over ssh: ttl 62, proxy ARP, routes; host0 and host1 on different engines',
    async () => {
      const engines = [urls[0]![0]!, urls[1]![1]!];
      const flags = engines.flatMap((e) => ['--engine', e]);
      // One build: the steps run, and the lab is kept to look at where its hosts are and to exec in it.
      const { code, steps } = await run('scenarios/two-host.ts', engines, ['--keep']);
      expect(steps.filter((s) => !s.passed).map((s) => s.failures)).toEqual([]);
      expect(code).toBe(0);
      expect(steps.slice(0, 2).map((s) => s.metrics.ttl)).toEqual([62, 62]);
      const where = await Promise.all(
        engines.map(async (url, i) =>
          (
            await connect(url, i).docker.listContainers({
              filters: { label: ['testbed.lab=two-host', 'testbed.node'] },
            })
          ).map((c) => c.Labels['testbed.node']),
        ),
      );
      expect(where).toEqual([['host0'], ['host1']]);
      const ping = await cli([
        'exec',
        'two-host',
        'ns0',
        '--backend',
        'swarm',
        ...flags,
        '--',
        'ping',
        '-c',
        '1',
        '-W',
        '2',
        '10.20.1.3',
      ]);
      expect(ping.stdout).toContain('ttl=62');
      const down = await cli(['down', 'two-host', '--backend', 'swarm', ...flags]);
      expect(down.stderr).toBe('');
      expect(down.code).toBe(0);
    },
    SWARM_TEST_MS,
  );

  it(
    'bgp-mesh across three engines: converged, every pair with the right ttl, the matrix',
    async () => {
      const { code, steps } = await run(
        'scenarios/bgp-mesh.ts',
        urls.map((u) => u[0]!),
      );
      expect(steps.filter((s) => !s.passed).map((s) => s.failures)).toEqual([]);
      expect(code).toBe(0);
      expect(steps.find((s) => s.kind === 'matrix')!.metrics).toMatchObject({
        pairs: 30,
        reached: 30,
        ttlMismatches: 0,
      });
    },
    SWARM_TEST_MS,
  );

  it(
    'the overlay MTU: 1422 bytes with DF pass across engines, 1423 cannot leave the workload',
    async () => {
      const { steps } = await run(
        'test/fixtures/mtu.ts',
        urls.slice(0, 2).map((u) => u[0]!),
      );
      expect(steps.map((s) => s.passed)).toEqual([true, true]);
      expect(String(steps[1]!.metrics.error)).toMatch(/message too long, mtu=1450/);
    },
    SWARM_TEST_MS,
  );

  it(
    "vxlan across engines: Calico's tunnel inside the overlay, the workload MTU 1450 - 50 = 1400",
    async () => {
      const { code, steps } = await run(
        'scenarios/vxlan.ts',
        urls.slice(0, 2).map((u) => u[0]!),
      );
      expect(steps.filter((s) => !s.passed).map((s) => [s.name, s.failures])).toEqual([]);
      expect(code).toBe(0);
      expect(steps[4]!.metrics).toMatchObject({ size: 1372, mtu: 1400, ttl: 62 });
      expect(steps[6]!.metrics).toMatchObject({ encapsulation: 'vxlan' });
    },
    SWARM_TEST_MS,
  );

  it(
    "a segment on 10.0.0.0/24, which a Swarm's ingress network would hold: free in the Swarm testbed makes",
    async () => {
      const { code, steps } = await run(
        'test/fixtures/ten-zero.ts',
        urls.slice(0, 2).map((u) => u[0]!),
      );
      expect(steps.map((s) => [s.passed, s.metrics.ttl])).toEqual([[true, 62]]);
      expect(code).toBe(0);
    },
    SWARM_TEST_MS,
  );

  it(
    'faults, a host losing power and coming back across engines',
    async () => {
      const engines = urls.map((u) => u[0]!);
      const restart = await run('test/fixtures/host-restart.ts', engines);
      expect(restart.steps.filter((s) => !s.passed).map((s) => s.failures)).toEqual([]);
      expect(restart.code).toBe(0);
      const faults = await run('scenarios/faults.ts', engines, ['--skip-unsupported']);
      expect(faults.steps.filter((s) => !s.passed && !s.skipped).map((s) => s.failures)).toEqual([]);
      expect(faults.code).toBe(0);
    },
    SWARM_TEST_MS,
  );

  it(
    'an engine whose VXLAN port is blocked: exit 3 naming the hosts the overlay does not connect, nothing left',
    async () => {
      const rule = ['INPUT', '-p', 'udp', '--dport', '4789', '-j', 'DROP'];
      expect((await started[2]!.exec(['iptables', '-I', ...rule])).exitCode).toBe(0);
      try {
        // 20 s rather than the default minute: the connected pairs take a second or two, the blocked ones never connect.
        const engines = urls.flatMap((u) => ['--engine', u[0]!]);
        const result = await cli(
          ['run', 'scenarios/bgp-mesh.ts', '--backend', 'swarm', ...engines, '--overlay-timeout', '20'],
          { deadlineMs: SWARM_DEADLINE_MS },
        );
        expect(result.code).toBe(3);
        expect(result.stderr).toMatch(
          /testbed: the overlay does not connect host0 → host2, host1 → host2, host2 → host0, host2 → host1 after 20 s \(what each engine's Swarm gossip knows: bgp-mesh_ens192: tcp:.*\); engines of a Swarm must reach each other on 7946\/tcp\+udp and 4789\/udp/,
        );
      } finally {
        await started[2]!.exec(['iptables', '-D', ...rule]);
      }
    },
    SWARM_TEST_MS,
  );

  it.each(EVERY_OTHER_SCENARIO)(
    '%s on two engines: passes as on docker, or is refused before anything is built for what the kernel lacks',
    async (file: string) => {
      const engines = urls.slice(0, 2).map((u) => u[0]!);
      const lacks = KERNEL_NEEDS[file]?.filter((feature) => kernel[feature] === false) ?? [];
      if (lacks.length > 0) {
        const result = await cli(['run', file, '--backend', 'swarm', ...engines.flatMap((e) => ['--engine', e])], {
          deadlineMs: SWARM_DEADLINE_MS,
        });
        expect(result.code).toBe(3);
        for (const feature of lacks) expect(result.stderr).toContain(feature);
        expect(result.stderr).not.toMatch(/creating overlay|starting .* host containers/);
        return;
      }
      const { code, steps } = await run(file, engines);
      expect(steps.filter((s) => !s.passed).map((s) => [s.name, s.failures])).toEqual([]);
      expect(code).toBe(0);
    },
    SWARM_TEST_MS,
  );

  it.each(KILL_STAGES)(
    'a run killed with SIGKILL %s leaves nothing on any engine after the next command, nor the Swarm',
    async (_what, stage, index) => {
      const engines = urls.slice(0, 2).map((u, i) => connect(u[0]!, i));
      const flags = engines.flatMap((e) => ['--engine', e.url]);
      const lab = `killed-${index}`;
      if (stage.source.startsWith('loading')) await engines[1]!.docker.getImage(hostImage()).remove({ force: true });
      const run = await signalAt(
        ['run', 'scenarios/two-host.ts', '--backend', 'swarm', ...flags, '--name', lab],
        stage,
        'SIGKILL',
      );
      expect(run.signal, run.stdout + run.stderr).toBe('SIGKILL');
      // A Swarm join the killed run had asked for may still be under way in an engine.
      await waitFor('the engines to finish joining or leaving', async () =>
        (await Promise.all(engines.map(swarmState))).every((state) => state === 'active' || state === 'inactive'),
      );
      const next = await cli(['down', 'nothing', '--backend', 'swarm', ...flags]);
      expect(next.code, next.stderr).toBe(0);
      for (const engine of engines) {
        const filters = { label: [`testbed.lab=${lab}`] };
        expect(await engine.docker.listContainers({ all: true, filters }), engine.url).toEqual([]);
        expect(await engine.docker.listNetworks({ filters }), engine.url).toEqual([]);
        expect(await swarmState(engine), engine.url).toBe('inactive');
      }
    },
    SWARM_TEST_MS,
  );

  it(
    'an engine in no Swarm whose 7946 is held (a leave dockerd 20.10 botched): exit 3 naming it, nothing joined or made',
    async () => {
      const engines = [urls[0]![0]!, urls[2]![0]!];
      // What dockerd before 28.3 leaves when a Swarm leave times out: a listener on 7946 with no Swarm (moby#47859).
      const listener = await started[2]!.exec([
        'sh',
        '-c',
        "perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(LocalPort => 7946, Proto => q(tcp), Listen => 1) or die; sleep 600' " +
          '>/dev/null 2>&1 & echo $!',
      ]);
      const pid = listener.output.trim();
      try {
        await waitFor(
          'the listener on 7946',
          async () => (await started[2]!.exec(['ss', '-Hltn', 'sport = :7946'])).output.trim() !== '',
        );
        const result = await cli(
          ['run', 'scenarios/two-host.ts', '--backend', 'swarm', '--engine', engines[0]!, '--engine', engines[1]!],
          {
            deadlineMs: SWARM_DEADLINE_MS,
          },
        );
        expect(result.code, result.stderr).toBe(3);
        expect(result.stderr).toContain(
          `testbed: engine ${engines[1]} is in no Swarm but its Docker host listens on 7946`,
        );
        for (const [i, url] of engines.entries()) {
          const engine = connect(url, i);
          expect(await swarmState(engine)).toBe('inactive');
          expect(await engine.docker.listContainers({ all: true, filters: { label: ['testbed.lab'] } })).toEqual([]);
        }
      } finally {
        await started[2]!.exec(['kill', pid]);
      }
    },
    SWARM_TEST_MS,
  );

  it('leaves nothing on any engine: no lab container or network, no Swarm membership testbed made', async () => {
    for (const [i, u] of urls.entries()) {
      const docker = connect(u[0]!, i).docker;
      expect(await docker.listContainers({ all: true, filters: { label: ['testbed.lab'] } })).toEqual([]);
      expect(await docker.listNetworks({ filters: { label: ['testbed.lab'] } })).toEqual([]);
      const info = (await docker.info()) as { Swarm: { LocalNodeState: string } };
      expect(info.Swarm.LocalNodeState).toBe('inactive');
    }
  });

  it('an unknown SSH host key, and an SSH login without a key: exit 3 saying which and what to do', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'testbed-ssh-'));
    const engine = urls[1]![1]!;
    const unknown = await cli(['run', 'scenarios/two-host.ts', '--backend', 'swarm', '--engine', engine], {
      env: { XDG_CONFIG_HOME: empty },
    });
    expect(unknown.code).toBe(3);
    expect(unknown.stderr.trim()).toMatch(
      new RegExp(
        `^testbed: engine ${engine}: its SSH host key \\(SHA256:\\S+\\) is not in ~/.ssh/known_hosts; if it is the right machine, accept it with: ssh-keyscan -H \\S+ >> ~/.ssh/known_hosts$`,
      ),
    );
    mkdirSync(join(empty, 'testbed'), { recursive: true });
    copyFileSync(TESTBED_KNOWN_HOSTS, join(empty, 'testbed', 'known_hosts'));
    const noKey = await cli(['run', 'scenarios/two-host.ts', '--backend', 'swarm', '--engine', engine], {
      env: { XDG_CONFIG_HOME: empty, HOME: empty },
    });
    expect(noKey.code).toBe(3);
    expect(noKey.stderr.trim()).toBe(
      `testbed: engine ${engine}: SSH authentication failed (no key of the agent, ~/.ssh or testbed machines was accepted)`,
    );
    rmSync(empty, { recursive: true, force: true });
  });

  it('an engine that does not answer: exit 3 naming it, nothing made anywhere', async () => {
    const result = await cli([
      'run',
      'scenarios/two-host.ts',
      '--backend',
      'swarm',
      '--engine',
      urls[0]![0]!,
      '--engine',
      'tcp://172.29.251.254:2375',
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/testbed: engine tcp:\/\/172\.29\.251\.254:2375: /);
    expect(
      await connect(urls[0]![0]!, 0).docker.listContainers({ all: true, filters: { label: ['testbed.lab'] } }),
    ).toEqual([]);
  });
});
