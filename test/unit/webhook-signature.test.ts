import { describe, expect, it } from 'vitest';
import { Problem } from '#commons/problem';
import { webhookSecretIsLocal } from '#commons/secrets';
import { LOCAL_FILES_SECRET, sign, signingKeys, verifyWebhook } from '#commons/webhook-signature';

const secret = `whsec_${Buffer.from('steward-local-billing-webhook-secret').toString('base64')}`;
const body = Buffer.from('{"type":"order.paid"}');
const now = 1_767_250_000_000;
const ts = String(now / 1000);
const [key] = signingKeys(secret);
const headers = (signature: string, timestamp = ts) => ({
  'webhook-id': 'msg_1',
  'webhook-timestamp': timestamp,
  'webhook-signature': signature,
});

const code = (fn: () => unknown) => {
  try {
    fn();
    return 'OK';
  } catch (error) {
    return error instanceof Problem ? error.code : 'THREW';
  }
};

describe('Standard Webhooks verification', () => {
  const good = `v1,${sign(key!, 'msg_1', ts, body)}`;

  it('accepts a valid signature, also among others during rotation', () => {
    expect(verifyWebhook(headers(good), body, [key!], [now])).toEqual({ id: 'msg_1', timestamp: now / 1000 });
    expect(code(() => verifyWebhook(headers(`v1,AAAA ${good}`), body, [key!], [now]))).toBe('OK');
  });

  it('accepts a second configured secret while the first is rotated out', () => {
    const keys = signingKeys(`whsec_${Buffer.from('the-old-secret-being-rotated-out').toString('base64')} ${secret}`);
    expect(code(() => verifyWebhook(headers(good), body, keys, [now]))).toBe('OK');
  });

  it('refuses a wrong secret, a tampered body, missing headers and a stale timestamp', () => {
    const [wrong] = signingKeys(`whsec_${Buffer.from('another-secret-of-24-bytes-or-more').toString('base64')}`);
    expect(code(() => verifyWebhook(headers(good), body, [wrong!], [now]))).toBe('INVALID_SIGNATURE');
    expect(code(() => verifyWebhook(headers(good), Buffer.from('{}'), [key!], [now]))).toBe('INVALID_SIGNATURE');
    expect(code(() => verifyWebhook({}, body, [key!], [now]))).toBe('INVALID_SIGNATURE');
    const stale = String(now / 1000 - 301);
    const staleSig = `v1,${sign(key!, 'msg_1', stale, body)}`;
    expect(code(() => verifyWebhook(headers(staleSig, stale), body, [key!], [now]))).toBe('INVALID_SIGNATURE');
    expect(code(() => verifyWebhook(headers(staleSig, stale), body, [key!], [now, now - 301_000]))).toBe('OK');
  });

  it('refuses a secret whose key is shorter than 24 bytes, empty, or missing, naming the fix', () => {
    const weak = (secrets: string) => () => signingKeys(secrets);
    expect(weak(`whsec_${Buffer.from('x'.repeat(23)).toString('base64')}`)).toThrow(/at least 24 bytes; one decodes to 23/);
    expect(weak('whsec_')).toThrow(/one decodes to 0/);
    expect(weak(`${secret} whsec_${Buffer.from('x').toString('base64')}`)).toThrow(/one decodes to 1/);
    expect(weak('   ')).toThrow(/none is set/);
    expect(signingKeys(`whsec_${Buffer.from('x'.repeat(24)).toString('base64')}`)[0]).toHaveLength(24);
  });

  it("accepts the files webhook's published local default (18 bytes) from a local stack's secret, and no other short key, for that source only", () => {
    const published = `whsec_${Buffer.from('local-files-secret').toString('base64')}`;
    expect(published).toBe(LOCAL_FILES_SECRET);
    const local = { source: 'files', localStack: true };
    expect(signingKeys(published, local)[0]!.toString()).toBe('local-files-secret');
    expect(() => signingKeys(published)).toThrow(/one decodes to 18/);
    expect(() => signingKeys(published, { source: 'files' })).toThrow(/one decodes to 18/);
    expect(() => signingKeys(published, { source: 'hr', localStack: true })).toThrow(/one decodes to 18/);
    expect(() => signingKeys(`whsec_${Buffer.from('other-files-secret').toString('base64')}`, local)).toThrow(/one decodes to 18/);
    expect(() => signingKeys(`${published} whsec_${Buffer.from('short').toString('base64')}`, local)).toThrow(/one decodes to 5/);
  });

  it("takes a secret for the local stack's when it is inline or in the local placeholder account, not a deployment's", () => {
    const saved = { ...process.env };
    try {
      delete process.env.STEWARD_FILES_WEBHOOK_SECRET;
      process.env.STEWARD_FILES_WEBHOOK_SECRET_ARN = 'arn:aws-cn:secretsmanager:cn-north-1:000000000000:secret:files-local';
      expect(webhookSecretIsLocal('files')).toBe(true);
      process.env.STEWARD_FILES_WEBHOOK_SECRET_ARN = 'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:files-AbCdEf';
      expect(webhookSecretIsLocal('files')).toBe(false);
      process.env.STEWARD_FILES_WEBHOOK_SECRET = LOCAL_FILES_SECRET;
      expect(webhookSecretIsLocal('files')).toBe(true);
    } finally {
      process.env = saved;
    }
  });
});
