/**
 * The synthesised bundles, loaded as Lambda's nodejs runtime loads them: every function of the
 * template is synthesised with bundling (once per test run: test/support/assembly.ts), laid out in a sandbox (local/lambda-sandbox.ts: the asset
 * as /var/task, only @aws-sdk/* and their closure above it), imported in a fresh `node` with only
 * its template environment plus Lambda's own variables, and invoked once with an event of its
 * trigger's shape. AWS is out of reach (AWS_ENDPOINT_URL is a closed port): a handler may fail on
 * that, but its module must load and link. A second check reads each bundle's esbuild metafile for
 * the npm packages it carries.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { Writable } from 'node:stream';
import type { AssemblyFunction, LambdaTrigger } from '../../local/assembly.ts';
import type { InvokeResult } from '../../local/lambda-runtime.ts';
import { loadFailure, sandboxedFunction } from '../../local/lambda-sandbox.ts';
import { LocalResources } from '../../local/resources.ts';
import type { CfnTemplate } from '../../local/template.ts';
import { testAssembly } from '../support/assembly.ts';

/**
 * Optional integrations on, so that every `*_SECRET_ARN` a function can read is in its template
 * environment (CheckInvoice reads the provider's secret only when a provider is configured; its
 * bundle is the same either way).
 */
const OPTIONAL_INTEGRATIONS = { invoiceProviderUrl: 'https://invoices.example.test' };
const PARALLEL = 3;

// Synthesised with bundling once per test run, shared with the other suites that run the bundles.
const assembly = await testAssembly();
const functions = assembly.functions;
const work = mkdtempSync(join(tmpdir(), 'steward-bundles-'));
const templateCount = Object.values(assembly.template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function').length;

/** A port nothing listens on: every AWS call fails fast with ECONNREFUSED. */
const closedPort = await new Promise<number>((done) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    server.close(() => done(port));
  });
});

afterAll(() => {
  if (!process.env.STEWARD_KEEP_BUNDLES) rmSync(work, { recursive: true, force: true });
});

const isNamed = (fn: AssemblyFunction, id: string) => new RegExp(`^${id}[0-9A-F]{8}$`).test(fn.logicalId);

type Check = { event: unknown; describe: string; verify: (result: any, output: string) => string | null };
/** One cold invocation: what the runtime answered, what the function printed, its init time. */
type Run = { outcome: InvokeResult; output: string; initMs: number | null };

const problemJson = (result: any, statuses: number[]): string | null => {
  if (!statuses.includes(result?.statusCode)) return `expected status ${statuses.join(' or ')}, got ${JSON.stringify(result)?.slice(0, 500)}`;
  if (result.headers?.['content-type'] !== 'application/problem+json') return `expected application/problem+json, got ${JSON.stringify(result.headers)}`;
  return null;
};

const httpEvent = (trigger: Extract<LambdaTrigger, { kind: 'http' }>, extra: { headers?: Record<string, string>; body?: string } = {}) => {
  const params = Object.fromEntries([...trigger.path.matchAll(/\{(\w+)\+?\}/g)].map(([, name]) => [name!, `test-${name!.replace(/Id$/, '')}`]));
  const rawPath = trigger.path.replace(/\{(\w+)\+?\}/g, (_, name: string) => params[name]!);
  const now = new Date();
  return {
    version: '2.0',
    routeKey: trigger.routeKey,
    rawPath,
    rawQueryString: '',
    headers: { host: 'api.example.test', 'user-agent': 'bundles-test', ...extra.headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'testapi',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method: trigger.method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.10', userAgent: 'bundles-test' },
      requestId: 'test-request',
      routeKey: trigger.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(Object.keys(params).length > 0 && { pathParameters: params }),
    ...(extra.body !== undefined && { body: extra.body }),
    isBase64Encoded: false,
  };
};

/** A Step Functions task's input: its Parameters with each path (`key.$`) filled by a plausible value. */
const taskInput = (parameters: Record<string, unknown> | null): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(parameters ?? {}).map(([key, value]) => {
      if (!key.endsWith('.$')) return [key, value];
      const name = key.slice(0, -2);
      if (/Id$/.test(name)) return [name, `test-${name.replace(/Id$/, '')}`];
      if (/(At|Until|By)$/.test(name)) return [name, '2020-01-01T00:00:00.000Z'];
      if (name === 'cursor') return [name, null];
      if (name === 'error') return [name, { Error: 'States.TaskFailed', Cause: '{"errorMessage":"test"}' }];
      return [name, 'test'];
    }),
  );

