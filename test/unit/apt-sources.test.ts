import { describe, expect, it } from 'vitest';
import { mainArchive } from '../../src/backends/docker/apt-sources.js';

describe('mainArchive', () => {
  it('reads a deb822 .sources file and skips update and security pockets', () => {
    const text = `Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
`;
    expect(mainArchive([{ name: '/etc/apt/sources.list.d/debian.sources', text }])).toEqual({
      uri: 'http://deb.debian.org/debian',
      suite: 'bookworm',
      components: ['main'],
    });
  });

  it('reads one-line sources with options and comments, taking every component (Ubuntu needs universe)', () => {
    const text = `# deb-src http://archive.ubuntu.com/ubuntu jammy main
deb [arch=amd64 signed-by=/k.gpg] http://archive.ubuntu.com/ubuntu jammy-updates main universe
deb [arch=amd64] http://archive.ubuntu.com/ubuntu jammy main restricted universe # release
`;
    expect(mainArchive([{ name: '/etc/apt/sources.list', text }])).toEqual({
      uri: 'http://archive.ubuntu.com/ubuntu',
      suite: 'jammy',
      components: ['main', 'restricted', 'universe'],
    });
  });

  it("prefers the distribution's archive over third-party repositories listed before it", () => {
    const files = [
      { name: 'docker.list', text: 'deb https://download.docker.com/linux/debian bookworm stable\n' },
      {
        name: 'z.sources',
        text: 'Types: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm\nComponents: main contrib\n',
      },
    ];
    expect(mainArchive(files)).toEqual({
      uri: 'http://mirror.example/debian/',
      suite: 'bookworm',
      components: ['main', 'contrib'],
    });
  });

  it('ignores disabled stanzas, deb-src, non-http archives and third-party flat repositories', () => {
    const files = [
      {
        name: 'a.sources',
        text: 'Enabled: no\nTypes: deb\nURIs: http://old.example/debian\nSuites: buster\nComponents: main\n',
      },
      {
        name: 'b.list',
        text: 'deb-src http://deb.debian.org/debian bookworm main\ndeb file:///srv/mirror bookworm main\n',
      },
      { name: 'c.list', text: 'deb https://deb.nodesource.com/node_20.x nodistro/ main\n' },
    ];
    expect(mainArchive(files)).toBeUndefined();
  });
});
