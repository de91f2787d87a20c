import { decodeJwt } from 'jose';
import { Problem } from './problem.ts';
import { idParam, type HttpRequest } from './http.ts';

/**
 * API Gateway hands array claims to Lambda as "[a b]", elements joined by a space, so a role
 * named "not admin" would read as two roles. A string `roles` is therefore taken from the bearer
 * token the authorizer verified (the header holds the token, with or without `Bearer `, as the
 * authorizer accepts it), as long as it names the same subject and corp; a real array (handler
 * tests) is used as it is. Anything else carries no roles.
 */
const rolesOf = (request: HttpRequest, claims: Record<string, unknown>): readonly unknown[] => {
  if (Array.isArray(claims.roles)) return claims.roles;
  if (typeof claims.roles !== 'string') return [];
  const token = /^(?:Bearer\s+)?(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (!token) return [];
  let payload: Record<string, unknown>;
  try {
    payload = decodeJwt(token);
  } catch {
    return [];
  }
  if (payload.sub !== claims.sub || payload.corpId !== claims.corpId) return [];
  const { roles } = payload;
  return Array.isArray(roles) && roles.every((role) => typeof role === 'string') ? roles : [];
};

/** The JWT was verified upstream (HTTP API authorizer, or the local router); here: role and tenancy. */
export const requireCorpAdmin = (request: HttpRequest, corpId: string): { adminId: string } => {
  const claims = request.claims;
  if (!claims || typeof claims.sub !== 'string') throw new Problem(401, 'UNAUTHENTICATED', 'A bearer token is required.');
  if (!rolesOf(request, claims).includes('admin')) throw new Problem(403, 'FORBIDDEN', 'The token lacks the admin role.');
  if (claims.corpId !== corpId) throw new Problem(403, 'FORBIDDEN', `The token is not for corp ${corpId}.`);
  return { adminId: claims.sub };
};

/** Tenancy first: a foreign corp gets 403 before anything about the request is looked at. */
export const corpAdmin = (request: HttpRequest): { corpId: string; adminId: string } => {
  const { adminId } = requireCorpAdmin(request, request.params.corpId ?? '');
  return { corpId: idParam(request, 'corpId'), adminId };
};

export const adminCorpId = (request: HttpRequest): string => corpAdmin(request).corpId;
