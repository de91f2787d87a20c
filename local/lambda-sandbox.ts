/**
 * A directory laid out as Lambda's nodejs runtime sees a function, to load a synthesised bundle
 * the way Lambda does:
 *
 *   <root>/<name>/var/task/          the asset directory (hard links, or copies across devices)
 *   <root>/<name>/node_modules/      what the runtime ships: @aws-sdk/* and their dependency closure,
 *                                    symlinked into the repository's node_modules
 *   <root>/<name>/opt/nodejs/node_modules/   where layers would go (empty)
 *   <root>/<name>/var/runtime/                  the runtime's directory (its bootstrap is local/runtime/bootstrap.mjs)
 *
 * A bare import in the bundle resolves var/task/node_modules, then <name>/node_modules (as
 * Lambda's does, above the task directory), and nothing else: the root must not sit under a
 * directory that has a node_modules (checked). Symlinked packages resolve their own imports from
 * their real path, so the closure keeps working without copying it.
 *
 * One exception, for native code: an asset that ships Linux arm64 packages under
 * `var/task/node_modules/@img/*-linux-arm64` (sharp's binaries, built for Lambda) gets the host's
 * counterparts (`@img/sharp-linux-x64`, `@img/sharp-libvips-linux-x64` here, same versions, from
 * the repository) in its own runtime node_modules, so that sharp loads on this machine. Every other
 * function's runtime stays without them: a bundle that carries sharp by mistake still fails to
 * load (`Could not load the "sharp" module`), as it would on Lambda.
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readlinkSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import { packageClosure, packageJson } from '../infra/package-closure.ts';
import type { AssemblyFunction } from './assembly.ts';
import { LocalFunction, type InvokeResult } from './lambda-runtime.ts';
import { LOCAL_REGION, type LocalResources } from './resources.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export type Sandbox = {
  name: string;
  dir: string;
  /** LAMBDA_TASK_ROOT: the copy of the asset. */
  taskRoot: string;
  /** The runtime's own node_modules, above the task root. */
  runtimeModules: string;
  /** /opt/nodejs/node_modules: layers (none). */
  layerModules: string;
  /** The bundle file the handler string names (`index.handler` -> var/task/index.js). */
  handlerFile: string;
  handlerExport: string;
  /** Host packages added for native code the asset ships (see the module comment). */
  hostNativePackages: string[];
  runtimeDir: string;
};

const closures = new Map<string, string[]>();

/**
 * Names of the packages the runtime offers at its top level: every `@aws-sdk/*` the repository
 * has, and every package of their dependency closure that resolves to the repository's top-level
 * node_modules (nested copies come along inside their parents).
 */
const runtimePackages = (repoRoot = REPO_ROOT): string[] => {
  const cached = closures.get(repoRoot);
  if (cached) return cached;
  const modules = join(repoRoot, 'node_modules');
  const sdkDir = join(modules, '@aws-sdk');
  const names = packageClosure(modules, existsSync(sdkDir) ? readdirSync(sdkDir).map((name) => `@aws-sdk/${name}`) : []);
  closures.set(repoRoot, names);
  return names;
};

const linkPackage = (modules: string, name: string, target: string) => {
  const link = join(modules, name);
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(target, link, 'dir');
};

/** Hard-links (or copies, across devices) a directory tree; symbolic links are recreated as they are. */
const linkTree = (from: string, to: string) => {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else if (entry.isDirectory()) linkTree(source, target);
    else {
      try {
        linkSync(source, target);
      } catch {
        copyFileSync(source, target);
      }
    }
  }
};

/** A directory above `dir` holding node_modules would let bare imports escape the sandbox. */
const assertIsolated = (dir: string) => {
  for (let parent = dirname(dir); ; parent = dirname(parent)) {
    if (existsSync(join(parent, 'node_modules'))) {
      throw new Error(`Sandbox ${dir} sits under ${parent}, which has a node_modules: put the sandbox root elsewhere (e.g. under os.tmpdir())`);
    }
    if (dirname(parent) === parent) return;
  }
};

