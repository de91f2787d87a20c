/** What Step Functions says of one named execution; `missing` when it was never started. */
export type ExecutionStatus = 'running' | 'succeeded' | 'failed' | 'timed_out' | 'aborted' | 'missing';
