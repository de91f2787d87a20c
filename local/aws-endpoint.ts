import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { LocalFaults } from './faults.ts';
import type { LocalIam } from './iam.ts';
import { LOCAL_ACCOUNT, LOCAL_PARTITION, LOCAL_REGION } from './resources.ts';

/** What the endpoint needs from the rest of the stack. */
export type AwsEndpointOptions = {
  iam: LocalIam;
  /** Access key id -> the function whose role signs with it (each local function gets its own key). */
  callers: Map<string, string>;
  /** Access keys whose calls are not checked: the in-process runtime's, which has no per-function role. */
  trustedAccessKeys: string[];
  dynamoDbEndpoint: string;
  s3Endpoint: string;
  startExecution: (stateMachineArn: string, name: string, input: string) => { executionArn: string; startDate: Date } | 'exists';
  describeExecution: (executionArn: string) => DescribedExecution | undefined;
  putEvent: (entry: { source: string; detailType: string; detail: unknown; eventBusName: string }) => void;
  /** Secret ARN -> its value. */
  secrets: Map<string, string>;
  /** Key ARNs of the template's KMS keys. */
  kmsKeys: string[];
  /** Told of every call, as `service:Operation` (S3: `s3:<method>`). */
  called: (call: string) => void;
  /** Told of every call a role did not allow. */
  denied: (denial: { caller: string; action: string; resource: string }) => void;
  /** Faults injected by the tests (`aws:<service>:<Operation>`). */
  faults: LocalFaults;
};

export type DescribedExecution = { stateMachineArn: string; name: string; status: string; startDate: Date; stopDate: Date | null; input: unknown };

/** `context`: the request's condition keys that policies may test (S3's `s3:if-none-match`). */
type Check = { action: string; resource: string; context?: Record<string, string> };
type Answer = { status: number; type: string; body: unknown };

const ARN = (service: string, resource: string) => `arn:${LOCAL_PARTITION}:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${resource}`;
const tableArn = (name: string) => ARN('dynamodb', `table/${name}`);

/** The IAM actions and resources a DynamoDB request needs, as AWS authorises them (transactions per item). */
const dynamoChecks = (operation: string, body: Record<string, any>): Check[] => {
  const per = (items: Record<string, unknown>, action: string) => Object.keys(items ?? {}).map((t) => ({ action, resource: tableArn(t) }));
  switch (operation) {
    case 'TransactWriteItems':
      return (body.TransactItems as Record<string, { TableName: string }>[]).map((item) => {
        const [kind, spec] = Object.entries(item)[0]!;
        const action = { ConditionCheck: 'ConditionCheckItem', Put: 'PutItem', Delete: 'DeleteItem', Update: 'UpdateItem' }[kind] ?? kind;
        return { action: `dynamodb:${action}`, resource: tableArn(spec.TableName) };
      });
    case 'TransactGetItems':
      return (body.TransactItems as { Get: { TableName: string } }[]).map((item) => ({ action: 'dynamodb:GetItem', resource: tableArn(item.Get.TableName) }));
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return per(body.RequestItems, `dynamodb:${operation}`);
    default:
      return [
        {
          action: `dynamodb:${operation}`,
          resource: body.TableName ? `${tableArn(body.TableName)}${body.IndexName ? `/index/${body.IndexName}` : ''}` : '*',
        },
      ];
  }
};

/** S3 REST calls by method, path (path-style) and sub-resource, as the IAM actions they need. */
const s3Checks = (method: string, url: URL, headers: IncomingMessage['headers']): Check[] => {
  const [, bucket = '', ...keyParts] = url.pathname.split('/');
  const key = keyParts.map(decodeURIComponent).join('/');
  const bucketArn = `arn:${LOCAL_PARTITION}:s3:::${bucket}`;
  const query = url.searchParams;
  if (!key) {
    if (method === 'POST' && query.has('delete')) return [{ action: 's3:DeleteObject', resource: `${bucketArn}/*` }];
    const action = { GET: 'ListBucket', HEAD: 'ListBucket', PUT: 'CreateBucket', DELETE: 'DeleteBucket' }[method] ?? `Unsupported${method}`;
    return [{ action: `s3:${action}`, resource: bucketArn }];
  }
  const resource = `${bucketArn}/${key}`;
  const version = query.has('versionId') ? 'Version' : '';
  const read = method === 'GET' || method === 'HEAD';
  if (query.has('tagging')) return [{ action: `s3:${read ? 'Get' : method === 'DELETE' ? 'Delete' : 'Put'}Object${version}Tagging`, resource }];
  if (query.has('acl')) return [{ action: `s3:${read ? 'Get' : 'Put'}Object${version}Acl`, resource }];
  if (read) return [{ action: `s3:GetObject${version}`, resource }];
  if (method === 'DELETE') return [{ action: `s3:DeleteObject${version}`, resource }];
  const source = headers['x-amz-copy-source'];
  const copied = typeof source === 'string' ? [{ action: 's3:GetObject', resource: `arn:${LOCAL_PARTITION}:s3:::${decodeURIComponent(source.replace(/^\//, '').split('?')[0]!)}` }] : [];
  const noneMatch = headers['if-none-match'];
  return [{ action: 's3:PutObject', resource, ...(typeof noneMatch === 'string' && { context: { 's3:if-none-match': noneMatch } }) }, ...copied];
};

