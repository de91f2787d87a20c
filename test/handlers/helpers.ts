import type { Context } from 'aws-lambda';
import { SignJWT } from 'jose';
import { sign, signingKeys } from '#commons/webhook-signature';
import type { HttpEvent } from '#commons/http';

export const context = {
  awsRequestId: 'req-1',
  functionName: 'test',
  getRemainingTimeInMillis: () => 25_000,
} as unknown as Context;

export const httpEvent = (over: {
  routeKey: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: string;
  headers?: Record<string, string>;
  claims?: Record<string, unknown> | null;
}): HttpEvent =>
  ({
    routeKey: over.routeKey,
    rawPath: '/',
    headers: { 'content-type': 'application/json', ...over.headers },
    pathParameters: over.params ?? {},
    queryStringParameters: over.query ?? {},
    body: over.body,
    isBase64Encoded: false,
    requestContext: over.claims ? { authorizer: { jwt: { claims: over.claims, scopes: [] } } } : {},
  }) as unknown as HttpEvent;

export const BILLING_SECRET = `whsec_${Buffer.from('steward-local-billing-webhook-secret').toString('base64')}`;

export const signedHeaders = (body: string, secret = BILLING_SECRET, id = 'msg_1', at = Date.now()) => {
  const timestamp = String(Math.floor(at / 1000));
  return {
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${sign(signingKeys(secret)[0]!, id, timestamp, Buffer.from(body))}`,
  };
};

/**
 * What API Gateway's JWT authorizer hands a Lambda for a verified admin token: the claims with
 * arrays flattened to "[a b]", and the token itself still in the authorization header.
 */
export const viaAuthorizer = async (claims: { sub: string; corpId: string; roles: string[] }) => ({
  claims: { ...claims, roles: `[${claims.roles.join(' ')}]` },
  headers: {
    authorization: `Bearer ${await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('test-jwt-secret'))}`,
  },
});
