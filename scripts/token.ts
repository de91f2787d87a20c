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

/** Prints an HS256 admin token for the local stack: `npm run token -- --corp acme [--sub admin-1] [--ttl 12h]`. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      corp: { type: 'string', default: 'acme' },
      sub: { type: 'string', default: 'admin-1' },
      ttl: { type: 'string', default: '12h' },
    },
  });
  console.log(await adminToken(values.corp!, values.sub!, values.ttl!));
}
