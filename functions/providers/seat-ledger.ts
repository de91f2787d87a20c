import { dynamoDocumentClient } from '#adapters/aws/dynamodb-client';
import { DynamoSeatLedger } from '#adapters/dynamodb/seat-ledger';
import { provider } from '#commons/provider';
import type { SeatLedger } from '#ports/stores';

export const seats = provider<SeatLedger>(() => new DynamoSeatLedger(dynamoDocumentClient()));
