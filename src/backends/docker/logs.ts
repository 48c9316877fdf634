import type Docker from 'dockerode';

/**
 * A container's log, each line with its timestamp. Without a TTY (a host's container) Docker
 * frames the log by stream; the frames' payloads are kept in order, so stdout and stderr stay
 * interleaved as they were written.
 */
export async function containerLog(container: Docker.Container): Promise<string> {
  const [info, log] = await Promise.all([
    container.inspect(),
    container.logs({ stdout: true, stderr: true, timestamps: true, follow: false }),
  ]);
  return (info.Config.Tty ? log : unframe(log)).toString();
}

/** Pure: the payloads of Docker's multiplexed stream, each frame an 8-byte header (stream, 0, 0, 0, size as uint32 BE) and its bytes. */
export function unframe(stream: Buffer): Buffer {
  const payloads: Buffer[] = [];
  for (let at = 0; at + 8 <= stream.length; at += 8 + stream.readUInt32BE(at + 4))
    payloads.push(stream.subarray(at + 8, at + 8 + stream.readUInt32BE(at + 4)));
  return Buffer.concat(payloads);
}
