import { assetEvent } from '#commons/schemas';
import { webhookHandler } from '#commons/webhook-handler';
import { deleteAsset, upsertAsset } from '#use-cases/assets';

export const handler = webhookHandler('assets', assetEvent, async (deps, event) => {
  if (event.type === 'asset.upserted') await upsertAsset(deps, event.data);
  else await deleteAsset(deps, event.data);
});
