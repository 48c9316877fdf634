import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/report/json.js';
import { runChecked } from '../../src/util/process.js';
import { abilityOf, LOCAL_BACKENDS, needs } from '../support/abilities.js';
import { cli, labExists, labFor, removeLabs } from './helpers.js';

const labs: string[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'testbed-suite-'));

afterAll(async () => {
  await removeLabs(...labs);
  rmSync(tmp, { recursive: true, force: true });
});

const bin = new URL('../../bin/testbed.js', import.meta.url).pathname;
const reportOf = (stdout: string) => JSON.parse(stdout) as JsonReport;

/** One file of a .tar.gz, read back with tar itself. */
async function fileIn(archive: string, path: string): Promise<string> {
  return runChecked('reading the archive', 'tar', ['-xzOf', archive, path]);
}

describe('run --list: the steps without a lab', () => {
  it('numbers every step with its kind, marks what --test leaves out, and builds nothing (no root needed)', async () => {
    const result = await cli(['run', '--list', 'scenarios/faults.ts', '--test', 'delay shows*']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('faults (scenarios/faults.ts): 17 steps, 4 of them chosen');
    expect(lines[1]).toBe('   1  bgp       BGP converged on every host');
    expect(lines[3]).toBe('   3  netem     netem on host1: delay 50 ms');
    expect(lines[4]).toBe('   4  ping      delay shows in the rtt');
    expect(lines[2]).toBe('   2  ping      baseline: ns0 -> ns1 fast  (not run: not selected by --test)');
  });

  it.each([
    [['--retry', 'abc'], '--retry abc: give a whole number from 0 to 10'],
    [['--retry', '1e1'], '--retry 1e1: give a whole number from 0 to 10'],
    [['--retry', '1', '--retry', '2'], '--retry is given 2 times: give it once'],
    [['--retry'], 'Not enough arguments following: retry'],
    [
      ['--collect-on-failure', '/proc/testbed-nowhere'],
      '--collect-on-failure /proc/testbed-nowhere: cannot write there',
    ],
    [['--collect-on-failure', 'package.json/x'], '--collect-on-failure package.json/x: cannot write there'],
  ])('%j is refused with exit 2 before anything is built', async (options, message) => {
    const result = await cli(['run', 'scenarios/two-host.ts', ...options], { deadlineMs: 30_000 });
    expect(result.stderr).toContain(message);
    expect(result.code).toBe(2);
  });

  it('a pattern that names no step is a usage error naming it', async () => {
    const result = await cli(['run', 'scenarios/two-host.ts', '--test', 'pnig', '--test', '!nothing']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--test "pnig", "!nothing" names no step of scenarios/two-host.ts');
  });
});

describe('--test across scenario files', await needs('netns'), () => {
  it('a scenario none of whose steps is chosen is reported, every step skipped, and not built', async () => {
    labs.push('two-host');
    const result = await cli([
      'run',
      'scenarios/two-host.ts',
      'scenarios/faults.ts',
      '--backend',
      'netns',
      '--test',
      'ns0 reaches ns1 across*',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const [built, leftOut] = reportOf(result.stdout).runs;
    expect(built).toMatchObject({ lab: 'two-host', passed: true });
    expect(leftOut).toMatchObject({ lab: 'faults', leftOut: true, passed: true });
    expect(leftOut!.steps.every((s) => s.skipped && s.skipReason === 'not selected by --test')).toBe(true);
    expect(result.stderr).toContain('faults (scenarios/faults.ts): not built: none of its 17 steps is chosen');
    expect(await labExists('netns', 'faults')).toBe(false);
  });
});

for (const backend of LOCAL_BACKENDS)
  describe(`suite features on ${backend}`, await needs(abilityOf(backend)), () => {
    const lab = (tag: string) => {
      const name = labFor(`${backend}-${tag}`);
      labs.push(name);
      return name;
    };
    /** The two-host lab whose expectations are wrong (ttl 61; a route never added), named `name`. */
    const runFailing = (name: string, ...more: string[]) =>
      cli(['run', 'test/fixtures/ttl61.ts', '--backend', backend, '--name', name, ...more]);

    it('--test runs what it names, reports the rest skipped with the reason; --retry keeps every run of a failed check', async () => {
      const name = lab('select');
      const result = await runFailing(name, '--test', 'ns0*', '--retry', '1', '--json');
      expect(result.code).toBe(1);
      const [failed, notChosen] = reportOf(result.stdout).runs[0]!.steps;
      expect(failed).toMatchObject({ passed: false, metrics: { ttl: 62 } });
      expect(failed!.earlierRuns).toHaveLength(1);
      expect(failed!.earlierRuns![0]!.metrics.ttl).toBe(62);
      expect(notChosen).toMatchObject({ skipped: true, skipReason: 'not selected by --test' });
      expect(result.stderr).toMatch(/\[1\/2\] ns0 to ns1 expecting ttl 61\n {2}FAIL 1\/2 .*retry 1 of 1 follows/);
      expect(result.stderr).toContain('1/1 steps failed (1 skipped):\n  ttl61 step 1: ns0 to ns1 expecting ttl 61');
      expect(await labExists(backend, name)).toBe(false);
    });

    it("--collect-on-failure archives the failed lab's state before teardown, and the reports name it", async () => {
      const name = lab('collect');
      const folder = join(tmp, `${name}-evidence`);
      const summary = join(tmp, `${name}.md`);
      const result = await runFailing(name, '--collect-on-failure', folder, '--summary', summary, '--json');
      expect(result.code).toBe(1);
      const archive = reportOf(result.stdout).runs[0]!.evidence!;
      expect(archive).toMatch(new RegExp(`^${folder}/${name}-\\d{8}-\\d{6}\\.\\d{3}\\.tar\\.gz$`));
      expect(result.stderr).toContain(`the lab's state at the failure: ${archive}`);
      expect(readFileSync(summary, 'utf8')).toContain(archive);
      // What the lab held when it failed, read back from the archive.
      expect(await fileIn(archive, './lab/host0/ip-route.txt')).toMatch(
        /^10\.20\.1\.3 via 192\.168\.1\.16 dev ens192/m,
      );
      expect(await fileIn(archive, './lab/ns0/ip-neigh.txt')).toMatch(
        /^169\.254\.1\.1 dev eth0 lladdr ee:ee:ee:ee:ee:ee/m,
      );
      expect(await fileIn(archive, './lab/host0/sysctl.txt')).toMatch(/^net\.ipv4\.ip_forward = 1$/m);
      expect(await fileIn(archive, './scenario/ttl61.ts')).toContain("name: 'ttl61'");
      const run = JSON.parse(await fileIn(archive, './run.json')) as { lab: string; steps: { passed: boolean }[] };
      expect(run).toMatchObject({ lab: name, steps: [{ passed: false }, { passed: false }] });
      if (backend === 'docker') expect(await fileIn(archive, './lab/firewall-rules.txt')).toContain(`testbed:${name}`);
      expect(await labExists(backend, name)).toBe(false);
    });

    it('--pause-on-fail keeps the failed lab for a look until Enter, then removes it and ends the run', async () => {
      const name = lab('pause');
      let looked: { code: number | null; stdout: string } | undefined;
      let answered = false;
      const result = await cli(
        ['run', 'test/fixtures/ttl61.ts', '--backend', backend, '--name', name, '--pause-on-fail'],
        {
          typing: true,
          onStdout: (text, _pid, type) => {
            if (answered || !text.includes('press Enter to remove the lab')) return;
            answered = true;
            // Look as the printed line says, from another process, while the run waits.
            const line = /testbed exec (\S+) ns0 -- ip neigh/.exec(text)!;
            void cli(['exec', line[1]!, 'ns0', '--', 'ip', 'neigh'])
              .then((r) => (looked = r))
              .finally(() => type('\n'));
          },
        },
      );
      expect(looked?.code).toBe(0);
      expect(looked?.stdout).toMatch(/^169\.254\.1\.1 dev eth0 lladdr ee:ee:ee:ee:ee:ee/m);
      expect(result.stdout).toContain(`testbed trace test/fixtures/ttl61.ts ns0 ns1 --name ${name}`);
      expect(result.stdout).toContain('SKIP 2/2 a route nobody adds, waited for  (the run stopped after step 1 failed');
      expect(result.code).toBe(1);
      expect(await labExists(backend, name)).toBe(false);
    });

    it('a reader that goes away mid-run (| head) stops the run as Ctrl-C does: the lab is removed', async () => {
      const name = lab('epipe');
      const child = spawn(
        process.execPath,
        [bin, 'run', 'scenarios/two-host.ts', '--backend', backend, '--name', name],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      // The first line read, the reader goes, as head -1 would.
      child.stdout.once('data', () => child.stdout.destroy());
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(stderr).toContain('interrupted by SIGTERM');
      expect(code).toBe(130);
      expect(await labExists(backend, name)).toBe(false);
    });

    it('check runs the checks of a lab that up left running, and leaves it running', async () => {
      const name = lab('check');
      expect((await cli(['up', 'scenarios/two-host.ts', '--backend', backend, '--name', name])).code).toBe(0);
      const result = await cli(['check', 'scenarios/two-host.ts', '--lab', name, '--json']);
      expect(result.code).toBe(0);
      const [run] = reportOf(result.stdout).runs;
      expect(run).toMatchObject({ lab: name, backend, attached: true, passed: true });
      expect(run!.steps.filter((s) => s.kind === 'ping').map((s) => s.metrics.ttl)).toEqual([62, 62]);
      expect(result.stderr).toContain(`lab ${name} left running`);
      expect(await labExists(backend, name)).toBe(true);
      // A check that fails says so by its exit code; the lab still stands.
      const wrong = await cli(['check', 'test/fixtures/ttl61.ts', '--lab', name, '--test', '1']);
      expect(wrong.code).toBe(1);
      expect(wrong.stdout).toContain(
        `lab ${name} was built from two-host.ts; checking it against test/fixtures/ttl61.ts`,
      );
      expect(await labExists(backend, name)).toBe(true);
      expect((await cli(['down', name])).code).toBe(0);
      const gone = await cli(['check', 'scenarios/two-host.ts', '--lab', name]);
      expect(gone.code).toBe(2);
      expect(gone.stderr).toContain(`no lab named "${name}" is running`);
    });
  });
