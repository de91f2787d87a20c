import { portsFrom } from '#commons/provider';
import { assetEvent } from '#commons/schemas';
import { webhookHandler } from '#commons/webhook-handler';
import { assets } from '#providers/asset-catalog';
import { clock } from '#providers/clock';
import { deleteAsset, upsertAsset } from '#use-cases/assets';

const ports = portsFrom({ assets, clock });

export const handler = webhookHandler('assets', assetEvent, async (event) => {
  if (event.type === 'asset.upserted') await upsertAsset(ports, event.data);
  else await deleteAsset(ports, event.data);
});
