/**
 * A directory laid out as Lambda's nodejs runtime sees a function, to load a synthesised bundle
 * the way Lambda does:
 *
 *   <root>/<name>/var/task/          the asset directory (hard links, or copies across devices)
 *   <root>/<name>/node_modules/      what the runtime ships: @aws-sdk/* and their dependency closure,
 *                                    symlinked into the repository's node_modules
 *   <root>/<name>/opt/nodejs/node_modules/   where layers would go (empty)
 *   <root>/<name>/var/runtime/bootstrap.mjs  the child-process runner of invokeInSandbox
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
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageClosure } from '../infra/package-closure.ts';

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
  /** The bundle file the handler string names (`index.handler` -> var/task/index.mjs). */
  handlerFile: string;
  handlerExport: string;
  /** Host packages added for native code the asset ships (see the module comment). */
  hostNativePackages: string[];
  runner: string;
};

const packageJson = (dir: string): { name?: string; version?: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> } =>
  JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

const closures = new Map<string, string[]>();

/**
 * Names of the packages the runtime offers at its top level: every `@aws-sdk/*` the repository
 * has, and every package of their dependency closure that resolves to the repository's top-level
 * node_modules (nested copies come along inside their parents).
 */
export const runtimePackages = (repoRoot = REPO_ROOT): string[] => {
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
export const prepareSandbox = (options: { root: string; name: string; assetDir: string; handler: string; repoRoot?: string }): Sandbox => {
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

  const runner = join(dir, 'var', 'runtime', 'bootstrap.mjs');
  mkdirSync(dirname(runner), { recursive: true });
  writeFileSync(runner, BOOTSTRAP);
  return {
    name: options.name,
    dir,
    taskRoot,
    runtimeModules,
    layerModules,
    handlerFile,
    handlerExport,
    hostNativePackages: hostNative.map((p) => p.name),
    runner,
  };
};

/** Size in bytes of the bundle file alone (no source map, no files copied beside it). */
export const bundleBytes = (sandbox: Sandbox): number => statSync(sandbox.handlerFile).size;

export type LambdaSettings = { functionName: string; memoryMb: number; region?: string; version?: string };

/**
 * The variables Lambda itself sets for a function (they win over the template's), with paths
 * pointing into the sandbox. Credentials are placeholders: nothing can reach AWS with them.
 */
export const lambdaEnvironment = (sandbox: Sandbox, settings: LambdaSettings): Record<string, string> => {
  const region = settings.region ?? 'cn-north-1';
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: sandbox.taskRoot,
    LAMBDA_RUNTIME_DIR: dirname(sandbox.runner),
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
export const LOAD_ERROR_PATTERNS: RegExp[] = [
  /ERR_MODULE_NOT_FOUND/,
  /ERR_PACKAGE_PATH_NOT_EXPORTED/,
  /ERR_UNSUPPORTED_DIR_IMPORT/,
  /ERR_REQUIRE_ESM/,
  /Cannot find (package|module) ['"]/,
  /Could not load the "sharp" module/,
  /Dynamic require of "[^"]+" is not supported/,
];

export type SandboxError = { name: string; message: string; code?: string; stack?: string };

export type SandboxRun = {
  /** Where it ended: `import` (the module threw while loading), `invoke` (the handler threw), `done`. */
  phase: 'import' | 'invoke' | 'done' | 'crashed' | 'timeout';
  importMs: number | null;
  invokeMs: number | null;
  result?: unknown;
  error?: SandboxError;
  stdout: string;
  stderr: string;
  /** Spawn to exit, measured here. */
  wallMs: number;
  exitCode: number | null;
};

/**
 * Is this run a load or link failure? Anything thrown at import is; at invoke, a ReferenceError,
 * `x is not a function/constructor` (a broken import binding) or a module-resolution error; and
 * any module-resolution error in the output (a handler may catch and log it).
 */
export const loadFailure = (run: SandboxRun): string | null => {
  const error = run.error;
  if (run.phase === 'timeout') return 'did not settle before the timeout';
  if (run.phase === 'crashed') return `the process exited (${run.exitCode}) without an answer`;
  if (run.phase === 'import') return `import failed: ${error?.name}: ${error?.message}`;
  if (error && (error.name === 'ReferenceError' || /is not a (function|constructor)/.test(error.message) || LOAD_ERROR_PATTERNS.some((p) => p.test(`${error.code} ${error.message}`)))) {
    return `invoke failed to link: ${error.name}: ${error.message}`;
  }
  const output = `${run.stdout}\n${run.stderr}`;
  const logged = LOAD_ERROR_PATTERNS.find((p) => p.test(output));
  if (logged) return `the output reports a load error (${logged})`;
  return null;
};

/**
 * Loads the bundle in a fresh `node` with exactly `env` (build it from lambdaEnvironment and the
 * function's own variables), times `await import()` inside the child, and (unless `importOnly`)
 * calls the handler once with `event` and a Lambda-like context.
 */
export const invokeInSandbox = (
  sandbox: Sandbox,
  options: { env: Record<string, string>; event?: unknown; importOnly?: boolean; timeoutMs?: number; timeoutS?: number },
): Promise<SandboxRun> =>
  new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, [sandbox.runner], {
      cwd: sandbox.taskRoot,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let stdout = '';
    let stderr = '';
    let answer: Partial<SandboxRun> | undefined;
    let timedOut = false;
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.on('message', (message: any) => {
      if (message?.type === 'ready') {
        child.send({ handlerFile: sandbox.handlerFile, handlerExport: sandbox.handlerExport, event: options.event ?? {}, importOnly: options.importOnly ?? false, timeoutS: options.timeoutS ?? 30 });
      } else if (message?.type === 'answer') {
        answer = message.run;
      }
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 30_000);
    child.on('error', (error) => (clearTimeout(timer), fail(error)));
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      const phase = answer?.phase ?? (timedOut ? 'timeout' : 'crashed');
      done({ importMs: null, invokeMs: null, ...answer, phase, stdout, stderr, wallMs, exitCode });
    });
  });

