import { eventBridgeClient } from '#adapters/aws/eventbridge-client';
import { EventBridgeAlerts } from '#adapters/aws/eventbridge-alerts';
import { provider } from '#commons/provider';
import type { Alerts } from '#ports/invoices';

/** Operational alerts on EventBridge's default bus; the local stack records them instead. */
export const alerts = provider<Alerts>(() => new EventBridgeAlerts(eventBridgeClient()));
