import { loadedOnFirstCall, provider } from '#commons/provider';
import type { DocumentStore } from '#ports/handovers';

/** Reports, invoice PDFs and uploaded images in the documents bucket. */
export const documents = provider<DocumentStore>(() =>
  loadedOnFirstCall(async () => {
    const { S3DocumentStore } = await import('#adapters/aws/s3-document-store');
    const { s3Client } = await import('#adapters/aws/s3-client');
    return new S3DocumentStore(s3Client());
  }),
);
