import { ASSET_TYPES } from '#core/handover';
import type { AssetProvider, AssetProviders, TransferOutcome, TransferRequest } from '#ports/handovers';
import { secretValue } from '#commons/secrets';
import { sign, signingKeys } from '#commons/webhook-signature';
import { embeddedAssetProvider } from './embedded-provider.ts';

const CALL_TIMEOUT_MS = 5_000;

const detailOf = async (response: Response): Promise<string> => {
  const text = (await response.text().catch(() => '')).slice(0, 500);
  try {
    const body = JSON.parse(text) as { detail?: unknown; message?: unknown };
    return String(body.detail ?? body.message ?? text);
  } catch {
    return text || response.statusText;
  }
};

/**
 * An asset service's transfer API: `POST {baseUrl}/assets/{assetId}/transfer`, signed the Standard
 * Webhooks way with Steward's secret. `webhook-id` is stable per handover and asset, so the service
 * can recognise a retried call and answer it without moving the asset again (docs/asset-service.md).
 */
export class HttpAssetProvider implements AssetProvider {
  constructor(
    private readonly baseUrl: string,
    private readonly secret: () => Promise<string>,
  ) {}

  async transfer({ corpId, handoverId, asset, toMemberId }: TransferRequest): Promise<TransferOutcome> {
    const body = JSON.stringify({
      corpId,
      assetType: asset.assetType,
      assetId: asset.assetId,
      fromMemberId: asset.ownerId,
      toMemberId,
      handoverId,
    });
    const id = `${handoverId}:${asset.assetType}:${asset.assetId}`;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const [key] = signingKeys(await this.secret());
    if (!key) throw new Error('The asset service secret is empty');
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl.replace(/\/$/, '')}/assets/${encodeURIComponent(asset.assetId)}/transfer`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': timestamp,
          'webhook-signature': `v1,${sign(key, id, timestamp, Buffer.from(body))}`,
        },
        body,
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
    } catch (error) {
      return { kind: 'unavailable', error: `The asset service did not answer: ${(error as Error).message}` };
    }
    if (response.ok) {
      await response.body?.cancel();
      return { kind: 'transferred' };
    }
    const detail = await detailOf(response);
    if (response.status === 404 || response.status === 410) return { kind: 'gone' };
    if (response.status === 429 || response.status >= 500) {
      return { kind: 'unavailable', error: `The asset service answered ${response.status}: ${detail}` };
    }
    return { kind: 'rejected', error: `The asset service refused (${response.status}): ${detail}` };
  }
}

/**
 * `STEWARD_ASSET_SERVICE_URL_DOC|DRIVE|CALENDAR` plugs a type into its service; a type without
 * one stays in Steward's embedded catalog. Requests are signed with `STEWARD_ASSET_SERVICE_SECRET`.
 */
export const assetProvidersFromEnv = (env: NodeJS.ProcessEnv = process.env): AssetProviders => {
  const secret = () => secretValue('STEWARD_ASSET_SERVICE_SECRET');
  return Object.fromEntries(
    ASSET_TYPES.map((type) => {
      const url = env[`STEWARD_ASSET_SERVICE_URL_${type.toUpperCase()}`];
      return [type, url ? new HttpAssetProvider(url, secret) : embeddedAssetProvider];
    }),
  ) as AssetProviders;
};
