import { loadedOnFirstCall, provider } from '#commons/provider';
import type { SeatLedger } from '#ports/stores';

export const seats = provider<SeatLedger>(() =>
  loadedOnFirstCall(async () => {
    const { DynamoSeatLedger } = await import('#adapters/dynamodb/seat-ledger');
    const { dynamoDocumentClient } = await import('#adapters/aws/dynamodb-client');
    return new DynamoSeatLedger(dynamoDocumentClient());
  }),
);
