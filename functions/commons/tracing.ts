import type { MiddlewareObj, Request } from '@middy/core';

let capture: MiddlewareObj | undefined;

/** Called by ./tracer.ts when it loads (with the first AWS SDK client). */
export const tracerLoaded = (middleware: MiddlewareObj): void => {
  capture = middleware;
};

/**
 * Powertools' `captureLambdaHandler` (a `## handler` subsegment with ColdStart and service
 * annotations, the response or error as metadata) for every invocation that begins once Tracer is
 * loaded. The invocation that loads it is traced by Lambda's own segment, under which the SDK
 * calls already appear; importing Tracer here would put the X-Ray SDK in every cold start.
 */
export const traceInvocation = (): MiddlewareObj => {
  const traced = new WeakSet<Request>();
  return {
    before: async (request) => {
      if (!capture) return;
      traced.add(request);
      await capture.before?.(request);
    },
    after: async (request) => {
      if (traced.has(request)) await capture!.after?.(request);
    },
    onError: async (request) => {
      if (traced.has(request)) await capture!.onError?.(request);
    },
  };
};
