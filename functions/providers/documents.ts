import { s3Client } from '#adapters/aws/s3-client';
import { S3DocumentStore } from '#adapters/aws/s3-document-store';
import { provider } from '#commons/provider';
import type { DocumentStore } from '#ports/handovers';

/** Reports, invoice PDFs and uploaded images in the documents bucket. */
export const documents = provider<DocumentStore>(() => new S3DocumentStore(s3Client()));
