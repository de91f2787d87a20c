import { httpHandler } from '#commons/http';

export const handler = httpHandler({
  'GET /health': async () => ({ status: 200, body: { status: 'ok' } }),
});
