import { dynamoDocumentClient } from '#adapters/aws/dynamodb-client';
import { kmsClient } from '#adapters/aws/kms-client';
import { KmsSealer, plainSealer } from '#adapters/aws/kms-sealer';
import { DynamoWatermarkBook } from '#adapters/dynamodb/watermark-book';
import { provider } from '#commons/provider';
import type { WatermarkBook } from '#ports/watermarks';

/** Watermark keys are KMS-sealed when the stack names a key; the local stack keeps them plain. */
export const watermarks = provider<WatermarkBook>(() => {
  const keyArn = process.env.WATERMARK_KMS_KEY_ARN;
  return new DynamoWatermarkBook(dynamoDocumentClient(), keyArn ? new KmsSealer(kmsClient(), keyArn) : plainSealer);
});
