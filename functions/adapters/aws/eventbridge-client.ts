import { EventBridgeClient } from '@aws-sdk/client-eventbridge';

let events: EventBridgeClient | undefined;

export const eventBridgeClient = (): EventBridgeClient => (events ??= new EventBridgeClient({}));
