import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DomainEvents } from '#ports/events';
import { putOnDefaultBus } from './default-bus.ts';

/** Business events on the default bus (`source: steward`), beside the alerts; rules route them to subscribers. */
export class EventBridgeEvents implements DomainEvents {
  constructor(private readonly events: EventBridgeClient) {}

  memberAssetsHandedOver(event: Parameters<DomainEvents['memberAssetsHandedOver']>[0]): Promise<void> {
    return putOnDefaultBus(this.events, 'MemberAssetsHandedOver', { eventId: `member-assets-handed-over-${event.handoverId}`, ...event });
  }
}
