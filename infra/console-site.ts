import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Aws, CfnOutput, DockerImage, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct } from 'constructs';

const ROOT = resolve(import.meta.dirname, '..');

/**
 * The Content-Security-Policy of the console: its own scripts and styles only; it calls the HTTP API and
 * reads handover reports from S3 (presigned links), and signs in at the OpenID Connect issuer.
 */
const consoleCsp = (connect: string[]) =>
  [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src 'self' ${connect.join(' ')}`,
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');

/**
 * The admin console's static site: a private bucket read by CloudFront through origin access control,
 * security headers on every answer, and SPA routing (403/404 from S3 answer /console/index.html).
 * A stack of its own, deployed before Steward, which allows its origin (CORS on the API and the documents bucket).
 */
export class ConsoleSiteStack extends Stack {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  readonly origin: string;

  constructor(scope: Construct, id: string, props: StackProps & { issuerOrigin?: string } = {}) {
    super(scope, id, props);
    const logs = new Bucket(this, 'Logs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logs are delivered with ACLs.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(logs).acknowledge({ id: 'AwsSolutions-S1', reason: 'This bucket is the access-log target of the site; logging it into itself would loop.' });

    this.bucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'site/',
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });

    const connect = [`https://*.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`, `https://*.s3.${Aws.REGION}.${Aws.URL_SUFFIX}`, ...(props.issuerOrigin ? [props.issuerOrigin] : [])];
    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: consoleCsp(connect), override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
    });

    this.distribution = new Distribution(this, 'Distribution', {
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
      },
      defaultRootObject: 'console/index.html',
      // SPA routing: a path under /console/ that is no object answers the app, which routes it.
      errorResponses: [403, 404].map((httpStatus) => ({ httpStatus, responseHttpStatus: 200, responsePagePath: '/console/index.html', ttl: Duration.seconds(10) })),
      minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
    });
    Validations.of(this.distribution).acknowledge({ id: 'AwsSolutions-CFR1', reason: 'Admins sign in from wherever they work; access is controlled by the OpenID Connect sign-in, not by country.' });
    Validations.of(this.distribution).acknowledge({ id: 'AwsSolutions-CFR2', reason: 'The site is static files only; every API call is authorised by the JWT authorizer, so a WAF adds no control here.' });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason: 'The default *.cloudfront.net certificate cannot be pinned to TLS 1.2; minimumProtocolVersion applies once a custom domain is attached.',
    });
    this.origin = `https://${this.distribution.distributionDomainName}`;
    new CfnOutput(this, 'ConsoleUrl', { value: `${this.origin}/console/` });
  }
}

/**
 * Puts the built console and its config.json (API URL, OIDC issuer and client) in the site's bucket, and
 * invalidates CloudFront. The console is built from its sources when the asset is bundled.
 */
export class ConsoleDeploymentStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps & { site: ConsoleSiteStack; apiUrl: string; issuer: string; clientId: string }) {
    super(scope, id, props);
    const built = Source.asset(join(ROOT, 'console'), {
      exclude: ['dist', 'node_modules', 'src/api-schema.d.ts'],
      bundling: {
        image: DockerImage.fromRegistry('node:22'),
        local: {
          tryBundle(outputDir) {
            execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/console-build.ts'), join(outputDir, 'console')], { cwd: ROOT, stdio: 'inherit' });
            return true;
          },
        },
      },
    });
    const config = Source.jsonData('console/config.json', { auth: 'oidc', apiUrl: props.apiUrl, issuer: props.issuer, clientId: props.clientId });
    new BucketDeployment(this, 'Deploy', {
      sources: [built, config],
      destinationBucket: props.site.bucket,
      distribution: props.site.distribution,
      distributionPaths: ['/console/index.html', '/console/config.json'],
      prune: true,
    });
    const stack = Validations.of(this);
    stack.acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "CDK's BucketDeployment handler writes only its own CloudWatch logs with the AWS-managed basic execution policy.",
    });
    const copying = "CDK's BucketDeployment handler copies the console's files from the asset bucket into the site's bucket and deletes stale ones (prune); aws-cdk-lib grants it these object actions on those two buckets only.";
    for (const finding of ['Action::s3:Abort*', 'Action::s3:DeleteObject*', 'Action::s3:GetBucket*', 'Action::s3:GetObject*', 'Action::s3:List*']) {
      stack.acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason: copying });
    }
    stack.acknowledge({ id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]`, reason: `${copying} The asset bucket is the CDK bootstrap's.` });
    stack.acknowledge({ id: 'AwsSolutions-IAM5[Resource::StewardConsoleSite:ExportsOutputFnGetAttSiteE53D7754ArnEE3E64EC/*]', reason: `${copying} This is the site's bucket.` });
    stack.acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'cloudfront:CreateInvalidation/GetInvalidation, which the handler calls after the copy, take no resource narrower than *.' });
    stack.acknowledge({ id: 'AwsSolutions-L1', reason: "The BucketDeployment handler's runtime is chosen by aws-cdk-lib and moves with it." });
  }
}
