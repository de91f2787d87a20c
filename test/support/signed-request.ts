import type { IncomingMessage, ServerResponse } from 'node:http';
import { verifyWebhook } from '#commons/webhook-signature';

export const answer = (response: ServerResponse, status: number, payload: unknown) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(payload));
};

/** Reads a request Steward signed; answers 401 itself and gives null when the signature does not hold. */
export const readSigned = async (request: IncomingMessage, response: ServerResponse, keys: readonly Buffer[]) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  try {
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
    return { id: verifyWebhook(headers, body, keys, [Date.now()]).id, body };
  } catch {
    answer(response, 401, { detail: 'bad signature' });
    return null;
  }
};
