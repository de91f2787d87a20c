import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jwtVerify } from 'jose';
import type { Context } from 'aws-lambda';
import { Problem } from '#commons/problem';
import { referencedId, resourcesOfType, type CfnTemplate } from './template.ts';

export const BODY_LIMIT = 10 * 1024 * 1024;

export type Handler = (event: unknown, context: Context) => Promise<any>;
export type LocalRoute = { method: string; pattern: RegExp; params: string[]; routeKey: string; jwt: boolean; functionId: string };

/** Routes as the HTTP API declares them in the template: route key, authorizer and target function. */
export const routesOf = (template: CfnTemplate): LocalRoute[] =>
  resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, route]) => {
    const routeKey: string = route.Properties.RouteKey;
    const [method, path] = routeKey.split(' ') as [string, string];
    const integrationId = referencedId(route.Properties.Target['Fn::Join'][1][1]);
    const integration = template.Resources[integrationId!]!;
    const params: string[] = [];
    const pattern = new RegExp(
      `^${path.replace(/\{(\w+)\}/g, (_, name: string) => (params.push(name), '([^/]+)'))}$`,
    );
    return {
      method,
      pattern,
      params,
      routeKey,
      jwt: route.Properties.AuthorizationType === 'JWT',
      functionId: referencedId(integration.Properties.IntegrationUri)!,
    };
  });

export const lambdaContext = (functionName: string): Context =>
  ({
    awsRequestId: randomUUID(),
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:cn-north-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 29_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  }) as Context;

export const readBody = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Like API Gateway, an oversized body is read to its end and answered 413, not cut off.
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT) chunks.push(chunk);
    });
    request.on('end', () =>
      size > BODY_LIMIT ? reject(new Problem(413, 'PAYLOAD_TOO_LARGE', `Bodies are limited to ${BODY_LIMIT} bytes.`)) : resolve(Buffer.concat(chunks)),
    );
    request.on('error', reject);
  });

export const sendProblem = (response: ServerResponse, problem: Problem) => {
  response.writeHead(problem.status, { 'content-type': 'application/problem+json' });
  response.end(JSON.stringify(problem.toBody()));
};

/** What the route's function answered, or how it failed (the Lambda service's error types). */
export type RouteInvoke = (functionId: string, event: unknown) => Promise<{ ok: true; result: any } | { ok: false; error: { errorType: string } }>;

/** The JWT authorizer as the template configures it: issuer and audience resolved, HS256 locally. */
export type JwtAuthorizer = { secret: string; issuer: string; audience: string[] };

/** API Gateway's own answers: plain `{message}` JSON, not problem+json (clients see exactly this on AWS). */
const gatewayAnswer = (response: ServerResponse, status: number, message: string) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ message }));
};

/**
 * Claims as the HTTP API hands them to Lambda: every value a string, arrays as "[a b]",
 * numbers and booleans as their text, objects as JSON.
 */
const gatewayClaims = (claims: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(claims).map(([name, value]) => [
      name,
      Array.isArray(value) ? `[${value.join(' ')}]` : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value),
    ]),
  );

/**
 * The authorizer's check of a token: signature, algorithm, issuer, audience and required `exp` by
 * jose once per token; a token seen before is answered from what that check found, with its time
 * claims (`exp`, `nbf`) checked again against the current time as jose checks them (no clock
 * tolerance). A token is accepted or refused exactly as a fresh check would, without a signature
 * verification (a thread-pool round trip in WebCrypto) per request.
 */
const jwtVerifier = (authorizer: JwtAuthorizer) => {
  const key = new TextEncoder().encode(authorizer.secret);
  const passed = new Map<string, Record<string, unknown>>();
  return async (token: string): Promise<Record<string, unknown>> => {
    const known = passed.get(token);
    if (known) {
      const now = Math.floor(Date.now() / 1000);
      if (typeof known.nbf === 'number' && known.nbf > now) throw new Error('not yet valid');
      if ((known.exp as number) <= now) throw new Error('expired');
      return known;
    }
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: authorizer.issuer, audience: authorizer.audience, requiredClaims: ['exp'] });
    if (passed.size >= 1024) passed.clear();
    passed.set(token, payload);
    return payload;
  };
};
const verifiedTokens = new WeakMap<JwtAuthorizer, (token: string) => Promise<Record<string, unknown>>>();

/** Plays API Gateway: matches the route, checks the JWT like the authorizer would, and builds a v2 event. */
export const apiGateway =
  (routes: LocalRoute[], invoke: RouteInvoke, authorizer: JwtAuthorizer) =>
  async (request: IncomingMessage, response: ServerResponse, url: URL, body: Buffer): Promise<boolean> => {
    const verified = verifiedTokens.get(authorizer) ?? verifiedTokens.set(authorizer, jwtVerifier(authorizer)).get(authorizer)!;
    const candidates = routes.filter((r) => r.pattern.test(url.pathname));
    if (candidates.length === 0) return false;
    const route = candidates.find((r) => r.method === request.method);
    if (!route) {
      sendProblem(response, new Problem(405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${url.pathname}.`));
      return true;
    }
    let claims: Record<string, unknown> | undefined;
    if (route.jwt) {
      // The authorizer takes the token alone or prefixed with `Bearer `.
      const token = /^(?:Bearer\s+)?(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
      try {
        if (!token) throw new Error('missing');
        claims = await verified(token);
      } catch {
        sendProblem(response, new Problem(401, 'UNAUTHENTICATED', 'A valid bearer token is required.'));
        return true;
      }
    }
    const match = route.pattern.exec(url.pathname)!;
    const pathParameters: Record<string, string> = {};
    for (const [i, name] of route.params.entries()) {
      try {
        pathParameters[name] = decodeURIComponent(match[i + 1]!);
      } catch {
        sendProblem(response, Problem.validation([{ path: `/${name}`, message: 'Not valid percent-encoding' }], 'The path is not valid percent-encoding.'));
        return true;
      }
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : (v ?? '')]),
    );
    const event = {
      version: '2.0',
      routeKey: route.routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
      pathParameters,
      body: body.length ? body.toString('base64') : undefined,
      isBase64Encoded: body.length > 0,
      requestContext: {
        requestId: randomUUID(),
        routeKey: route.routeKey,
        http: { method: request.method, path: url.pathname },
        ...(claims && { authorizer: { jwt: { claims: gatewayClaims(claims), scopes: null } } }),
      },
    };
    const invoked = await invoke(route.functionId, event);
    if (!invoked.ok) {
      // The Lambda service refused the payload (over 6 MB with its base64 body) or the function failed.
      if (invoked.error.errorType === 'RequestEntityTooLargeException') gatewayAnswer(response, 413, 'Request Entity Too Large');
      else gatewayAnswer(response, 500, 'Internal Server Error');
      return true;
    }
    const result = invoked.result;
    response.writeHead(result.statusCode ?? 200, result.headers ?? {});
    response.end(result.isBase64Encoded && result.body ? Buffer.from(result.body, 'base64') : (result.body ?? ''));
    return true;
  };
