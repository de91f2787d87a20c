import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Order, PoolCorrection } from '#core/seat-pool';
import type { Instant } from '#core/time';
import type { OrderBook, Page, PageRequest } from '#ports/stores';
import {
  STALE_BOUNDARY,
  cancellationReasons,
  conditionally,
  corpKey,
  pageQuery,
  encodeCursor,
  isContention,
  orderKey,
  poolKey,
  retryOnContention,
  tableName,
} from './table.ts';

type OrderItem = Order & { PK: string; SK: string };

const toOrder = ({ PK: _pk, SK: _sk, ...order }: OrderItem): Order => ({ ...order, refundedAt: order.refundedAt ?? null });

/** Creates the pool record if missing and makes its next read re-check the orders. */
const markPoolStale = (corpId: string) => ({
  Update: {
    TableName: tableName(),
    Key: poolKey(corpId),
    UpdateExpression:
      'SET purchased = if_not_exists(purchased, :zero), allocated = if_not_exists(allocated, :zero), ' +
      'available = if_not_exists(available, :zero), nextBoundaryAt = :stale ADD staleMarks :one',
    ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':stale': STALE_BOUNDARY },
  },
});

export class DynamoOrderBook implements OrderBook {
  constructor(private readonly db: DynamoDBDocumentClient) {}

  async getOrder(corpId: string, orderId: string): Promise<Order | null> {
    const { Item } = await this.db.send(new GetCommand({ TableName: tableName(), Key: orderKey(corpId, orderId) }));
    return Item ? toOrder(Item as OrderItem) : null;
  }

  async recordOrder(order: Order): Promise<boolean> {
    const { refundedAt: _none, ...fields } = order;
    return conditionally(
      this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: tableName(),
                Item: { ...orderKey(order.corpId, order.orderId), ...fields, inPool: false },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            markPoolStale(order.corpId),
          ],
        }),
      ),
    );
  }

  async markRefunded(corpId: string, orderId: string, refundedAt: Instant): Promise<boolean> {
    return conditionally(
      this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName(),
                Key: orderKey(corpId, orderId),
                UpdateExpression: 'SET refundedAt = :at',
                ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(refundedAt)',
                ExpressionAttributeValues: { ':at': refundedAt },
              },
            },
            markPoolStale(corpId),
          ],
        }),
      ),
    );
  }

  async listOrders(corpId: string, page: PageRequest): Promise<Page<Order>> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: tableName(),
        ...pageQuery({ corpId, partition: corpKey(corpId), sortPrefix: 'ORDER#' }, page),
      }),
    );
    return {
      items: (result.Items ?? []).map((item) => toOrder(item as OrderItem)),
      nextCursor: encodeCursor(result.LastEvaluatedKey),
    };
  }

  async allOrders(corpId: string): Promise<Order[]> {
    const orders: Order[] = [];
    let cursor: string | null = null;
    do {
      const page = await this.listOrders(corpId, { limit: 200, cursor });
      orders.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return orders;
  }

  async applyCorrection(corpId: string, correction: PoolCorrection): Promise<boolean> {
    const result = await retryOnContention(() => this.tryCorrection(corpId, correction));
    if (result === 'contention') throw new Error(`Pool correction for ${correction.orderId} kept conflicting`);
    return result;
  }

  private async tryCorrection(corpId: string, correction: PoolCorrection): Promise<boolean | 'contention'> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName(),
                Key: orderKey(corpId, correction.orderId),
                UpdateExpression: 'SET inPool = :now',
                ConditionExpression: 'inPool = :before',
                ExpressionAttributeValues: { ':now': correction.inPool, ':before': !correction.inPool },
              },
            },
            {
              Update: {
                TableName: tableName(),
                Key: poolKey(corpId),
                UpdateExpression: 'ADD purchased :delta, available :delta',
                ExpressionAttributeValues: { ':delta': correction.seatsDelta },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons?.[0]?.code === 'ConditionalCheckFailed') return false;
      if (reasons && isContention(reasons)) return 'contention';
      throw error;
    }
  }

  setNextBoundary(corpId: string, nextBoundaryAt: Instant, seenStaleMarks: number): Promise<boolean> {
    return conditionally(
      this.db.send(
        new UpdateCommand({
          TableName: tableName(),
          Key: poolKey(corpId),
          UpdateExpression: 'SET nextBoundaryAt = :at',
          ConditionExpression: 'staleMarks = :marks',
          ExpressionAttributeValues: { ':at': nextBoundaryAt, ':marks': seenStaleMarks },
        }),
      ),
    );
  }
}
