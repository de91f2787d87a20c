import { deps } from '#commons/deps';
import { transferBatch, type BatchInput } from '#use-cases/handovers';

/** Handover step: one batch of one asset type, from `cursor`. */
export const handler = (input: BatchInput) => transferBatch(deps(), input);
