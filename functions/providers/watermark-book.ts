import { loadedOnFirstCall, provider } from '#commons/provider';
import type { WatermarkBook } from '#ports/watermarks';

/** Watermark keys are KMS-sealed when the stack names a key (on AWS and on the local stack's KMS); tests keep them plain. */
export const watermarks = provider<WatermarkBook>(() =>
  loadedOnFirstCall(async () => {
    const { DynamoWatermarkBook } = await import('#adapters/dynamodb/watermark-book');
    const { dynamoDocumentClient } = await import('#adapters/aws/dynamodb-client');
    const { KmsSealer, plainSealer } = await import('#adapters/aws/kms-sealer');
    const { kmsClient } = await import('#adapters/aws/kms-client');
    const keyArn = process.env.WATERMARK_KMS_KEY_ARN;
    return new DynamoWatermarkBook(dynamoDocumentClient(), keyArn ? new KmsSealer(kmsClient(), keyArn) : plainSealer);
  }),
);
