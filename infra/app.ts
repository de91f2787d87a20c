import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConsoleDeploymentStack, ConsoleSiteStack } from './console-site.ts';
import { StewardStack } from './steward-stack.ts';

/** Builds the app (the Steward stack, the console's site and its deployment); the CDK CLI, the tests and the local stack all synthesise it from here. */
export const buildApp = (context: Record<string, unknown> = {}, outdir?: string) => {
  const app = new App({ context, ...(outdir && { outdir }) });
  // The console's site first: its CloudFront origin is the one the API and the documents bucket allow.
  const issuerOrigin = app.node.tryGetContext('consoleIssuerOrigin') as string | undefined;
  const site = new ConsoleSiteStack(app, 'StewardConsoleSite', { ...(issuerOrigin && { issuerOrigin }) });
  const stack = new StewardStack(app, 'Steward', { consoleOrigin: site.origin });
  new ConsoleDeploymentStack(app, 'StewardConsole', { site, apiUrl: stack.apiUrl, issuer: stack.issuer, clientId: stack.audience });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
};

if (import.meta.url === `file://${process.argv[1]}`) buildApp().app.synth();
