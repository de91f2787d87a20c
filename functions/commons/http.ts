import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { DomainError, type DomainErrorCode } from '#core/errors';
import { ID_PATTERN } from '#core/ids';
import { logger } from './logger.ts';
import { publishMetrics } from './metrics.ts';
import { Problem, type FieldError } from './problem.ts';
import { traceInvocation } from './tracing.ts';

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

export type HttpRequest = {
  routeKey: string;
  params: Record<string, string>;
  query: Record<string, string>;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  rawBody: Buffer;
  claims: Record<string, unknown> | null;
  context: Context;
};

/** `body` is sent as JSON; `binary` as it is, with its content type in `headers`. */
export type HttpResult = { status: number; body?: unknown; binary?: Uint8Array; headers?: Record<string, string> };

export type Route = (request: HttpRequest) => Promise<HttpResult>;

export const JSON_BODY_LIMIT = 256 * 1024;

/**
 * A synchronous Lambda invocation carries at most 6 MB each way, and API Gateway sends a binary body
 * base64-encoded (4/3 of its size) beside the headers and request context (64 KiB kept for those):
 * a binary body, or a binary answer, over 4,669,440 bytes can never pass on AWS.
 */
export const BINARY_BODY_LIMIT = ((6 * 1024 * 1024 - 64 * 1024) / 4) * 3;

const toRequest = (event: HttpEvent, context: Context): HttpRequest => {
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v ?? '']));
  const body = event.body ?? '';
  return {
    routeKey: event.routeKey,
    params: Object.fromEntries(Object.entries(event.pathParameters ?? {}).map(([k, v]) => [k, v ?? ''])),
    query: Object.fromEntries(Object.entries(event.queryStringParameters ?? {}).map(([k, v]) => [k, v ?? ''])),
    headers,
    rawBody: Buffer.from(body, event.isBase64Encoded ? 'base64' : 'utf8'),
    claims: (event.requestContext?.authorizer?.jwt?.claims as Record<string, unknown> | undefined) ?? null,
    context,
  };
};

export const problemResponse = (problem: Problem): APIGatewayProxyStructuredResultV2 => ({
  statusCode: problem.status,
  headers: { 'content-type': 'application/problem+json' },
  body: JSON.stringify(problem.toBody()),
});

const toResponse = (result: HttpResult): APIGatewayProxyStructuredResultV2 =>
  result.binary
    ? { statusCode: result.status, headers: result.headers, body: Buffer.from(result.binary).toString('base64'), isBase64Encoded: true }
    : {
        statusCode: result.status,
        headers: { ...(result.body !== undefined && { 'content-type': 'application/json' }), ...result.headers },
        ...(result.body !== undefined && { body: JSON.stringify(result.body) }),
      };

/** The status each domain error is answered with; the code and its extra fields go out as they are. */
const STATUS_OF: Record<DomainErrorCode, number> = {
  VALIDATION_FAILED: 400,
  ALLOCATION_NOT_FOUND: 404,
  DEVICE_NOT_FOUND: 404,
  HANDOVER_NOT_FOUND: 404,
  INVOICE_NOT_FOUND: 404,
  MEMBER_NOT_FOUND: 404,
  NOT_FOUND: 404,
  ORDER_NOT_FOUND: 404,
  POLICY_TYPE_NOT_FOUND: 404,
  UPLOAD_NOT_FOUND: 404,
  CONFLICT: 409,
  HANDOVER_RUNNING: 409,
  INVOICE_EXISTS: 409,
  MEMBER_DEPARTED: 409,
  NO_RECIPIENT: 409,
  NOTHING_TO_UNDO: 409,
  NOT_ENTITLED: 409,
  ORDER_NOT_PAID: 409,
  ORDER_REFUNDED: 409,
  RECIPIENT_NOT_ACTIVE: 409,
  REVOCATION_LOCKED: 409,
  SEATS_EXHAUSTED: 409,
  UNDO_WINDOW_CLOSED: 409,
  VERSION_MISMATCH: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
};

const problemOf = (error: DomainError): Problem => new Problem(STATUS_OF[error.code], error.code, error.detail, error.extra);

/** One Lambda serving the routes of one resource, keyed by API Gateway's `routeKey`. */
export const httpHandler = (routes: Record<string, Route>) =>
  middy<HttpEvent, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(traceInvocation())
    .use(publishMetrics())
    .handler(async (event, context) => {
      const route = routes[event.routeKey];
      try {
        if (!route) throw new Problem(404, 'NOT_FOUND', `No route ${event.routeKey}`);
        return toResponse(await route(toRequest(event, context)));
      } catch (caught) {
        const error = caught instanceof DomainError ? problemOf(caught) : caught;
        if (error instanceof Problem) {
          if (error.status >= 500) logger.error('request failed', { code: error.code, detail: error.detail });
          return problemResponse(error);
        }
        logger.error('unhandled error', { error: error as Error, routeKey: event.routeKey });
        return problemResponse(new Problem(500, 'INTERNAL', 'Something went wrong on our side; it is logged.'));
      }
    });

export const fieldErrors = (error: z.ZodError): FieldError[] =>
  error.issues.map((issue) => ({ path: `/${issue.path.join('/')}`, message: issue.message }));

/** Refuses non-JSON, oversized or malformed bodies before any work: a rejected request changes nothing. */
export const parseJson = (request: HttpRequest, limit = JSON_BODY_LIMIT): unknown => {
  const type = request.headers['content-type'];
  if (type && !/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
    throw new Problem(415, 'UNSUPPORTED_MEDIA_TYPE', `Expected application/json, got ${type}`);
  }
  if (request.rawBody.length > limit) {
    throw new Problem(413, 'PAYLOAD_TOO_LARGE', `Bodies are limited to ${limit} bytes`);
  }
  try {
    return JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    throw Problem.validation([{ path: '', message: 'Body is not valid JSON' }], 'The body is not valid JSON.');
  }
};

export const validate = <S extends z.ZodType>(schema: S, value: unknown): z.infer<S> => {
  const result = schema.safeParse(value);
  if (!result.success) throw Problem.validation(fieldErrors(result.error));
  return result.data;
};

export const jsonBody = <S extends z.ZodType>(request: HttpRequest, schema: S, limit = JSON_BODY_LIMIT): z.infer<S> =>
  validate(schema, parseJson(request, limit));

export const idParam = (request: HttpRequest, name: string): string => {
  const value = request.params[name] ?? '';
  if (!ID_PATTERN.test(value)) throw Problem.validation([{ path: `/${name}`, message: 'Must match ^[A-Za-z0-9_.:-]{1,64}$' }]);
  return value;
};

export const pageRequest = (request: HttpRequest): { limit: number; cursor: string | null } => {
  const raw = request.query.limit;
  const limit = raw === undefined ? 50 : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
    throw Problem.validation([{ path: '/limit', message: 'Must be an integer from 1 to 200' }]);
  }
  return { limit, cursor: request.query.cursor || null };
};

/** An optional query parameter, validated; problems point at `/<name>`. */
export const queryParam = <S extends z.ZodType>(request: HttpRequest, name: string, schema: S): z.infer<S> | null => {
  const value = request.query[name];
  if (value === undefined) return null;
  const result = schema.safeParse(value);
  if (!result.success) throw Problem.validation(result.error.issues.map((issue) => ({ path: `/${name}`, message: issue.message })));
  return result.data;
};
