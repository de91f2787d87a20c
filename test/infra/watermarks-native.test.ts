import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { NODE_MODULES_METADATA, StewardFunction } from '../../infra/functions.ts';

/**
 * The Watermarks function ships sharp for Lambda (linux-arm64, glibc) in /var/task/node_modules: the root
 * postinstall installs it in native/watermarks and the bundling copies it beside the bundle. Here the function
 * is bundled alone, as the stack declares it, and the copied tree is checked package by package.
 */
const root = resolve(import.meta.dirname, '../..');
const SHARP_VERSION = '0.34.5';

type Manifest = {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
};
const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

/** Where Node finds `name` from a package in `dir`: its own node_modules, then each parent's, up to the tree's root. */
const locate = (tree: string, dir: string, name: string): string | null => {
  for (let at = dir; ; at = dirname(at)) {
    const candidate = join(at, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (at === tree || !at.startsWith(tree)) return null;
  }
};

/** The ranges sharp's tree uses: exact versions and carets. */
const satisfies = (version: string, range: string): boolean => {
  const parse = (v: string) => v.split('.').map(Number) as [number, number, number];
  if (!range.startsWith('^')) return version === range;
  const [M, m, p] = parse(version);
  const [rM, rm, rp] = parse(range.slice(1));
  if (M !== rM) return false;
  if (rM === 0 && m !== rm) return false;
  return m > rm || (m === rm && p >= rp);
};

/** Every package reached from `start` through dependencies (and the given optional ones), with what asked for it. */
const closure = (tree: string, start: string, optional: (name: string) => boolean) => {
  const found = new Map<string, { dir: string; version: string }>();
  const missing: string[] = [];
  const visit = (dir: string) => {
    const own = manifest(dir);
    const wanted = {
      ...own.dependencies,
      ...Object.fromEntries(Object.entries(own.optionalDependencies ?? {}).filter(([name]) => optional(name))),
    };
    for (const [name, range] of Object.entries(wanted)) {
      const at = locate(tree, dir, name);
      if (!at) {
        missing.push(`${name}@${range} (for ${own.name})`);
        continue;
      }
      const { version } = manifest(at);
      if (!satisfies(version, range)) missing.push(`${name}@${range} (for ${own.name}; found ${version})`);
      if (found.has(relative(tree, at))) continue;
      found.set(relative(tree, at), { dir: at, version });
      visit(at);
    }
  };
  visit(start);
  return { found, missing };
};

/** ELF e_machine: 183 is AArch64, 62 is x86-64. */
const elfMachine = (file: string) => readFileSync(file).readUInt16LE(18);

const lambdaPlatform = (name: string) => name === '@img/sharp-linux-arm64' || name === '@img/sharp-libvips-linux-arm64';

describe('Watermarks function ships sharp for linux-arm64', () => {
  let outdir: string;
  let task: string;

  beforeAll(() => {
    const { app, stack } = buildApp({ 'aws:cdk:bundling-stacks': [] });
    const template = Template.fromJSON(app.synth().getStackByName(stack.stackName).template);
    const watermarks = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith('Watermarks'));
    const nodeModules = watermarks?.[1].Metadata?.[NODE_MODULES_METADATA];
    expect(nodeModules).toBe('native/watermarks/node_modules');

    // The same function, bundled for real in an app of its own (about a second).
    outdir = mkdtempSync(join(tmpdir(), 'steward-watermarks-native-'));
    const probeApp = new App({ outdir });
    new StewardFunction(new Stack(probeApp, 'Probe'), 'Watermarks', { entry: 'functions/http/watermarks.ts', external: ['sharp'], nodeModules });
    probeApp.synth();
    const asset = readdirSync(outdir).find((entry) => entry.startsWith('asset.'));
    task = join(outdir, asset!);
  });

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('leaves sharp out of the bundle and copies the arm64 tree beside it', () => {
    expect(readFileSync(join(task, 'index.js'), 'utf8')).toMatch(/require\("sharp"\)/);
    const sharp = manifest(join(task, 'node_modules/sharp'));
    expect(sharp.version).toBe(SHARP_VERSION);
  });

  it('holds every runtime dependency of sharp at the versions sharp pins, and the linux-arm64 glibc binaries', () => {
    const tree = task;
    const { found, missing } = closure(tree, join(tree, 'node_modules/sharp'), lambdaPlatform);
    expect(missing).toEqual([]);
    const names = [...found.keys()].map((path) => path.replace(/^node_modules\//, ''));
    const sharp = manifest(join(tree, 'node_modules/sharp'));
    for (const name of Object.keys(sharp.dependencies ?? {})) expect(names).toContain(name);
    expect(names).toContain('@img/sharp-linux-arm64');
    expect(names).toContain('@img/sharp-libvips-linux-arm64');
    // Exactly the versions sharp 0.34.5 names for the platform.
    for (const name of ['@img/sharp-linux-arm64', '@img/sharp-libvips-linux-arm64']) {
      const platform = manifest(join(tree, 'node_modules', name));
      expect(platform.version).toBe(sharp.optionalDependencies![name]);
      expect(platform.os).toEqual(['linux']);
      expect(platform.cpu).toEqual(['arm64']);
      expect(platform.libc).toEqual(['glibc']);
    }
    const addon = join(tree, 'node_modules/@img/sharp-linux-arm64/lib/sharp-linux-arm64.node');
    expect(elfMachine(addon)).toBe(183);
    const libvips = readdirSync(join(tree, 'node_modules/@img/sharp-libvips-linux-arm64/lib')).find((f) => f.startsWith('libvips-cpp.so'));
    expect(elfMachine(join(tree, 'node_modules/@img/sharp-libvips-linux-arm64/lib', libvips!))).toBe(183);
    // Nothing for other platforms rides along.
    const img = readdirSync(join(tree, 'node_modules/@img'));
    expect(img.sort()).toEqual(['colour', 'sharp-libvips-linux-arm64', 'sharp-linux-arm64']);
  });

  it("resolves the bundle's import of sharp from /var/task/node_modules, with nothing else on the path", () => {
    // As Lambda loads it: the asset directory alone, imported by a fresh node with an empty environment.
    writeFileSync(
      join(task, 'probe.mjs'),
      [
        "const where = import.meta.resolve('sharp');",
        'let loaded;',
        "try { const sharp = (await import('sharp')).default; loaded = (await sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } }).png().toBuffer()).length > 0; }",
        'catch (error) { loaded = String(error.message).split("\\n")[0]; }',
        'console.log(JSON.stringify({ where, loaded }));',
      ].join('\n'),
    );
    const run = (env: Record<string, string>) =>
      JSON.parse(execFileSync(process.execPath, ['probe.mjs'], { cwd: task, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' }));

    const alone = run({});
    expect(alone.where).toBe(`file://${join(task, 'node_modules/sharp/lib/index.js')}`);
    if (process.arch === 'arm64' && process.platform === 'linux') expect(alone.loaded).toBe(true);
    // On another machine sharp is found but its arm64 binaries cannot load there: sharp's own platform error.
    else expect(alone.loaded).toMatch(/Could not load the "sharp" module using the linux-x64 runtime/);

    // What the local stack does on x64: the host's @img/sharp-linux-x64 reached through NODE_PATH (sharp's CJS require).
    if (process.arch === 'x64' && process.platform === 'linux') {
      expect(run({ NODE_PATH: join(root, 'node_modules') }).loaded).toBe(true);
    }
  });
});
