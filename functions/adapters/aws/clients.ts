import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';

/*
 * One client per service per container, created on first use. Endpoints come from the SDK's own
 * AWS_ENDPOINT_URL_<SERVICE> variables, which is how the local stack points them at the emulators.
 */
let dynamo: DynamoDBClient | undefined;
let documents: DynamoDBDocumentClient | undefined;
let s3: S3Client | undefined;
let sfn: SFNClient | undefined;
let events: EventBridgeClient | undefined;
let kms: KMSClient | undefined;

export const dynamoClient = (): DynamoDBClient => (dynamo ??= new DynamoDBClient({}));

export const dynamoDocumentClient = (): DynamoDBDocumentClient =>
  (documents ??= DynamoDBDocumentClient.from(dynamoClient(), { marshallOptions: { removeUndefinedValues: true } }));

export const s3Client = (): S3Client =>
  (s3 ??= new S3Client(
    process.env.STEWARD_S3_FORCE_PATH_STYLE === 'true'
      ? {
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }
      : {},
  ));

export const sfnClient = (): SFNClient => (sfn ??= new SFNClient({}));

export const eventBridgeClient = (): EventBridgeClient => (events ??= new EventBridgeClient({}));

export const kmsClient = (): KMSClient => (kms ??= new KMSClient({}));
