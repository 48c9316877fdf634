import { describe, expect, it } from 'vitest';
import { startLab } from 'testbed';
import { abilityOf, LOCAL_BACKENDS, needs } from '../support/abilities.js';
import { labExists, labFor } from './helpers.js';

for (const backend of LOCAL_BACKENDS)
  describe(`the library on ${backend}`, await needs(abilityOf(backend)), () => {
    it('starts a lab from a file, pings, checks any step, runs its steps, and `await using` removes it', async () => {
      const name = labFor(`${backend}-lib`);
      const progress: string[] = [];
      {
        await using lab = await startLab('scenarios/two-host.ts', { backend, name, progress: (m) => progress.push(m) });
        expect(lab.name).toBe(name);
        expect(progress).toContain('host0 ready');

        const ping = await lab.ping('ns0', 'ns1', { count: 1 });
        expect(ping).toMatchObject({ ttl: 62, received: 1 });

        const route = await lab.check({ route: { node: 'host0', to: '10.20.1.3', via: '192.168.1.16' } });
        expect(route.passed).toBe(true);
        await expect(lab.check({ ping: { from: 'ns9', to: 'ns1' } })).rejects.toThrow(
          'step.ping.from: unknown node "ns9"',
        );

        const exec = await lab.exec('ns1', ['ip', '-j', 'route', 'show', 'default']);
        expect(JSON.parse(exec.stdout)).toEqual([{ dst: 'default', gateway: '169.254.1.1', dev: 'eth0', flags: [] }]);

        const steps = await lab.run();
        expect(steps.map((s) => s.passed)).toEqual([true, true, true, true, true, true, true]);
        expect(await labExists(backend, name)).toBe(true);
      }
      expect(await labExists(backend, name)).toBe(false);
    }, 120_000);

    it('takes a scenario object, and stop() removes the lab', async () => {
      const name = labFor(`${backend}-libobj`);
      const lab = await startLab(
        {
          name: 'inline',
          segments: [{ name: 'ens192', subnet: '192.168.1.0/24' }],
          hosts: [
            {
              name: 'h0',
              address: '192.168.1.10',
              workloads: [
                { name: 'a', address: '10.20.9.2' },
                { name: 'b', address: '10.20.9.3' },
              ],
            },
          ],
        },
        { backend, name },
      );
      try {
        expect(await lab.ping('a', 'b', { count: 1 })).toMatchObject({ ttl: 63 });
      } finally {
        await lab.stop();
      }
      expect(await labExists(backend, name)).toBe(false);
    }, 120_000);
  });
