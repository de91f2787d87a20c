export type WebhookSource = 'billing' | 'hr' | 'assets' | 'files';

/**
 * The variable `name` holds the secret itself (local stack, tests); on AWS `<name>_ARN` names a
 * Secrets Manager secret, cached for 5 minutes. The reader (and the SDK's Secrets Manager client
 * with it) loads with the first secret read from there.
 */
export const secretValue = async (name: string): Promise<string> => {
  const inline = process.env[name];
  if (inline) return inline;
  const arn = process.env[`${name}_ARN`];
  if (!arn) throw new Error(`Neither ${name} nor ${name}_ARN is set`);
  const { getSecret } = await import('@aws-lambda-powertools/parameters/secrets');
  const secret = await getSecret(arn, { maxAge: 300 });
  if (typeof secret !== 'string') throw new Error(`Secret ${arn} has no string value`);
  return secret;
};

export const webhookSecret = (source: WebhookSource): Promise<string> =>
  secretValue(`STEWARD_${source.toUpperCase()}_WEBHOOK_SECRET`);

/** The account id the local stack's ARNs carry; no AWS account has it. */
const LOCAL_STACK_ACCOUNT = '000000000000';

/** Whether the source's secret is the local stack's (inline, or a secret of its placeholder account), not a deployment's. */
export const webhookSecretIsLocal = (source: WebhookSource): boolean => {
  const name = `STEWARD_${source.toUpperCase()}_WEBHOOK_SECRET`;
  const arn = process.env[`${name}_ARN`];
  return process.env[name] ? true : arn?.split(':')[4] === LOCAL_STACK_ACCOUNT;
};
