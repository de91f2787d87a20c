import { dynamoDocumentClient } from '#adapters/aws/dynamodb-client';
import { DynamoOrderBook } from '#adapters/dynamodb/order-book';
import { provider } from '#commons/provider';
import type { OrderBook } from '#ports/stores';

export const orders = provider<OrderBook>(() => new DynamoOrderBook(dynamoDocumentClient()));
