import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { DeviceKind, DeviceTrust } from '#core/policies/model';
import type { Instant } from '#core/time';
import type { Device, DeviceLogin, DeviceRegistry } from '#ports/policies';
import type { Page, PageRequest } from '#ports/stores';
import { batchGetAll, conditionallyDespiteContention, corpKey, deviceKey, encodeCursor, enterpriseMarkKey, pageQuery, policyEpochBump, tableName } from './table.ts';

const toDevice = (item: Record<string, unknown>): Device => ({
  deviceId: item.deviceId as string,
  platform: item.platform as Device['platform'],
  memberIds: [...((item.memberIds as Set<string> | undefined) ?? [])].sort(),
  firstSeenAt: item.firstSeenAt as Instant,
  lastSeenAt: item.lastSeenAt as Instant,
  trusted: Boolean(item.trusted),
  kind: (item.kind as DeviceKind | undefined) ?? 'personal',
});


export class DynamoDeviceRegistry implements DeviceRegistry {
  constructor(private readonly db: DynamoDBDocumentClient) {}

  async recordLogins(corpId: string, logins: readonly DeviceLogin[], at: Instant): Promise<void> {
    const byDevice = new Map<string, { platform: DeviceLogin['platform']; memberIds: Set<string> }>();
    for (const login of logins) {
      const seen = byDevice.get(login.deviceId) ?? { platform: login.platform, memberIds: new Set<string>() };
      seen.memberIds.add(login.memberId);
      byDevice.set(login.deviceId, seen);
    }
    await Promise.all(
      [...byDevice].map(([deviceId, seen]) =>
        this.db.send(
          new UpdateCommand({
            TableName: tableName(),
            Key: deviceKey(corpId, deviceId),
            UpdateExpression:
              'SET corpId = :corp, deviceId = :device, platform = :platform, lastSeenAt = :at, firstSeenAt = if_not_exists(firstSeenAt, :at), ' +
              'trusted = if_not_exists(trusted, :untrusted), kind = if_not_exists(kind, :personal) ADD memberIds :members',
            ExpressionAttributeValues: {
              ':corp': corpId,
              ':device': deviceId,
              ':platform': seen.platform,
              ':at': at,
              ':untrusted': false,
              ':personal': 'personal',
              ':members': seen.memberIds,
            },
          }),
        ),
      ),
    );
  }

  async listDevices(corpId: string, memberId: string | null, page: PageRequest): Promise<Page<Device>> {
    const query = pageQuery({ corpId, partition: corpKey(corpId), sortPrefix: 'DEVICE#' }, page);
    const result = await this.db.send(
      new QueryCommand({
        TableName: tableName(),
        ...query,
        // A filtered page may hold fewer than `limit` devices; nextCursor goes on from where the read stopped.
        ...(memberId && {
          FilterExpression: 'contains(memberIds, :member)',
          ExpressionAttributeValues: { ...query.ExpressionAttributeValues, ':member': memberId },
        }),
      }),
    );
    return { items: (result.Items ?? []).map(toDevice), nextCursor: encodeCursor(result.LastEvaluatedKey) };
  }

  async allDevices(corpId: string): Promise<DeviceTrust[]> {
    const devices: DeviceTrust[] = [];
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: tableName(),
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ProjectionExpression: 'deviceId, trusted, kind',
        ExpressionAttributeValues: { ':pk': corpKey(corpId), ':prefix': 'DEVICE#' },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) devices.push({ deviceId: item.deviceId, trusted: Boolean(item.trusted), kind: item.kind ?? 'personal' });
    }
    return devices;
  }

  async setDevice(corpId: string, deviceId: string, trust: { trusted: boolean; kind: DeviceKind }): Promise<Device | null> {
    const set = await conditionallyDespiteContention(() =>
      this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName(),
                Key: deviceKey(corpId, deviceId),
                UpdateExpression: 'SET trusted = :trusted, kind = :kind',
                ConditionExpression: 'attribute_exists(PK)',
                ExpressionAttributeValues: { ':trusted': trust.trusted, ':kind': trust.kind },
              },
            },
            {
              // The mark other corps' decisions read: this corp claims the device, or no longer does.
              Update: {
                TableName: tableName(),
                Key: enterpriseMarkKey(deviceId),
                UpdateExpression: `SET deviceId = :device ${trust.kind === 'enterprise' ? 'ADD' : 'DELETE'} corpIds :corp`,
                ExpressionAttributeValues: { ':device': deviceId, ':corp': new Set([corpId]) },
              },
            },
            policyEpochBump(corpId, 'devices'),
          ],
        }),
      ),
    );
    if (!set) return null;
    const { Item } = await this.db.send(new GetCommand({ TableName: tableName(), Key: deviceKey(corpId, deviceId), ConsistentRead: true }));
    return Item ? toDevice(Item) : null;
  }

  async enterpriseOwners(deviceIds: readonly string[]): Promise<Map<string, string[]>> {
    const owners = new Map<string, string[]>();
    for (const item of await batchGetAll(this.db, tableName(), [...new Set(deviceIds)].map(enterpriseMarkKey))) {
      const corpIds = [...((item.corpIds as Set<string> | undefined) ?? [])];
      if (corpIds.length > 0) owners.set(item.deviceId as string, corpIds);
    }
    return owners;
  }
}
