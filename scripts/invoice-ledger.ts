import { parseArgs } from 'node:util';
import { dynamoDocumentClient } from '#adapters/aws/dynamodb-client';
import { DynamoInvoiceBook } from '#adapters/dynamodb/invoice-book';
import { seller } from '#providers/invoice-issuer';
import { readNumberLedger } from '#use-cases/invoices';

/**
 * The seller's invoice numbers for an auditor, one line each, in order: the invoice it went to, or
 * void with the reason. Exits non-zero if a drawn number is unaccounted for.
 *   TABLE_NAME=... npm run invoices:ledger -- [--seller <tax id>] [--json]
 * (default seller: STEWARD_SELLER_TAX_ID, as the issuer uses it).
 */
const { values } = parseArgs({ options: { seller: { type: 'string' }, json: { type: 'boolean', default: false } } });
const sellerTaxId = values.seller ?? seller().taxId;
const ledger = await readNumberLedger({ invoices: new DynamoInvoiceBook(dynamoDocumentClient()) }, sellerTaxId);
for (const entry of ledger) {
  if (values.json) console.log(JSON.stringify(entry));
  else if (entry.use === 'invoice') console.log(`${entry.invoiceNumber}  invoice  ${entry.corpId}/${entry.invoiceId} (${entry.kind})`);
  else if (entry.use === 'void') console.log(`${entry.invoiceNumber}  void     ${entry.corpId}/${entry.invoiceId}: ${entry.reason}`);
  else console.log(`${entry.invoiceNumber}  UNACCOUNTED: drawn, no ledger line`);
}
if (!values.json) console.log(`${ledger.length} numbers drawn by seller ${sellerTaxId}.`);
if (ledger.some((entry) => entry.use === 'unaccounted')) process.exitCode = 1;
