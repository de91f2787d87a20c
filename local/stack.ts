import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import S3rver from 's3rver';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { s3Client } from '#adapters/aws/clients';
import { provideDeps } from '#commons/deps';
import { clock as stewardClock } from '#providers/clock';
import { Problem } from '#commons/problem';
import { localRoutes } from './local-routes.ts';
import { buildApp } from '../infra/app.ts';
import { ENTRY_METADATA } from '../infra/functions.ts';
import { RecordingAlerts } from './alerts.ts';
import { ControllableClock } from './clock.ts';
import { createTables, freePort, startDynamoDbLocal } from './dynamodb.ts';
import { apiGateway, lambdaContext, readBody, routesOf, sendProblem, type Handler } from './router.ts';
import { LocalStepFunctions, localStateMachineArn } from './step-functions.ts';
import { referencedId, resourcesOfType, type CfnTemplate } from './template.ts';

// aws-local-stepfunctions needs Node 22's Promise.withResolvers.
(Promise as any).withResolvers ??= function withResolvers<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

const defaultSecret = (name: string) => `whsec_${Buffer.from(`local-${name}-secret`).toString('base64')}`;

export type LocalStack = {
  url: string;
  clock: ControllableClock;
  stepFunctions: LocalStepFunctions;
  alerts: RecordingAlerts;
  stop: () => Promise<void>;
};

/** Starts all of Steward on this machine: emulators, the synthesised resources and the HTTP contract. */
export const startLocalStack = async (options: { port?: number } = {}): Promise<LocalStack> => {
  const env = process.env;
  env.AWS_REGION ??= 'cn-north-1';
  env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
  env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
  env.STEWARD_S3_FORCE_PATH_STYLE = 'true';
  for (const source of ['billing', 'hr', 'assets']) env[`STEWARD_${source.toUpperCase()}_WEBHOOK_SECRET`] ??= defaultSecret(source);
  env.STEWARD_ASSET_SERVICE_SECRET ??= defaultSecret('asset-service');
  env.STEWARD_INVOICE_PROVIDER_SECRET ??= defaultSecret('invoice-provider');
  const jwtSecret = env.STEWARD_ADMIN_JWT_SECRET ?? 'local-admin-secret';

  const { app, stack } = buildApp({ 'aws:cdk:bundling-stacks': [] });
  const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;

  const dynamo = await startDynamoDbLocal();
  env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
  await createTables(new DynamoDBClient({}), template);

  const s3Port = await freePort();
  const s3 = new S3rver({ port: s3Port, address: '127.0.0.1', silent: true, allowMismatchedSignatures: true, directory: resolve('.steward-local/s3', String(s3Port)) });
  await s3.run();
  env.AWS_ENDPOINT_URL_S3 = `http://127.0.0.1:${s3Port}`;
  const buckets: Record<string, string> = {};
  for (const [logicalId] of resourcesOfType(template, 'AWS::S3::Bucket')) {
    buckets[logicalId] = logicalId.toLowerCase();
    await s3Client().send(new CreateBucketCommand({ Bucket: buckets[logicalId] }));
  }

  // Function environments, with references resolved to the local resources; secrets stay inline.
  const resolveRef = (value: unknown): string | null => {
    if (typeof value === 'string') return value;
    const id = referencedId(value);
    const type = id ? template.Resources[id]?.Type : undefined;
    if (type === 'AWS::DynamoDB::GlobalTable') return id;
    if (type === 'AWS::S3::Bucket') return buckets[id!]!;
    if (type === 'AWS::StepFunctions::StateMachine') return localStateMachineArn(id!);
    return null;
  };
  const functions = Object.fromEntries(resourcesOfType(template, 'AWS::Lambda::Function'));
  for (const fn of Object.values(functions)) {
    for (const [name, value] of Object.entries(fn.Properties.Environment?.Variables ?? {})) {
      const resolved = resolveRef(value);
      if (resolved !== null && name !== 'NODE_OPTIONS') env[name] = resolved;
    }
  }

  const handlers = new Map<string, Promise<Handler>>();
  const handlerOf = (logicalId: string) => {
    if (!handlers.has(logicalId)) {
      const entry = functions[logicalId]?.Metadata?.[ENTRY_METADATA];
      if (!entry) throw new Error(`Function ${logicalId} has no ${ENTRY_METADATA} metadata`);
      handlers.set(logicalId, import(pathToFileURL(resolve(entry)).href).then((m) => m.handler as Handler));
    }
    return handlers.get(logicalId)!;
  };

  const clock = new ControllableClock();
  const stepFunctions = new LocalStepFunctions(template, async (logicalId, payload) =>
    (await handlerOf(logicalId))(payload, lambdaContext(logicalId)),
  );
  const alerts = new RecordingAlerts();
  provideDeps({ clock, workflows: stepFunctions, alerts });
  stewardClock.use(clock);

  const api = apiGateway(routesOf(template), handlerOf, jwtSecret);
  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    try {
      const body = await readBody(request);
      if (await localRoutes(clock, stepFunctions, alerts)(request, response, url, body)) return;
      if (await api(request, response, url, body)) return;
      sendProblem(response, new Problem(404, 'NOT_FOUND', `No route for ${url.pathname}.`));
    } catch (error) {
      sendProblem(response, error instanceof Problem ? error : new Problem(500, 'INTERNAL', String(error)));
    }
  });
  const port = options.port ?? (await freePort());
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));

  return {
    url: `http://127.0.0.1:${port}`,
    clock,
    stepFunctions,
    alerts,
    stop: async () => {
      stepFunctions.stop();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await s3.close();
      dynamo.stop();
    },
  };
};
