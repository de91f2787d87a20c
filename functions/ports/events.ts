import type { AssetType } from '#core/handover';
import type { Instant } from '#core/time';

/** Business events other systems subscribe to (EventBridge on AWS), e.g. to tell a member. */
export interface DomainEvents {
  /** An admin handed over the assets of a member who still works here. */
  memberAssetsHandedOver(event: {
    corpId: string;
    memberId: string;
    toMemberId: string;
    handoverId: string;
    assetTypes: AssetType[];
    actor: string;
    at: Instant;
  }): Promise<void>;
}
