import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

export const CONSOLE_DIR = resolve(import.meta.dirname, '../console');
export const CONSOLE_DIST = join(CONSOLE_DIR, 'dist');
const ROOT = resolve(import.meta.dirname, '..');

/**
 * `npm run console:build`: the typed client from docs/openapi.json (so an API change breaks this build),
 * the console's own strict type check, then Vite's production build into console/dist.
 */
export const buildConsole = (outDir = CONSOLE_DIST) => {
  const bin = (name: string) => join(ROOT, 'node_modules/.bin', name);
  execFileSync(bin('openapi-typescript'), ['docs/openapi.json', '-o', 'console/src/api-schema.d.ts'], { cwd: ROOT, stdio: 'pipe' });
  execFileSync(bin('tsc'), ['-p', 'console', '--noEmit'], { cwd: ROOT, stdio: 'inherit' });
  execFileSync(bin('vite'), ['build', 'console', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir'], { cwd: ROOT, stdio: 'inherit' });
};

const newest = (dir: string): number =>
  Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));

/** Builds the console when console/dist is missing or older than its sources or the OpenAPI document. */
export const ensureConsoleBuilt = () => {
  const built = existsSync(join(CONSOLE_DIST, 'index.html')) ? statSync(join(CONSOLE_DIST, 'index.html')).mtimeMs : 0;
  const inputs = Math.max(newest(join(CONSOLE_DIR, 'src')), statSync(join(CONSOLE_DIR, 'index.html')).mtimeMs, statSync(join(ROOT, 'docs/openapi.json')).mtimeMs);
  if (built < inputs) buildConsole();
};

/** The JavaScript a first load fetches (index.html's module script and what it preloads), gzipped. */
export const firstLoadJs = () => {
  const html = readFileSync(join(CONSOLE_DIST, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="\/console\/([^"]+\.js)"/g)].map((m) => m[1]!);
  const bytes = files.reduce((total, file) => total + gzipSync(readFileSync(join(CONSOLE_DIST, file)), { level: 9 }).length, 0);
  return { files, gzipBytes: bytes };
};

if (import.meta.url === `file://${process.argv[1]}`) {
  // `console-build.ts [OUTDIR]`: the CDK asset bundling builds into its own directory.
  if (process.argv[2]) {
    buildConsole(resolve(process.argv[2]));
    process.exit(0);
  }
  buildConsole();
  const { files, gzipBytes } = firstLoadJs();
  console.log(`console/dist built; first load: ${files.join(', ')}: ${(gzipBytes / 1024).toFixed(1)} KB of JavaScript gzipped (limit 150 KB)`);
}
