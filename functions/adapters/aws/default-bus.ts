import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';

/** Puts one event on the default bus (`source: steward`); a refused entry throws, as a failed call would. */
export const putOnDefaultBus = async (events: EventBridgeClient, detailType: string, detail: Record<string, unknown>): Promise<void> => {
  const result = await events.send(new PutEventsCommand({ Entries: [{ Source: 'steward', DetailType: detailType, Detail: JSON.stringify(detail) }] }));
  if (result.FailedEntryCount) throw new Error(`EventBridge refused the ${detailType} event: ${result.Entries?.[0]?.ErrorMessage}`);
};
