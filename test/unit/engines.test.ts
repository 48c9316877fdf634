import { createHmac, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, engineUrls, ENGINES_VARIABLE, matchesHost } from '../../src/backends/swarm/engines.js';
import { UsageError } from '../../src/errors.js';

const saved = process.env[ENGINES_VARIABLE];
afterEach(() => {
  if (saved === undefined) delete process.env[ENGINES_VARIABLE];
  else process.env[ENGINES_VARIABLE] = saved;
});

describe('engines', () => {
  it('come from --engine, else from TESTBED_ENGINES, once each', () => {
    process.env[ENGINES_VARIABLE] = 'tcp://10.0.0.1:2375, ssh://root@10.0.0.2';
    expect(engineUrls(undefined)).toEqual(['tcp://10.0.0.1:2375', 'ssh://root@10.0.0.2']);
    expect(engineUrls(['unix:///var/run/docker.sock', 'unix:///var/run/docker.sock'])).toEqual([
      'unix:///var/run/docker.sock',
    ]);
    delete process.env[ENGINES_VARIABLE];
    expect(() => engineUrls([])).toThrow(UsageError);
  });

  it("are URLs of three kinds; the address other engines reach is the URL's host", () => {
    expect(connect('tcp://10.0.0.1:2375', 0).address).toBe('10.0.0.1');
    expect(connect('ssh://root@10.0.0.2', 1).address).toBe('10.0.0.2');
    expect(connect('unix:///var/run/docker.sock', 2).address).toBeUndefined();
    expect(() => connect('http://10.0.0.1', 0)).toThrow('use unix://, tcp:// or ssh://');
    expect(() => connect('not a url', 0)).toThrow('is not a URL');
  });

  it('a unix:// engine uses its own socket even when DOCKER_HOST names another engine', () => {
    const savedHost = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'tcp://10.0.0.9:2375';
    try {
      const modem = (
        connect('unix:///run/other.sock', 0).docker as unknown as { modem: { socketPath?: string; host?: string } }
      ).modem;
      expect(modem.socketPath).toBe('/run/other.sock');
      expect(modem.host).toBeUndefined();
    } finally {
      if (savedHost === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = savedHost;
    }
  });

  it('match known_hosts entries, plain and hashed, with and without a port', () => {
    expect(matchesHost('10.0.0.2', '10.0.0.2')).toBe(true);
    expect(matchesHost('10.0.0.3', '10.0.0.2')).toBe(false);
    const salt = randomBytes(20);
    const hashed = (name: string) =>
      `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
    expect(matchesHost(hashed('10.0.0.2'), '10.0.0.2')).toBe(true);
    expect(matchesHost(hashed('[10.0.0.2]:2222'), '[10.0.0.2]:2222')).toBe(true);
    expect(matchesHost(hashed('10.0.0.2'), '10.0.0.9')).toBe(false);
  });
});
