/**
 * The business metrics, by name and dimension values: the handlers emit them (Powertools Metrics,
 * EMF) and the CDK app alarms on them and draws them, so both read this one list. No dimension
 * names a corp: a dimension value is a metric of its own, and corps are many.
 */
export const METRICS_NAMESPACE = 'Steward';
/** Powertools' default dimension, the same on every metric. */
export const SERVICE_NAME = 'steward';

export const BUSINESS_METRICS = {
  SeatsAllocated: {},
  SeatsRevoked: {},
  /** A revocation refused because the seat's revocation window had closed (REVOCATION_LOCKED). */
  RevocationsLocked: {},
  /** A handover closed, by its final status. */
  HandoversClosed: { outcome: ['succeeded', 'partially_failed', 'failed'] },
  AssetsMoved: {},
  /** A transfer call that failed because the asset service could not be reached; the workflow retries it after a wait. */
  AssetServiceUnavailable: {},
  InvoicesIssued: {},
  InvoicesOverdue: {},
  /** One call to the invoice issuer: issued, pending (taken, being issued) or failed (no answer, an error, an unreadable answer). */
  InvoiceIssuerCalls: { result: ['issued', 'pending', 'failed'] },
  /** A signed webhook answered: accepted (applied or a redelivery), rejected (4xx) or failed (5xx). */
  WebhookDeliveries: { source: ['billing', 'hr', 'assets', 'files'], result: ['accepted', 'rejected', 'failed'] },
  Decisions: { result: ['allow', 'deny'] },
  /** Handovers whose workflow still runs past the sweeper's stuck threshold (a gauge, one point per sweep). */
  HandoversRunningLong: {},
  /** Handovers and invoices the sweeper restarted or closed because their workflow was not running. */
  StuckWorkRepaired: {},
} as const satisfies Record<string, Record<string, readonly string[]>>;

export type BusinessMetric = keyof typeof BUSINESS_METRICS;
export type MetricDimensions<M extends BusinessMetric> = { [D in keyof (typeof BUSINESS_METRICS)[M]]: (typeof BUSINESS_METRICS)[M][D] extends readonly (infer V)[] ? V : never };
