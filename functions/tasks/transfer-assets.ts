import { portsFrom } from '#commons/provider';
import { countMetric } from '#commons/metrics';
import { taskHandler } from '#commons/task';
import { assetProviders } from '#providers/asset-providers';
import { assets } from '#providers/asset-catalog';
import { clock } from '#providers/clock';
import { handovers } from '#providers/handover-book';
import { AssetServiceUnavailable, transferBatch, type BatchInput } from '#use-cases/handovers';

const ports = portsFrom({ handovers, assets, assetProviders, clock });

/** Handover step: one batch of one asset type, from `cursor`. Failures the workflow retries by design are counted, so the errors alarm can leave them out. */
export const handler = taskHandler(async (input: BatchInput) => {
  try {
    return await transferBatch(ports, input);
  } catch (error) {
    if (error instanceof AssetServiceUnavailable) countMetric('AssetServiceUnavailable', {});
    throw error;
  }
});
