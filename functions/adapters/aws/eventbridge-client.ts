import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { traced } from '#commons/tracer';

let events: EventBridgeClient | undefined;

export const eventBridgeClient = (): EventBridgeClient => (events ??= traced(new EventBridgeClient({})));
