import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { hourOf, type ChainedEvent, type DailyDigest, type Segment } from '#core/file-log';
import type { FileArchive } from '#ports/file-log';

/*
 * The file log's bucket (Object Lock, compliance mode, on AWS):
 *   archive/<corpId>/<day>/<hour>/<segment, 10 digits>.ndjson.gz   a segment's events of that hour, in chain order
 *   seals/<corpId>/<day>/<segment, 10 digits>.json                 the segment's count and head hash
 *   digests/<corpId>/<day>/<segments bound, 10 digits>.json        the day's digest once the day is over (a later one per late segment)
 * One PUT per hour a batch spans, plus its seal: never one per event. Every PUT says If-None-Match: *
 * (the bucket policy refuses any other), so nothing here is ever written over.
 */
export const fileLogBucket = (): string => {
  const name = process.env.FILE_LOG_BUCKET;
  if (!name) throw new Error('FILE_LOG_BUCKET is not set');
  return name;
};

const padded = (segment: number) => String(segment).padStart(10, '0');

export class S3FileArchive implements FileArchive {
  constructor(private readonly s3: S3Client) {}

  async archive(corpId: string, day: string, seal: Segment, events: readonly ChainedEvent[]): Promise<void> {
    const byHour = new Map<string, ChainedEvent[]>();
    for (const event of events) byHour.set(hourOf(event.occurredAt), [...(byHour.get(hourOf(event.occurredAt)) ?? []), event]);
    await Promise.all(
      [...byHour].map(([hour, lines]) =>
        this.create(
          `archive/${corpId}/${day}/${hour}/${padded(seal.segment)}.ndjson.gz`,
          gzipSync(lines.map((line) => JSON.stringify(line)).join('\n') + '\n'),
          'application/x-ndjson',
        ),
      ),
    );
    await this.create(`seals/${corpId}/${day}/${padded(seal.segment)}.json`, Buffer.from(JSON.stringify({ corpId, day, ...seal })), 'application/json');
  }

  async seals(corpId: string, day: string): Promise<Segment[]> {
    const objects = await this.read(`seals/${corpId}/${day}/`);
    return objects.map((bytes) => {
      const { segment, count, head } = JSON.parse(bytes.toString('utf8')) as Segment;
      return { segment, count, head };
    });
  }

  async dayEvents(corpId: string, day: string): Promise<ChainedEvent[]> {
    const objects = await this.read(`archive/${corpId}/${day}/`);
    return objects.flatMap((bytes) =>
      gunzipSync(bytes)
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as ChainedEvent),
    );
  }

  async writeDigest(digest: DailyDigest): Promise<void> {
    await this.create(`digests/${digest.corpId}/${digest.day}/${padded(digest.segments.length)}.json`, Buffer.from(JSON.stringify(digest)), 'application/json');
  }

  async digests(corpId: string, day: string): Promise<DailyDigest[]> {
    return (await this.read(`digests/${corpId}/${day}/`)).map((bytes) => JSON.parse(bytes.toString('utf8')) as DailyDigest);
  }

  /**
   * Writes `key` only if it does not exist. One that exists with the same bytes is this write landed
   * before (a retried call, a digest written again from the same seals); other bytes are refused.
   */
  private async create(key: string, body: Buffer, contentType: string): Promise<void> {
    try {
      await this.s3.send(new PutObjectCommand({ Bucket: fileLogBucket(), Key: key, Body: body, ContentType: contentType, IfNoneMatch: '*' }));
    } catch (error) {
      if (!(error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412)) throw error;
      const existing = await this.s3.send(new GetObjectCommand({ Bucket: fileLogBucket(), Key: key }));
      if (!Buffer.from(await existing.Body!.transformToByteArray()).equals(body)) throw new Error(`${key} exists with other contents`);
    }
  }

  /** Every object under `prefix`, in key order. */
  private async read(prefix: string): Promise<Buffer[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: fileLogBucket(), Prefix: prefix, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((object) => object.Key!));
      token = page.NextContinuationToken;
    } while (token);
    return Promise.all(
      keys.sort().map(async (key) => {
        const object = await this.s3.send(new GetObjectCommand({ Bucket: fileLogBucket(), Key: key }));
        return Buffer.from(await object.Body!.transformToByteArray());
      }),
    );
  }
}
