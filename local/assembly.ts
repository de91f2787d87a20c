/**
 * The cloud assembly as `cdk synth` writes it, bundles included: synthesise the app into a
 * directory, or read one that already exists (`cdk synth -o DIR`, `npm start -- --from DIR`), and
 * list every Lambda function with its asset directory, settings, raw environment and triggers.
 *
 * Synthesis runs in a child process (`node --import tsx local/assembly.ts synth OUTDIR [CONTEXT]`):
 * bundling 16 functions blocks for half a minute, which a caller's event loop (a test runner's
 * worker, the local stack) should not.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allStates, referencedId, resourcesOfType, stateMachineDefinition, type CfnResource, type CfnTemplate } from './template.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FUNCTION = 'AWS::Lambda::Function';

/** How a function is invoked: an HTTP API route, or a Task state of a state machine. */
export type LambdaTrigger =
  | { kind: 'http'; routeKey: string; method: string; path: string; authorizationType: string; route: string }
  | { kind: 'task'; stateMachine: string; state: string; parameters: Record<string, unknown> | null };

export type AssemblyFunction = {
  logicalId: string;
  /** The construct path (`Steward/Health/Resource`) when the template carries it. */
  constructPath: string | null;
  /** `steward:entry` metadata: the source file the bundle was built from. */
  entry: string | null;
  /** Absolute path of the asset directory (the bundle and whatever was copied beside it). */
  assetDir: string;
  handler: string;
  runtime: string;
  architecture: string;
  memoryMb: number;
  timeoutS: number;
  reservedConcurrency: number | null;
  /** Variables as the template has them: strings, or `Ref` / `Fn::GetAtt` / `Fn::Join` expressions. */
  environment: Record<string, unknown>;
  triggers: LambdaTrigger[];
};

export type CloudAssembly = {
  dir: string;
  stackName: string;
  templateFile: string;
  template: CfnTemplate;
  functions: AssemblyFunction[];
};

type Manifest = {
  artifacts?: Record<string, { type: string; displayName?: string; dependencies?: string[]; properties?: Record<string, any> }>;
};
type AssetManifest = { files?: Record<string, { source: { path?: string; packaging?: string }; destinations: Record<string, { objectKey?: string }> }> };

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** Logical ids of the resources of `type` an expression references, at any depth (`Fn::Join`, `Fn::Sub` lists...). */
const referencedIds = (template: CfnTemplate, expression: unknown, type: string): string[] => {
  const found = new Set<string>();
  const visit = (value: unknown) => {
    if (!value || typeof value !== 'object') return;
    const id = referencedId(value);
    if (id && template.Resources[id]?.Type === type) found.add(id);
    for (const child of Object.values(value)) visit(child);
  };
  visit(expression);
  return [...found];
};

/** Route -> its integration (`Target: integrations/<Ref>`) -> the function of its `IntegrationUri`. */
const routeTriggers = (template: CfnTemplate): Map<string, LambdaTrigger[]> => {
  const byFunction = new Map<string, LambdaTrigger[]>();
  for (const [routeId, route] of resourcesOfType(template, 'AWS::ApiGatewayV2::Route')) {
    const [integrationId] = referencedIds(template, route.Properties.Target, 'AWS::ApiGatewayV2::Integration');
    const integration = integrationId ? template.Resources[integrationId] : undefined;
    if (!integration) continue;
    const routeKey = String(route.Properties.RouteKey);
    const [method = '', path = ''] = routeKey.split(' ');
    for (const fn of referencedIds(template, integration.Properties.IntegrationUri, FUNCTION)) {
      const trigger: LambdaTrigger = {
        kind: 'http',
        routeKey,
        method,
        path,
        authorizationType: String(route.Properties.AuthorizationType ?? 'NONE'),
        route: routeId,
      };
      byFunction.set(fn, [...(byFunction.get(fn) ?? []), trigger]);
    }
  }
  return byFunction;
};

const MARKER = /@@fn:([A-Za-z0-9]+)@@/g;

const taskTriggers = (template: CfnTemplate): Map<string, LambdaTrigger[]> => {
  const byFunction = new Map<string, LambdaTrigger[]>();
  for (const [machineId, machine] of resourcesOfType(template, 'AWS::StepFunctions::StateMachine')) {
    if (!machine.Properties.DefinitionString) continue;
    const definition = stateMachineDefinition(machine, (id) => `@@fn:${id}@@`);
    for (const [state, body] of allStates(definition.States)) {
      if (body.Type !== 'Task') continue;
      // A Task names its function as its Resource (the optimised form) or as lambda:invoke's FunctionName.
      const text = JSON.stringify([body.Resource, body.Parameters?.FunctionName, body.Arguments?.FunctionName]);
      const ids = new Set([...text.matchAll(MARKER)].map((m) => m[1]!).filter((id) => template.Resources[id]?.Type === FUNCTION));
      const invokes = typeof body.Resource === 'string' && /:states:::lambda:invoke/.test(body.Resource);
      const parameters = (invokes ? (body.Parameters?.Payload ?? body.Arguments?.Payload) : (body.Parameters ?? body.Arguments)) ?? null;
      for (const fn of ids) {
        const trigger: LambdaTrigger = { kind: 'task', stateMachine: machineId, state, parameters };
        byFunction.set(fn, [...(byFunction.get(fn) ?? []), trigger]);
      }
    }
  }
  return byFunction;
};

