import { Duration } from 'aws-cdk-lib';
import { Architecture, CfnFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Metadata key that tells the local stack which source file and export a function runs. */
export const ENTRY_METADATA = 'steward:entry';

export type StewardFunctionProps = {
  /** Path from the repository root, e.g. `functions/http/seats.ts`. */
  entry: string;
  environment?: Record<string, string>;
  timeout?: Duration;
  /** Files copied beside the bundle (repository paths); the function finds them in /var/task. */
  files?: string[];
  /** Packages left out of the bundle, provided by a layer (native code). */
  external?: string[];
  memorySize?: number;
};

/** Node 22 on arm64, bundled by the project's own esbuild (never Docker), JSON logs kept 90 days. */
export class StewardFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: StewardFunctionProps) {
    super(scope, id, {
      entry: props.entry,
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(29),
      tracing: Tracing.ACTIVE,
      logGroup: new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.THREE_MONTHS }),
      environment: { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'steward', ...props.environment },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        sourceMap: true,
        minify: true,
        externalModules: ['@aws-sdk/*', ...(props.external ?? [])],
        banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
        ...(props.files && {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (inputDir: string, outputDir: string) =>
              props.files!.map((file) => `cp "${inputDir}/${file}" "${outputDir}/"`),
          },
        }),
      },
    });
    (this.node.defaultChild as CfnFunction).addMetadata(ENTRY_METADATA, props.entry);
  }
}
