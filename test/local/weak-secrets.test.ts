import { afterEach, describe, expect, it } from 'vitest';
import { startLocalStack } from '../../local/stack.ts';

/** Contract v2: a webhook secret whose key is shorter than 24 bytes makes signatures forgeable, so the stack refuses to start. */
describe('local stack webhook secrets', () => {
  const saved = { hr: process.env.STEWARD_HR_WEBHOOK_SECRET, files: process.env.STEWARD_FILES_WEBHOOK_SECRET };
  afterEach(() => {
    for (const [name, value] of [['STEWARD_HR_WEBHOOK_SECRET', saved.hr], ['STEWARD_FILES_WEBHOOK_SECRET', saved.files]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('refuses a short files secret other than the published local default', async () => {
    process.env.STEWARD_FILES_WEBHOOK_SECRET = `whsec_${Buffer.from('my-files-secret').toString('base64')}`;
    await expect(startLocalStack({ runtime: 'sources' })).rejects.toThrow(/^STEWARD_FILES_WEBHOOK_SECRET: .*at least 24 bytes; one decodes to 15/);
  });

  it('refuses to start with a short key, naming the variable and the fix', async () => {
    process.env.STEWARD_HR_WEBHOOK_SECRET = `whsec_${Buffer.from('local-hr-secret').toString('base64')}`;
    await expect(startLocalStack({ runtime: 'sources' })).rejects.toThrow(/^STEWARD_HR_WEBHOOK_SECRET: .*at least 24 bytes; one decodes to 15.*openssl rand/);
  });
});
