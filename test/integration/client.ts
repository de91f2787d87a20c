import { randomUUID } from 'node:crypto';
import { sign } from '#commons/webhook-signature';
import { adminToken } from '../../scripts/token.ts';

/** A contract client, as billing, HR or an admin would call the stack. */
export const client = (baseUrl: string) => {
  // The files webhook's local default is the contract's published `local-files-secret`.
  const secretKey = (source: string) => Buffer.from(source === 'files' ? 'local-files-secret' : `steward-local-${source}-webhook-secret`);
  const webhook = async (source: 'billing' | 'hr' | 'assets' | 'files', event: unknown, id = `msg_${randomUUID()}`, options: { key?: Buffer; at?: number } = {}) => {
    const body = JSON.stringify(event);
    const timestamp = String(Math.floor((options.at ?? Date.now()) / 1000));
    const signature = sign(options.key ?? secretKey(source), id, timestamp, Buffer.from(body));
    const response = await fetch(`${baseUrl}/webhooks/${source}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` },
      body,
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const admin = async (corpId: string, method: string, path: string, body?: unknown, tokenCorp = corpId) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await adminToken(tokenCorp)}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as any) : null, type: response.headers.get('content-type') };
  };
  const local = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await response.json()) as any;
  };
  return { webhook, admin, local };
};

/** Polls until `check` holds: workflows finish asynchronously. */
export const eventually = async <T>(read: () => Promise<T>, check: (value: T) => boolean, tries = 200): Promise<T> => {
  let value = await read();
  for (let i = 0; i < tries && !check(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
};
