import { S3Client } from '@aws-sdk/client-s3';
import { traced } from '#commons/tracer';

let s3: S3Client | undefined;

export const s3Client = (): S3Client =>
  (s3 ??= traced(new S3Client(
    process.env.STEWARD_S3_FORCE_PATH_STYLE === 'true'
      ? {
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }
      : {},
  )));