const HOST = `${process.platform}-${process.arch}`;

/** Host counterparts of the Linux arm64 native packages an asset ships (none when the host is linux-arm64). */
const hostNativeCounterparts = (taskRoot: string, repoRoot: string): { name: string; dir: string }[] => {
  const img = join(taskRoot, 'node_modules', '@img');
  if (HOST === 'linux-arm64' || !existsSync(img)) return [];
  return readdirSync(img)
    .filter((name) => name.endsWith('-linux-arm64'))
    .map((name) => {
      const shipped = packageJson(join(img, name));
      const hostName = `@img/${name.replace(/-linux-arm64$/, `-${HOST}`)}`;
      const dir = join(repoRoot, 'node_modules', hostName);
      if (!existsSync(join(dir, 'package.json'))) throw new Error(`The asset ships @img/${name}; this machine needs ${hostName}, which is not installed`);
      const host = packageJson(dir);
      if (host.version !== shipped.version) {
        throw new Error(`The asset ships @img/${name}@${shipped.version}, the repository has ${hostName}@${host.version}`);
      }
      return { name: hostName, dir: realpathSync(dir) };
    });
};

/**
 * Lays out `<root>/<name>/` for one function (replacing what was there) from its asset directory.
 * `handler` is the template's Handler (`index.handler`): file `index` (.js, .mjs or .cjs, in
 * Lambda's order), export `handler`.
 */
const prepareSandbox = (options: { root: string; name: string; assetDir: string; handler: string; repoRoot?: string }): Sandbox => {
  const repoRoot = options.repoRoot ?? REPO_ROOT;
  const dir = resolve(options.root, options.name);
  assertIsolated(dir);
  rmSync(dir, { recursive: true, force: true });
  const taskRoot = join(dir, 'var', 'task');
  const runtimeModules = join(dir, 'node_modules');
  const layerModules = join(dir, 'opt', 'nodejs', 'node_modules');
  linkTree(options.assetDir, taskRoot);
  mkdirSync(runtimeModules, { recursive: true });
  mkdirSync(layerModules, { recursive: true });
  const repoModules = realpathSync(join(repoRoot, 'node_modules'));
  for (const name of runtimePackages(repoRoot)) linkPackage(runtimeModules, name, join(repoModules, name));
  const hostNative = hostNativeCounterparts(taskRoot, repoRoot);
  for (const { name, dir: target } of hostNative) linkPackage(runtimeModules, name, target);

  const dot = options.handler.lastIndexOf('.');
  const module = options.handler.slice(0, dot);
  const handlerExport = options.handler.slice(dot + 1);
  const handlerFile = ['.js', '.mjs', '.cjs'].map((ext) => join(taskRoot, module + ext)).find((file) => existsSync(file));
  if (!handlerFile) throw new Error(`No ${module}.js, .mjs or .cjs in ${options.assetDir} for handler ${options.handler}`);

  const runtimeDir = join(dir, 'var', 'runtime');
  mkdirSync(runtimeDir, { recursive: true });
  return {
    name: options.name,
    dir,
    taskRoot,
    runtimeModules,
    layerModules,
    handlerFile,
    handlerExport,
    hostNativePackages: hostNative.map((p) => p.name),
    runtimeDir,
  };
};

/** Size in bytes of the bundle file alone (no source map, no files copied beside it). */
export const bundleBytes = (sandbox: Sandbox): number => statSync(sandbox.handlerFile).size;

type LambdaSettings = { functionName: string; memoryMb: number; handler: string; region?: string; version?: string };

/**
 * The variables Lambda itself sets for a function (they win over the template's), with paths
 * pointing into the sandbox. Credentials are placeholders: nothing can reach AWS with them.
 */
