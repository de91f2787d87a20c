import { portsFrom } from '#commons/provider';
import { taskHandler } from '#commons/task';
import { dayOf } from '#core/file-log';
import { clock } from '#providers/clock';
import { fileArchive, fileLog } from '#providers/file-log';
import { digestFileLogDays } from '#use-cases/file-log';

const ports = portsFrom({ fileLog, fileArchive, clock });

/** Run by EventBridge Scheduler: writes the digest of each corp-day that is over and has new segments. */
export const handler = taskHandler(async () => digestFileLogDays(ports, dayOf(ports.clock.now().toISOString())));
