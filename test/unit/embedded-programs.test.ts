import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../../src/', import.meta.url));
const programs = readdirSync(src, { recursive: true, encoding: 'utf8' })
  .filter((path) => /\.(pl|sh)$/.test(path))
  .sort();
const checker = (path: string) => (path.endsWith('.pl') ? ['perl', '-c'] : ['sh', '-n']);

describe('programs shipped in src/ (run by testbed on hosts)', () => {
  it('include the ICMP prober, so that this check is not vacuous', () => {
    expect(programs).toContain(join('net', 'icmp-prober.pl'));
  });

  it.each(programs)('%s parses', (path) => {
    const [program, flag] = checker(path);
    const result = spawnSync(program!, [flag!, join(src, path)], { encoding: 'utf8' });
    expect(result.error).toBeUndefined();
    expect(result.status, result.stderr).toBe(0);
  });
});
