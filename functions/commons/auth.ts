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

/** Enforcer tokens serve one corp, or every corp with `corpId: "*"`. */
const enforcerServes = (request: HttpRequest, claims: Record<string, unknown>, corpId: string): boolean =>
  rolesOf(request, claims).includes('enforcer') && (claims.corpId === corpId || claims.corpId === '*');

const claimsOf = (request: HttpRequest): Record<string, unknown> => {
  const claims = request.claims;
  if (!claims || typeof claims.sub !== 'string') throw new Problem(401, 'UNAUTHENTICATED', 'A bearer token is required.');
  return claims;
};

/** The suite's enforcement points (decisions): the `enforcer` role, for this corp or "*". */
export const enforcerCorpId = (request: HttpRequest): string => {
  const claims = claimsOf(request);
  const corpId = request.params.corpId ?? '';
  if (!rolesOf(request, claims).includes('enforcer')) throw new Problem(403, 'FORBIDDEN', 'The token lacks the enforcer role.');
  if (!enforcerServes(request, claims, corpId)) throw new Problem(403, 'FORBIDDEN', `The token is not for corp ${corpId}.`);
  return idParam(request, 'corpId');
};

/** Routes both may call (client-policy): the corp's admin, or an enforcer serving it. */
export const adminOrEnforcerCorpId = (request: HttpRequest): string => {
  const claims = claimsOf(request);
  const corpId = request.params.corpId ?? '';
  const admin = rolesOf(request, claims).includes('admin') && claims.corpId === corpId;
  if (!admin && !enforcerServes(request, claims, corpId)) {
    throw new Problem(403, 'FORBIDDEN', `The token is neither an admin's of corp ${corpId} nor an enforcer's serving it.`);
  }
  return idParam(request, 'corpId');
};
