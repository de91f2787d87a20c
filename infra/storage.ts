import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods, ObjectLockRetention, ObjectOwnership, StorageClass } from 'aws-cdk-lib/aws-s3';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** How long the file log's archive and seals are kept, locked: no one, root included, can shorten it. */
const FILE_LOG_RETENTION_DAYS = 3 * 365;

/**
 * The single table (key design in docs/data-model.md), the bucket for reports and invoice PDFs, and the
 * file operation log's own table (hot, 180 days) and bucket (archive and seals, under Object Lock).
 */
export class Storage extends Construct {
  readonly table: TableV2;
  readonly bucket: Bucket;
  readonly fileLogTable: TableV2;
  readonly fileLogBucket: Bucket;

  /** `consoleOrigin`: the admin console's origin, which reads handover reports through their presigned links. */
  constructor(scope: Construct, id: string, props: { consoleOrigin?: string } = {}) {
    super(scope, id);
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: 'PK', type: AttributeType.STRING },
      sortKey: { name: 'SK', type: AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          indexName: 'GSI1',
          partitionKey: { name: 'GSI1PK', type: AttributeType.STRING },
          sortKey: { name: 'GSI1SK', type: AttributeType.STRING },
        },
      ],
      timeToLiveAttribute: 'expiresAt',
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const accessLogs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is the access-log target; logging it into itself would loop.',
    });

    this.bucket = new Bucket(this, 'Documents', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'documents/',
      // Images uploaded for an embed or a trace are read once, and a marked copy is fetched once through its
      // 15-minute link; nothing keeps either longer than a day.
      lifecycleRules: [
        { prefix: 'uploads/', expiration: Duration.days(1), noncurrentVersionExpiration: Duration.days(1) },
        { prefix: 'marked/', expiration: Duration.days(1), noncurrentVersionExpiration: Duration.days(1) },
        // File log CSV exports too large for a response, fetched through a 15-minute link.
        { prefix: 'exports/', expiration: Duration.days(1), noncurrentVersionExpiration: Duration.days(1) },
      ],
      ...(props.consoleOrigin && { cors: [{ allowedMethods: [HttpMethods.GET], allowedOrigins: [props.consoleOrigin], allowedHeaders: [], maxAge: 600 }] }),
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Its own table: 5 million events a day would crowd the main table's partitions and backups, and its
    // writers get grants on it alone. The sort key of the table and of each index is `<occurredAt>#<eventId>`.
    const eventSortKey = (name: string) => ({ name, type: AttributeType.STRING });
    this.fileLogTable = new TableV2(this, 'FileLogTable', {
      partitionKey: { name: 'PK', type: AttributeType.STRING },
      sortKey: eventSortKey('SK'),
      globalSecondaryIndexes: [
        { indexName: 'GSI1', partitionKey: { name: 'GSI1PK', type: AttributeType.STRING }, sortKey: eventSortKey('GSI1SK') },
        { indexName: 'GSI2', partitionKey: { name: 'GSI2PK', type: AttributeType.STRING }, sortKey: eventSortKey('GSI2SK') },
        { indexName: 'GSI3', partitionKey: { name: 'GSI3PK', type: AttributeType.STRING }, sortKey: eventSortKey('GSI3SK') },
      ],
      timeToLiveAttribute: 'expiresAt',
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Compliance mode: no object version can be deleted or overwritten before its retention ends, by anyone.
    this.fileLogBucket = new Bucket(this, 'FileLogArchive', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention: ObjectLockRetention.compliance(Duration.days(FILE_LOG_RETENTION_DAYS)),
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'file-log/',
      lifecycleRules: [
        {
          // Read back only for an audit or an investigation older than the hot store's 180 days.
          transitions: [{ storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(180) }],
          expiration: Duration.days(FILE_LOG_RETENTION_DAYS + 1),
          noncurrentVersionExpiration: Duration.days(FILE_LOG_RETENTION_DAYS + 1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Object Lock keeps every version, but a reader sees the newest: so no object here may be written
    // over, by Steward or by anyone holding s3:PutObject. A write must say If-None-Match: *.
    this.fileLogBucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'DenyOverwrites',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.fileLogBucket.arnForObjects('*')],
        conditions: { Null: { 's3:if-none-match': 'true' } },
      }),
    );
  }
}
