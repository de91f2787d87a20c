import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { openApiDocument } from '../../functions/commons/openapi.ts';
import { resourcesOfType, type CfnTemplate } from '../../local/template.ts';

describe('OpenAPI', () => {
  const document = openApiDocument();

  it('documents every route the HTTP API declares', () => {
    const { app, stack } = buildApp({ 'aws:cdk:bundling-stacks': [] });
    const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
    const routeKeys = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey as string);
    const documented = Object.entries(document.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(routeKeys.sort());
  });

  it('is what docs/openapi.json holds (run `npm run openapi` after changing a schema)', () => {
    expect(JSON.parse(readFileSync('docs/openapi.json', 'utf8'))).toEqual(JSON.parse(JSON.stringify(document)));
  });
});
