import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

/**
 * Content hashes for function assets, so that a synth bundles only the functions whose inputs
 * changed: CDK skips bundling when the asset directory for a hash already exists.
 *
 * A function's hash covers its bundling options, the build's own inputs (the lockfiles for every
 * package's content, package.json for the subpath imports, tsconfig.json for esbuild's reading of
 * TypeScript) and the content of each project file in its import graph. The graph comes from an
 * esbuild metafile pass, run only when the remembered graph is missing or one of its files
 * changed: a new import can only appear by editing a file already in the graph.
 */
const CACHE_FILE = 'steward-bundle-inputs.json';
const BUILD_INPUTS = ['package-lock.json', 'native/watermarks/package-lock.json', 'package.json', 'tsconfig.json'];

type Remembered = Record<string, { options: string; inputs: string[] }>;

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const contentHashes = new Map<string, string | null>();
const contentHash = (file: string): string | null => {
  if (!contentHashes.has(file)) contentHashes.set(file, existsSync(file) ? sha256(readFileSync(file)) : null);
  return contentHashes.get(file)!;
};

const hashOf = (options: string, inputs: string[]): string | null => {
  const parts = [options];
  for (const input of inputs) {
    const hash = contentHash(input);
    if (hash === null) return null;
    parts.push(`${input}:${hash}`);
  }
  return sha256(parts.join('\n'));
};

/** Project files (not packages: the lockfiles stand for those) esbuild reads to bundle `entry`. */
const importGraph = (entry: string, external: string[]): string[] => {
  const { metafile } = buildSync({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external,
    logLevel: 'silent',
  });
  return Object.keys(metafile.inputs)
    .filter((file) => !file.includes('node_modules/'))
    .sort();
};

/**
 * The asset hash of the function bundled from `entry` with `bundling` (everything that shapes the
 * output: format, target, externals, files copied beside it), remembered in `outdir`.
 */
export const bundleAssetHash = (outdir: string, entry: string, bundling: { external: string[]; files: string[]; settings: unknown }): string => {
  const options = JSON.stringify({ bundling, build: BUILD_INPUTS.map(contentHash), copied: bundling.files.map(contentHash) });
  const cacheFile = join(outdir, CACHE_FILE);
  const remembered: Remembered = existsSync(cacheFile) ? (JSON.parse(readFileSync(cacheFile, 'utf8')) as Remembered) : {};
  const previous = remembered[entry];
  const hash = previous?.options === options ? hashOf(options, previous.inputs) : null;
  if (hash) return hash;
  const inputs = importGraph(entry, bundling.external);
  remembered[entry] = { options, inputs };
  writeFileSync(cacheFile, JSON.stringify(remembered, null, 1));
  return hashOf(options, inputs)!;
};
