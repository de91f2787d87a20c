import { DynamoOrderBook } from '#adapters/dynamodb/order-book';
import { DynamoMemberDirectory } from '#adapters/dynamodb/member-directory';
import { DynamoSeatLedger } from '#adapters/dynamodb/seat-ledger';
import { dynamoDocumentClient, sfnClient } from '#adapters/aws/clients';
import { SfnWorkflowStarter } from '#adapters/aws/sfn-workflow-starter';
import { systemClock } from '#adapters/aws/system-clock';
import type { Clock } from '#ports/clock';
import type { MemberDirectory, OrderBook, SeatLedger } from '#ports/stores';
import type { WorkflowStarter } from '#ports/workflows';

export type Deps = {
  orders: OrderBook;
  members: MemberDirectory;
  seats: SeatLedger;
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
    clock: systemClock,
    workflows: new SfnWorkflowStarter(sfnClient()),
  };
};

/** The composition root: AWS adapters by default; the local stack swaps the clock and workflow starter. */
export const deps = (): Deps => (current ??= awsDeps());

export const provideDeps = (overrides: Partial<Deps>): void => {
  current = { ...deps(), ...overrides };
};
