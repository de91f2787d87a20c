import { deps } from '#commons/deps';
import { failBatch, type BatchInput, type WorkflowError } from '#use-cases/handovers';

/** Handover step after a batch's retries ran out: record its assets failed and move on. */
export const handler = (input: BatchInput & { error: WorkflowError }) => failBatch(deps(), input);
