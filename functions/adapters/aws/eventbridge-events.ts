import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DomainEvents } from '#ports/events';

/** Business events on the default bus (`source: steward`), beside the alerts; rules route them to subscribers. */
export class EventBridgeEvents implements DomainEvents {
  constructor(private readonly events: EventBridgeClient) {}

  async memberAssetsHandedOver(event: Parameters<DomainEvents['memberAssetsHandedOver']>[0]): Promise<void> {
    const result = await this.events.send(
      new PutEventsCommand({
        Entries: [{ Source: 'steward', DetailType: 'MemberAssetsHandedOver', Detail: JSON.stringify({ eventId: `member-assets-handed-over-${event.handoverId}`, ...event }) }],
      }),
    );
    if (result.FailedEntryCount) throw new Error(`EventBridge refused the event: ${result.Entries?.[0]?.ErrorMessage}`);
  }
}
