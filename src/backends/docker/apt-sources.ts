/** A Debian/Ubuntu archive as apt is configured to use it: where debootstrap fetches from. */
export interface AptArchive {
  uri: string;
  suite: string;
  components: string[];
}

/**
 * Pure: the machine's main archive from the text of its apt sources (one-line `.list` files and
 * deb822 `.sources` files): a `deb` entry over http(s) whose suite is a release, not an update or
 * security pocket such as bookworm-updates.
 */
export function mainArchive(files: { name: string; text: string }[]): AptArchive | undefined {
  const entries = files.flatMap((f) => (f.name.endsWith('.sources') ? deb822Entries(f.text) : oneLineEntries(f.text)));
  const releases = entries.filter(
    (e) => /^https?:\/\//.test(e.uri) && !e.suite.includes('-') && !e.suite.includes('/'),
  );
  // Third-party repositories (docker, nodesource) may come first; the distribution's own archive wins.
  return releases.find((e) => e.components.includes('main') && /\/(debian|ubuntu)\/?$/.test(e.uri)) ?? releases[0];
}

function oneLineEntries(text: string): AptArchive[] {
  return text.split('\n').flatMap((raw) => {
    const line = raw
      .replace(/#.*/, '')
      .replace(/\[[^\]]*\]/, '')
      .trim();
    const [type, uri, suite, ...components] = line.split(/\s+/);
    return type === 'deb' && uri && suite ? [{ uri, suite, components }] : [];
  });
}

function deb822Entries(text: string): AptArchive[] {
  return text.split(/\n\s*\n/).flatMap((stanza) => {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (m) fields.set(m[1]!.toLowerCase(), m[2]!.trim());
    }
    if (fields.get('enabled') === 'no' || !(fields.get('types') ?? '').split(/\s+/).includes('deb')) return [];
    const components = (fields.get('components') ?? '').split(/\s+/).filter(Boolean);
    const uris = (fields.get('uris') ?? '').split(/\s+/).filter(Boolean);
    const suites = (fields.get('suites') ?? '').split(/\s+/).filter(Boolean);
    return uris.flatMap((uri) => suites.map((suite) => ({ uri, suite, components })));
  });
}
