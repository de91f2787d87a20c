import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';

export const adminToken = (corpId: string, sub = 'admin-1', ttl = '12h') =>
  new SignJWT({ corpId, roles: ['admin'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(ttl)
    .sign(new TextEncoder().encode(process.env.STEWARD_ADMIN_JWT_SECRET ?? 'local-admin-secret'));

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
