import { loadedOnFirstCall, provider } from '#commons/provider';
import type { DeviceRegistry } from '#ports/policies';

export const devices = provider<DeviceRegistry>(() =>
  loadedOnFirstCall(async () => {
    const { DynamoDeviceRegistry } = await import('#adapters/dynamodb/device-registry');
    const { dynamoDocumentClient } = await import('#adapters/aws/dynamodb-client');
    return new DynamoDeviceRegistry(dynamoDocumentClient());
  }),
);