/** The event a function gets from one of its triggers, and what a loaded, linked handler answers. */
const checkFor = (fn: AssemblyFunction): Check => {
  const routes = fn.triggers.filter((t): t is Extract<LambdaTrigger, { kind: 'http' }> => t.kind === 'http');
  const health = routes.find((r) => r.routeKey === 'GET /health');
  if (health) {
    return {
      event: httpEvent(health),
      describe: 'GET /health -> 200',
      verify: (result) => (result?.statusCode === 200 && JSON.parse(result.body ?? '{}').status === 'ok' ? null : `expected 200 {status: ok}, got ${JSON.stringify(result)}`),
    };
  }
  const webhook = routes.find((r) => r.authorizationType === 'NONE' && r.path.startsWith('/webhooks/'));
  if (webhook) {
    const body = JSON.stringify({ type: 'test.event', data: {} });
    const headers = {
      'content-type': 'application/json',
      'webhook-id': 'msg_test',
      'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
      'webhook-signature': 'v1,aW52YWxpZA==',
    };
    // Its secret is a Secrets Manager ARN, unreachable here: a handled 500 problem, logged with the
    // refused connection (a 500 for any other reason fails); with the secret at hand, 401.
    return {
      event: httpEvent(webhook, { headers, body }),
      describe: `${webhook.routeKey} with a bad signature -> 401, or 500 when the secret cannot be fetched`,
      verify: (result, output) =>
        problemJson(result, [401, 500]) ??
        (result.statusCode === 500 && !/ECONNREFUSED/.test(output) ? 'a 500 that is not the unreachable secret (no ECONNREFUSED logged)' : null),
    };
  }
  const admin = routes.find((r) => r.authorizationType === 'JWT' && r.method === 'GET') ?? routes.find((r) => r.authorizationType === 'JWT');
  if (admin) {
    return { event: httpEvent(admin), describe: `${admin.routeKey} without JWT claims -> 401`, verify: (result) => problemJson(result, [401]) };
  }
  if (routes[0]) {
    return { event: httpEvent(routes[0]), describe: routes[0].routeKey, verify: (result) => (typeof result?.statusCode === 'number' ? null : `no HTTP answer: ${JSON.stringify(result)}`) };
  }
  const task = fn.triggers.find((t): t is Extract<LambdaTrigger, { kind: 'task' }> => t.kind === 'task');
  if (task) {
    return { event: taskInput(task.parameters), describe: `task ${task.state} (${task.stateMachine})`, verify: () => null };
  }
  return { event: {}, describe: 'no trigger: empty event', verify: () => null };
};

const sandboxes = join(work, 'sandboxes');

// Template references resolve to the names and ARNs the local stack would give them.
const resources = new LocalResources(assembly.template, { AdminJwtIssuer: 'https://issuer.test/', AdminJwtAudience: 'steward-test' });

const runFunction = async (fn: AssemblyFunction, check: Check): Promise<Run> => {
  let output = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      output += String(chunk);
      done();
    },
  });
  const { local } = sandboxedFunction({ root: sandboxes, fn, resources, extraEnvironment: { AWS_ENDPOINT_URL: `http://127.0.0.1:${closedPort}` }, output: sink });
  const outcome = await local.invoke(check.event);
  await local.stop();
  return { outcome, output, initMs: local.stats.initMs[0] ?? null };
};

