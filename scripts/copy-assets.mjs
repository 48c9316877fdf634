// Copies the programs that modules read beside themselves (src/**/*.pl, src/**/*.sh) to the same
// place under dist/: tsc emits only what it compiles.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

const assets = readdirSync('src', { recursive: true, encoding: 'utf8' }).filter((path) => /\.(pl|sh)$/.test(path));
for (const path of assets) {
  mkdirSync(dirname(join('dist', path)), { recursive: true });
  copyFileSync(join('src', path), join('dist', path));
}
