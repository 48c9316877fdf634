import { afterAll, describe, expect, it } from 'vitest';
import { fabricNamespace, nodeNamespace } from '../../src/backends/netns/names.js';
import { cli, ipJson, isRoot, labFor, namespacesOf, removeLabs, rootNamespaceState } from './helpers.js';

const upDown = labFor('updown');
const interrupted = labFor('sigint');

afterAll(() => removeLabs(upDown, interrupted));

interface Route {
  dst: string;
  gateway?: string;
  dev: string;
  scope?: string;
}

describe.skipIf(!isRoot)('up, exec, ls, down on netns', () => {
  it('builds a lab that exec, ls and the kernel agree on, and down removes it without touching the root namespace', async () => {
    const rootBefore = await rootNamespaceState();

    const up = await cli(['up', 'scenarios/two-host.ts', '--name', upDown]);
    expect(up.code).toBe(0);
    expect(up.stdout).toContain(`lab ${upDown} is up`);
    expect(namespacesOf(upDown).sort()).toEqual(
      [fabricNamespace(upDown), ...['host0', 'host1', 'ns0', 'ns1'].map((n) => nodeNamespace(upDown, n))].sort(),
    );

    // Read straight from the kernel, not through testbed.
    const ns0Routes = await ipJson<Route[]>(nodeNamespace(upDown, 'ns0'), 'route', 'show');
    expect(ns0Routes).toEqual([
      { dst: 'default', gateway: '169.254.1.1', dev: 'eth0', flags: [] },
      { dst: '169.254.1.1', dev: 'eth0', scope: 'link', flags: [] },
    ]);
    const host0Routes = await ipJson<Route[]>(nodeNamespace(upDown, 'host0'), 'route', 'show');
    const cali = host0Routes.find((r) => r.dst === '10.20.1.2')!;
    expect(cali).toMatchObject({ scope: 'link' });
    expect(cali.dev).toMatch(/^cali[0-9a-f]{11}$/);
    expect(host0Routes).toContainEqual({ dst: '10.20.1.3', gateway: '192.168.1.16', dev: 'ens192', flags: [] });
    const [caliLink] = await ipJson<{ address: string }[]>(nodeNamespace(upDown, 'host0'), 'link', 'show', cali.dev);
    expect(caliLink!.address).toBe('ee:ee:ee:ee:ee:ee');

    // exec shows the same, and passes exit codes through.
    const ns0 = await cli(['exec', upDown, 'ns0', '--', 'ip', 'route']);
    expect(ns0.code).toBe(0);
    expect(ns0.stdout).toBe('default via 169.254.1.1 dev eth0 \n169.254.1.1 dev eth0 scope link \n');
    const host0 = await cli(['exec', upDown, 'host0', '--', 'ip', 'route']);
    expect(host0.stdout).toContain(`10.20.1.2 dev ${cali.dev} scope link`);
    expect(host0.stdout).toContain('10.20.1.3 via 192.168.1.16 dev ens192');
    expect((await cli(['exec', upDown, 'host0', '--', 'sh', '-c', 'exit 7'])).code).toBe(7);
    const proxyArp = await cli(['exec', upDown, 'host0', '--', 'cat', `/proc/sys/net/ipv4/conf/${cali.dev}/proxy_arp`]);
    expect(proxyArp.stdout).toBe('1\n');
    const unknown = await cli(['exec', upDown, 'ns9', '--', 'true']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`lab "${upDown}" has no node "ns9"`);

    // A second lab of the same name is refused, and the first is left intact.
    const again = await cli(['up', 'scenarios/two-host.ts', '--name', upDown]);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain(`lab "${upDown}" already exists`);
    expect(namespacesOf(upDown)).toHaveLength(5);

    const ls = await cli(['ls', '--json']);
    const listed = (JSON.parse(ls.stdout) as { lab: string; nodes: string[]; scenario: string }[]).find((l) => l.lab === upDown);
    expect(listed).toMatchObject({ nodes: ['host0', 'host1', 'ns0', 'ns1'], scenario: 'two-host.ts' });

    expect(await rootNamespaceState()).toBe(rootBefore);

    const down = await cli(['down', upDown]);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain(`removed lab ${upDown}`);
    expect(namespacesOf(upDown)).toEqual([]);
    const downAgain = await cli(['down', upDown]);
    expect(downAgain.code).toBe(0);
    expect(downAgain.stdout).toContain('nothing to remove');
    expect(await rootNamespaceState()).toBe(rootBefore);
  });

  it('removes everything the run created on Ctrl-C (SIGINT)', async () => {
    let signalled = false;
    const result = await cli(['run', 'test/fixtures/long-ping.ts', '--name', interrupted], {
      onStdout: (text, pid) => {
        if (!signalled && text.includes('ready in')) {
          signalled = true;
          // Let the long ping start before interrupting.
          setTimeout(() => process.kill(pid, 'SIGINT'), 500);
        }
      },
    });
    expect(signalled).toBe(true);
    expect(result.code).toBe(130);
    expect(result.stdout).toContain('SIGINT: stopping and removing what this run created');
    expect(result.stdout).toContain(`removing lab ${interrupted}`);
    expect(namespacesOf(interrupted)).toEqual([]);
  });
});
