import { deps } from '#commons/deps';
import { finishHandover, type WorkflowError } from '#use-cases/handovers';

/** Handover step: count, report, close. `error` is set when the transfer itself broke down. */
export const handler = (input: { corpId: string; handoverId: string; error?: WorkflowError }) => finishHandover(deps(), input);
