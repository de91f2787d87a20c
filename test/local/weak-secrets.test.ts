import { afterEach, describe, expect, it } from 'vitest';
import { startLocalStack } from '../../local/stack.ts';

/** Contract v2: a webhook secret whose key is shorter than 24 bytes makes signatures forgeable, so the stack refuses to start. */
describe('local stack webhook secrets', () => {
  const saved = process.env.STEWARD_HR_WEBHOOK_SECRET;
  afterEach(() => {
    if (saved === undefined) delete process.env.STEWARD_HR_WEBHOOK_SECRET;
    else process.env.STEWARD_HR_WEBHOOK_SECRET = saved;
  });

  it('refuses to start with a short key, naming the variable and the fix', async () => {
    process.env.STEWARD_HR_WEBHOOK_SECRET = `whsec_${Buffer.from('local-hr-secret').toString('base64')}`;
    await expect(startLocalStack({ runtime: 'sources' })).rejects.toThrow(/^STEWARD_HR_WEBHOOK_SECRET: .*at least 24 bytes; one decodes to 15.*openssl rand/);
  });
});
