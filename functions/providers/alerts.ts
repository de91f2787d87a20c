import { loadedOnFirstCall, provider } from '#commons/provider';
import type { Alerts } from '#ports/invoices';

/** Operational alerts on EventBridge's default bus; the local stack records them instead. */
export const alerts = provider<Alerts>(() =>
  loadedOnFirstCall(async () => {
    const { EventBridgeAlerts } = await import('#adapters/aws/eventbridge-alerts');
    const { eventBridgeClient } = await import('#adapters/aws/eventbridge-client');
    return new EventBridgeAlerts(eventBridgeClient());
  }),
);
