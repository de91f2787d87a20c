import { portsFrom } from '#commons/provider';
import { clock } from '#providers/clock';
import { documents } from '#providers/documents';
import { handovers } from '#providers/handover-book';
import { finishHandover, type WorkflowError } from '#use-cases/handovers';

const ports = portsFrom({ handovers, documents, clock });

/** Handover step: count, report, close. `error` is set when the transfer itself broke down. */
export const handler = (input: { corpId: string; handoverId: string; error?: WorkflowError }) => finishHandover(ports, input);
