import { loadedOnFirstCall, provider } from '#commons/provider';
import type { OrderBook } from '#ports/stores';

export const orders = provider<OrderBook>(() =>
  loadedOnFirstCall(async () => {
    const { DynamoOrderBook } = await import('#adapters/dynamodb/order-book');
    const { dynamoDocumentClient } = await import('#adapters/aws/dynamodb-client');
    return new DynamoOrderBook(dynamoDocumentClient());
  }),
);
