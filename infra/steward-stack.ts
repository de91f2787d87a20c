import { CfnElement, CfnOutput, CfnParameter, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ASSET_TYPES } from '../functions/core/handover.ts';
import { Api } from './api.ts';
import { Operations } from './operations.ts';
import { StewardFunction } from './functions.ts';
import { Storage } from './storage.ts';
import { FileLogDigester } from './file-log-digest.ts';
import { StuckWorkSweeper } from './sweeper.ts';
import { grantDescribeExecutions, Workflows } from './workflows.ts';

const REPORTS_PREFIX = 'reports/';
/** Handover plans (previews, and departures' plans recorded before they run), under the reports. */
const PLANS_PREFIX = `${REPORTS_PREFIX}plans/`;
const INVOICES_PREFIX = 'invoices/';
const UPLOADS_PREFIX = 'uploads/';
const MARKED_PREFIX = 'marked/';
const EXPORTS_PREFIX = 'exports/';
const INVESTIGATIONS_PREFIX = 'investigations/';
const PDF_FONT = 'node_modules/@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf';

/** Context `sellerName`, `sellerTaxId`, `invoiceProviderUrl`: who issues invoices (defaults: Steward itself). */
const sellerSettings = (scope: Construct): Record<string, string> => {
  const settings: Record<string, string> = {};
  for (const [context, variable] of [
    ['sellerName', 'STEWARD_SELLER_NAME'],
    ['sellerTaxId', 'STEWARD_SELLER_TAX_ID'],
    ['invoiceProviderUrl', 'STEWARD_INVOICE_PROVIDER_URL'],
  ] as const) {
    const value = scope.node.tryGetContext(context) as string | undefined;
    if (value) settings[variable] = value;
  }
  return settings;
};


/** Context `assetServiceUrlDoc|Drive|Calendar` plugs an asset type into its service; unset types stay embedded. */
const assetServiceUrls = (scope: Construct): Record<string, string> =>
  Object.fromEntries(
    ASSET_TYPES.flatMap((type) => {
      const url = scope.node.tryGetContext(`assetServiceUrl${type[0]!.toUpperCase()}${type.slice(1)}`) as string | undefined;
      return url ? [[`STEWARD_ASSET_SERVICE_URL_${type.toUpperCase()}`, url]] : [];
    }),
  );

/** Composes storage, functions, workflows and the API; IAM grants are per function and per resource. */
export class StewardStack extends Stack {
  readonly apiUrl: string;
  readonly issuer: string;
  readonly audience: string;

