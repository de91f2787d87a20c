import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { ExecutionStatus, WorkflowName, WorkflowStarter } from '#ports/workflows';

export const STATE_MACHINE_ENV: Record<WorkflowName, string> = {
  purchase: 'PURCHASE_STATE_MACHINE_ARN',
  seatLock: 'SEAT_LOCK_STATE_MACHINE_ARN',
  departure: 'DEPARTURE_STATE_MACHINE_ARN',
  handover: 'HANDOVER_STATE_MACHINE_ARN',
  invoice: 'INVOICE_STATE_MACHINE_ARN',
};

const STATUS: Record<string, ExecutionStatus> = {
  RUNNING: 'running',
  PENDING_REDRIVE: 'running',
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  TIMED_OUT: 'timed_out',
  ABORTED: 'aborted',
};

export class SfnWorkflowStarter implements WorkflowStarter {
  constructor(private readonly sfn: SFNClient) {}

  async start(workflow: WorkflowName, executionName: string, input: Record<string, unknown>): Promise<void> {
    try {
      await this.sfn.send(new StartExecutionCommand({ stateMachineArn: stateMachineArn(workflow), name: executionName, input: JSON.stringify(input) }));
    } catch (error) {
      // Names are unique per state machine: an existing execution means this start already happened.
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }

  async status(workflow: WorkflowName, executionName: string): Promise<ExecutionStatus> {
    const executionArn = `${stateMachineArn(workflow).replace(':stateMachine:', ':execution:')}:${executionName}`;
    try {
      const { status } = await this.sfn.send(new DescribeExecutionCommand({ executionArn }));
      return STATUS[status ?? ''] ?? 'running';
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist) return 'missing';
      throw error;
    }
  }
}

const stateMachineArn = (workflow: WorkflowName): string => {
  const arn = process.env[STATE_MACHINE_ENV[workflow]];
  if (!arn) throw new Error(`${STATE_MACHINE_ENV[workflow]} is not set`);
  return arn;
};
