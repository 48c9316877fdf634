import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, cli, labExists, labFor, removeLabs } from './helpers.js';

const labs: string[] = [];
afterAll(() => removeLabs(...labs));
const bin = new URL('../../bin/testbed.js', import.meta.url).pathname;

/** Starts `testbed run` and SIGKILLs it once its lab is ready (as an OOM killer or a CI timeout would). */
function runAndKill(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/ready in/.test(out)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', () => resolve());
  });
}

/** Starts `testbed run`, sends SIGTERM after `delayMs`, and resolves to its exit code. */
function runAndTerminate(args: string[], delayMs: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'run', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    setTimeout(() => child.kill('SIGTERM'), delayMs);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe.skipIf(BACKENDS.length === 0).each(BACKENDS)('runs that die on %s', (backend) => {
  it('a run killed with SIGKILL leaves an orphaned lab, which ls shows and the next command removes, saying so', async () => {
    const lab = labFor(`${backend}-killed`);
    labs.push(lab);
    await runAndKill(['test/fixtures/long-ping.ts', '--backend', backend, '--name', lab]);
    const listed = JSON.parse((await cli(['ls', '--json', '--backend', backend])).stdout) as { lab: string; state: string }[];
    expect(listed.find((l) => l.lab === lab)?.state).toBe('orphaned');
    const next = await cli(['down', labFor('nothing'), '--backend', backend]);
    expect(next.stdout).toMatch(new RegExp(`removed lab ${lab} on ${backend}: the run that made it \\(pid \\d+\\) is gone`));
    expect(await labExists(backend, lab)).toBe(false);
  }, 120_000);

  it('a lab of up is complete and never reaped', async () => {
    const lab = labFor(`${backend}-kept`);
    labs.push(lab);
    expect((await cli(['up', 'scenarios/same-host.ts', '--backend', backend, '--name', lab])).code).toBe(0);
    await cli(['down', labFor('nothing'), '--backend', backend]);
    const listed = JSON.parse((await cli(['ls', '--json', '--backend', backend])).stdout) as { lab: string; state: string; owner?: string }[];
    expect(listed.find((l) => l.lab === lab)).toMatchObject({ state: 'complete' });
    expect(listed.find((l) => l.lab === lab)?.owner).toBeUndefined();
    expect((await cli(['down', lab, '--backend', backend])).code).toBe(0);
  }, 120_000);

  it('two downs of one lab at once both end well', async () => {
    const lab = labFor(`${backend}-twodowns`);
    labs.push(lab);
    expect((await cli(['up', 'scenarios/same-host.ts', '--backend', backend, '--name', lab])).code).toBe(0);
    const downs = await Promise.all([cli(['down', lab, '--backend', backend]), cli(['down', lab, '--backend', backend])]);
    expect(downs.map((d) => d.code)).toEqual([0, 0]);
    expect(await labExists(backend, lab)).toBe(false);
  }, 120_000);

  it('SIGTERM at any moment of run: exit 130, and nothing left', async () => {
    // From the moment bin/testbed.js runs (Node itself takes some 50 ms to start, before any handler can be).
    for (const delayMs of [80, 150, 400, 900, 1500]) {
      const lab = labFor(`${backend}-term${delayMs}`);
      labs.push(lab);
      // Its steps, then a wait: still running at the last moment, however fast the steps get.
      const started = performance.now();
      const { code } = await runAndTerminate(['test/fixtures/two-host-then-wait.ts', '--backend', backend, '--name', lab], delayMs);
      expect(code, `SIGTERM after ${delayMs} ms`).toBe(130);
      // Not after the 30 s wait: a pause ends at the signal.
      expect(performance.now() - started, `SIGTERM after ${delayMs} ms`).toBeLessThan(20_000);
      expect(await labExists(backend, lab), `lab left after SIGTERM at ${delayMs} ms`).toBe(false);
    }
  }, 180_000);
});

describe('a reader that goes away', () => {
  it('testbed plan | head ends quietly', async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn('sh', ['-c', `node ${bin} plan scenarios/bgp-mesh.ts | head -n 1 >/dev/null; echo "\${PIPESTATUS:-}"`], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
