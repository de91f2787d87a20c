import type { Clock } from './clock.ts';
import type { DomainEvents } from './events.ts';
import type { FileArchive, FileLog, InvestigationBook } from './file-log.ts';
import type { AssetCatalog, AssetProviders, AuditTrail, DocumentStore, HandoverBook } from './handovers.ts';
import type { Alerts, CalendarStore, InvoiceBook, InvoiceIssuer } from './invoices.ts';
import type { DeviceRegistry, PolicyBook } from './policies.ts';
import type { MemberDirectory, OrderBook, SeatLedger } from './stores.ts';
import type { Images, WatermarkBook } from './watermarks.ts';
import type { WorkflowStarter } from './workflows.ts';

/** Every port by the name use cases know it by; each use case picks the few it needs. */
export type Ports = {
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
  events: DomainEvents;
  watermarks: WatermarkBook;
  images: Images;
  policies: PolicyBook;
  devices: DeviceRegistry;
  clock: Clock;
  workflows: WorkflowStarter;
  fileLog: FileLog;
  fileArchive: FileArchive;
  investigations: InvestigationBook;
  auditTrail: AuditTrail;
};
