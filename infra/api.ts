import { CfnStage, CorsHttpMethod, HttpApi, HttpMethod, HttpNoneAuthorizer, type IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Duration, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** `jwt`: behind the JWT authorizer (admin and enforcer tokens; the handler checks the role and corp). */
export type RouteSpec = { method: HttpMethod; path: string; fn: IFunction; jwt: boolean };

/**
 * The HTTP API of the contract. Admin and enforcer routes sit behind a JWT authorizer (issuer and audience are
 * deployment parameters); webhooks and /health are open at the gateway and verified in the handler.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;

  constructor(scope: Construct, id: string, props: { issuer: string; audience: string; routes: RouteSpec[]; corsOrigins?: string[] }) {
    super(scope, id);
    this.httpApi = new HttpApi(this, 'HttpApi', {
      createDefaultStage: true,
      // The admin console, on its own origin, calls the API from the browser with a bearer token (no cookies).
      ...(props.corsOrigins && {
        corsPreflight: {
          allowOrigins: props.corsOrigins,
          allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.DELETE],
          allowHeaders: ['authorization', 'content-type', 'if-match', 'if-none-match'],
          exposeHeaders: ['etag'],
          maxAge: Duration.hours(1),
        },
      }),
    });
    const jwt: IHttpRouteAuthorizer = new HttpJwtAuthorizer('AdminJwt', props.issuer, {
      jwtAudience: [props.audience],
    });
    const integrations = new Map<IFunction, HttpLambdaIntegration>();
    for (const route of props.routes) {
      if (!integrations.has(route.fn)) {
        integrations.set(route.fn, new HttpLambdaIntegration(`${route.fn.node.id}Integration`, route.fn));
      }
      const [created] = this.httpApi.addRoutes({
        path: route.path,
        methods: [route.method],
        integration: integrations.get(route.fn)!,
        authorizer: route.jwt ? jwt : new HttpNoneAuthorizer(),
      });
      if (!route.jwt && created) {
        Validations.of(created).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: 'Webhooks are authenticated by their Standard Webhooks HMAC signature in the handler; /health is public by contract.',
        });
      }
    }

    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_YEAR });
    const stage = this.httpApi.defaultStage!.node.defaultChild as CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latencyMs: '$context.responseLatency',
        sourceIp: '$context.identity.sourceIp',
        authorizerError: '$context.authorizer.error',
      }),
    };
    stage.defaultRouteSettings = { throttlingBurstLimit: 500, throttlingRateLimit: 1000 };
  }
}