const lambdaEnvironment = (sandbox: Sandbox, settings: LambdaSettings): Record<string, string> => {
  const region = settings.region ?? 'cn-north-1';
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    _HANDLER: settings.handler,
    LAMBDA_TASK_ROOT: sandbox.taskRoot,
    LAMBDA_RUNTIME_DIR: sandbox.runtimeDir,
    NODE_PATH: [sandbox.layerModules, sandbox.runtimeModules, sandbox.taskRoot].join(':'),
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: settings.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(settings.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: settings.version ?? '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${settings.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]00000000000000000000000000000000',
    AWS_ACCESS_KEY_ID: 'ASIAPLACEHOLDERKEYID0',
    AWS_SECRET_ACCESS_KEY: 'placeholder-secret-access-key',
    AWS_SESSION_TOKEN: 'placeholder-session-token',
  };
};

/**
 * Errors that mean the bundle cannot load or link in this runtime, rather than the handler
 * failing on its input or on AWS: matched against the thrown error, and against the output.
 */
const LOAD_ERROR_PATTERNS: RegExp[] = [
  /ERR_MODULE_NOT_FOUND/,
  /ERR_PACKAGE_PATH_NOT_EXPORTED/,
  /ERR_UNSUPPORTED_DIR_IMPORT/,
  /ERR_REQUIRE_ESM/,
  /Cannot find (package|module) ['"]/,
  /Could not load the "sharp" module/,
  /Dynamic require of "[^"]+" is not supported/,
];

/**
 * Is this outcome a load or link failure rather than the handler failing on its input or on AWS?
 * The runtime's init errors are (the module did not load, the handler is missing); at invoke, a
 * ReferenceError, `x is not a function/constructor` (a broken import binding) or a module
 * resolution error; and any module resolution error in the output (a handler may catch and log it).
 */
export const loadFailure = (outcome: InvokeResult, output: string): string | null => {
  if (!outcome.ok) {
    const { errorType, errorMessage } = outcome.error;
    if (errorType === 'Runtime.ImportModuleError' || errorType === 'Runtime.HandlerNotFound') return `init failed: ${errorType}: ${errorMessage}`;
    if (errorType === 'Runtime.ExitError' || errorType === 'Sandbox.Timedout') return `${errorType}: ${errorMessage}`;
    if (errorType === 'ReferenceError' || /is not a (function|constructor)/.test(errorMessage) || LOAD_ERROR_PATTERNS.some((p) => p.test(errorMessage))) {
      return `invoke failed to link: ${errorType}: ${errorMessage}`;
    }
  }
  const logged = LOAD_ERROR_PATTERNS.find((p) => p.test(output));
  return logged ? `the output reports a load error (${logged})` : null;
};

/**
 * One function of an assembly in its sandbox under `root`, run by the local Lambda runtime with
 * its template environment (references resolved by `resources`), the variables Lambda sets, and
 * `extraEnvironment` last (the caller's credentials and endpoint).
 */
export const sandboxedFunction = (options: {
  root: string;
  fn: AssemblyFunction;
  resources: LocalResources;
  extraEnvironment: Record<string, string>;
  maxContainers?: number;
  clockOffsetMs?: () => number;
  output?: Writable;
}): { sandbox: Sandbox; local: LocalFunction } => {
  const { fn, resources } = options;
  const sandbox = prepareSandbox({ root: options.root, name: fn.logicalId, assetDir: fn.assetDir, handler: fn.handler });
  const templateEnvironment = Object.fromEntries(Object.entries(fn.environment).map(([name, value]) => [name, String(resources.resolve(value))]));
  const local = new LocalFunction(
    {
      functionId: fn.logicalId,
      taskRoot: sandbox.taskRoot,
      handler: fn.handler,
      memoryMb: fn.memoryMb,
      timeoutSeconds: fn.timeoutS,
      reservedConcurrency: fn.reservedConcurrency,
      environment: {
        ...templateEnvironment,
        ...lambdaEnvironment(sandbox, { functionName: fn.logicalId, memoryMb: fn.memoryMb, region: LOCAL_REGION, handler: fn.handler }),
        ...options.extraEnvironment,
      },
    },
    { maxContainers: options.maxContainers ?? 1, clockOffsetMs: options.clockOffsetMs ?? (() => 0), ...(options.output && { output: options.output }) },
  );
  return { sandbox, local };
};
