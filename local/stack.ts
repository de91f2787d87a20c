import { createServer, type Server } from 'node:http';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import S3rver from 's3rver';
import { CreateBucketCommand, PutBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Problem } from '#commons/problem';
import { LOCAL_FILES_SECRET, signingKeys } from '#commons/webhook-signature';
import { localRoutes } from './local-routes.ts';
import { consoleSite } from './console.ts';
import { readAssembly, synthesizeAssembly, type AssemblyFunction } from './assembly.ts';
import { buildApp } from '../infra/app.ts';
import { ENTRY_METADATA } from '../infra/functions.ts';
import { localJwt } from '../scripts/token.ts';
import { RecordingAlerts } from './alerts.ts';
import { startAwsEndpoint } from './aws-endpoint.ts';
import { ControllableClock } from './clock.ts';
import { LocalFaults } from './faults.ts';
import { RecordingMetrics } from './metrics.ts';
import { LocalScheduler } from './scheduler.ts';
import { createTables, freePort, startDynamoDbLocal } from './dynamodb.ts';
import { LocalIam } from './iam.ts';
import { sandboxedFunction } from './lambda-sandbox.ts';
import type { InvokeResult, LocalFunction } from './lambda-runtime.ts';
import { LocalResources, LOCAL_REGION } from './resources.ts';
import { apiGateway, lambdaContext, readBody, routesOf, sendProblem, type Handler, type RouteInvoke } from './router.ts';
import { LocalStepFunctions } from './step-functions.ts';
import { referencedId, resourcesOfType, type CfnTemplate } from './template.ts';

// aws-local-stepfunctions needs Node 22's Promise.withResolvers.
(Promise as any).withResolvers ??= function withResolvers<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

const LAMBDA_SERVICE_ERRORS = new Set(['TooManyRequestsException', 'ServiceException']);

/** Where `npm start` keeps its synthesised assembly; assets whose inputs did not change are not bundled again. */
const LOCAL_ASSEMBLY_DIR = resolve('.steward-local/cdk.out');

/** Local default webhook secrets (contract v2: keys of 24 bytes or more). */
const defaultSecret = (name: string) => `whsec_${Buffer.from(`steward-local-${name}-secret`).toString('base64')}`;

export type LocalStackOptions = {
  port?: number;
  /**
   * `bundles` (default): every function runs its synthesised bundle in its own containers, with
   * only its template environment, its role enforced and Lambda's limits. `sources`: the handlers'
   * TypeScript in this process, for tests that replace an adapter in-process.
   */
  runtime?: 'bundles' | 'sources';
  /** An already synthesised cloud assembly to run as it is (`npm start -- --from DIR`). */
  from?: string;
  /** Where to synthesise (default `.steward-local/cdk.out`, whose unchanged assets are reused). */
  assemblyDir?: string;
  /** Extra CDK context for the synthesis (e.g. `assetServiceUrlDoc`). */
  context?: Record<string, unknown>;
  /** Function output: to this terminal, or to `.steward-local/logs/<function>.log`. */
  logs?: 'inherit' | 'file';
  /** Containers each function may run at once; further calls wait (default 3). */
  maxContainers?: number;
};

export type LocalStack = {
  url: string;
  /** DynamoDB Local itself, behind no role: for tests that look at what was (not) written. */
  dynamoDbEndpoint: string;
  /** s3rver itself, behind no role (path-style). */
  s3Endpoint: string;
  /** The local name of the template's resource whose logical id starts with `logicalIdPrefix` (tables, buckets). */
  resourceName: (logicalIdPrefix: string) => string;
  /** AWS calls that reached the local endpoint, by `service:Operation` (`dynamodb:Query`, `s3:GET`...). */
  awsCalls: Map<string, number>;
  /** Calls that a function's role did not allow, oldest first. */
  denials: { caller: string; action: string; resource: string; at: string }[];
  clock: ControllableClock;
  stepFunctions: LocalStepFunctions;
  scheduler: LocalScheduler;
  alerts: RecordingAlerts;
  /** Metrics as CloudWatch would receive them: the functions' EMF lines and Step Functions' own (bundles runtime). */
  metrics: RecordingMetrics;
  faults: LocalFaults;
  iam: LocalIam;
  functions: Map<string, LocalFunction>;
  stop: () => Promise<void>;
};

