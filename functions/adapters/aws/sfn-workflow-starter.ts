import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { WorkflowName, WorkflowStarter } from '#ports/workflows';

export const STATE_MACHINE_ENV: Record<WorkflowName, string> = {
  purchase: 'PURCHASE_STATE_MACHINE_ARN',
  seatLock: 'SEAT_LOCK_STATE_MACHINE_ARN',
  departure: 'DEPARTURE_STATE_MACHINE_ARN',
  handover: 'HANDOVER_STATE_MACHINE_ARN',
  invoice: 'INVOICE_STATE_MACHINE_ARN',
};

export class SfnWorkflowStarter implements WorkflowStarter {
  constructor(private readonly sfn: SFNClient) {}

  async start(workflow: WorkflowName, executionName: string, input: Record<string, unknown>): Promise<void> {
    const stateMachineArn = process.env[STATE_MACHINE_ENV[workflow]];
    if (!stateMachineArn) throw new Error(`${STATE_MACHINE_ENV[workflow]} is not set`);
    try {
      await this.sfn.send(new StartExecutionCommand({ stateMachineArn, name: executionName, input: JSON.stringify(input) }));
    } catch (error) {
      // Names are unique per state machine: an existing execution means this start already happened.
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }
}
