import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, labFor, namespacesOf } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'testbed-bad-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lab = labFor('bad');

/** Writes a two-host scenario with `edit` applied to its source text. */
function scenarioFile(tag: string, edit: (source: string) => string): string {
  const source = `import { defineScenario } from 'testbed';
export default defineScenario({
  name: '${lab}',
  segments: [{ name: 'ens192', subnet: '192.168.1.0/24' }],
  hosts: [
    { name: 'host0', address: '192.168.1.32', workloads: [{ name: 'ns0', address: '10.20.1.2' }] },
    { name: 'host1', address: '192.168.1.16', workloads: [{ name: 'ns1', address: '10.20.1.3' }] },
  ],
  steps: [{ ping: { from: 'ns0', to: 'ns1' }, expect: { ttl: 62 } }],
});
`;
  const edited = edit(source);
  if (edited === source) throw new Error(`fixture ${tag} did not change the scenario`);
  const file = join(dir, `${tag}.ts`);
  writeFileSync(file, edited);
  return file;
}

const cases: [string, (s: string) => string, string][] = [
  [
    'duplicate-address',
    (s) => s.replace("'10.20.1.3'", "'10.20.1.2'"),
    'hosts[1].workloads[0].address: duplicate address 10.20.1.2',
  ],
  ['unknown-node', (s) => s.replace("to: 'ns1'", "to: 'ns7'"), 'steps[0].ping.to: unknown node "ns7"'],
  [
    'ipv6-target-in-ipv4-lab',
    (s) => s.replace("to: 'ns1'", "to: 'fd00:10:20:1::3'"),
    'steps[0].ping.to: fd00:10:20:1::3 is an IPv6 address, and no node of this lab has IPv6 (give hosts and workloads address6)',
  ],
  [
    'outside-segment',
    (s) => s.replace("'192.168.1.16'", "'192.168.7.16'"),
    'hosts[1].address: 192.168.7.16 is outside segment ens192',
  ],
  ['bad-cidr', (s) => s.replace("'192.168.1.0/24'", "'192.168.1.0/40'"), 'segments[0].subnet: is not an IPv4 CIDR'],
  [
    'long-name',
    (s) =>
      s
        .replace("name: 'ens192'", "name: 'ens192-far-too-long'")
        .replaceAll("address: '192.168.1", "segment: 'ens192-far-too-long', address: '192.168.1"),
    'segments[0].name: is longer than 15 characters, the limit for a Linux interface name',
  ],
];

describe('bad input', () => {
  it.each(cases)('%s: exit 2 naming file, field and reason; nothing created', async (tag, edit, message) => {
    const file = scenarioFile(tag, edit);
    const result = await cli(['run', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}: ${message}`);
    expect(namespacesOf(lab)).toEqual([]);
  });

  it('a missing file: exit 2, nothing created', async () => {
    const result = await cli(['run', join(dir, 'missing.ts')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`testbed: ${join(dir, 'missing.ts')}: file not found\n`);
  });

  it('validates every file before building any lab', async () => {
    const bad = scenarioFile('late-bad', (s) => s.replace("to: 'ns1'", "to: 'nsX'"));
    const result = await cli(['run', 'scenarios/two-host.ts', bad]);
    expect(result.code).toBe(2);
    expect(result.stdout).not.toContain('creating');
  });

  it('no Docker daemon: exit 3 at once, saying what to do, nothing created', async () => {
    // A run that waits for the daemon instead is stopped at this deadline, and its stderr says so.
    const result = await cli(['run', 'scenarios/two-host.ts', '--backend', 'docker', '--name', lab], {
      env: { DOCKER_HOST: `unix://${join(dir, 'no-docker.sock')}` },
      deadlineMs: 30_000,
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      `testbed: no Docker daemon answers at unix://${join(dir, 'no-docker.sock')}: start it (dockerd, or Docker Desktop) or set DOCKER_HOST\n`,
    );
  });

  it('usage errors exit 2', async () => {
    expect((await cli(['run'])).code).toBe(2);
    expect((await cli(['down'])).code).toBe(2);
    expect((await cli(['run', 'scenarios/two-host.ts', '--name', 'Bad.Name'])).code).toBe(2);
  });
});
