import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

type PackageJson = { name?: string; version?: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };

export const packageJson = (dir: string): PackageJson => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;

/** Resolves a package name from a package directory as Node does: node_modules of it and of every parent. */
const resolvePackageDir = (from: string, name: string): string | null => {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) return null;
  }
};

/**
 * The packages `roots` need at run time, as the names installed at the top level of `modules`
 * (a hoisted node_modules): the roots and their dependencies, recursively. Copies nested inside a
 * package's own node_modules come along with that package. Type declarations (`@types/*`, which
 * some packages list as dependencies) are left out: nothing loads them at run time.
 */
export const packageClosure = (modules: string, roots: string[]): string[] => {
  const top = realpathSync(modules);
  const names = new Set<string>();
  const seen = new Set<string>();
  const visit = (dir: string) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    const pkg = packageJson(dir);
    if (pkg.name && dir === join(top, pkg.name)) names.add(pkg.name);
    for (const dependency of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      if (dependency.startsWith('@types/')) continue;
      const found = resolvePackageDir(dir, dependency);
      if (found) visit(found);
      else if (!pkg.optionalDependencies?.[dependency]) throw new Error(`${pkg.name} depends on ${dependency}, which is not installed`);
    }
  };
  for (const name of roots) visit(realpathSync(join(top, name)));
  return [...names].sort();
};