/** The child side of invokeInSandbox; plain JavaScript, no loader, as the runtime would be. */
const BOOTSTRAP = `import { pathToFileURL } from 'node:url';
const describe = (e) => e instanceof Error ? { name: e.name, message: e.message, code: e.code, stack: e.stack } : { name: typeof e, message: String(e) };
const answer = (run) => process.send({ type: 'answer', run }, () => process.exit(0));
process.on('uncaughtException', (e) => answer({ phase: 'invoke', importMs: null, invokeMs: null, error: describe(e) }));
process.on('unhandledRejection', (e) => answer({ phase: 'invoke', importMs: null, invokeMs: null, error: describe(e) }));
process.once('message', async ({ handlerFile, handlerExport, event, importOnly, timeoutS }) => {
  let importMs = null;
  let module;
  const importStarted = performance.now();
  try {
    module = await import(pathToFileURL(handlerFile).href);
    importMs = performance.now() - importStarted;
  } catch (e) {
    return answer({ phase: 'import', importMs: null, invokeMs: null, error: describe(e) });
  }
  const handler = module[handlerExport];
  if (typeof handler !== 'function') {
    return answer({ phase: 'import', importMs, invokeMs: null, error: { name: 'TypeError', message: handlerExport + ' is not a function exported by ' + handlerFile } });
  }
  if (importOnly) return answer({ phase: 'done', importMs, invokeMs: null });
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
  const deadline = Date.now() + timeoutS * 1000;
  const context = {
    functionName: name,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: 'arn:aws:lambda:' + process.env.AWS_REGION + ':123456789012:function:' + name,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: '00000000-0000-4000-8000-000000000001',
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {}, fail() {}, succeed() {},
  };
  const invokeStarted = performance.now();
  try {
    const result = await handler(event, context);
    answer({ phase: 'done', importMs, invokeMs: performance.now() - invokeStarted, result: result === undefined ? null : result });
  } catch (e) {
    answer({ phase: 'invoke', importMs, invokeMs: performance.now() - invokeStarted, error: describe(e) });
  }
});
process.send({ type: 'ready' });
`;