const trimmed = (text: string, max = 3000) => (text.length > max ? `${text.slice(0, max)}\n... (${text.length - max} more characters)` : text);

const verdict = ({ outcome, output }: Run, check: Check): string | null =>
  // A handler that threw on its input or on AWS, after loading, is allowed here.
  loadFailure(outcome, output) ?? (outcome.ok ? check.verify(outcome.result, output) : null);

const runs = new Map<string, Promise<Run>>();
const summary: string[] = [];

describe('Lambda bundles, loaded as the nodejs22.x runtime loads them', () => {
  beforeAll(() => {
    const limit = pLimit(PARALLEL);
    for (const fn of functions) runs.set(fn.logicalId, limit(() => runFunction(fn, checkFor(fn))));
  });

  afterAll(() => {
    if (summary.length > 0) console.log(`Bundles in ${assembly.dir}:\n${summary.join('\n')}`);
  });

  it("runs one sandbox per function of the template", () => {
    expect(templateCount).toBeGreaterThan(0);
    expect(functions.length).toBe(templateCount);
    for (const fn of functions) expect(existsSync(fn.assetDir), fn.logicalId).toBe(true);
  });

  for (const fn of functions) {
    const check = checkFor(fn);
    it(`${fn.logicalId} loads and its handler runs (${check.describe})`, { timeout: 180_000 }, async () => {
      const run = await runs.get(fn.logicalId)!;
      const problem = verdict(run, check);
      const outcome =
        run.outcome.ok
          ? `returned ${JSON.stringify(run.outcome.result)?.slice(0, 160)}`
          : `${run.outcome.error.errorType}: ${run.outcome.error.errorMessage.split('\n')[0]?.slice(0, 160)}`;
      summary.push(
        `${problem ? 'FAIL' : 'ok  '} ${fn.logicalId.padEnd(30)} import ${run.initMs === null ? '-' : `${run.initMs.toFixed(0)} ms`}, ${outcome}`,
      );
      if (problem) {
        const report = [
          `${fn.logicalId} (${fn.entry}): ${problem}`,
          !run.outcome.ok && run.outcome.error.stack ? `stack:\n${trimmed(run.outcome.error.stack.join('\n'), 1500)}` : '',
          run.output ? `output:\n${trimmed(run.output)}` : 'output: (empty)',
        ].filter(Boolean);
        expect.fail(report.join('\n'));
      }
    });
  }
});

/** npm packages in a bundle: its metafile's inputs under node_modules and its external imports; plus node_modules shipped beside it. */
const packagesOf = (fn: AssemblyFunction): { bundled: Set<string>; external: Set<string>; shipped: Set<string> } => {
  const packageName = (path: string) => {
    const parts = path.split('/');
    return parts[0]!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  };
  const inNodeModules = (path: string) => {
    const at = path.lastIndexOf('node_modules/');
    return at < 0 ? null : packageName(path.slice(at + 'node_modules/'.length));
  };
  const bundled = new Set<string>();
  const external = new Set<string>();
  const meta = JSON.parse(readFileSync(join(fn.assetDir, 'index.meta.json'), 'utf8')) as {
    inputs: Record<string, unknown>;
    outputs: Record<string, { imports?: { path: string; external?: boolean }[] }>;
  };
  for (const input of Object.keys(meta.inputs)) {
    const name = inNodeModules(input);
    if (name) bundled.add(name);
  }
  for (const output of Object.values(meta.outputs)) {
    for (const imported of output.imports ?? []) {
      if (!imported.external || imported.path.startsWith('node:') || builtinModules.includes(imported.path.split('/')[0]!)) continue;
      if (imported.path.startsWith('.') || imported.path.startsWith('/')) continue;
      external.add(packageName(imported.path));
    }
  }
  const shipped = new Set<string>();
  const modules = join(fn.assetDir, 'node_modules');
  if (existsSync(modules)) {
    for (const entry of readdirSync(modules).filter((e) => !e.startsWith('.'))) {
      if (entry.startsWith('@')) for (const scoped of readdirSync(join(modules, entry))) shipped.add(`${entry}/${scoped}`);
      else shipped.add(entry);
    }
  }
  return { bundled, external, shipped };
};

