import { DynamoOrderBook } from '#adapters/dynamodb/order-book';
import { DynamoMemberDirectory } from '#adapters/dynamodb/member-directory';
import { DynamoSeatLedger } from '#adapters/dynamodb/seat-ledger';
import { DynamoAssetCatalog } from '#adapters/dynamodb/asset-catalog';
import { DynamoHandoverBook } from '#adapters/dynamodb/handover-book';
import { DynamoCalendarStore, DynamoInvoiceBook } from '#adapters/dynamodb/invoice-book';
import { EmbeddedInvoiceIssuer } from '#adapters/invoices/embedded-issuer';
import { HttpInvoiceIssuer } from '#adapters/invoices/http-issuer';
import { EventBridgeAlerts } from '#adapters/aws/eventbridge-alerts';
import { KmsSealer, plainSealer } from '#adapters/aws/kms-sealer';
import { DynamoWatermarkBook } from '#adapters/dynamodb/watermark-book';
import { sharpImages } from '#adapters/images/sharp-images';
import { assetProvidersFromEnv } from '#adapters/assets/http-provider';
import { dynamoDocumentClient, eventBridgeClient, kmsClient, s3Client, sfnClient } from '#adapters/aws/clients';
import { S3DocumentStore } from '#adapters/aws/s3-document-store';
import { SfnWorkflowStarter } from '#adapters/aws/sfn-workflow-starter';
import { systemClock } from '#adapters/aws/system-clock';
import type { Clock } from '#ports/clock';
import type { AssetCatalog, AssetProviders, DocumentStore, HandoverBook } from '#ports/handovers';
import type { Alerts, CalendarStore, InvoiceBook, InvoiceIssuer } from '#ports/invoices';
import type { Images, WatermarkBook } from '#ports/watermarks';
import type { MemberDirectory, OrderBook, SeatLedger } from '#ports/stores';
import type { WorkflowStarter } from '#ports/workflows';

export type Deps = {
  orders: OrderBook;
  members: MemberDirectory;
  seats: SeatLedger;
  assets: AssetCatalog;
  handovers: HandoverBook;
  assetProviders: AssetProviders;
  documents: DocumentStore;
  invoices: InvoiceBook;
  calendar: CalendarStore;
  issuer: InvoiceIssuer;
  alerts: Alerts;
  watermarks: WatermarkBook;
  images: Images;
  clock: Clock;
  workflows: WorkflowStarter;
};

let current: Deps | undefined;

/**
 * `STEWARD_INVOICE_PROVIDER_URL` sends invoices to an e-invoicing provider; without it Steward
 * issues them itself as the seller `STEWARD_SELLER_NAME` / `STEWARD_SELLER_TAX_ID`.
 */
const invoiceIssuerFromEnv = (invoices: InvoiceBook, env: NodeJS.ProcessEnv = process.env): InvoiceIssuer =>
  env.STEWARD_INVOICE_PROVIDER_URL
    ? new HttpInvoiceIssuer(env.STEWARD_INVOICE_PROVIDER_URL)
    : new EmbeddedInvoiceIssuer(invoices, {
        name: env.STEWARD_SELLER_NAME ?? 'Steward 安全服务有限公司',
        taxId: env.STEWARD_SELLER_TAX_ID ?? '911101080031234560',
      });

const awsDeps = (): Deps => {
  const db = dynamoDocumentClient();
  const invoices = new DynamoInvoiceBook(db);
  return {
    orders: new DynamoOrderBook(db),
    members: new DynamoMemberDirectory(db),
    seats: new DynamoSeatLedger(db),
    assets: new DynamoAssetCatalog(db),
    handovers: new DynamoHandoverBook(db),
    assetProviders: assetProvidersFromEnv(),
    documents: new S3DocumentStore(s3Client()),
    invoices,
    calendar: new DynamoCalendarStore(db),
    issuer: invoiceIssuerFromEnv(invoices),
    alerts: new EventBridgeAlerts(eventBridgeClient()),
    // Watermark keys are KMS-sealed when the stack names a key; the local stack keeps them plain.
    watermarks: new DynamoWatermarkBook(
      db,
      process.env.WATERMARK_KMS_KEY_ARN ? new KmsSealer(kmsClient(), process.env.WATERMARK_KMS_KEY_ARN) : plainSealer,
    ),
    images: sharpImages,
    clock: systemClock,
    workflows: new SfnWorkflowStarter(sfnClient()),
  };
};

/** The composition root: AWS adapters by default; the local stack swaps the clock and workflow starter. */
export const deps = (): Deps => (current ??= awsDeps());

export const provideDeps = (overrides: Partial<Deps>): void => {
  current = { ...deps(), ...overrides };
};
