export type WorkflowName = 'purchase' | 'seatLock' | 'departure' | 'handover' | 'invoice';

import type { ExecutionStatus } from '#core/workflow';

export type { ExecutionStatus };

export interface WorkflowStarter {
  /** Starts one execution; a second start with the same `executionName` is a no-op. */
  start(workflow: WorkflowName, executionName: string, input: Record<string, unknown>): Promise<void>;
  /** The status of the execution started under `executionName`, for the sweeper of stuck work. */
  status(workflow: WorkflowName, executionName: string): Promise<ExecutionStatus>;
}
