import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { execCapture } from '../../src/backends/docker/exec.js';
import { waitFor } from '../support/wait.js';

/**
 * An Engine API that creates execs but refuses to start them, as dockerd does once the container
 * has stopped in between (another `down` killed it), and keeps the connection open as dockerd
 * does while the client's chunked request body is unfinished.
 */
function refusingEngine(): Promise<{ docker: Docker; sockets: Socket[]; server: Server; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'testbed-engine-'));
  const sockets: Socket[] = [];
  const server = createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    if (req.method === 'POST' && /\/containers\/c1\/exec$/.test(req.url!)) {
      req.resume();
      req.on('end', () => res.writeHead(201).end(JSON.stringify({ Id: 'e1' })));
    } else if (req.method === 'POST' && /\/exec\/e1\/start$/.test(req.url!)) {
      res.writeHead(409).end(JSON.stringify({ message: 'Container c1 is not running' }));
    } else {
      res.writeHead(404).end(JSON.stringify({ message: 'not here' }));
    }
  });
  // The engine's own end must not count as something keeping this process alive.
  server.on('connection', (socket) => sockets.push(socket.unref()));
  const socketPath = join(dir, 'docker.sock');
  return new Promise((resolve) =>
    server.listen(socketPath, () =>
      resolve({ docker: new Docker({ socketPath }), sockets, server: server.unref(), dir }),
    ),
  );
}

/** Unix sockets that keep this process alive (idle keep-alive sockets do not). */
const openPipes = () => process.getActiveResourcesInfo().filter((r) => r.startsWith('Pipe')).length;

describe('docker exec', () => {
  let cleanup: () => void = () => {};
  afterEach(() => cleanup());

  it.each([
    ['with input', { input: 'link set dev x down\n' }],
    ['without input', {}],
  ])(
    'a start Docker refuses rejects and closes its connection (%s), so nothing keeps the process alive',
    async (_, options) => {
      const before = openPipes();
      const engine = await refusingEngine();
      cleanup = () => {
        for (const s of engine.sockets) s.destroy();
        engine.server.close();
        rmSync(engine.dir, { recursive: true, force: true });
      };
      await expect(execCapture(engine.docker.getContainer('c1'), ['ip', '-batch', '-'], options)).rejects.toMatchObject(
        { statusCode: 409 },
      );
      // Closing is asynchronous: wait for it, with a deadline, rather than for a guessed while.
      await waitFor('the connection to close', () => openPipes() === before, 10_000);
    },
  );
});
