import { GetObjectCommand, HeadObjectCommand, NotFound, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { DocumentStore } from '#ports/handovers';

export const bucketName = (): string => {
  const name = process.env.DOCUMENTS_BUCKET;
  if (!name) throw new Error('DOCUMENTS_BUCKET is not set');
  return name;
};

export class S3DocumentStore implements DocumentStore {
  constructor(private readonly s3: S3Client) {}

  async put(key: string, body: string | Uint8Array, contentType: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: bucketName(), Key: key, Body: body, ContentType: contentType }));
  }

  async get(key: string, maxBytes: number): Promise<{ bytes: Uint8Array } | { tooLarge: true } | null> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: bucketName(), Key: key }));
      if ((head.ContentLength ?? 0) > maxBytes) return { tooLarge: true };
      const object = await this.s3.send(new GetObjectCommand({ Bucket: bucketName(), Key: key }));
      return { bytes: await object.Body!.transformToByteArray() };
    } catch (error) {
      if (error instanceof NotFound || error instanceof NoSuchKey || (error as { name?: string }).name === 'NotFound') return null;
      throw error;
    }
  }

  presignedUploadUrl(key: string, contentType: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.s3, new PutObjectCommand({ Bucket: bucketName(), Key: key, ContentType: contentType }), { expiresIn: expiresInSeconds });
  }

  presignedUrl(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: bucketName(), Key: key }), { expiresIn: expiresInSeconds });
  }
}
