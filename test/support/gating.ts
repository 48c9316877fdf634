/**
 * What a test group needs from the machine, and what becomes of it where the machine lacks it.
 * Pure, so that its rules have unit tests; test/support/abilities.ts feeds it the machine's facts.
 */

/** What a machine can offer the suite. */
export const ABILITIES = ['netns', 'docker', 'swarm', 'bird', 'browser'] as const;
export type Ability = (typeof ABILITIES)[number];

export const ABILITY_MEANING: Record<Ability, string> = {
  netns: 'root, and the programs the netns backend runs on the machine (iproute2, ping, perl, iperf3, tcpdump)',
  docker: 'a Docker daemon that answers',
  swarm: 'a Docker daemon that can run simulated machines (their image present, or root and debootstrap to build it)',
  bird: 'BIRD 2 (bird, birdc) on the machine, for BGP on the netns backend',
  browser: 'Chromium or Chrome, to open HTML reports in',
};

/**
 * The abilities `TESTBED_REQUIRE` names (comma-separated; `all` for every one). A name that is no
 * ability is an error, not a silent no-op: a typo must not make a required ability optional.
 */
export function parseRequired(value: string | undefined): Set<Ability> {
  const names = (value ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  if (names.includes('all')) return new Set(ABILITIES);
  const unknown = names.filter((n) => !(ABILITIES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new Error(
      `TESTBED_REQUIRE names ${unknown.map((n) => `"${n}"`).join(', ')}, which is no ability (abilities: ${ABILITIES.join(', ')}, or all)`,
    );
  }
  return new Set(names as Ability[]);
}

export type Verdict = { run: true } | { run: false; skip: string } | { run: false; fail: string };

/**
 * Whether a group that needs `needed` runs here: it runs where nothing is missing; a missing
 * ability that the machine is required to have fails the group, naming every one; otherwise the
 * group is skipped, with the reasons as its note.
 */
export function verdict(
  needed: readonly Ability[],
  missing: ReadonlyMap<Ability, string>,
  required: ReadonlySet<Ability>,
): Verdict {
  const lacking = [...new Set(needed)].filter((a) => missing.has(a));
  if (lacking.length === 0) return { run: true };
  const reasons = lacking.map((a) => `${a}: ${missing.get(a)}`).join('; ');
  const mustHave = lacking.filter((a) => required.has(a));
  if (mustHave.length > 0)
    return { run: false, fail: `TESTBED_REQUIRE names ${mustHave.join(', ')}, which this machine lacks (${reasons})` };
  return { run: false, skip: reasons };
}

/**
 * One line for the end of a run: the skipped tests counted by what they lacked, then each
 * reason once, e.g. "skipped: 9 swarm tests, 6 netns+bird tests (swarm: no engines; netns: not root; bird: …)".
 * A note that names no ability (a test's own ctx.skip) is counted under its own words.
 */
export function skipSummary(notes: readonly (string | undefined)[]): string | undefined {
  if (notes.length === 0) return undefined;
  const counts = new Map<string, number>();
  const reasons = new Map<string, string>();
  for (const note of notes) {
    const parts = (note ?? 'no reason given').split('; ').map((part) => part.match(/^(\w+): (.*)$/s));
    const lacking = parts.every((p) => p && (ABILITIES as readonly string[]).includes(p[1]!))
      ? parts.map((p) => p![1]!)
      : undefined;
    const key = lacking ? `${lacking.join('+')} tests` : `tests (${note ?? 'no reason given'})`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    for (const p of lacking ? parts : []) reasons.set(p![1]!, p![2]!);
  }
  const groups = [...counts].map(([key, n]) => `${n} ${n === 1 ? key.replace(/\btests\b/, 'test') : key}`);
  const why = [...reasons].map(([ability, reason]) => `${ability}: ${reason}`).join('; ');
  return `skipped: ${groups.join(', ')}${why ? ` (${why})` : ''}`;
}
