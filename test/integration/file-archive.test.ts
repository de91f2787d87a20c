import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainSegment, type FileEvent } from '#core/file-log';
import { fileArchive } from '#providers/file-log';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';

/*
 * The file log's bucket is written create-only (If-None-Match: *, which its bucket policy demands on
 * AWS): the local endpoint refuses a PUT over an existing key with 412 as S3 does, and the archive
 * adapter takes an identical object as its own earlier write and refuses any other.
 */
let stack: LocalStack;
let bucket: string;

beforeAll(async () => {
  // The adapter runs in this process, through the local endpoint, as the functions' code does.
  stack = await startLocalStack({ runtime: 'sources' });
  bucket = stack.resourceName('StorageFileLogArchive');
  process.env.FILE_LOG_BUCKET = bucket;
});
afterAll(() => stack?.stop());

const event = (n: number, fileName = 'plan.docx'): FileEvent => ({
  eventId: `e${n}`,
  corpId: 'arc',
  memberId: 'm1',
  action: 'download',
  fileId: 'f1',
  fileName,
  channel: 'drive',
  occurredAt: `2026-06-01T08:0${n}:00Z`,
});

describe('the file log bucket, create-only', () => {
  it('answers 412 PreconditionFailed to If-None-Match: * on an existing key and keeps the first object', async () => {
    const s3 = new S3Client({ forcePathStyle: true });
    const put = (body: string) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'seals/arc/x.json', Body: body, IfNoneMatch: '*' }));
    await put('first');
    await expect(put('second')).rejects.toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
    const stored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'seals/arc/x.json' }));
    expect(await stored.Body!.transformToString()).toBe('first');
  });

  it('takes a segment archived again with the same events as done, and refuses other events under its number', async () => {
    const archive = fileArchive();
    const first = chainSegment('arc', '2026-06-01', 1, [event(1), event(2)]);
    await archive.archive('arc', '2026-06-01', first.seal, first.events);
    await archive.archive('arc', '2026-06-01', first.seal, first.events);

    const forged = chainSegment('arc', '2026-06-01', 1, [event(1), event(2, 'salaries.xlsx')]);
    await expect(archive.archive('arc', '2026-06-01', forged.seal, forged.events)).rejects.toThrow(/exists with other contents/);
    expect(await archive.seals('arc', '2026-06-01')).toEqual([first.seal]);
    expect((await archive.dayEvents('arc', '2026-06-01')).map((e) => e.fileName)).toEqual(['plan.docx', 'plan.docx']);
  });
});
