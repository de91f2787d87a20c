import { Problem } from './problem.ts';
import { idParam, type HttpRequest } from './http.ts';

/** API Gateway hands array claims to Lambda as "[a b]"; the local stack passes real arrays. */
const roleList = (roles: unknown): string[] => {
  if (Array.isArray(roles)) return roles.map(String);
  if (typeof roles !== 'string') return [];
  const trimmed = roles.trim();
  if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
    try {
      return (JSON.parse(trimmed) as unknown[]).map(String);
    } catch {
      return trimmed.slice(1, -1).split(/[\s,]+/).filter(Boolean);
    }
  }
  return trimmed.split(/[\s,]+/).filter(Boolean);
};

/** The JWT was verified upstream (HTTP API authorizer, or the local router); here: role and tenancy. */
export const requireCorpAdmin = (request: HttpRequest, corpId: string): { adminId: string } => {
  const claims = request.claims;
  if (!claims || typeof claims.sub !== 'string') throw new Problem(401, 'UNAUTHENTICATED', 'A bearer token is required.');
  if (!roleList(claims.roles).includes('admin')) throw new Problem(403, 'FORBIDDEN', 'The token lacks the admin role.');
  if (claims.corpId !== corpId) throw new Problem(403, 'FORBIDDEN', `The token is not for corp ${corpId}.`);
  return { adminId: claims.sub };
};

/** Tenancy first: a foreign corp gets 403 before anything about the request is looked at. */
export const corpAdmin = (request: HttpRequest): { corpId: string; adminId: string } => {
  const { adminId } = requireCorpAdmin(request, request.params.corpId ?? '');
  return { corpId: idParam(request, 'corpId'), adminId };
};

export const adminCorpId = (request: HttpRequest): string => corpAdmin(request).corpId;
