import { secretValue } from '#commons/secrets';
import { sign, signingKeys } from '#commons/webhook-signature';

/**
 * POSTs JSON to a partner service, signed the Standard Webhooks way with the secret in `secretName`
 * (or `<secretName>_ARN`). `id` is the idempotency key: the same for every retry of one request.
 */
export const postSigned = async (url: string, id: string, payload: unknown, secretName: string, timeoutMs: number): Promise<Response> => {
  const body = JSON.stringify(payload);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const [key] = signingKeys(await secretValue(secretName)) as [Buffer];
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': timestamp,
      'webhook-signature': `v1,${sign(key, id, timestamp, Buffer.from(body))}`,
    },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
};

/** The `detail` (or `message`) of an error answer, else its text, at most 500 characters. */
export const detailOf = async (response: Response): Promise<string> => {
  const text = (await response.text().catch(() => '')).slice(0, 500);
  try {
    const body = JSON.parse(text) as { detail?: unknown; message?: unknown };
    return String(body.detail ?? body.message ?? text);
  } catch {
    return text || response.statusText;
  }
};