/** The asset directory of a function: `aws:asset:path` metadata first, else the assets manifest by S3 key. */
const assetDirectory = (dir: string, logicalId: string, resource: CfnResource, assets: AssetManifest[]): string => {
  const metadataPath = resource.Metadata?.['aws:asset:path'];
  if (typeof metadataPath === 'string') return resolve(dir, metadataPath);
  const key = resource.Properties.Code?.S3Key;
  if (typeof key === 'string') {
    for (const manifest of assets) {
      for (const file of Object.values(manifest.files ?? {})) {
        const matches = Object.values(file.destinations).some((d) => d.objectKey === key);
        if (matches && file.source.path) return resolve(dir, file.source.path);
      }
    }
  }
  throw new Error(`Function ${logicalId} has no asset in ${dir} (inline code, or an image?)`);
};

/** Reads a cloud assembly directory (no synthesis): the named stack's template, assets and functions. */
export const readAssembly = (dir: string, stackName = 'Steward'): CloudAssembly => {
  const root = resolve(dir);
  const manifestFile = join(root, 'manifest.json');
  if (!existsSync(manifestFile)) throw new Error(`${root} is not a cloud assembly (no manifest.json)`);
  const artifacts = readJson<Manifest>(manifestFile).artifacts ?? {};
  const stackEntry = Object.entries(artifacts).find(
    ([id, a]) => a.type === 'aws:cloudformation:stack' && (id === stackName || a.displayName === stackName),
  );
  if (!stackEntry) throw new Error(`No stack ${stackName} in ${manifestFile}`);
  const [, stackArtifact] = stackEntry;
  const templateFile = join(root, String(stackArtifact.properties?.templateFile));
  const template = readJson<CfnTemplate>(templateFile);
  const assets = (stackArtifact.dependencies ?? [])
    .map((id) => artifacts[id])
    .filter((a) => a?.type === 'cdk:asset-manifest' && a.properties?.file)
    .map((a) => readJson<AssetManifest>(join(root, String(a!.properties!.file))));

  const routes = routeTriggers(template);
  const tasks = taskTriggers(template);
  const functions = resourcesOfType(template, FUNCTION).map(([logicalId, resource]): AssemblyFunction => {
    const p = resource.Properties;
    return {
      logicalId,
      constructPath: typeof resource.Metadata?.['aws:cdk:path'] === 'string' ? resource.Metadata['aws:cdk:path'] : null,
      entry: typeof resource.Metadata?.['steward:entry'] === 'string' ? resource.Metadata['steward:entry'] : null,
      assetDir: assetDirectory(root, logicalId, resource, assets),
      handler: String(p.Handler ?? 'index.handler'),
      runtime: String(p.Runtime ?? ''),
      architecture: String(p.Architectures?.[0] ?? 'x86_64'),
      memoryMb: Number(p.MemorySize ?? 128),
      timeoutS: Number(p.Timeout ?? 3),
      reservedConcurrency: p.ReservedConcurrentExecutions === undefined ? null : Number(p.ReservedConcurrentExecutions),
      environment: { ...(p.Environment?.Variables ?? {}) },
      triggers: [...(routes.get(logicalId) ?? []), ...(tasks.get(logicalId) ?? [])],
    };
  });
  return { dir: root, stackName, templateFile, template, functions };
};

/**
 * Synthesises the app WITH bundling into `outdir` (as `cdk synth -o outdir` does: cdk.json's
 * context, then `context`) and reads the result. Rejects with esbuild's and the CDK's output.
 */
export const synthesizeAssembly = async (
  outdir: string,
  context: Record<string, unknown> = {},
  options: { stackName?: string; timeoutMs?: number; cloudFormationValidation?: boolean } = {},
): Promise<CloudAssembly> => {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'synth', resolve(outdir), JSON.stringify(context)], {
    cwd: REPO_ROOT,
    // CDK's built-in template validation costs about 7 s of CPU here; `npm run synth` and the infra tests run it.
    env: { ...process.env, ...(options.cloudFormationValidation === false && { CDK_VALIDATION: 'false' }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', done);
  }).finally(() => clearTimeout(timer));
  if (code !== 0) throw new Error(`Synthesis into ${outdir} failed (exit ${code}):\n${output.slice(-8000)}`);
  const assembly = readAssembly(outdir, options.stackName);
  pruneAssets(assembly.dir);
  return assembly;
};

/** Removes the asset directories no manifest of the assembly names any more (earlier bundles). */
const pruneAssets = (dir: string) => {
  const named = new Set(
    readdirSync(dir)
      .filter((file) => file.endsWith('.assets.json'))
      .flatMap((file) => Object.values(readJson<AssetManifest>(join(dir, file)).files ?? {}).map((asset) => asset.source.path)),
  );
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('asset.') && !named.has(entry)) rmSync(join(dir, entry), { recursive: true, force: true });
  }
};

const synthesizeHere = async (outdir: string, context: Record<string, unknown>) => {
  const { buildApp } = await import('../infra/app.ts');
  const cdkJson = readJson<{ context?: Record<string, unknown> }>(join(REPO_ROOT, 'cdk.json'));
  // What the CDK CLI adds: asset paths in the template's metadata.
  const all = { ...cdkJson.context, 'aws:cdk:enable-asset-metadata': true, ...context };
  buildApp(all, outdir).app.synth();
};

if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === 'synth') {
  const [, , , outdir, context] = process.argv;
  if (!outdir) throw new Error('usage: assembly.ts synth OUTDIR [CONTEXT_JSON]');
  synthesizeHere(outdir, context ? (JSON.parse(context) as Record<string, unknown>) : {}).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