  /** `consoleOrigin`: where the admin console is served (its CloudFront domain), allowed by CORS on the API and the documents bucket. */
  constructor(scope: Construct, id: string, props: StackProps & { consoleOrigin?: string } = {}) {
    super(scope, id, props);
    const issuer = new CfnParameter(this, 'AdminJwtIssuer', {
      description: 'Issuer (iss) of admin JWTs; its /.well-known/openid-configuration must be reachable.',
    });
    const audience = new CfnParameter(this, 'AdminJwtAudience', { description: 'Audience (aud) of admin JWTs.' });

    const { table, bucket, fileLogTable, fileLogBucket } = new Storage(this, 'Storage', { ...(props.consoleOrigin && { consoleOrigin: props.consoleOrigin }) });
    const data = { TABLE_NAME: table.tableName };
    const documents = { ...data, DOCUMENTS_BUCKET: bucket.bucketName };

    const checkDue = new StewardFunction(this, 'CheckDue', { entry: 'functions/tasks/check-due.ts', timeout: Duration.seconds(25) });
    const syncOrder = new StewardFunction(this, 'SyncOrder', { entry: 'functions/tasks/sync-order.ts', environment: data });
    const lockSeat = new StewardFunction(this, 'LockSeat', { entry: 'functions/tasks/lock-seat.ts', environment: data });
    // Plans the departure's handover: reads every asset the member owns and stores the plan in S3.
    const planDepartureHandover = new StewardFunction(this, 'PlanDepartureHandover', {
      entry: 'functions/tasks/plan-departure-handover.ts',
      timeout: Duration.minutes(2),
      memorySize: 1024,
      environment: documents,
    });
    const applyScheduledDeparture = new StewardFunction(this, 'ApplyScheduledDeparture', {
      entry: 'functions/tasks/apply-scheduled-departure.ts',
      environment: data,
    });
    const assetServiceSecret = new Secret(this, 'AssetServiceSecret', {
      description: 'Standard Webhooks secret (whsec_...) that signs transfer calls to plugged-in asset services',
    });
    Validations.of(assetServiceSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'The secret is shared with external asset services; rotation is coordinated with them.',
    });
    const transferAssets = new StewardFunction(this, 'TransferAssets', {
      entry: 'functions/tasks/transfer-assets.ts',
      timeout: Duration.minutes(2),
      environment: { ...data, ...assetServiceUrls(this), STEWARD_ASSET_SERVICE_SECRET_ARN: assetServiceSecret.secretArn },
    });
    assetServiceSecret.grantRead(transferAssets);
    const failAssetBatch = new StewardFunction(this, 'FailAssetBatch', { entry: 'functions/tasks/fail-asset-batch.ts', environment: data });
    // Reads every outcome line and writes the report: 100,000 assets took 100 s on the loaded local stack.
    const finishHandover = new StewardFunction(this, 'FinishHandover', {
      entry: 'functions/tasks/finish-handover.ts',
      timeout: Duration.minutes(5),
      environment: documents,
    });
    const checkInvoice = new StewardFunction(this, 'CheckInvoice', {
      entry: 'functions/tasks/check-invoice.ts',
      timeout: Duration.minutes(1),
      // The PDF font (Noto Sans SC, for Chinese buyer titles) and the PDF libraries, loaded on the
      // first render, ship beside the bundle.
      environment: { ...documents, ...sellerSettings(this) },
      files: [PDF_FONT],
      shippedPackages: ['pdf-lib', '@pdf-lib/fontkit'],
    });
    checkInvoice.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects(`${INVOICES_PREFIX}*`)] }),
    );
    if (sellerSettings(this).STEWARD_INVOICE_PROVIDER_URL) {
      const providerSecret = new Secret(this, 'InvoiceProviderSecret', {
        description: 'Standard Webhooks secret (whsec_...) that signs requests to the e-invoicing provider',
      });
      Validations.of(providerSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'The secret is shared with the e-invoicing provider; rotation is coordinated with it.',
      });
      providerSecret.grantRead(checkInvoice);
      checkInvoice.addEnvironment('STEWARD_INVOICE_PROVIDER_SECRET_ARN', providerSecret.secretArn);
    }
    const putEventsOnDefaultBus = () => new PolicyStatement({
      actions: ['events:PutEvents'],
      resources: [this.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
    });
    // The invoice workflow's alert when a task kept failing: reads the invoice, raises the event.
    const invoiceFailed = new StewardFunction(this, 'InvoiceFailed', { entry: 'functions/tasks/invoice-failed.ts', environment: data });
    table.grantReadData(invoiceFailed);
    // A handover closed failed because its workflow broke down raises an alert too.
    for (const fn of [checkInvoice, invoiceFailed, finishHandover]) fn.addToRolePolicy(putEventsOnDefaultBus());
    for (const fn of [syncOrder, lockSeat, planDepartureHandover, applyScheduledDeparture, transferAssets, failAssetBatch, finishHandover, checkInvoice]) {
      table.grantReadWriteData(fn);
    }
    finishHandover.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects(`${REPORTS_PREFIX}*`)] }),
    );
    planDepartureHandover.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects(`${PLANS_PREFIX}*`)] }),
    );
    const taskFunctions = {
      checkDue,
      syncOrder,
      lockSeat,
      planDepartureHandover,
      applyScheduledDeparture,
      transferAssets,
      failAssetBatch,
      finishHandover,
      checkInvoice,
      invoiceFailed,
    };
    const workflows = new Workflows(this, 'Workflows', taskFunctions);
    const flows = {
      PURCHASE_STATE_MACHINE_ARN: workflows.purchase.stateMachineArn,
      SEAT_LOCK_STATE_MACHINE_ARN: workflows.seatLock.stateMachineArn,
      DEPARTURE_STATE_MACHINE_ARN: workflows.departure.stateMachineArn,
      HANDOVER_STATE_MACHINE_ARN: workflows.handover.stateMachineArn,
      INVOICE_STATE_MACHINE_ARN: workflows.invoice.stateMachineArn,
    };

    const webhook = (name: 'billing' | 'hr' | 'assets' | 'files', fnId: string, environment: Record<string, string> = flows) => {
      const secret = new Secret(this, `${fnId}Secret`, {
        description: `Standard Webhooks secret (whsec_...) shared with the ${name} sender`,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'The secret is shared with an external sender; rotation is coordinated with it (both secrets are accepted during a change).',
      });
      const fn = new StewardFunction(this, fnId, {
        entry: `functions/http/${name}-webhook.ts`,
        environment: { ...data, ...environment, [`STEWARD_${name.toUpperCase()}_WEBHOOK_SECRET_ARN`]: secret.secretArn },
      });
      secret.grantRead(fn);
      // The files source only reads the main table, but for its webhook ids (Powertools Idempotency).
      if (name === 'files') {
        table.grantReadData(fn);
        table.grant(fn, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
      } else {
        table.grantReadWriteData(fn);
      }
      return fn;
    };
    const billing = webhook('billing', 'BillingWebhook');
    const hr = webhook('hr', 'HrWebhook');
    const assets = webhook('assets', 'AssetsWebhook');
    const fileLogData = { FILE_LOG_TABLE: fileLogTable.tableName };
    // File events: reads members and policies (and keeps webhook ids) in the main table; in the file log it
    // checks, counts segments and appends, and in the archive it only adds objects (no delete, no overwrite grant needed).
    const files = webhook('files', 'FilesWebhook', { ...fileLogData, FILE_LOG_BUCKET: fileLogBucket.bucketName });
    fileLogTable.grant(files, 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem', 'dynamodb:PutItem');
    files.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [fileLogBucket.arnForObjects('archive/*'), fileLogBucket.arnForObjects('seals/*')] }),
    );
    // The file log's queries, CSV and digests: reads the file log (and, for days past the hot store's 180,
    // the archive's seals); large CSVs go to exports/ as links.
    const fileEvents = new StewardFunction(this, 'FileEvents', {
      entry: 'functions/http/file-log.ts',
      environment: { ...fileLogData, FILE_LOG_BUCKET: fileLogBucket.bucketName, DOCUMENTS_BUCKET: bucket.bucketName },
      memorySize: 1024,
    });
    fileLogTable.grantReadData(fileEvents);
    fileEvents.addToRolePolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [fileLogBucket.bucketArn] }));
    fileEvents.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [fileLogBucket.arnForObjects('seals/*')] }));
    fileEvents.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [bucket.arnForObjects(`${EXPORTS_PREFIX}*`)] }),
    );
    workflows.purchase.grantStartExecution(billing);
    // A refund after issuance starts the red-letter invoice's workflow.
    workflows.invoice.grantStartExecution(billing);
    workflows.departure.grantStartExecution(hr);

    const seats = new StewardFunction(this, 'Seats', { entry: 'functions/http/seats.ts', environment: { ...data, ...flows } });
    table.grantReadWriteData(seats);
    workflows.seatLock.grantStartExecution(seats);
    const handovers = new StewardFunction(this, 'Handovers', {
      entry: 'functions/http/handovers.ts',
      environment: { ...documents, ...flows },
    });
    table.grantReadWriteData(handovers);
    // Report links are presigned with this role, so it reads reports and nothing else in the bucket.
    handovers.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${REPORTS_PREFIX}*`)] }),
    );
    // A preview stores its full plan.
    handovers.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects(`${PLANS_PREFIX}*`)] }));
    workflows.handover.grantStartExecution(handovers);
    // MemberAssetsHandedOver, raised when an admin hands over an active member's assets.
    handovers.addToRolePolicy(putEventsOnDefaultBus());
    const invoices = new StewardFunction(this, 'Invoices', { entry: 'functions/http/invoices.ts', environment: { ...documents, ...flows } });
    table.grantReadWriteData(invoices);
    invoices.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${INVOICES_PREFIX}*`)] }),
    );
    workflows.invoice.grantStartExecution(invoices);
    // A retried application asks whether the invoice's workflow still runs.
    grantDescribeExecutions(invoices, workflows.invoice);
    const watermarkKey = new Key(this, 'WatermarkKey', {
      description: 'Seals the per-corp dark watermark keys stored in the table',
      enableKeyRotation: true,
    });
    const watermarks = new StewardFunction(this, 'Watermarks', {
      entry: 'functions/http/watermarks.ts',
      environment: { ...documents, WATERMARK_KMS_KEY_ARN: watermarkKey.keyArn, FILE_LOG_TABLE: fileLogTable.tableName },
      // libvips (sharp) is native code: npm ci installs its linux-arm64 build in native/watermarks (the root
      // postinstall) and synth copies it to /var/task/node_modules, where the bundle's require finds it.
      external: ['sharp'],
      nodeModules: 'native/watermarks/node_modules',
      memorySize: 2048,
      // A trace is an admin's investigation and an embed a second or so of CPU: 20 at once is 20 a second, far
      // above the console's need, and a flood of images is throttled there (the HTTP API answers 500) instead of taking the
      // account's concurrency (1,000 by default) from the webhooks and workflows.
      reservedConcurrentExecutions: 20,
    });
    table.grantReadWriteData(watermarks);
    // An investigation reads the member's file events around the leak.
    fileLogTable.grant(watermarks, 'dynamodb:Query');
    // Exactly the two calls the sealer makes (grantEncryptDecrypt would add ReEncrypt* and GenerateDataKey*).
    watermarkKey.grant(watermarks, 'kms:Encrypt', 'kms:Decrypt');
    // Images too large for a request body arrive through presigned PUTs under uploads/ (expired after a day).
    watermarks.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [bucket.arnForObjects(`${UPLOADS_PREFIX}*`)] }),
    );
    // Images marked from an upload are written under marked/ and handed out as presigned GETs (expired after a day).
    watermarks.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [bucket.arnForObjects(`${MARKED_PREFIX}*`)] }),
    );
    // An investigation's file-event timeline is kept beside its record, under investigations/ (it can outgrow an item).
    watermarks.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [bucket.arnForObjects(`${INVESTIGATIONS_PREFIX}*`)] }),
    );
    new StuckWorkSweeper(this, 'StuckWorkSweeper', {
      table,
      bucket,
      reportsPrefix: REPORTS_PREFIX,
      environment: {
        ...documents,
        DEPARTURE_STATE_MACHINE_ARN: flows.DEPARTURE_STATE_MACHINE_ARN,
        HANDOVER_STATE_MACHINE_ARN: flows.HANDOVER_STATE_MACHINE_ARN,
        INVOICE_STATE_MACHINE_ARN: flows.INVOICE_STATE_MACHINE_ARN,
      },
      watched: [workflows.departure, workflows.handover, workflows.invoice],
    });
    new FileLogDigester(this, 'FileLogDigester', { fileLogTable, fileLogBucket });
    // Security policies (admin) and the device registry.
    const policies = new StewardFunction(this, 'Policies', { entry: 'functions/http/policies.ts', environment: data });
    table.grantReadWriteData(policies);
    // Decisions and client bundles: on the suite's hot path, so each container keeps compiled engines
    // (memory buys CPU too). It reads, and writes only device registrations (UpdateItem).
    const decisions = new StewardFunction(this, 'Decisions', { entry: 'functions/http/decisions.ts', environment: data, memorySize: 1024 });
    table.grantReadData(decisions);
    table.grant(decisions, 'dynamodb:UpdateItem');
    const health = new StewardFunction(this, 'Health', { entry: 'functions/http/health.ts' });

    const api = new Api(this, 'Api', {
      issuer: issuer.valueAsString,
      audience: audience.valueAsString,
      ...(props.consoleOrigin && { corsOrigins: [props.consoleOrigin] }),
      routes: [
        { method: HttpMethod.GET, path: '/health', fn: health, jwt: false },
        { method: HttpMethod.POST, path: '/webhooks/billing', fn: billing, jwt: false },
        { method: HttpMethod.POST, path: '/webhooks/hr', fn: hr, jwt: false },
        { method: HttpMethod.POST, path: '/webhooks/assets', fn: assets, jwt: false },
        { method: HttpMethod.GET, path: '/corps/{corpId}/seats', fn: seats, jwt: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/orders', fn: seats, jwt: true },
        { method: HttpMethod.POST, path: '/corps/{corpId}/seats/allocations', fn: seats, jwt: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/seats/allocations', fn: seats, jwt: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/seats/allocations/{memberId}', fn: seats, jwt: true },
        { method: HttpMethod.DELETE, path: '/corps/{corpId}/seats/allocations/{memberId}', fn: seats, jwt: true },
        { method: HttpMethod.POST, path: '/corps/{corpId}/seats/recount', fn: seats, jwt: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/members/{memberId}', fn: seats, jwt: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/members/{memberId}/assets', fn: handovers, jwt: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/settings/handover', fn: handovers, jwt: true },
        { method: HttpMethod.PUT, path: '/corps/{corpId}/settings/handover', fn: handovers, jwt: true },
        { method: HttpMethod.POST, path: '/corps/{corpId}/handovers', fn: handovers, jwt: true },
        { method: HttpMethod.POST, path: '/corps/{corpId}/handovers/preview', fn: handovers, jwt: true },
        { method: HttpMethod.POST, path: '/corps/{corpId}/handovers/{handoverId}/undo', fn: handovers, jwt: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/handovers', fn: handovers, jwt: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/handovers/{handoverId}', fn: handovers, jwt: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/audit', fn: handovers, jwt: true },
        { method: HttpMethod.POST, path: '/corps/{corpId}/orders/{orderId}/invoices', fn: invoices, jwt: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/invoices', fn: invoices, jwt: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/invoices/{invoiceId}', fn: invoices, jwt: true },
        { method: HttpMethod.POST, path: '/corps/{corpId}/watermarks/embed', fn: watermarks, jwt: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/watermarks/overlay', fn: watermarks, jwt: true },
        { method: HttpMethod.POST, path: '/corps/{corpId}/watermarks/trace', fn: watermarks, jwt: true },
        { method: HttpMethod.POST, path: '/corps/{corpId}/watermarks/uploads', fn: watermarks, jwt: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/watermarks/traces', fn: watermarks, jwt: true },
        { method: HttpMethod.POST, path: '/corps/{corpId}/investigations', fn: watermarks, jwt: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/investigations', fn: watermarks, jwt: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/investigations/{investigationId}', fn: watermarks, jwt: true },
        { method: HttpMethod.POST, path: '/webhooks/files', fn: files, jwt: false },
        { method: HttpMethod.GET, path: '/corps/{corpId}/file-events', fn: fileEvents, jwt: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/file-events/digests', fn: fileEvents, jwt: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/policies', fn: policies, jwt: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/policies/{type}', fn: policies, jwt: true },
        { method: HttpMethod.PUT, path: '/corps/{corpId}/policies/{type}', fn: policies, jwt: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/policies/{type}/versions', fn: policies, jwt: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/members/{memberId}/effective-policy', fn: policies, jwt: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/devices', fn: policies, jwt: true },
        { method: HttpMethod.PUT, path: '/corps/{corpId}/devices/{deviceId}', fn: policies, jwt: true },
        // Enforcer tokens come through the same JWT authorizer; the handler checks the role.
        { method: HttpMethod.POST, path: '/corps/{corpId}/decisions', fn: decisions, jwt: true },
        { method: HttpMethod.GET, path: '/corps/{corpId}/members/{memberId}/client-policy', fn: decisions, jwt: true },
      ],
    });

    new Operations(this, 'Operations', {
      functions: Object.fromEntries(
        this.node.findAll().filter((c): c is StewardFunction => c instanceof StewardFunction).map((fn) => [fn.node.path.split('/').slice(1).join(''), fn]),
      ),
      expectedFailures: { TransferAssets: 'AssetServiceUnavailable' },
      stateMachines: { Purchase: workflows.purchase, SeatLock: workflows.seatLock, Departure: workflows.departure, Handover: workflows.handover, Invoice: workflows.invoice },
      httpApi: api.httpApi,
      tables: { Main: table, FileLog: fileLogTable },
    });
    this.acknowledgeManagedFindings(table, Object.values(taskFunctions), fileLogTable);
    const bucketArn = `<${this.getLogicalId(bucket.node.defaultChild as CfnElement)}.Arn>`;
    Validations.of(this).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketArn}/${REPORTS_PREFIX}*]`,
      reason: 'Handover reports are one object per handover under reports/; the grant covers that prefix only.',
    });
    Validations.of(this).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketArn}/${PLANS_PREFIX}*]`,
      reason: 'Handover plans are one object per preview or departure under reports/plans/; the grant covers that prefix only.',
    });
    Validations.of(this).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketArn}/${UPLOADS_PREFIX}*]`,
      reason: 'Suspect images uploaded for tracing are one object per upload under uploads/; the grant covers that prefix only.',
    });
    Validations.of(this).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketArn}/${MARKED_PREFIX}*]`,
      reason: 'Images marked from an upload are one object per embed under marked/; the grant covers that prefix only.',
    });
    Validations.of(this).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketArn}/${INVESTIGATIONS_PREFIX}*]`,
      reason: "Leak investigations' timelines are one object per investigation under investigations/; the grant covers that prefix only.",
    });
    Validations.of(this).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketArn}/${EXPORTS_PREFIX}*]`,
      reason: 'File log CSV exports are one object per export under exports/; the grant covers that prefix only.',
    });
    const fileLogBucketArn = `<${this.getLogicalId(fileLogBucket.node.defaultChild as CfnElement)}.Arn>`;
    for (const prefix of ['archive/', 'seals/', 'digests/']) {
      Validations.of(this).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${fileLogBucketArn}/${prefix}*]`,
        reason: 'The file log archive holds one object per corp, day, hour and segment, one seal per segment and one digest per corp-day and late segment; each grant covers one prefix only.',
      });
    }
    Validations.of(this).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketArn}/${INVOICES_PREFIX}*]`,
      reason: 'Invoice PDFs are one object per invoice under invoices/; the grant covers that prefix only.',
    });
    new CfnOutput(this, 'ApiUrl', { value: api.httpApi.apiEndpoint });
    this.apiUrl = api.httpApi.apiEndpoint;
    this.issuer = issuer.valueAsString;
    this.audience = audience.valueAsString;
  }

  /** Findings that come from AWS-managed building blocks, each with its reason. */
  private acknowledgeManagedFindings(table: TableV2, taskFunctions: StewardFunction[], fileLogTable: TableV2): void {
    const stack = Validations.of(this);
    const arnOf = (resource: Construct) => `<${this.getLogicalId(resource.node.defaultChild as CfnElement)}.Arn>`;
    stack.acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords accept no resource other than *.',
    });
    stack.acknowledge({
      id: `AwsSolutions-IAM5[Resource::${arnOf(table)}/index/*]`,
      reason: "Grants cover the table's own indexes (GSI1, the seat-holder index), nothing else.",
    });
    stack.acknowledge({
      id: `AwsSolutions-IAM5[Resource::${arnOf(fileLogTable)}/index/*]`,
      reason: "Grants cover the file log table's own indexes (by file, by action, by corp), nothing else.",
    });
    for (const fn of taskFunctions) {
      stack.acknowledge({
        id: `AwsSolutions-IAM5[Resource::${arnOf(fn)}:*]`,
        reason: 'State machines may invoke any version or alias of their own task function, as LambdaInvoke requires.',
      });
    }
    stack.acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The AWS-managed basic execution policy only lets a function write its own CloudWatch logs.',
    });
    stack.acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the runtime the service is built and tested on (Powertools, middy 6); upgrades are deliberate.',
    });
  }
}
