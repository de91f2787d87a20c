import { portsFrom } from '#commons/provider';
import { taskHandler } from '#commons/task';
import { alerts } from '#providers/alerts';
import { clock } from '#providers/clock';
import { documents } from '#providers/documents';
import { handovers } from '#providers/handover-book';
import { finishHandover, type WorkflowError } from '#use-cases/handovers';

const ports = portsFrom({ handovers, documents, clock, alerts });

/**
 * Handover step: count, report, close. `error` is set when the transfer itself broke down; with
 * `unfinished`, finishing kept failing and the handover is closed without its report.
 */
export const handler = taskHandler(async (input: { corpId: string; handoverId: string; error?: WorkflowError; unfinished?: string }) =>
  finishHandover(ports, input.unfinished && input.error ? { ...input, error: input.error, withoutReport: true } : { corpId: input.corpId, handoverId: input.handoverId, error: input.error }));
