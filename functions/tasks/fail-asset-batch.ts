import { portsFrom } from '#commons/provider';
import { taskHandler } from '#commons/task';
import { assets } from '#providers/asset-catalog';
import { clock } from '#providers/clock';
import { handovers } from '#providers/handover-book';
import { failBatch, type BatchInput, type WorkflowError } from '#use-cases/handovers';

const ports = portsFrom({ handovers, assets, clock });

/** Handover step after a batch's retries ran out: record its assets failed and move on. */
export const handler = taskHandler(async (input: BatchInput & { error: WorkflowError }) => failBatch(ports, input));
