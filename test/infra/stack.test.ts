import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { allStates, stateMachineDefinition, type CfnResource } from '../../local/template.ts';

/** Template-only: bundling is skipped, as in every infra test. Synthesis throws on any unacknowledged cdk-nag finding. */
const { app, stack } = buildApp({ 'aws:cdk:bundling-stacks': [] });
const template = Template.fromJSON(app.synth().getStackByName(stack.stackName).template);

describe('Steward stack', () => {
  it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
    expect(() => buildApp({ 'aws:cdk:bundling-stacks': [] }).app.synth()).not.toThrow();
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-'))).toEqual([]);
  });

  it('keeps state in one encrypted table with PITR, a TTL and the seat-holder index (and the file log in its own)', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 2);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'GSI1' })],
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
  });

  it('blocks public access to the documents bucket and enforces TLS', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    // Object Lock keeps old versions, but readers see the newest: nobody may write over a key.
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^StorageFileLogArchive') },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'DenyOverwrites', Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:PutObject', Condition: { Null: { 's3:if-none-match': 'true' } } }),
        ]),
      },
    });
  });

  it('keeps the file log 180 days hot (TTL, indexes by file, action and corp) and its archive under Object Lock in compliance mode', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'GSI1' }), Match.objectLike({ IndexName: 'GSI2' }), Match.objectLike({ IndexName: 'GSI3' })],
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 3 * 365 } } },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  it('lets the files webhook only add to the file log: no delete, no read of the archive', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p).includes('FilesWebhook'));
    const actions = policies.flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat()));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:BatchWriteItem', 's3:PutObject']));
    const fileLogStatements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((s: unknown) => JSON.stringify(s).includes('FileLog'));
    const fileLogActions = fileLogStatements.flatMap((s: { Action: string | string[] }) => [s.Action].flat());
    expect(fileLogActions.filter((a: string) => /Delete|GetObject|Scan/.test(a))).toEqual([]);
    // In the main table it reads, and writes only its webhook ids (no batch writes, no transactions).
    const mainActions = policies
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s: unknown) => JSON.stringify(s).includes('StorageTable'))
      .flatMap((s: { Action: string | string[] }) => [s.Action].flat());
    expect(mainActions.filter((a: string) => /Write|Put|Update|Delete/.test(a)).sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
  });

  it('runs every function on Node 22, arm64', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions.length).toBe(24);
    for (const fn of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Metadata['steward:entry']).toMatch(/^functions\/.+\.ts$/);
    }
  });

  it('reserves the Watermarks function 20 concurrent executions, so a flood of images cannot starve the others', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    const reserved = Object.values(functions).filter((fn) => fn.Properties.ReservedConcurrentExecutions !== undefined);
    expect(reserved.map((fn) => [fn.Metadata['steward:entry'], fn.Properties.ReservedConcurrentExecutions])).toEqual([['functions/http/watermarks.ts', 20]]);
  });

  it('puts every admin and enforcer route behind the JWT authorizer and leaves only webhooks and health open', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties);
    const open = routes.filter((r) => r.AuthorizationType === 'NONE').map((r) => r.RouteKey).sort();
    expect(open).toEqual(['GET /health', 'POST /webhooks/assets', 'POST /webhooks/billing', 'POST /webhooks/files', 'POST /webhooks/hr']);
    const admin = routes.filter((r) => r.AuthorizationType !== 'NONE');
    expect(admin.length).toBe(39);
    for (const route of admin) {
      expect(route.AuthorizationType).toBe('JWT');
      expect(route.RouteKey).toMatch(/ \/corps\/\{corpId\}\//);
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'JWT' });
  });

  it('defines Standard JSONPath state machines whose every Task has Retry and Catch', () => {
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(machines.length).toBe(5);
    for (const machine of machines) {
      expect(machine.Properties.StateMachineType).toBe('STANDARD');
      const definition = stateMachineDefinition(machine as CfnResource, (id) => `arn:aws:lambda:::function:${id}`);
      expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
      const tasks = allStates(definition.States).map(([, s]) => s).filter((s) => s.Type === 'Task');
      expect(tasks.length).toBeGreaterThan(0);
      for (const task of tasks) {
        expect(task.Retry).toBeDefined();
        expect(task.Catch).toBeDefined();
      }
    }
  });

  it('retries a throttled asset service before giving a transfer batch up, in every branch', () => {
    const machines = Object.entries(template.findResources('AWS::StepFunctions::StateMachine'));
    const handover = machines.find(([id]) => id.startsWith('WorkflowsHandover'))![1];
    const states = allStates(stateMachineDefinition(handover as CfnResource, (id) => id).States);
    const parallel = states.find(([name]) => name === 'TransferAssets')![1];
    expect(parallel.Branches).toHaveLength(3);
    for (const type of ['Doc', 'Drive', 'Calendar']) {
      const transfer = states.find(([name]) => name === `Transfer${type}Batch`)![1];
      const retriers = (transfer.Retry as { ErrorEquals: string[] }[]).map((r) => r.ErrorEquals);
      const throttled = retriers.findIndex((errors) => errors.includes('AssetServiceUnavailable'));
      expect(retriers[throttled]).toEqual(['AssetServiceUnavailable', 'Lambda.TooManyRequestsException']);
      expect(throttled).toBeLessThan(retriers.findIndex((errors) => errors.includes('States.ALL')));
      expect(transfer.Catch[0].Next).toBe(`Fail${type}Batch`);
    }
  });

  it('sweeps stuck handovers and invoices every 15 minutes, and lets the sweeper describe and start only the workflows it watches', () => {
    const sweeperId = Object.keys(template.findResources('AWS::Lambda::Function')).find((id) => id.startsWith('StuckWorkSweeper'))!;
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [sweeperId, 'Arn'] } }),
    });
    const role = (template.findResources('AWS::Lambda::Function')[sweeperId] as CfnResource).Properties.Role['Fn::GetAtt'][0];
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => (p as CfnResource).Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
      .flatMap((p) => (p as CfnResource).Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const actions = statements.flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith('states:'));
    expect(new Set(actions)).toEqual(new Set(['states:StartExecution', 'states:DescribeExecution']));
    const machines = JSON.stringify(statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('states:'))).map((s) => s.Resource));
    expect(machines).toMatch(/WorkflowsDeparture/);
    expect(machines).toMatch(/WorkflowsHandover/);
    expect(machines).toMatch(/WorkflowsInvoice/);
    expect(machines).not.toMatch(/WorkflowsPurchase|WorkflowsSeatLock/);
  });

  it("digests the file log's finished days every hour, reading only seals and adding only digests in the archive", () => {
    const digesterId = Object.keys(template.findResources('AWS::Lambda::Function')).find((id) => id.startsWith('FileLogDigester'))!;
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [digesterId, 'Arn'] } }),
    });
    const role = (template.findResources('AWS::Lambda::Function')[digesterId] as CfnResource).Properties.Role['Fn::GetAtt'][0];
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => (p as CfnResource).Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
      .flatMap((p) => (p as CfnResource).Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const s3 = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:'))).map((s) => [[s.Action].flat().join(), JSON.stringify(s.Resource)]);
    expect(s3.map(([action]) => action).sort()).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObject']);
    expect(s3.find(([action]) => action === 's3:GetObject')![1]).toMatch(/\/seals\/\*/);
    expect(s3.find(([action]) => action === 's3:PutObject')![1]).toMatch(/\/digests\/\*/);
    const dynamo = statements.flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith('dynamodb:'));
    expect(new Set(dynamo)).toEqual(new Set(['dynamodb:Query', 'dynamodb:DeleteItem']));
  });

  it('lets the Decisions function read the table and write only with UpdateItem (device registrations), nothing else', () => {
    const decisionsId = Object.keys(template.findResources('AWS::Lambda::Function')).find((id) => id.startsWith('Decisions'))!;
    const role = (template.findResources('AWS::Lambda::Function')[decisionsId] as CfnResource).Properties.Role['Fn::GetAtt'][0];
    const actions = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => (p as CfnResource).Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
      .flatMap((p) => (p as CfnResource).Properties.PolicyDocument.Statement as { Action: string | string[] }[])
      .flatMap((s) => [s.Action].flat());
    const writes = actions.filter((a) => /^dynamodb:(Put|Delete|Update|BatchWrite|TransactWrite)/.test(a));
    expect(writes).toEqual(['dynamodb:UpdateItem']);
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query']));
    expect(actions.filter((a) => !/^(dynamodb|xray):/.test(a))).toEqual([]);
  });
});