const readAll = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

/** Who signed the request and for which service: SigV4's credential scope, in the header or a presigned URL. */
const credentialOf = (request: IncomingMessage, url: URL) => {
  const scope =
    /Credential=([^,\s]+)/.exec(request.headers.authorization ?? '')?.[1] ?? url.searchParams.get('X-Amz-Credential') ?? '';
  const [accessKeyId, , , service] = scope.split('/');
  return accessKeyId && service ? { accessKeyId, service } : null;
};

/** A presigned URL past `X-Amz-Date + X-Amz-Expires` is refused, as S3 refuses it. */
const presignExpired = (url: URL): boolean => {
  const date = url.searchParams.get('X-Amz-Date');
  const expires = url.searchParams.get('X-Amz-Expires');
  if (!date || !expires) return false;
  const signedAt = Date.parse(date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  return Date.now() > signedAt + Number(expires) * 1000;
};

/** What a ciphertext is bound to, as KMS binds it: the key and the encryption context (its pairs, in any order). */
const sealedWith = (keyArn: string, context: Record<string, string> = {}) =>
  Buffer.from(JSON.stringify([keyArn, Object.entries(context).sort(([a], [b]) => a.localeCompare(b))]));

const S3_AUTH_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token', 'x-id'];

const s3Error = (status: number, code: string, message: string): Answer => ({
  status,
  type: 'application/xml',
  body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message.replace(/[<&>"]/g, (c) => `&#${c.charCodeAt(0)};`)}</Message><RequestId>${randomUUID()}</RequestId></Error>`,
});

const jsonError = (protocol: string, status: number, type: string, message: string): Answer => ({
  status,
  type: protocol,
  body: { __type: `com.amazonaws.local#${type}`, message, Message: message },
});

/**
 * One endpoint for every AWS service the functions call (`AWS_ENDPOINT_URL`). Each call is
 * authorised against the calling function's role in the template; DynamoDB and S3 calls then go
 * on to DynamoDB Local and s3rver, and Step Functions, EventBridge, KMS and Secrets Manager calls
 * are answered here by the local stack itself.
 */
export const startAwsEndpoint = async (options: AwsEndpointOptions, port: number): Promise<{ url: string; server: Server }> => {
  const kmsKey = randomBytes(32);
  const agent = upstreamAgent();
  const server = createServer(async (request, response) => {
    try {
      await handle(options, kmsKey, agent, request, response);
    } catch (error) {
      // A failure after a forwarded answer began can only cut that answer short.
      if (response.headersSent) response.destroy();
      else send(response, jsonError('application/x-amz-json-1.0', 500, 'InternalFailure', String(error)));
    }
  });
  server.on('close', () => agent.destroy());
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${port}`, server };
};

const send = (response: ServerResponse, answer: Answer) => {
  response.writeHead(answer.status, { 'content-type': answer.type, 'x-amzn-requestid': randomUUID() });
  response.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
};

const denial = (caller: string, check: Check) =>
  `User: ${caller} is not authorized to perform: ${check.action} on resource: ${check.resource} because no identity-based policy allows the ${check.action} action`;

const handle = async (options: AwsEndpointOptions, kmsKey: Buffer, agent: Agent, request: IncomingMessage, response: ServerResponse) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const credential = credentialOf(request, url);
  const functionId = credential ? options.callers.get(credential.accessKeyId) : undefined;
  const service = credential?.service ?? 's3';
  const trusted = credential !== null && options.trustedAccessKeys.includes(credential.accessKeyId);
  const firstDenied = async (checks: Check[]): Promise<Check | null> => {
    if (trusted) return null;
    if (!functionId) return checks[0] ?? { action: 'unknown', resource: '*' };
    for (const check of checks) {
      if (!(await options.iam.allows(functionId, check.action, check.resource, check.context))) {
        options.denied({ caller: functionId, ...check });
        return check;
      }
    }
    return null;
  };
  const caller = functionId ? options.iam.callerArn(functionId) : 'anonymous';

  const call = `${service}:${service === 's3' ? request.method : String(request.headers['x-amz-target'] ?? '').split('.').pop()}`;
  options.called(call);
  const fault = options.faults.take(`aws:${call}`);
  if (fault) {
    const message = `Fault injected by /local/faults into ${call}`;
    return send(response, service === 's3' ? s3Error(500, fault.errorType, message) : jsonError('application/x-amz-json-1.0', 500, fault.errorType, message));
  }
  if (service === 's3') {
    if (presignExpired(url)) return send(response, s3Error(403, 'AccessDenied', 'Request has expired'));
    const denied = await firstDenied(s3Checks(request.method ?? 'GET', url, request.headers));
    if (denied) return send(response, s3Error(403, 'AccessDenied', functionId ? denial(caller, denied) : 'Access Denied'));
    for (const name of S3_AUTH_PARAMS) url.searchParams.delete(name);
    const { authorization: _signature, host: _host, ...headers } = request.headers;
    if (request.method === 'PUT' && headers['if-none-match'] === '*' && !url.searchParams.has('partNumber') && !headers['x-amz-copy-source']) {
      // s3rver ignores If-None-Match on a PUT; S3 refuses to write over an existing key with 412.
      return createOnly.run(url.pathname, async () => {
        if ((await upstreamStatus(agent, options.s3Endpoint, 'HEAD', url.pathname)) === 200) {
          return send(response, s3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold'));
        }
        return forward(agent, options.s3Endpoint, request, response, `${url.pathname}${url.search}`, headers);
      });
    }
    return forward(agent, options.s3Endpoint, request, response, `${url.pathname}${url.search}`, headers);
  }

  const body = await readAll(request);
  const target = String(request.headers['x-amz-target'] ?? '');
  const operation = target.split('.').pop() ?? '';
  const protocol = String(request.headers['content-type'] ?? 'application/x-amz-json-1.0');
  const input = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, any>) : {};
  const refuse = (check: Check) => send(response, jsonError(protocol, 400, 'AccessDeniedException', denial(caller, check)));

  if (service === 'dynamodb') {
    const denied = await firstDenied(dynamoChecks(operation, input));
    if (denied) return refuse(denied);
    return forward(agent, options.dynamoDbEndpoint, request, response, url.pathname, request.headers, body);
  }

  const answer = async (check: Check, reply: () => Answer) => {
    const denied = await firstDenied([check]);
    return denied ? refuse(denied) : send(response, reply());
  };
  switch (`${service}:${operation}`) {
    case 'states:StartExecution':
      return answer({ action: 'states:StartExecution', resource: input.stateMachineArn }, () => {
        const started = options.startExecution(input.stateMachineArn, input.name ?? randomUUID(), input.input ?? '{}');
        if (started === 'exists') return jsonError(protocol, 400, 'ExecutionAlreadyExists', `Execution already exists: '${input.name}'`);
        return { status: 200, type: protocol, body: { executionArn: started.executionArn, startDate: started.startDate.getTime() / 1000 } };
      });
    case 'states:DescribeExecution': {
      const execution = options.describeExecution(String(input.executionArn));
      return answer({ action: 'states:DescribeExecution', resource: String(input.executionArn) }, () =>
        execution
          ? {
              status: 200,
              type: protocol,
              body: {
                executionArn: input.executionArn,
                stateMachineArn: execution.stateMachineArn,
                name: execution.name,
                status: execution.status,
                startDate: execution.startDate.getTime() / 1000,
                ...(execution.stopDate && { stopDate: execution.stopDate.getTime() / 1000 }),
                input: JSON.stringify(execution.input),
              },
            }
          : jsonError(protocol, 400, 'ExecutionDoesNotExist', `Execution Does Not Exist: '${input.executionArn}'`),
      );
    }
    case 'events:PutEvents': {
      const entries = input.Entries as { Source: string; DetailType: string; Detail: string; EventBusName?: string }[];
      const bus = entries[0]?.EventBusName ?? 'default';
      return answer({ action: 'events:PutEvents', resource: bus.startsWith('arn:') ? bus : ARN('events', `event-bus/${bus}`) }, () => {
        for (const e of entries) options.putEvent({ source: e.Source, detailType: e.DetailType, detail: JSON.parse(e.Detail), eventBusName: bus });
        return { status: 200, type: protocol, body: { FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: randomUUID() })) } };
      });
    }
    case 'secretsmanager:GetSecretValue': {
      const arn = [...options.secrets.keys()].find((a) => a === input.SecretId || a.split(':').pop()!.replace(/-local$/, '') === input.SecretId);
      return answer({ action: 'secretsmanager:GetSecretValue', resource: arn ?? String(input.SecretId) }, () =>
        arn
          ? { status: 200, type: protocol, body: { ARN: arn, Name: arn.split(':').pop(), SecretString: options.secrets.get(arn), VersionId: 'local', VersionStages: ['AWSCURRENT'] } }
          : jsonError(protocol, 400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret."),
      );
    }
    case 'kms:Encrypt': {
      const keyArn = options.kmsKeys.find((k) => k === input.KeyId || k.endsWith(`/${input.KeyId}`));
      return answer({ action: 'kms:Encrypt', resource: keyArn ?? String(input.KeyId) }, () => {
        if (!keyArn) return jsonError(protocol, 400, 'NotFoundException', `Key '${input.KeyId}' does not exist`);
        const iv = randomBytes(12);
        const cipher = createCipheriv('aes-256-gcm', kmsKey, iv).setAAD(sealedWith(keyArn, input.EncryptionContext));
        const sealed = Buffer.concat([cipher.update(Buffer.from(input.Plaintext, 'base64')), cipher.final()]);
        const blob = Buffer.concat([Buffer.from([keyArn.length]), Buffer.from(keyArn), iv, cipher.getAuthTag(), sealed]);
        return { status: 200, type: protocol, body: { CiphertextBlob: blob.toString('base64'), KeyId: keyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' } };
      });
    }
    case 'kms:Decrypt': {
      const blob = Buffer.from(input.CiphertextBlob, 'base64');
      const keyArn = blob.subarray(1, 1 + blob[0]!).toString();
      return answer({ action: 'kms:Decrypt', resource: keyArn }, () => {
        try {
          const rest = blob.subarray(1 + blob[0]!);
          const decipher = createDecipheriv('aes-256-gcm', kmsKey, rest.subarray(0, 12)).setAAD(sealedWith(keyArn, input.EncryptionContext));
          decipher.setAuthTag(rest.subarray(12, 28));
          const plain = Buffer.concat([decipher.update(rest.subarray(28)), decipher.final()]);
          return { status: 200, type: protocol, body: { Plaintext: plain.toString('base64'), KeyId: keyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' } };
        } catch {
          return jsonError(protocol, 400, 'InvalidCiphertextException', 'The ciphertext is not valid for this stack.');
        }
      });
    }
    default:
      return send(response, jsonError(protocol, 400, 'UnknownOperationException', `The local stack does not emulate ${service}:${operation}`));
  }
};

/**
 * Connections to DynamoDB Local and s3rver are kept open and reused, as the SDK keeps its own to
 * AWS: a new TCP connection per call cost both the endpoint and DynamoDB Local's Jetty an accept
 * and a handshake on every call, time that no AWS call pays. What is forwarded is unchanged.
 */
const upstreamAgent = () => new Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16 });

/** Hop-by-hop headers (RFC 9110 7.6.1) belong to each connection, not to the forwarded message. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

/** One conditional write per key at a time, so a check and its write are not split by another's. */
const createOnly = {
  queues: new Map<string, Promise<unknown>>(),
  run<T>(key: string, write: () => Promise<T>): Promise<T> {
    const turn = (this.queues.get(key) ?? Promise.resolve()).catch(() => undefined).then(write);
    const settled = turn.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => this.queues.get(key) === settled && this.queues.delete(key));
    return turn;
  },
};

/** The status of a body-less request upstream (its answer is drained). */
const upstreamStatus = (agent: Agent, endpoint: string, method: string, path: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const target = new URL(endpoint);
    const upstream = httpRequest({ host: target.hostname, port: target.port, method, path, headers: { host: target.host }, agent }, (answer) => {
      answer.resume();
      answer.on('end', () => resolve(answer.statusCode ?? 500));
    });
    upstream.on('error', reject);
    upstream.end();
  });

const forward = (
  agent: Agent,
  endpoint: string,
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  headers: IncomingMessage['headers'],
  body?: Buffer,
): Promise<void> =>
  new Promise((resolve, reject) => {
    const target = new URL(endpoint);
    const forwarded: IncomingMessage['headers'] = { host: target.host };
    for (const [name, value] of Object.entries(headers)) if (name !== 'host' && !HOP_BY_HOP.has(name)) forwarded[name] = value;
    // A streamed body without a length goes on chunked, as it came.
    if (headers['transfer-encoding'] && !headers['content-length']) forwarded['transfer-encoding'] = headers['transfer-encoding'];
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: request.method, path, headers: forwarded, agent },
      (answer) => {
        const answered: IncomingMessage['headers'] = {};
        for (const [name, value] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(name)) answered[name] = value;
        if (answer.headers['transfer-encoding'] && !answer.headers['content-length']) answered['transfer-encoding'] = answer.headers['transfer-encoding'];
        response.writeHead(answer.statusCode ?? 500, answered);
        answer.pipe(response);
        answer.on('end', resolve);
      },
    );
    upstream.on('error', reject);
    if (body) upstream.end(body);
    else request.pipe(upstream);
  });
