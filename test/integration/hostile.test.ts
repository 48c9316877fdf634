import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/report/json.js';
import { abilityOf, LOCAL_BACKENDS, needs } from '../support/abilities.js';
import { cli, labExists, labFor, removeLabs } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'testbed-hostile-'));
const labs: string[] = [];
afterAll(async () => {
  await removeLabs(...labs);
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Text that would run `touch <marker>` (relative: a file name cannot hold a slash) if any shell,
 * heredoc or `ip -batch` line took it as code.
 */
function payload(marker: string): string {
  const touch = `touch ${marker}`;
  return `"'; ${touch}; $(${touch}-dollar) \`${touch}-tick\` \nEOF\n${touch}-eof\nEOF`;
}

/** The markers any payload left behind, where testbed and its shells run: none, when every user string stayed data. */
const markers = () =>
  [...readdirSync('.'), ...readdirSync(dir), ...readdirSync('/')].filter((f) => f.startsWith('marker'));

for (const backend of LOCAL_BACKENDS)
  describe(`user strings stay data on ${backend}`, await needs(abilityOf(backend)), () => {
    it('a scenario file name, description and step names full of shell and ip syntax run nothing', async () => {
      const lab = labFor(`${backend}-inject`);
      labs.push(lab);
      const name = `x${payload('marker-file')}.ts`;
      const file = join(dir, name);
      const text = JSON.stringify(payload('marker-text'));
      writeFileSync(
        file,
        `export default {
        name: '${lab}',
        description: ${JSON.stringify(payload('marker-description').replace(/\n/g, ' '))},
        segments: [{ name: 'ens192', subnet: '192.168.1.0/24' }],
        hosts: [
          { name: 'host0', address: '192.168.1.32', workloads: [{ name: 'ns0', address: '10.20.1.2' }] },
          { name: 'host1', address: '192.168.1.16', workloads: [{ name: 'ns1', address: '10.20.1.3' }] },
        ],
        routing: 'bgp',
        bgp: { extraConfig: ${text} ? '# ' + ${text}.replace(/\\n/g, '\\n# ') : '' },
        steps: [
          { name: ${JSON.stringify(payload('marker-step').replace(/\n/g, ' '))}, bgp: {} },
          { ping: { from: 'ns0', to: 'ns1', count: 1 }, expect: { ttl: 62 } },
          { wait: { node: 'ns0', command: ['echo', ${text}] } },
        ],
      };\n`,
      );
      const junit = join(dir, 'report.xml');
      const up = await cli(['up', file, '--backend', backend]);
      expect(up.code).toBe(0);
      const ls = JSON.parse((await cli(['ls', '--json', '--backend', backend])).stdout) as {
        lab: string;
        scenario?: string;
      }[];
      // netns keeps the file's name in a 255-byte label: its first 32 characters, as data.
      const shown = ls.find((l) => l.lab === lab)?.scenario ?? '';
      expect(backend === 'netns' ? name.startsWith(shown) && shown.length >= 32 : shown === name).toBe(true);
      // Inside the hosts too (on docker they have a file system of their own).
      for (const node of ['host0', 'host1']) {
        const inside = await cli(['exec', lab, node, '--', 'sh', '-c', 'ls -a / /root /tmp .']);
        expect(inside.stdout).not.toContain('marker');
      }
      expect((await cli(['down', lab])).code).toBe(0);

      const run = await cli(['run', file, '--backend', backend, '--json', '--junit', junit]);
      expect(run.stderr).not.toContain('internal error');
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as JsonReport;
      expect(report.runs[0]!.scenario.file).toBe(file);
      expect(report.runs[0]!.steps[2]!.metrics.output).toBe(payload('marker-text'));
      expect(readFileSync(junit, 'utf8')).toContain('<testsuite name="' + lab + '"');
      expect(markers()).toEqual([]);
      expect(await labExists(backend, lab)).toBe(false);
    }, 120_000);
  });

describe('user strings that cannot be data are refused at load time', () => {
  it('a NUL in a command or control characters in a name: exit 2, one line each, nothing run', async () => {
    const file = join(dir, 'nul.ts');
    writeFileSync(
      file,
      `export default { name: 'nul', segments: [{ name: 'ens192', subnet: '192.168.1.0/24' }],
        hosts: [{ name: 'host0', address: '192.168.1.32' }],
        steps: [{ name: 'a\\nb', wait: { seconds: 0 } }, { wait: { node: 'host0', command: ['echo', 'a\\u0000b'] } }] };\n`,
    );
    const result = await cli(['run', file, '--backend', 'netns']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      `testbed: ${file}: steps[0].name: may not contain control characters (newlines, tabs, NUL)`,
      `testbed: ${file}: steps[1].wait.command[1]: may not contain a NUL character`,
    ]);
  });

  it('--name with shell syntax is refused before anything is made', async () => {
    const result = await cli(['up', 'scenarios/two-host.ts', '--name', 'x$(touch marker-name)']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--name "x$(touch marker-name)" must be lower-case letters');
    expect(markers()).toEqual([]);
    expect(existsSync(join(dir, 'marker-name'))).toBe(false);
  });
});
