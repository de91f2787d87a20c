import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { Problem } from '#commons/problem';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * The headers CloudFront's response headers policy sets on AWS (infra/console-site.ts), so pages are
 * tested under the same Content-Security-Policy. `connect` adds the origins the console fetches from
 * besides its own (the S3 endpoint serving handover reports).
 */
export const securityHeaders = (connect: string[] = []) => ({
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src 'self'${connect.map((origin) => ` ${origin}`).join('')}`,
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
});

/**
 * `/console/`: the built admin console (console/dist, `npm run console:build`), with SPA routing (any
 * other path under it answers index.html) and a `config.json` telling it to sign in locally.
 */
export const consoleSite =
  ({ dist = resolve('console/dist'), connect = [] as string[] } = {}) =>
  async (request: IncomingMessage, response: ServerResponse, url: URL): Promise<boolean> => {
    if (url.pathname === '/console') {
      response.writeHead(308, { location: '/console/' }).end();
      return true;
    }
    if (!url.pathname.startsWith('/console/') || (request.method !== 'GET' && request.method !== 'HEAD')) return false;
    const headers = securityHeaders(connect);
    const relative = url.pathname.slice('/console/'.length);
    if (relative === 'config.json') {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
      response.end(JSON.stringify({ auth: 'local', apiUrl: '' }));
      return true;
    }
    if (!existsSync(join(dist, 'index.html'))) throw new Problem(404, 'NOT_FOUND', 'The console is not built: npm run console:build (npm start builds it).');
    const file = normalize(join(dist, relative));
    const asset = file.startsWith(dist) && extname(file) && existsSync(file) ? file : null;
    if (!asset && relative.startsWith('assets/')) throw new Problem(404, 'NOT_FOUND', `No console asset ${relative}.`);
    const path = asset ?? join(dist, 'index.html');
    response.writeHead(200, {
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'cache-control': asset && relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...headers,
    });
    response.end(request.method === 'HEAD' ? undefined : readFileSync(path));
    return true;
  };
