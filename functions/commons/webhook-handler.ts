import type { z } from 'zod';
import { clock } from '#providers/clock';
import { JSON_BODY_LIMIT, httpHandler, jsonBody, type HttpRequest } from './http.ts';
import { DomainError } from '#core/errors';
import { logger } from './logger.ts';
import { countMetric } from './metrics.ts';
import { Problem } from './problem.ts';
import { loadOnce } from './provider.ts';
import { webhookSecret, webhookSecretIsLocal, type WebhookSource } from './secrets.ts';
import { signingKeys, verifyWebhook } from './webhook-signature.ts';

type Accepted = { accepted: true; eventId: string };

/**
 * A signed webhook endpoint: size, signature, media type, JSON and schema are checked before
 * anything is written; the effect runs once per `webhook-id` and redeliveries get the same answer:
 * `{ accepted: true, eventId }`, or what `apply` answers when it answers something (the files batch's counts).
 */
export const webhookHandler = <S extends z.ZodType, R = void>(
  source: WebhookSource,
  schema: S,
  apply: (event: z.infer<S>) => Promise<R>,
  options: { bodyLimit?: number } = {},
) => {
  const bodyLimit = options.bodyLimit ?? JSON_BODY_LIMIT;
  // Idempotency (Powertools and the SDK's DynamoDB client) loads with the first webhook that passes the checks.
  const applyOnce = loadOnce(async () =>
    (await import('./idempotency.ts')).oncePerKey(async ({ event, eventId }: { key: string; event: z.infer<S>; eventId: string }): Promise<R | Accepted> => {
      const answer = await apply(event);
      logger.info('webhook applied', { source, eventId, type: (event as { type?: string }).type });
      return answer === undefined ? { accepted: true, eventId } : answer;
    }),
  );

  const deliver = async (request: HttpRequest) => {
    if (request.rawBody.length > bodyLimit) {
      throw new Problem(413, 'PAYLOAD_TOO_LARGE', `Webhook bodies are limited to ${bodyLimit} bytes.`);
    }
    const keys = signingKeys(await webhookSecret(source), { source, localStack: webhookSecretIsLocal(source) });
    const { id } = verifyWebhook(request.headers, request.rawBody, keys, [Date.now(), clock().now().getTime()]);
    const event = jsonBody(request, schema, bodyLimit);
    return { status: 202, body: await (await applyOnce())({ key: `${source}:${id}`, event, eventId: id }, request.context) };
  };

  return httpHandler({
    // Each delivery counted by its answer: what the sender sees (a 5xx is redelivered, a 4xx is not).
    [`POST /webhooks/${source}`]: async (request: HttpRequest) => {
      try {
        const answer = await deliver(request);
        countMetric('WebhookDeliveries', { source, result: 'accepted' });
        return answer;
      } catch (error) {
        const refused = error instanceof DomainError || (error instanceof Problem && error.status < 500);
        countMetric('WebhookDeliveries', { source, result: refused ? 'rejected' : 'failed' });
        throw error;
      }
    },
  });
};
