import { portsFrom } from '#commons/provider';
import { fileEventsBatch } from '#commons/schemas';
import { webhookHandler } from '#commons/webhook-handler';
import { fileArchive, fileLog } from '#providers/file-log';
import { members } from '#providers/member-directory';
import { policies } from '#providers/policy-book';
import { ingestFileEvents } from '#use-cases/file-log';

const ports = portsFrom({ members, policies, fileLog, fileArchive });

/** 500 events with recipients, file names and addresses can pass 256 KiB; 1 MiB holds any valid batch of ordinary ones. */
const FILES_BODY_LIMIT = 1024 * 1024;

/** The suite reports file operations in signed batches of 1..500; each webhook-id is applied once. */
export const handler = webhookHandler('files', fileEventsBatch, (batch) => ingestFileEvents(ports, batch.events), { bodyLimit: FILES_BODY_LIMIT });
