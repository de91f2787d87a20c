import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { readAssembly, synthesizeAssembly, type CloudAssembly } from '../../local/assembly.ts';

/** The assembly the tests run on: synthesised with bundling, like `npm start`, into its own directory. */
export const TEST_ASSEMBLY_DIR = resolve('.steward-local/test.out');
const LOCK = `${TEST_ASSEMBLY_DIR}.lock`;
const STAMP = `${TEST_ASSEMBLY_DIR}.run`;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Synthesises once per test run (test files in parallel workers share the vitest process as
 * parent): the first file to ask synthesises under a lock, the others wait for it and read it.
 */
export const testAssembly = async (): Promise<CloudAssembly> => {
  const run = String(process.ppid);
  mkdirSync(dirname(TEST_ASSEMBLY_DIR), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK, { recursive: false });
      writeFileSync(`${LOCK}/pid`, String(process.pid));
      break;
    } catch {
      const holder = Number(existsSync(`${LOCK}/pid`) ? readFileSync(`${LOCK}/pid`, 'utf8') : 0);
      if (holder && !alive(holder)) rmSync(LOCK, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === run) return readAssembly(TEST_ASSEMBLY_DIR);
    const assembly = await synthesizeAssembly(TEST_ASSEMBLY_DIR, {}, { cloudFormationValidation: false });
    writeFileSync(STAMP, run);
    return assembly;
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
};
