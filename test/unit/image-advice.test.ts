import { describe, expect, it } from 'vitest';
import { HOST_IMAGE } from '../../src/backends/docker/image.js';
import { imageBuildAdvice } from '../../src/backends/docker/image-build.js';
import { MACHINE_IMAGE } from '../../src/backends/swarm/machines.js';

const user = { root: false, debootstrap: false };
const rootWithDebootstrap = { root: true, debootstrap: true };
const rootWithout = { root: true, debootstrap: false };

describe('what a failed image build tells the user to do', () => {
  it('a normal user whose Dockerfile build failed (no registry): the offline build needs root, with the sudo command', () => {
    expect(imageBuildAdvice(HOST_IMAGE, 'docker', user)).toBe(
      'the Dockerfile build pulls debian:bookworm-slim from a registry; without one the host image is built offline ' +
        'with debootstrap, which needs root: run sudo testbed image build once',
    );
    // The machine image has no image command: `machines up` builds it, as root offline.
    expect(imageBuildAdvice(MACHINE_IMAGE, 'docker', user)).toBe(
      'the Dockerfile build pulls debian:bookworm-slim from a registry; without one the machine image is built offline ' +
        'with debootstrap, which needs root: run sudo testbed machines up once',
    );
  });

  it('a normal user asking for the offline build: sudo, or the Dockerfile build where a registry is reachable', () => {
    expect(imageBuildAdvice(HOST_IMAGE, 'offline', user)).toBe(
      'run sudo testbed image build --method offline, or, where a registry is reachable, ' +
        'testbed image build --method docker (the Dockerfile build needs no root)',
    );
  });

  it('root without debootstrap: install it, then build offline', () => {
    expect(imageBuildAdvice(HOST_IMAGE, 'docker', rootWithout)).toBe(
      'the Dockerfile build pulls debian:bookworm-slim from a registry; without one the host image is built offline ' +
        'with debootstrap: install it (sh scripts/install-deps.sh --docker), then run testbed image build --method offline',
    );
    expect(imageBuildAdvice(MACHINE_IMAGE, 'docker', rootWithout)).toMatch(
      /install it .*, then run testbed machines up$/,
    );
  });

  it('root with debootstrap: the offline method where the command takes one, nothing to add where it does not', () => {
    expect(imageBuildAdvice(HOST_IMAGE, 'docker', rootWithDebootstrap)).toBe(
      'try: testbed image build --method offline',
    );
    expect(imageBuildAdvice(MACHINE_IMAGE, 'docker', rootWithDebootstrap)).toBeUndefined();
    // Root's offline build failed in debootstrap itself: its own error says why.
    expect(imageBuildAdvice(HOST_IMAGE, 'offline', rootWithDebootstrap)).toBeUndefined();
  });

  it('names commands and methods the CLI has', async () => {
    const { imageBuildCommand } = await import('../../src/cli/commands/image.js');
    const { machinesCommand } = await import('../../src/cli/commands/machines.js');
    const { dockerImageBuilder } = await import('../../src/backends/docker/image.js');
    expect(imageBuildCommand.command).toBe('image <action>');
    expect(dockerImageBuilder.methods).toEqual(expect.arrayContaining(['docker', 'offline']));
    expect(machinesCommand.command).toBe('machines <action> [count]');
  });
});
