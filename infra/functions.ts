import { Duration, Stack, Stage } from 'aws-cdk-lib';
import { Architecture, CfnFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../functions/commons/metric-names.ts';
import { bundleAssetHash } from './bundle-cache.ts';
import { packageClosure } from './package-closure.ts';

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
   * bundle's bare imports resolve: sharp for linux-arm64.
   */
  nodeModules?: string;
  /**
   * Packages shipped installed beside the bundle instead of inside it, with their dependencies,
   * from the repository's node_modules: large libraries a function loads only on one path (pdf-lib
   * for rendering), so its bundle stays small and its cold import fast.
   */
  shippedPackages?: string[];
  memorySize?: number;
  reservedConcurrentExecutions?: number;
};

/** Copies an installed node_modules; a missing one (the root postinstall did not run) stops the synth with the fix. */
const copyNodeModules = (from: string, to: string) => [
  `test -d "${from}" || { echo "${from} is missing: run npm ci (its postinstall installs it)" >&2; exit 1; }`,
  `cp -R "${from}" "${to}"`,
];

/**
 * Powertools Tracer and the X-Ray SDK under it (about 120 KB minified, 40 ms to import) ship beside
 * a bundle that requires it, as pdf-lib does: only the AWS SDK client adapters import it, on first
 * use, so it would only add to the bundle's size what no cold start loads.
 */
const TRACER = '@aws-lambda-powertools/tracer';

/** Copies each package of the closure (read from this checkout's node_modules) into the bundle's. */
const copyPackages = (inputDir: string, outputDir: string, names: string[]) =>
  packageClosure('node_modules', names).map(
    // A package already there (shared by two closures) is kept: cp -R would nest the second copy inside it.
    (name) =>
      `[ -e "${outputDir}/node_modules/${name}" ] || { mkdir -p "$(dirname "${outputDir}/node_modules/${name}")" && cp -R "${inputDir}/node_modules/${name}" "${outputDir}/node_modules/${name}"; }`,
  );

/**
 * Node 22 on arm64, bundled by the project's own esbuild (never Docker), JSON logs kept 90 days.
 * The bundle is CommonJS: a module the handler imports dynamically (an adapter, on first use)
 * keeps its `require` of the AWS SDK inside its lazy initialiser, where ESM output would hoist the
 * SDK's import to the top and load it at every cold start.
 */
export class StewardFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: StewardFunctionProps) {
    const bundling = {
      format: OutputFormat.CJS,
      target: 'node22',
      sourceMap: true,
      minify: true,
      // index.meta.json beside the bundle: which packages went in (test/deploy/bundles.test.ts checks it).
      metafile: true,
      externalModules: ['@aws-sdk/*', TRACER, ...(props.external ?? []), ...(props.shippedPackages ?? [])],
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (inputDir: string, outputDir: string) => [
          ...(props.files ?? []).map((file) => `cp "${inputDir}/${file}" "${outputDir}/"`),
          ...(props.nodeModules ? copyNodeModules(`${inputDir}/${props.nodeModules}`, `${outputDir}/node_modules`) : []),
          ...(props.shippedPackages ? copyPackages(inputDir, outputDir, props.shippedPackages) : []),
          `if grep -q '"${TRACER}' "${outputDir}/index.js"; then ${copyPackages(inputDir, outputDir, [TRACER]).join('; ')}; fi`,
        ],
      },
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
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      timeout: props.timeout ?? Duration.seconds(29),
      tracing: Tracing.ACTIVE,
      logGroup: new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.THREE_MONTHS }),
      // Logger, Metrics and Tracer read these; metrics go out as EMF in the function's logs (no IAM needed).
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...props.environment,
      },
      bundling: { ...bundling, ...(assetHash && { assetHash }) },
    });
    (this.node.defaultChild as CfnFunction).addMetadata(ENTRY_METADATA, props.entry);
    if (props.nodeModules) (this.node.defaultChild as CfnFunction).addMetadata(NODE_MODULES_METADATA, props.nodeModules);
  }
}
