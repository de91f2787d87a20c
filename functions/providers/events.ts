import { loadedOnFirstCall, provider } from '#commons/provider';
import type { DomainEvents } from '#ports/events';

/** Business events on EventBridge's default bus; the local stack records them with the alerts. */
export const events = provider<DomainEvents>(() =>
  loadedOnFirstCall(async () => {
    const { EventBridgeEvents } = await import('#adapters/aws/eventbridge-events');
    const { eventBridgeClient } = await import('#adapters/aws/eventbridge-client');
    return new EventBridgeEvents(eventBridgeClient());
  }),
);
