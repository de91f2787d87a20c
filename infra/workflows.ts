import { ArnFormat, CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { LogLevel, StateMachine, StateMachineType, type DefinitionBody } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { departureDefinition, handoverDefinition, type HandoverFunctions } from '../workflows/handover.ts';
import { invoiceDefinition } from '../workflows/invoice.ts';
import { purchaseDefinition } from '../workflows/purchase.ts';
import { seatLockDefinition } from '../workflows/seat-lock.ts';

const standard = (scope: Construct, id: string, definitionBody: DefinitionBody, timeout: Duration) =>
  new StateMachine(scope, id, {
    stateMachineType: StateMachineType.STANDARD,
    definitionBody,
    timeout,
    tracingEnabled: true,
    logs: { destination: new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.THREE_MONTHS }), level: LogLevel.ALL },
  });

export type WorkflowFunctions = HandoverFunctions & {
  checkDue: IFunction;
  syncOrder: IFunction;
  lockSeat: IFunction;
  planDepartureHandover: IFunction;
  applyScheduledDeparture: IFunction;
  checkInvoice: IFunction;
  invoiceFailed: IFunction;
};

/** The Standard state machines; each runs only Lambda tasks so that the local stack can execute it too. */
export class Workflows extends Construct {
  readonly purchase: StateMachine;
  readonly seatLock: StateMachine;
  readonly departure: StateMachine;
  readonly handover: StateMachine;
  readonly invoice: StateMachine;

  constructor(scope: Construct, id: string, fns: WorkflowFunctions) {
    super(scope, id);
    // An order term is a year or so; a Standard execution may last a year, so long terms re-check at the pool read.
    this.purchase = standard(this, 'Purchase', purchaseDefinition(this, fns), Duration.days(365));
    this.seatLock = standard(this, 'SeatLock', seatLockDefinition(this, fns), Duration.days(8));
    // The two share the transfer states; each gets its own scope so their state names can match.
    // A day covers retries against an asset service that is down for hours; a departure
    // scheduled ahead (at most 364 days) waits in the same execution first.
    this.departure = standard(this, 'Departure', departureDefinition(new Construct(this, 'DepartureStates'), fns), Duration.days(365));
    this.handover = standard(this, 'Handover', handoverDefinition(new Construct(this, 'HandoverStates'), fns), Duration.days(1));
    // Checks go on after the deadline; an issuer silent for 90 days is an incident, not a wait.
    this.invoice = standard(this, 'Invoice', invoiceDefinition(this, fns), Duration.days(90));
  }
}

/**
 * Lets `grantee` ask DescribeExecution of any execution of `machine`: the action is granted on
 * executions, whose names are per record (invoice, handover), so the grant names the machine and `:*`.
 */
export const grantDescribeExecutions = (grantee: IGrantable, machine: StateMachine): void => {
  const stack = Stack.of(machine);
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['states:DescribeExecution'],
      resources: [stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${machine.stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    }),
  );
  Validations.of(stack).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<${stack.getLogicalId(machine.node.defaultChild as CfnElement)}.Name>:*]`,
    reason: 'DescribeExecution of one workflow only; execution names are per record, so the grant names the state machine and any execution of it.',
  });
};
