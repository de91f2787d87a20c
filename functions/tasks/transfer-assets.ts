import { portsFrom } from '#commons/provider';
import { taskHandler } from '#commons/task';
import { assetProviders } from '#providers/asset-providers';
import { assets } from '#providers/asset-catalog';
import { clock } from '#providers/clock';
import { handovers } from '#providers/handover-book';
import { transferBatch, type BatchInput } from '#use-cases/handovers';

const ports = portsFrom({ handovers, assets, assetProviders, clock });

/** Handover step: one batch of one asset type, from `cursor`. */
export const handler = taskHandler(async (input: BatchInput) => transferBatch(ports, input));
