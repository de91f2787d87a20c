import type { CfnTemplate } from './template.ts';

/** The local stack's account and region; partition and URL suffix follow the region, as on AWS. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = process.env.AWS_REGION ?? 'cn-north-1';
export const LOCAL_PARTITION = LOCAL_REGION.startsWith('cn-') ? 'aws-cn' : 'aws';

const arn = (service: string, resource: string, region = LOCAL_REGION, account = LOCAL_ACCOUNT) =>
  `arn:${LOCAL_PARTITION}:${service}:${region}:${account}:${resource}`;

/** Names and ARNs the template's resources get locally, and the template's intrinsics resolved with them. */
export class LocalResources {
  constructor(
    readonly template: CfnTemplate,
    private readonly parameters: Record<string, string> = {},
  ) {}

  typeOf(logicalId: string): string | undefined {
    return this.template.Resources[logicalId]?.Type;
  }

  /** What `Ref` answers. */
  ref(logicalId: string): string {
    const pseudo: Record<string, string> = {
      'AWS::Partition': LOCAL_PARTITION,
      'AWS::Region': LOCAL_REGION,
      'AWS::AccountId': LOCAL_ACCOUNT,
      'AWS::URLSuffix': LOCAL_PARTITION === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
      'AWS::StackName': 'Steward',
    };
    if (pseudo[logicalId]) return pseudo[logicalId];
    const parameter = (this.template as { Parameters?: Record<string, { Default?: string }> }).Parameters?.[logicalId];
    if (parameter) {
      const value = this.parameters[logicalId] ?? parameter.Default;
      if (value === undefined) throw new Error(`Template parameter ${logicalId} has no value; pass it as a parameter override`);
      return value;
    }
    switch (this.typeOf(logicalId)) {
      case 'AWS::DynamoDB::GlobalTable':
      case 'AWS::Lambda::Function':
      case 'AWS::IAM::Role':
      case 'AWS::KMS::Key':
        return logicalId;
      case 'AWS::S3::Bucket':
        return logicalId.toLowerCase();
      case 'AWS::StepFunctions::StateMachine':
        return arn('states', `stateMachine:${logicalId}`);
      case 'AWS::SecretsManager::Secret':
        return arn('secretsmanager', `secret:${logicalId}-local`);
      case 'AWS::Logs::LogGroup':
        return `/aws/lambda/${logicalId}`;
      default:
        throw new Error(`The local stack cannot resolve Ref ${logicalId} (${this.typeOf(logicalId) ?? 'unknown'})`);
    }
  }

  /** What `Fn::GetAtt [logicalId, Arn | Name]` answers. */
  getAtt(logicalId: string, attribute: string): string {
    // A state machine's Ref is its ARN, which ends with its name.
    if (attribute === 'Name') return this.typeOf(logicalId) === 'AWS::StepFunctions::StateMachine' ? this.ref(logicalId).split(':').pop()! : this.ref(logicalId);
    if (attribute !== 'Arn') throw new Error(`The local stack cannot resolve ${logicalId}.${attribute}`);
    switch (this.typeOf(logicalId)) {
      case 'AWS::DynamoDB::GlobalTable':
        return arn('dynamodb', `table/${this.ref(logicalId)}`);
      case 'AWS::S3::Bucket':
        return `arn:${LOCAL_PARTITION}:s3:::${this.ref(logicalId)}`;
      case 'AWS::Lambda::Function':
        return arn('lambda', `function:${logicalId}`);
      case 'AWS::IAM::Role':
        return `arn:${LOCAL_PARTITION}:iam::${LOCAL_ACCOUNT}:role/${logicalId}`;
      case 'AWS::KMS::Key':
        return arn('kms', `key/${logicalId}`);
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::SecretsManager::Secret':
        return this.ref(logicalId);
      case 'AWS::Logs::LogGroup':
        return arn('logs', `log-group:${this.ref(logicalId)}:*`);
      default:
        throw new Error(`The local stack cannot resolve ${logicalId}.Arn (${this.typeOf(logicalId) ?? 'unknown'})`);
    }
  }

  /** A template value with `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select` and `Fn::Split` resolved. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (!value || typeof value !== 'object') return value;
    const [key, argument] = Object.entries(value)[0] ?? [];
    const intrinsic = Object.keys(value).length === 1 ? key : undefined;
    switch (intrinsic) {
      case 'Ref':
        return this.ref(argument as string);
      case 'Fn::GetAtt': {
        const [id, attribute] = typeof argument === 'string' ? argument.split('.') : (argument as [string, string]);
        return this.getAtt(id!, attribute!);
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown[]];
        return (this.resolve(parts) as unknown[]).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = argument as [number | string, unknown];
        return (this.resolve(list) as unknown[])[Number(index)];
      }
      case 'Fn::Split': {
        const [separator, text] = argument as [string, unknown];
        return String(this.resolve(text)).split(separator);
      }
      case 'Fn::Sub': {
        const [text, variables = {}] = typeof argument === 'string' ? [argument, {}] : (argument as [string, Record<string, unknown>]);
        return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
          if (name in variables) return String(this.resolve(variables[name]));
          const [id, attribute] = name.split('.');
          return attribute ? this.getAtt(id!, attribute) : this.ref(id!);
        });
      }
      default:
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)]));
    }
  }

  /** Like `resolve`, but `null` where the value names something the local stack does not have. */
  tryResolve(value: unknown): unknown {
    try {
      return this.resolve(value);
    } catch {
      return null;
    }
  }
}