/** Starts all of Steward on this machine: emulators, the synthesised resources and the HTTP contract. */
export const startLocalStack = async (options: LocalStackOptions = {}): Promise<LocalStack> => {
  const env = process.env;
  const runtime = options.runtime ?? 'bundles';
  env.AWS_REGION ??= LOCAL_REGION;
  env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
  env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
  for (const source of ['billing', 'hr', 'assets']) env[`STEWARD_${source.toUpperCase()}_WEBHOOK_SECRET`] ??= defaultSecret(`${source}-webhook`);
  // The contract publishes this one (18 bytes); signingKeys accepts it, and no other short key, for the files source.
  env.STEWARD_FILES_WEBHOOK_SECRET ??= LOCAL_FILES_SECRET;
  env.STEWARD_ASSET_SERVICE_SECRET ??= defaultSecret('asset-service');
  env.STEWARD_INVOICE_PROVIDER_SECRET ??= defaultSecret('invoice-provider');
  // A weak secret stops the stack before anything starts, naming the variable.
  for (const [name, value] of Object.entries(env)) {
    if (!/^STEWARD_\w+_SECRET$/.test(name) || name === 'STEWARD_ADMIN_JWT_SECRET') continue;
    try {
      signingKeys(value ?? '', { source: name === 'STEWARD_FILES_WEBHOOK_SECRET' ? 'files' : undefined, localStack: true });
    } catch (error) {
      throw new Error(`${name}: ${(error as Error).message}`);
    }
  }

  // What has started, stopped in reverse order: by stop(), or at once when the start fails part-way.
  const teardown: (() => unknown)[] = [];
  const stopAll = async () => {
    for (const step of teardown.splice(0).reverse()) await step();
  };
  try {
    const dynamoStarting = startDynamoDbLocal();
    teardown.push(async () => (await dynamoStarting).stop());
    let template: CfnTemplate;
    let assemblyFunctions: AssemblyFunction[] = [];
    if (runtime === 'bundles') {
      const assembly = options.from ? readAssembly(options.from) : await synthesizeAssembly(options.assemblyDir ?? LOCAL_ASSEMBLY_DIR, options.context, { cloudFormationValidation: false });
      template = assembly.template;
      assemblyFunctions = assembly.functions;
    } else {
      const { app, stack } = buildApp({ 'aws:cdk:bundling-stacks': [], ...options.context });
      template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
    }
    const jwt = localJwt();
    const resources = new LocalResources(template, { AdminJwtIssuer: jwt.issuer, AdminJwtAudience: jwt.audience });

    const dynamo = await dynamoStarting;
    const s3Port = await freePort();
    // Named by port: a directory left by an earlier stack on the same port (its buckets) is not this one's.
    const s3Directory = resolve('.steward-local/s3', String(s3Port));
    rmSync(s3Directory, { recursive: true, force: true });
    const s3 = new S3rver({ port: s3Port, address: '127.0.0.1', silent: true, allowMismatchedSignatures: true, directory: s3Directory });
    await s3.run();
    teardown.push(async () => {
      await s3.close();
      rmSync(s3Directory, { recursive: true, force: true });
    });
    const s3Endpoint = `http://127.0.0.1:${s3Port}`;
    await createTables(new DynamoDBClient({ endpoint: dynamo.endpoint }), template);
    const s3Admin = new S3Client({ endpoint: s3Endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    for (const [logicalId] of resourcesOfType(template, 'AWS::S3::Bucket')) {
      await s3Admin.send(new CreateBucketCommand({ Bucket: resources.ref(logicalId) }));
    }
    s3Admin.destroy();

    const clock = new ControllableClock();
    const alerts = new RecordingAlerts();
    const metrics = new RecordingMetrics();
    const faults = new LocalFaults();
    teardown.push(() => faults.clear());
    const iam = new LocalIam(resources);
    // Secret values: a function's `<NAME>_ARN` names the secret, this process's `<NAME>` holds its value.
    const secrets = new Map<string, string>();
    const functionResources = resourcesOfType(template, 'AWS::Lambda::Function');
    for (const [, fn] of functionResources) {
      for (const [name, value] of Object.entries(fn.Properties.Environment?.Variables ?? {})) {
        const id = referencedId(value);
        if (name.endsWith('_ARN') && id && resources.typeOf(id) === 'AWS::SecretsManager::Secret') {
          const secret = env[name.slice(0, -'_ARN'.length)];
          if (secret) secrets.set(resources.ref(id), secret);
        }
      }
    }
    const denials: LocalStack['denials'] = [];
    const awsCalls = new Map<string, number>();
    const callers = new Map(functionResources.map(([id]) => [`ASIA${id.toUpperCase()}`, id]));
    let stepFunctions: LocalStepFunctions | undefined;
    const endpoint = await startAwsEndpoint(
      {
        iam,
        callers,
        trustedAccessKeys: runtime === 'sources' ? [env.AWS_ACCESS_KEY_ID!] : [],
        dynamoDbEndpoint: dynamo.endpoint,
        s3Endpoint,
        startExecution: (arn, name, input) => stepFunctions!.startExecution(arn, name, input),
        describeExecution: (arn) => stepFunctions!.describe(arn),
        faults,
        putEvent: (event) => alerts.record(event),
        secrets,
        kmsKeys: resourcesOfType(template, 'AWS::KMS::Key').map(([id]) => resources.getAtt(id, 'Arn')),
        called: (call) => awsCalls.set(call, (awsCalls.get(call) ?? 0) + 1),
        denied: (denial) => denials.push({ ...denial, at: new Date().toISOString() }),
      },
      await freePort(),
    );
    teardown.push(async () => {
      endpoint.server.closeAllConnections();
      await new Promise<void>((done) => endpoint.server.close(() => done()));
    });

    const port = options.port ?? (await freePort());
    // A bucket the console reads from (handover reports) allows the console's origin: on AWS its CloudFront
    // domain, here the local stack's own origin, which serves /console/.
    const s3Cors = new S3Client({ endpoint: s3Endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    for (const [logicalId, bucket] of resourcesOfType(template, 'AWS::S3::Bucket')) {
      const rules = bucket.Properties?.CorsConfiguration?.CorsRules as { AllowedMethods: string[]; AllowedHeaders?: string[]; MaxAge?: number }[] | undefined;
      if (!rules) continue;
      await s3Cors.send(
        new PutBucketCorsCommand({
          Bucket: resources.ref(logicalId),
          CORSConfiguration: {
            CORSRules: rules.map((rule) => ({ AllowedMethods: rule.AllowedMethods, AllowedHeaders: rule.AllowedHeaders, MaxAgeSeconds: rule.MaxAge, AllowedOrigins: [`http://127.0.0.1:${port}`, `http://localhost:${port}`] })),
          },
        }),
      );
    }
    s3Cors.destroy();
    const functions = new Map<string, LocalFunction>();
    let invokeFunction: (functionId: string, event: unknown) => Promise<InvokeResult>;
    if (runtime === 'bundles') {
      // Outside the repository: no node_modules above a sandbox but the runtime's own.
      const sandboxRoot = join(tmpdir(), `steward-sandboxes-${process.pid}-${port}`);
      teardown.push(() => rmSync(sandboxRoot, { recursive: true, force: true }));
      const logDir = resolve('.steward-local/logs');
      if (options.logs === 'file') mkdirSync(logDir, { recursive: true });
      for (const fn of assemblyFunctions) {
        const file = options.logs === 'file' ? createWriteStream(join(logDir, `${fn.logicalId}.log`), { flags: 'a' }) : undefined;
        if (file) teardown.push(() => file.end());
        // On AWS, CloudWatch Logs extracts the EMF lines of a function's log as metrics.
        const output = metrics.tap(fn.logicalId, file ?? process.stdout);
        const { local } = sandboxedFunction({
          root: sandboxRoot,
          fn,
          resources,
          extraEnvironment: {
            AWS_ACCESS_KEY_ID: [...callers].find(([, id]) => id === fn.logicalId)![0],
            AWS_SECRET_ACCESS_KEY: 'local',
            AWS_SESSION_TOKEN: 'local',
            // The one variable Lambda does not set: every AWS call goes to the local endpoint.
            AWS_ENDPOINT_URL: endpoint.url,
          },
          maxContainers: options.maxContainers ?? 3,
          clockOffsetMs: () => clock.offset(),
          output,
        });
        functions.set(fn.logicalId, local);
        teardown.push(() => local.stop());
      }
      clock.onMoved(() => {
        for (const fn of functions.values()) fn.clockMoved(clock.offset());
      });
      invokeFunction = (functionId, event) => {
        const fn = functions.get(functionId);
        if (!fn) throw new Error(`No function ${functionId}`);
        return fn.invoke(event);
      };
    } else {
      invokeFunction = await inProcessFunctions(template, resources, endpoint.url, clock);
    }
    const invoke = async (functionId: string, event: unknown): Promise<InvokeResult> => {
      // A fault names a function by its construct id (`FinishHandover`), without the logical id's hash.
      const fault = faults.take(`function:${functionId.replace(/[0-9A-F]{8}$/, '')}`) ?? faults.take(`function:${functionId}`);
      if (fault?.hang) await faults.untilCleared();
      else if (fault) return { ok: false, error: { errorType: fault.errorType, errorMessage: `Fault injected by /local/faults into ${functionId}` } };
      return invokeFunction(functionId, event);
    };

    stepFunctions = new LocalStepFunctions(
      resources,
      async (functionId, payload) => {
        const result = await invoke(functionId, payload);
        if (result.ok) return result.result;
        // Lambda's own refusals reach a state machine as `Lambda.<Exception>`, which LambdaInvoke's default Retry names.
        const name = LAMBDA_SERVICE_ERRORS.has(result.error.errorType) ? `Lambda.${result.error.errorType}` : result.error.errorType;
        throw Object.assign(new Error(result.error.errorMessage), { name });
      },
      clock,
      (stateMachineArn, metricName) => metrics.record({ namespace: 'AWS/States', name: metricName, dimensions: { StateMachineArn: stateMachineArn }, value: 1, unit: 'Count', source: 'states' }),
    );
    const scheduler = new LocalScheduler(resources, iam, invoke, clock);
    teardown.push(() => {
      scheduler.stop();
      stepFunctions!.stop();
      clock.release();
    });

    const api = apiGateway(routesOf(template), invoke as RouteInvoke, { secret: jwt.secret, issuer: jwt.issuer, audience: [jwt.audience] });
    // Handover reports and invoice PDFs are presigned S3 links: the console fetches reports from s3rver.
    const site = consoleSite({ connect: [s3Endpoint] });
    const server: Server = createServer(async (request, response) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      try {
        const body = await readBody(request);
        if (await localRoutes({ clock, stepFunctions: stepFunctions!, scheduler, alerts, metrics, functions, denials, faults })(request, response, url, body)) return;
        if (await api(request, response, url, body)) return;
        if (await site(request, response, url)) return;
        sendProblem(response, new Problem(404, 'NOT_FOUND', `No route for ${url.pathname}.`));
      } catch (error) {
        sendProblem(response, error instanceof Problem ? error : new Problem(500, 'INTERNAL', String(error)));
      }
    });
    await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
    teardown.push(async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    });
    return {
      url: `http://127.0.0.1:${port}`,
      dynamoDbEndpoint: dynamo.endpoint,
      s3Endpoint,
      resourceName: (prefix) => resources.ref(Object.keys(template.Resources).find((id) => id.startsWith(prefix))!),
      denials,
      awsCalls,
      clock,
      stepFunctions,
      scheduler,
      alerts,
      metrics,
      faults,
      iam,
      functions,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
};

/**
 * The `sources` runtime: handlers imported from TypeScript into this process, which shares one
 * environment holding every function's variables; the stack's clock is put in place of the system
 * clock, and AWS calls go to the local endpoint without a role check.
 */
const inProcessFunctions = async (
  template: CfnTemplate,
  resources: LocalResources,
  endpointUrl: string,
  clock: ControllableClock,
): Promise<(functionId: string, event: unknown) => Promise<InvokeResult>> => {
  const env = process.env;
  env.AWS_ENDPOINT_URL = endpointUrl;
  env.STEWARD_S3_FORCE_PATH_STYLE = 'true';
  const functions = Object.fromEntries(resourcesOfType(template, 'AWS::Lambda::Function'));
  for (const fn of Object.values(functions)) {
    for (const [name, value] of Object.entries(fn.Properties.Environment?.Variables ?? {})) {
      const resolved = resources.tryResolve(value);
      // Secrets stay inline (`<NAME>` beside `<NAME>_ARN`), and KMS sealing is left to AWS.
      if (typeof resolved === 'string' && name !== 'NODE_OPTIONS' && name !== 'WATERMARK_KMS_KEY_ARN') env[name] = resolved;
    }
  }
  // The clock is the one adapter put in place: workflows and alerts take the AWS path to the local endpoint.
  const { clock: clockProvider } = await import('#providers/clock');
  clockProvider.use(clock);
  const handlers = new Map<string, Promise<Handler>>();
  return async (functionId, event) => {
    if (!handlers.has(functionId)) {
      const entry = functions[functionId]?.Metadata?.[ENTRY_METADATA];
      if (!entry) throw new Error(`Function ${functionId} has no ${ENTRY_METADATA} metadata`);
      handlers.set(functionId, import(pathToFileURL(resolve(entry)).href).then((m) => m.handler as Handler));
    }
    try {
      return { ok: true, result: await (await handlers.get(functionId)!)(event, lambdaContext(functionId)) };
    } catch (error) {
      return { ok: false, error: { errorType: (error as Error).name, errorMessage: (error as Error).message } };
    }
  };
};
