import { runSimulation } from '@cloud-copilot/iam-simulate';
import { LOCAL_ACCOUNT, LOCAL_PARTITION, type LocalResources } from './resources.ts';
import { referencedId, resourcesOfType } from './template.ts';

type PolicyDocument = { Version?: string; Statement: unknown[] };

/**
 * Each role as the template grants it: the inline policies attached to the role
 * (`AWS::IAM::Policy` resources and the role's own `Policies`), with the local resources' ARNs,
 * and the resource policies the template declares (KMS key policies, bucket policies). Managed
 * policies are left out: the only one in use, AWSLambdaBasicExecutionRole, grants CloudWatch
 * Logs, which the local stack does not emulate.
 */
export class LocalIam {
  /** Roles by logical id, and the role each function runs with. */
  private readonly roles = new Map<string, { arn: string; policies: { name: string; policy: PolicyDocument }[] }>();
  private readonly functionRoles = new Map<string, string>();
  private readonly decisions = new Map<string, Promise<boolean>>();
  /** Resource policies by the ARN they govern: KMS key policies, bucket policies. */
  private readonly resourcePolicies = new Map<string, PolicyDocument>();

  constructor(resources: LocalResources) {
    const { template } = resources;
    for (const [keyId, key] of resourcesOfType(template, 'AWS::KMS::Key')) {
      this.resourcePolicies.set(resources.getAtt(keyId, 'Arn'), resources.resolve(key.Properties.KeyPolicy) as PolicyDocument);
    }
    for (const [, policy] of resourcesOfType(template, 'AWS::S3::BucketPolicy')) {
      const bucketId = referencedId(policy.Properties.Bucket);
      if (bucketId) this.resourcePolicies.set(resources.getAtt(bucketId, 'Arn'), resources.resolve(policy.Properties.PolicyDocument) as PolicyDocument);
    }
    for (const [roleId, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
      const policies = [
        ...((role.Properties.Policies ?? []) as { PolicyName: string; PolicyDocument: unknown }[]).map((p) => ({
          name: p.PolicyName,
          policy: resources.resolve(p.PolicyDocument) as PolicyDocument,
        })),
        ...resourcesOfType(template, 'AWS::IAM::Policy')
          .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => referencedId(r) === roleId))
          .map(([policyId, p]) => ({ name: policyId, policy: resources.resolve(p.Properties.PolicyDocument) as PolicyDocument })),
      ];
      this.roles.set(roleId, { arn: resources.getAtt(roleId, 'Arn'), policies });
    }
    for (const [functionId, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
      const roleId = referencedId(fn.Properties.Role);
      if (roleId) this.functionRoles.set(functionId, roleId);
    }
  }

  /** The role's ARN as an assumed-role session, the way AWS names the caller in a denial. */
  callerArn(functionId: string): string {
    return this.sessionArn(this.functionRoles.get(functionId) ?? '', functionId);
  }

  /** Whether the function's role allows `action` on `resource`, with the request's condition keys in `context`. */
  allows(functionId: string, action: string, resource: string, context: Record<string, string> = {}): Promise<boolean> {
    return this.roleAllows(this.functionRoles.get(functionId) ?? '', functionId, action, resource, context);
  }

  /** Whether a role (by logical id), in a session named `session`, may do `action` on `resource`; answers are remembered. */
  roleAllows(roleId: string, session: string, action: string, resource: string, context: Record<string, string> = {}): Promise<boolean> {
    const key = `${roleId}\n${session}\n${action}\n${resource}\n${JSON.stringify(context)}`;
    let decision = this.decisions.get(key);
    if (!decision) {
      decision = this.evaluate(roleId, session, action, resource, context);
      this.decisions.set(key, decision);
      decision.catch(() => this.decisions.delete(key));
    }
    return decision;
  }

  /** Takes a grant away (or gives it back): the tests' way to prove that a missing grant fails. */
  replacePolicies(functionId: string, edit: (policies: { name: string; policy: PolicyDocument }[]) => { name: string; policy: PolicyDocument }[]): void {
    const role = this.roles.get(this.functionRoles.get(functionId) ?? '');
    if (!role) throw new Error(`No function ${functionId}`);
    role.policies = edit(role.policies);
    this.decisions.clear();
  }

  /** A key's own policy, or the bucket policy of an object's bucket. */
  private resourcePolicyOf(resource: string): PolicyDocument | undefined {
    return this.resourcePolicies.get(resource) ?? this.resourcePolicies.get(resource.replace(/^(arn:[\w-]+:s3:::[^/]+)\/.*$/, '$1'));
  }

  private sessionArn(roleId: string, session: string): string {
    return `arn:${LOCAL_PARTITION}:sts::${LOCAL_ACCOUNT}:assumed-role/${this.roles.get(roleId)?.arn.split('/').pop()}/${session}`;
  }

  private async evaluate(roleId: string, session: string, action: string, resource: string, context: Record<string, string>): Promise<boolean> {
    const role = this.roles.get(roleId);
    if (!role) return false;
    const resourcePolicy = this.resourcePolicyOf(resource);
    const result = await runSimulation(
      {
        identityPolicies: role.policies,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(resourcePolicy && { resourcePolicy }),
        // The local endpoint speaks plain HTTP in place of AWS's TLS endpoints.
        request: { action, resource: { resource, accountId: LOCAL_ACCOUNT }, principal: this.sessionArn(roleId, session), contextVariables: { 'aws:SecureTransport': 'true', ...context } },
      },
      {},
    );
    return result.resultType !== 'error' && result.overallResult === 'Allowed';
  }
}
