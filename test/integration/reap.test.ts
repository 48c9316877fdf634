import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { abilityOf, alone, LOCAL_BACKENDS, needs } from '../support/abilities.js';
import { dockerClient } from '../../src/backends/docker/client.js';
import { waitFor } from '../support/wait.js';
import { cli, labExists, labFor, removeLabs, signalAt, type Stage } from './helpers.js';

interface LabRow {
  lab: string;
  state: string;
  nodes: string[];
}

const labs: string[] = [];
afterAll(() => removeLabs(...labs));
const bin = new URL('../../bin/testbed.js', import.meta.url).pathname;

/**
 * The stages of a run at which a test interrupts it, each seen on its stdout: before it has read
 * anything, once it has checked everything (the lab's header, nothing made yet), half-way through
 * building, once built, between steps, and in a wait that only the interrupt can end in time.
 */
const STAGES: [string, Stage][] = [
  ['before testbed has created anything', 'spawned'],
  ['once checked, before building', /\(lab \S+\)\n/],
  ['while building (a host ready)', /host\d ready/],
  ['once the lab is ready', /ready in/],
  ['between steps', /PASS 1\//],
  ['in a one-hour wait step', /PASS 7\//],
];

// Alone: the next command of any test would reap the orphaned lab these tests look at.
for (const backend of LOCAL_BACKENDS)
  describe(`runs that die on ${backend}`, alone(await needs(abilityOf(backend))), () => {
    it('a run killed with SIGKILL leaves an orphaned lab, which ls shows and the next command removes, saying so', async () => {
      const lab = labFor(`${backend}-killed`);
      labs.push(lab);
      // As an OOM killer or a CI timeout would, once the lab is ready.
      expect(
        (
          await signalAt(
            ['run', 'test/fixtures/long-ping.ts', '--backend', backend, '--name', lab],
            /ready in/,
            'SIGKILL',
          )
        ).signal,
      ).toBe('SIGKILL');
      const listed = JSON.parse((await cli(['ls', '--json', '--backend', backend])).stdout) as {
        lab: string;
        state: string;
      }[];
      expect(listed.find((l) => l.lab === lab)?.state).toBe('orphaned');
      const next = await cli(['down', labFor('nothing'), '--backend', backend]);
      expect(next.stdout).toMatch(
        new RegExp(`removed lab ${lab} on ${backend}: the run that made it \\(pid \\d+\\) is gone`),
      );
      expect(await labExists(backend, lab)).toBe(false);
    }, 120_000);

    it('a lab of up is complete and never reaped', async () => {
      const lab = labFor(`${backend}-kept`);
      labs.push(lab);
      expect((await cli(['up', 'scenarios/same-host.ts', '--backend', backend, '--name', lab])).code).toBe(0);
      await cli(['down', labFor('nothing'), '--backend', backend]);
      const listed = JSON.parse((await cli(['ls', '--json', '--backend', backend])).stdout) as {
        lab: string;
        state: string;
        owner?: string;
      }[];
      expect(listed.find((l) => l.lab === lab)).toMatchObject({ state: 'complete' });
      expect(listed.find((l) => l.lab === lab)?.owner).toBeUndefined();
      expect((await cli(['down', lab, '--backend', backend])).code).toBe(0);
    }, 120_000);

    it('two downs of one lab at once both end well', async () => {
      const lab = labFor(`${backend}-twodowns`);
      labs.push(lab);
      expect((await cli(['up', 'scenarios/same-host.ts', '--backend', backend, '--name', lab])).code).toBe(0);
      const downs = await Promise.all([
        cli(['down', lab, '--backend', backend]),
        cli(['down', lab, '--backend', backend]),
      ]);
      expect(downs.map((d) => d.code)).toEqual([0, 0]);
      expect(await labExists(backend, lab)).toBe(false);
    }, 120_000);

    it.for(STAGES)(
      'SIGTERM %s: nothing left, and exit 130 once testbed handles signals',
      { timeout: 120_000 },
      async ([, stage]) => {
        const lab = labFor(`${backend}-term${STAGES.findIndex(([, s]) => s === stage)}`);
        labs.push(lab);
        const run = await signalAt(
          ['run', 'test/fixtures/two-host-then-wait.ts', '--backend', backend, '--name', lab],
          stage,
          'SIGTERM',
        );
        expect(run.sent, run.stdout + run.stderr).toBe(true);
        // Before Node has run testbed's first line, the signal ends the process as it ends any.
        if (stage !== 'spawned')
          expect({ code: run.code, stderr: run.stderr }).toMatchObject({
            code: 130,
            stderr: 'testbed: interrupted by SIGTERM\n',
          });
        else expect(run.code === 130 || run.signal === 'SIGTERM', `exit ${run.code}, signal ${run.signal}`).toBe(true);
        expect(await labExists(backend, lab), 'lab left after SIGTERM').toBe(false);
      },
    );
  });

describe('a reader that goes away', () => {
  it('testbed plan | head ends quietly: exit 0, nothing on stderr', async () => {
    const result = await new Promise<{ code: number | null; stderr: string; read: number }>((resolve, reject) => {
      // Far more than a pipe holds: testbed is still writing when the reader goes.
      const child = spawn(process.execPath, [bin, 'plan', 'test/fixtures/long-plan.ts'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      let read = 0;
      child.stdout.once('data', (d: Buffer) => {
        read = d.length;
        child.stdout.destroy();
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr, read }));
    });
    expect(result.read).toBeGreaterThan(0);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('a docker run killed while its preflight probe runs', alone(await needs('docker')), () => {
  it('leaves a probe that carries the lab: ls shows it orphaned, and the next command removes it', async () => {
    const lab = labFor('docker-probed');
    labs.push(lab);
    const docker = dockerClient();
    const probes = () =>
      docker.listContainers({ all: true, filters: { label: [`testbed.lab=${lab}`, 'testbed.probe'] } });
    const child = spawn(process.execPath, [bin, 'run', 'scenarios/two-host.ts', '--backend', 'docker', '--name', lab], {
      stdio: 'ignore',
    });
    const ended = new Promise((resolve) => child.once('exit', resolve));
    try {
      // The host image may be built first, on a fresh machine.
      await waitFor('the run to start its probe', async () => (await probes()).length > 0, 300_000);
      // Frozen first, so that it cannot remove its probe between seeing it and the kill.
      child.kill('SIGSTOP');
      child.kill('SIGKILL');
    } finally {
      child.kill('SIGKILL');
      await ended;
    }
    expect(await probes()).toHaveLength(1);
    const listed = JSON.parse((await cli(['ls', '--json', '--backend', 'docker'])).stdout) as LabRow[];
    expect(listed.find((l) => l.lab === lab)).toMatchObject({ state: 'orphaned', nodes: [] });
    const next = await cli(['down', labFor('nothing'), '--backend', 'docker']);
    expect(next.stdout).toMatch(
      new RegExp(`removed lab ${lab} on docker: the run that made it \\(pid \\d+\\) is gone`),
    );
    expect(await probes()).toEqual([]);
  }, 360_000);
});
