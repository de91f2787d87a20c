import { DynamoOrderBook } from '#adapters/dynamodb/order-book';
import { DynamoMemberDirectory } from '#adapters/dynamodb/member-directory';
import { DynamoSeatLedger } from '#adapters/dynamodb/seat-ledger';
import { DynamoAssetCatalog } from '#adapters/dynamodb/asset-catalog';
import { DynamoHandoverBook } from '#adapters/dynamodb/handover-book';
import { assetProvidersFromEnv } from '#adapters/assets/http-provider';
import { dynamoDocumentClient, s3Client, sfnClient } from '#adapters/aws/clients';
import { S3DocumentStore } from '#adapters/aws/s3-document-store';
import { SfnWorkflowStarter } from '#adapters/aws/sfn-workflow-starter';
import { systemClock } from '#adapters/aws/system-clock';
import type { Clock } from '#ports/clock';
import type { AssetCatalog, AssetProviders, DocumentStore, HandoverBook } from '#ports/handovers';
import type { MemberDirectory, OrderBook, SeatLedger } from '#ports/stores';
import type { WorkflowStarter } from '#ports/workflows';

export type Deps = {
  orders: OrderBook;
  members: MemberDirectory;
  seats: SeatLedger;
  assets: AssetCatalog;
  handovers: HandoverBook;
  assetProviders: AssetProviders;
  documents: DocumentStore;
  clock: Clock;
  workflows: WorkflowStarter;
};

let current: Deps | undefined;

const awsDeps = (): Deps => {
  const db = dynamoDocumentClient();
  return {
    orders: new DynamoOrderBook(db),
    members: new DynamoMemberDirectory(db),
    seats: new DynamoSeatLedger(db),
    assets: new DynamoAssetCatalog(db),
    handovers: new DynamoHandoverBook(db),
    assetProviders: assetProvidersFromEnv(),
    documents: new S3DocumentStore(s3Client()),
    clock: systemClock,
    workflows: new SfnWorkflowStarter(sfnClient()),
  };
};

/** The composition root: AWS adapters by default; the local stack swaps the clock and workflow starter. */
export const deps = (): Deps => (current ??= awsDeps());

export const provideDeps = (overrides: Partial<Deps>): void => {
  current = { ...deps(), ...overrides };
};
