export interface Clock {
  now(): Date;
  /**
   * Resolves once `instant` has passed on this clock, or after `maxWaitMs` of real time.
   * On AWS a Step Functions Wait state has already waited, so this resolves at once; the local
   * stack's controllable clock parks the caller until `/local/clock` moves past `instant`.
   */
  sleepUntil(instant: Date, maxWaitMs: number): Promise<void>;
}
