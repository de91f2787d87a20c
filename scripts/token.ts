import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';

/**
 * The local stack's admin JWTs: HS256 with `STEWARD_ADMIN_JWT_SECRET`, and the issuer and audience
 * it passes to the template's `AdminJwtIssuer` / `AdminJwtAudience` parameters, which its
 * authorizer checks as API Gateway's does on AWS.
 */
export const localJwt = (env: NodeJS.ProcessEnv = process.env) => ({
  secret: env.STEWARD_ADMIN_JWT_SECRET ?? 'local-admin-secret',
  issuer: env.STEWARD_ADMIN_JWT_ISSUER ?? 'https://steward.local/',
  audience: env.STEWARD_ADMIN_JWT_AUDIENCE ?? 'steward-admin',
});

type TokenOptions = { sub?: string; ttl?: string; roles?: string[]; issuer?: string; audience?: string };

export const adminToken = (corpId: string, sub = 'admin-1', ttl = '12h', options: Omit<TokenOptions, 'sub' | 'ttl'> = {}) => {
  const jwt = localJwt();
  return new SignJWT({ corpId, roles: options.roles ?? ['admin'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(options.issuer ?? jwt.issuer)
    .setAudience(options.audience ?? jwt.audience)
    .setIssuedAt()
    .setExpirationTime(ttl)
    .sign(new TextEncoder().encode(jwt.secret));
};

/** A token of the suite's enforcement points: `roles: ["enforcer"]`, for one corp or every corp (`*`). */
export const enforcerToken = (corpId = '*', sub = 'enforcer-1', ttl = '12h') => adminToken(corpId, sub, ttl, { roles: ['enforcer'] });

/**
 * Prints an HS256 token for the local stack: `npm run token -- --corp acme [--sub admin-1] [--ttl 12h]`
 * for an admin, `npm run token -- --enforcer [--corp acme]` for an enforcer (every corp by default).
 */
if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      corp: { type: 'string' },
      sub: { type: 'string' },
      ttl: { type: 'string', default: '12h' },
      enforcer: { type: 'boolean', default: false },
    },
  });
  console.log(
    values.enforcer
      ? await enforcerToken(values.corp ?? '*', values.sub ?? 'enforcer-1', values.ttl!)
      : await adminToken(values.corp ?? 'acme', values.sub ?? 'admin-1', values.ttl!),
  );
}
