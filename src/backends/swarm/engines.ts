import { createHash, createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { InfraError, UsageError } from '../../errors.js';

/** Where testbed keeps what simulated machines need: their SSH key and their host keys. */
export const TESTBED_HOME = join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'testbed');
export const MACHINE_KEY = join(TESTBED_HOME, 'machines', 'id_ed25519');
export const TESTBED_KNOWN_HOSTS = join(TESTBED_HOME, 'known_hosts');

/** The environment variable that lists engines when no --engine is given. */
export const ENGINES_VARIABLE = 'TESTBED_ENGINES';

/** One Docker engine of a lab, as a URL says and a client reaches it. */
export interface Engine {
  url: string;
  index: number;
  docker: Docker;
  /** The engine's address as other engines reach it (for the Swarm), where the URL names one. */
  address?: string;
}

/** The engines to use: the --engine flags, else TESTBED_ENGINES (comma or space separated). */
export function engineUrls(flags: unknown): string[] {
  const given = [flags].flat().filter((v): v is string => typeof v === 'string' && v.length > 0);
  const urls = given.length > 0 ? given : (process.env[ENGINES_VARIABLE] ?? '').split(/[\s,]+/).filter(Boolean);
  if (urls.length === 0) {
    throw new UsageError(
      `the swarm backend needs Docker engines: --engine URL (repeat it), or ${ENGINES_VARIABLE}="URL URL"; ` +
        'for simulated machines on this one: testbed machines up 2',
    );
  }
  return [...new Set(urls)];
}

/** A client for an engine URL (unix://, tcp://, ssh://user@host[:port]); ssh checks the host key. */
export function connect(url: string, index: number): Engine {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(
      `engine "${url}" is not a URL such as unix:///var/run/docker.sock, tcp://10.0.0.5:2375 or ssh://root@10.0.0.5`,
    );
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  switch (parsed.protocol) {
    case 'unix:':
      // host: undefined, or docker-modem takes DOCKER_HOST's host over the socket asked for.
      return {
        url,
        index,
        docker: new Docker({ socketPath: parsed.pathname || '/var/run/docker.sock', host: undefined }),
      };
    case 'tcp:':
      return {
        url,
        index,
        address: host,
        docker: new Docker({ host, port: Number(parsed.port || 2375), protocol: 'http' }),
      };
    case 'ssh:': {
      const port = Number(parsed.port || 22);
      const docker = new Docker({
        protocol: 'ssh',
        host,
        port,
        username: decodeURIComponent(parsed.username || 'root'),
        sshOptions: {
          ...(process.env.SSH_AUTH_SOCK ? { agent: process.env.SSH_AUTH_SOCK } : {}),
          ...privateKey(),
          hostVerifier: (key: Buffer) => checkHostKey(url, host, port, key),
        },
      });
      return { url, index, address: host, docker };
    }
    default:
      throw new UsageError(`engine "${url}": use unix://, tcp:// or ssh://`);
  }
}

/** The first private key found: testbed's machines key, then the user's usual ones. */
function privateKey(): { privateKey?: Buffer } {
  const home = homedir();
  for (const file of [
    MACHINE_KEY,
    join(home, '.ssh', 'id_ed25519'),
    join(home, '.ssh', 'id_ecdsa'),
    join(home, '.ssh', 'id_rsa'),
  ]) {
    if (existsSync(file)) return { privateKey: readFileSync(file) };
  }
  return {};
}

/** Host keys that were offered and refused, by engine URL: for the message that says how to accept them. */
const refusedKeys = new Map<string, string>();

/** Whether `key` is known for host[:port] in ~/.ssh/known_hosts or testbed's own known_hosts (plain and hashed entries). */
function checkHostKey(url: string, host: string, port: number, key: Buffer): boolean {
  const name = port === 22 ? host : `[${host}]:${port}`;
  const wanted = key.toString('base64');
  for (const file of [join(homedir(), '.ssh', 'known_hosts'), TESTBED_KNOWN_HOSTS]) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [hosts, , base64] = line.trim().split(/\s+/);
      if (!hosts || !base64 || hosts.startsWith('#') || base64 !== wanted) continue;
      if (hosts.split(',').some((pattern) => matchesHost(pattern, name))) return true;
    }
  }
  refusedKeys.set(url, `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`);
  return false;
}

/** Whether a known_hosts host pattern (plain, or hashed as `|1|salt|hash`) names `name`. */
export function matchesHost(pattern: string, name: string): boolean {
  if (!pattern.startsWith('|1|')) return pattern === name;
  const [salt, hash] = pattern.slice(3).split('|');
  if (!salt || !hash) return false;
  return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
}

/** Checks that every engine answers; one line per engine that does not, naming it and the reason. */
export async function checkEngines(engines: Engine[]): Promise<void> {
  const problems = await Promise.all(
    engines.map(async (engine) => {
      try {
        await withTimeout(engine.docker.ping(), 15_000);
        return undefined;
      } catch (error) {
        return `engine ${engine.url}: ${explainEngineError(engine, error)}`;
      }
    }),
  );
  const lines = problems.filter((p): p is string => p !== undefined);
  if (lines.length > 0) throw new InfraError(lines.join('\n'));
}

export function explainEngineError(engine: Engine, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const refused = refusedKeys.get(engine.url);
  if (refused) {
    const host = engine.address ?? '';
    const port = new URL(engine.url).port;
    return `its SSH host key (${refused}) is not in ~/.ssh/known_hosts; if it is the right machine, accept it with: ssh-keyscan -H ${port ? `-p ${port} ` : ''}${host} >> ~/.ssh/known_hosts`;
  }
  if (/All configured authentication methods failed/i.test(message))
    return 'SSH authentication failed (no key of the agent, ~/.ssh or testbed machines was accepted)';
  if (/ECONNREFUSED/.test(message)) return 'connection refused (is dockerd listening there?)';
  if (/ETIMEDOUT|timed out/i.test(message)) return 'no answer within 15 s';
  if (/ENOENT/.test(message)) return 'no Docker socket there';
  return message;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), ms);
    }),
  ]);
}

/** Whether engines are given at all (to look for swarm labs without asking for them). */
export function enginesConfigured(flags: unknown): boolean {
  return (
    [flags].flat().some((v) => typeof v === 'string' && v.length > 0) || Boolean(process.env[ENGINES_VARIABLE]?.trim())
  );
}