describe('console site', () => {
  const assembly = app.synth();
  const site = Template.fromJSON(assembly.getStackByName('StewardConsoleSite').template);
  const deployment = Template.fromJSON(assembly.getStackByName('StewardConsole').template);

  it('serves the console from a private bucket through CloudFront with origin access control', () => {
    site.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    site.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'site/' }),
    });
    site.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' })]) },
    });
    site.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'console/index.html',
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        // SPA routing: any path the bucket does not hold answers the app.
        CustomErrorResponses: [
          { ErrorCode: 403, ResponseCode: 200, ResponsePagePath: '/console/index.html', ErrorCachingMinTTL: 10 },
          { ErrorCode: 404, ResponseCode: 200, ResponsePagePath: '/console/index.html', ErrorCachingMinTTL: 10 },
        ],
        Logging: Match.objectLike({ Prefix: 'cloudfront/' }),
      }),
    });
  });

  it('sets security headers with a Content-Security-Policy allowing only its own scripts', () => {
    const policy = Object.values(site.findResources('AWS::CloudFront::ResponseHeadersPolicy'))[0]!;
    const headers = policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    const csp = JSON.stringify(headers.ContentSecurityPolicy.ContentSecurityPolicy);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(headers.StrictTransportSecurity).toMatchObject({ AccessControlMaxAgeSec: 31_536_000, Override: true });
    expect(headers.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
    expect(headers.ContentTypeOptions).toEqual({ Override: true });
  });

  it('deploys the built console with its OpenID Connect config and invalidates the entry points', () => {
    deployment.resourceCountIs('Custom::CDKBucketDeployment', 1);
    deployment.hasResourceProperties('Custom::CDKBucketDeployment', { DistributionPaths: ['/console/index.html', '/console/config.json'], Prune: true });
  });

  it("allows the console's origin, and no other, on the HTTP API and the documents bucket", () => {
    const origin = { 'Fn::Join': ['', ['https://', { 'Fn::ImportValue': Match.stringLikeRegexp('^StewardConsoleSite:.*DomainName') }]] };
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: [origin], AllowHeaders: Match.arrayWith(['authorization', 'if-match']) }),
    });
    // The documents bucket (reports, uploads, marked images), the one the console reads; no other bucket.
    const withCors = template.findResources('AWS::S3::Bucket', { Properties: { CorsConfiguration: Match.anyValue() } });
    expect(Object.values(withCors)).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          CorsConfiguration: { CorsRules: [expect.objectContaining({ AllowedMethods: ['GET'] })] },
          LifecycleConfiguration: { Rules: expect.arrayContaining([expect.objectContaining({ Prefix: 'uploads/' })]) },
        }),
      }),
    ]);
    template.hasResourceProperties('AWS::S3::Bucket', { CorsConfiguration: { CorsRules: [Match.objectLike({ AllowedMethods: ['GET'], AllowedOrigins: [origin] })] } });
  });
});
