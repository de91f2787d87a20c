import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { StewardStack } from './steward-stack.ts';

/** Builds the app; the CDK CLI, the tests and the local stack all synthesise it from here. */
export const buildApp = (context: Record<string, unknown> = {}, outdir?: string) => {
  const app = new App({ context, ...(outdir && { outdir }) });
  const stack = new StewardStack(app, 'Steward');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
};

if (import.meta.url === `file://${process.argv[1]}`) buildApp().app.synth();
