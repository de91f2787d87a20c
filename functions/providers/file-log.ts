import { loadedOnFirstCall, provider } from '#commons/provider';
import type { FileArchive, FileLog } from '#ports/file-log';

/** The file log's hot store (its own DynamoDB table). */
export const fileLog = provider<FileLog>(() =>
  loadedOnFirstCall(async () => {
    const { DynamoFileLog } = await import('#adapters/dynamodb/file-log');
    const { dynamoDocumentClient } = await import('#adapters/aws/dynamodb-client');
    return new DynamoFileLog(dynamoDocumentClient());
  }),
);

/** The file log's archive and seals (S3). */
export const fileArchive = provider<FileArchive>(() =>
  loadedOnFirstCall(async () => {
    const { S3FileArchive } = await import('#adapters/aws/s3-file-archive');
    const { s3Client } = await import('#adapters/aws/s3-client');
    return new S3FileArchive(s3Client());
  }),
);
