import { Duration, Stack, Stage } from 'aws-cdk-lib';
import { Architecture, CfnFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { bundleAssetHash } from './bundle-cache.ts';

/** Metadata key that tells the local stack which source file and export a function runs. */
export const ENTRY_METADATA = 'steward:entry';
/** Metadata key naming the node_modules folder copied beside a function's bundle (its native packages). */
export const NODE_MODULES_METADATA = 'steward:node-modules';

export type StewardFunctionProps = {
  /** Path from the repository root, e.g. `functions/http/seats.ts`. */
  entry: string;
  environment?: Record<string, string>;
  timeout?: Duration;
  /** Files copied beside the bundle (repository paths); the function finds them in /var/task. */
  files?: string[];
  /** Packages left out of the bundle (native code); they come from `nodeModules`. */
  external?: string[];
  /**
   * A node_modules folder (repository path) copied beside the bundle as /var/task/node_modules, where the
   * ESM bundle's bare imports resolve (layers under /opt are not on ESM's path): sharp for linux-arm64.
   */
  nodeModules?: string;
  memorySize?: number;
};

/** Copies an installed node_modules; a missing one (the root postinstall did not run) stops the synth with the fix. */
const copyNodeModules = (from: string, to: string) => [
  `test -d "${from}" || { echo "${from} is missing: run npm ci (its postinstall installs it)" >&2; exit 1; }`,
  `cp -R "${from}" "${to}"`,
];

/** Node 22 on arm64, bundled by the project's own esbuild (never Docker), JSON logs kept 90 days. */
export class StewardFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: StewardFunctionProps) {
    const bundling = {
      format: OutputFormat.ESM,
      target: 'node22',
      sourceMap: true,
      minify: true,
      // index.meta.json beside the bundle: which packages went in (test/deploy/bundles.test.ts checks it).
      metafile: true,
      externalModules: ['@aws-sdk/*', ...(props.external ?? [])],
      banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
      ...((props.files || props.nodeModules) && {
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            ...(props.files ?? []).map((file) => `cp "${inputDir}/${file}" "${outputDir}/"`),
            ...(props.nodeModules ? copyNodeModules(`${inputDir}/${props.nodeModules}`, `${outputDir}/node_modules`) : []),
          ],
        },
      }),
    };
    // Only what changed is bundled again (the hash covers the entry's import graph and these options).
    const assetHash = Stack.of(scope).bundlingRequired
      ? bundleAssetHash(Stage.of(scope)!.outdir, props.entry, {
          external: bundling.externalModules,
          files: [...(props.files ?? []), ...(props.nodeModules ? [`${props.nodeModules}/.package-lock.json`] : [])],
          settings: { ...bundling, nodeModules: props.nodeModules },
        })
      : undefined;
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
      bundling: { ...bundling, ...(assetHash && { assetHash }) },
    });
    (this.node.defaultChild as CfnFunction).addMetadata(ENTRY_METADATA, props.entry);
    if (props.nodeModules) (this.node.defaultChild as CfnFunction).addMetadata(NODE_MODULES_METADATA, props.nodeModules);
  }
}
