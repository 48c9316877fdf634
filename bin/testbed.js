#!/usr/bin/env node
import { existsSync } from 'node:fs';

// A signal before testbed handles signals itself (it has made nothing yet): exit as interrupted.
// This listener stays: removing it could drop a signal that is already on its way.
const handled = Symbol.for('testbed.handlesSignals');
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (!process[handled]) process.exit(130);
  });
}
// A reader that went away (`testbed plan FILE | head`) ends the output quietly. Where testbed
// has things to clean up (it handles signals: a lab may stand), it stops as on Ctrl-C instead,
// so that what it built is removed; the output it still writes goes nowhere.
let readerGone = false;
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  if (!process[handled]) process.exit(process.exitCode ?? 0);
  if (!readerGone) process.kill(process.pid, 'SIGTERM');
  readerGone = true;
});
const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('testbed: not built yet; run "npm ci" (or "npm run build") in the testbed folder\n');
  process.exit(3);
}
// docker-modem (dockerode) formats ssh:// engine addresses into URLs that Node 20 flags as invalid
// (DEP0170) while it uses them correctly: that one warning is noise for testbed's users.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.code !== 'DEP0170') process.stderr.write(`${warning.name}: ${warning.message}\n`);
});
const { main } = await import(entry.href);
// Node's start and the loading of testbed's modules, for the JSON report.
process.exitCode = await main(process.argv.slice(2), performance.now());