const HEALTH_ALLOWED = [/^@middy\//, /^@aws-lambda-powertools\/(logger|metrics|commons)$/, /^@aws\/lambda-invoke-store$/];

describe('npm packages in each bundle', () => {
  const contents = new Map(functions.map((fn) => [fn.logicalId, packagesOf(fn)]));
  const all = (fn: AssemblyFunction) => {
    const c = contents.get(fn.logicalId)!;
    return [...new Set([...c.bundled, ...c.external, ...c.shipped])].sort();
  };
  const offenders = (matches: (name: string) => boolean, allowed: (fn: AssemblyFunction) => boolean) =>
    functions
      .filter((fn) => !allowed(fn))
      .map((fn) => ({ fn: fn.logicalId, packages: all(fn).filter(matches) }))
      .filter((o) => o.packages.length > 0);

  it('has a metafile beside every bundle', () => {
    expect(functions.filter((fn) => !existsSync(join(fn.assetDir, 'index.meta.json'))).map((fn) => fn.logicalId)).toEqual([]);
  });

  it('carries sharp and @img/* only in Watermarks (bundled, imported or shipped)', () => {
    expect(offenders((name) => name === 'sharp' || name.startsWith('@img/'), (fn) => isNamed(fn, 'Watermarks'))).toEqual([]);
  });

  it('carries pdf-lib and @pdf-lib/* only in CheckInvoice', () => {
    expect(offenders((name) => name === 'pdf-lib' || name.startsWith('@pdf-lib/'), (fn) => isNamed(fn, 'CheckInvoice'))).toEqual([]);
  });

  it('carries @aws-lambda-powertools/parameters only where the environment names a *_SECRET_ARN', { timeout: 120_000 }, () => {
    // The template with every optional integration on (no bundling): the secrets a function may ever read.
    const { app, stack } = buildApp({ 'aws:cdk:bundling-stacks': [], ...OPTIONAL_INTEGRATIONS });
    const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
    const readsSecret = (fn: AssemblyFunction) =>
      [fn.environment, template.Resources[fn.logicalId]?.Properties.Environment?.Variables ?? {}].some((variables) =>
        Object.keys(variables).some((key) => key.endsWith('_SECRET_ARN')),
      );
    expect(offenders((name) => name === '@aws-lambda-powertools/parameters', readsSecret)).toEqual([]);
  });

  it('ships Tracer and the X-Ray SDK beside every bundle that requires it (all that make AWS calls), and bundles them into none', () => {
    const tracer = '@aws-lambda-powertools/tracer';
    const requiring = functions.filter((fn) => contents.get(fn.logicalId)!.external.has(tracer));
    for (const fn of requiring) expect([...contents.get(fn.logicalId)!.shipped], fn.logicalId).toEqual(expect.arrayContaining([tracer, 'aws-xray-sdk-core']));
    const bundlingIt = functions.filter((fn) => [tracer, 'aws-xray-sdk-core'].some((name) => contents.get(fn.logicalId)!.bundled.has(name)));
    expect(bundlingIt.map((fn) => fn.logicalId)).toEqual([]);
    expect(functions.filter((fn) => !requiring.includes(fn)).map((fn) => fn.logicalId.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['CheckDue', 'Health']);
  });

  it('carries nothing in Health but logging, metrics and middy (no Tracer: it makes no AWS call)', () => {
    const health = functions.filter((fn) => isNamed(fn, 'Health'));
    expect(health.length).toBe(1);
    expect(all(health[0]!).filter((name) => !HEALTH_ALLOWED.some((allowed) => allowed.test(name)))).toEqual([]);
  });
});
