import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import { BUSINESS_METRICS, METRICS_NAMESPACE, SERVICE_NAME, type BusinessMetric, type MetricDimensions } from './metric-names.ts';

/** Business metrics as EMF lines in the function's log (CloudWatch extracts them; no API call, no IAM). */
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

/**
 * Counts `value` of a business metric. One without dimensions of its own is stored and published
 * with the invocation's others; one with dimensions goes out at once on its own line, as its
 * dimension set differs from the invocation's.
 */
export const countMetric = <M extends BusinessMetric>(name: M, dimensions: MetricDimensions<M>, value = 1): void => {
  const entries = Object.entries(dimensions as Record<string, string>);
  if (entries.length === 0) {
    metrics.addMetric(name, MetricUnit.Count, value);
    return;
  }
  const single = metrics.singleMetric();
  for (const [dimension, dimensionValue] of entries) single.addDimension(dimension, dimensionValue);
  single.addMetric(name, MetricUnit.Count, value);
};

/** Whether `value` is one of the values the dashboard and alarms know for the metric's dimension. */
export const knownDimensionValue = <M extends BusinessMetric>(name: M, dimension: keyof MetricDimensions<M>, value: string): boolean =>
  ((BUSINESS_METRICS[name] as Record<PropertyKey, readonly string[]>)[dimension] ?? []).includes(value);

/**
 * Publishes the invocation's stored metrics when it ends, failed or not. Unlike Powertools'
 * `logMetrics`, an invocation that counted nothing writes nothing (no empty-metrics warning).
 */
export const publishMetrics = (): MiddlewareObj => {
  const publish = () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: publish, onError: publish };
};
