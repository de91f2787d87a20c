import { createHmac, timingSafeEqual } from 'node:crypto';
import { Problem } from './problem.ts';

/** Standard Webhooks: a timestamp further than this from now is refused. */
export const TIMESTAMP_TOLERANCE_S = 300;

const invalid = (detail: string) => new Problem(401, 'INVALID_SIGNATURE', detail);

/** A shorter HMAC key can be guessed or forged (an empty one signs for anybody); contract v2 refuses it. */
export const MIN_KEY_BYTES = 24;

/**
 * The files webhook's local default, published by the contract as `whsec_` + base64 of
 * `local-files-secret` (18 bytes). The suite's clients sign with exactly it, so it is the one short
 * key accepted, for the files source only, and only from a local stack's secret: it is public, so a
 * deployment holding it in Secrets Manager refuses it like any other short key.
 */
export const LOCAL_FILES_SECRET = `whsec_${Buffer.from('local-files-secret').toString('base64')}`;

/**
 * `whsec_<base64 key>`; several secrets separated by spaces are all accepted while one is rotated
 * out. A configuration whose key is shorter than 24 bytes, or that holds none, is refused outright
 * (but for the files webhook's published local default).
 */
export const signingKeys = (secrets: string, options: { source?: string; localStack?: boolean } = {}): Buffer[] => {
  const configured = secrets.split(/\s+/).filter(Boolean);
  const keys = configured.map((secret) => Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64'));
  const published = (i: number) => options.source === 'files' && options.localStack === true && configured[i] === LOCAL_FILES_SECRET;
  const short = keys.find((key, i) => key.length < MIN_KEY_BYTES && !published(i));
  if (keys.length === 0 || short) {
    throw new Error(
      `A webhook secret must be whsec_ followed by the base64 of at least ${MIN_KEY_BYTES} bytes; ${short ? `one decodes to ${short.length}` : 'none is set'}. Generate one with: echo whsec_$(openssl rand -base64 32)`,
    );
  }
  return keys;
};

export const sign = (key: Buffer, id: string, timestamp: string, body: Buffer): string =>
  createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');

/**
 * Verifies `webhook-id`, `webhook-timestamp` and `webhook-signature` (space-separated `v1,<sig>`)
 * against every key. `nowsMs` are the instants the timestamp may be near: the wall clock and, on
 * the local stack, the stack's movable clock.
 */
export const verifyWebhook = (
  headers: Record<string, string>,
  body: Buffer,
  keys: readonly Buffer[],
  nowsMs: readonly number[],
): { id: string; timestamp: number } => {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestamp || !signatures) throw invalid('webhook-id, webhook-timestamp and webhook-signature are required.');
  if (!/^\d{1,12}$/.test(timestamp)) throw invalid('webhook-timestamp must be unix seconds.');
  const seconds = Number(timestamp);
  if (!nowsMs.some((now) => Math.abs(now / 1000 - seconds) <= TIMESTAMP_TOLERANCE_S)) {
    throw invalid(`webhook-timestamp is more than ${TIMESTAMP_TOLERANCE_S} s from now.`);
  }
  const offered = signatures
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice(3), 'base64'));
  const matches = keys.some((key) => {
    const expected = Buffer.from(sign(key, id, timestamp, body), 'base64');
    return offered.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
  });
  if (!matches) throw invalid('No webhook-signature matches.');
  return { id, timestamp: seconds };
};
