import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Color, PDFFont, PDFPage } from 'pdf-lib';

/** Everything printed on the invoice. Amounts are decimal strings in CNY. */
export type InvoiceDocument = {
  invoiceNumber: string;
  issuedOn: string;
  seller: { name: string; taxId: string };
  buyer: { title: string; taxId: string; email: string };
  orderId: string;
  seats: number;
  unitPrice: string;
  amount: { value: string; currency: string };
  /** A red-letter invoice: the number of the invoice it reverses (its quantity and amount are negative). */
  reversesNumber?: string;
};

export const PRODUCT_NAME = '安全高级功能 Security advanced features';

const FONT_FILE = 'NotoSansSC_400Regular.ttf';
let fontBytes: Promise<Buffer> | undefined;
/**
 * Noto Sans SC (SIL OFL): buyer titles are usually Chinese, which the PDF standard fonts cannot
 * draw. A Lambda finds the font beside its bundle (LAMBDA_TASK_ROOT); elsewhere (tests, the
 * in-process local stack, run from the repository) it comes from its npm package.
 */
const font = () => {
  const root = process.env.LAMBDA_TASK_ROOT;
  return (fontBytes ??= readFile(
    root
      ? join(root, FONT_FILE)
      : createRequire(join(process.cwd(), 'package.json')).resolve(`@expo-google-fonts/noto-sans-sc/400Regular/${FONT_FILE}`),
  ));
};

const row = (page: PDFPage, regular: PDFFont, grey: Color, y: number, label: string, value: string) => {
  page.drawText(label, { x: 56, y, size: 10, font: regular, color: grey });
  page.drawText(value, { x: 200, y, size: 11, font: regular });
};

/** A one-page A4 electronic invoice; the font is subset, so the file stays small. */
export const renderInvoicePdf = async (invoice: InvoiceDocument): Promise<Uint8Array> => {
  // Loaded on the first render: a function that issues through an e-invoicing provider never evaluates them.
  const [{ PDFDocument, rgb }, { default: fontkit }] = await Promise.all([import('pdf-lib'), import('@pdf-lib/fontkit')]);
  const pdf = await PDFDocument.create();
  pdf.registerFontkit(fontkit);
  pdf.setTitle(`Invoice ${invoice.invoiceNumber}`);
  pdf.setCreator('Steward');
  const regular = await pdf.embedFont(await font(), { subset: true });
  const page = pdf.addPage([595.28, 841.89]);
  const red = invoice.reversesNumber !== undefined;
  page.drawText(red ? '电子发票（红字） Red-letter electronic invoice' : '电子发票（普通发票） Electronic invoice', {
    x: 56,
    y: 770,
    size: 18,
    font: regular,
    ...(red && { color: rgb(0.75, 0.1, 0.1) }),
  });
  const lines: [string, string][] = [
    ['发票号码 Invoice number', invoice.invoiceNumber],
    ...(red ? [['对应蓝字发票 Reverses invoice', invoice.reversesNumber!] as [string, string]] : []),
    ['开票日期 Issue date', invoice.issuedOn],
    ['销售方 Seller', invoice.seller.name],
    ['销售方税号 Seller tax id', invoice.seller.taxId],
    ['购买方 Buyer', invoice.buyer.title],
    ['购买方税号 Buyer tax id', invoice.buyer.taxId],
    ['收票邮箱 Email', invoice.buyer.email],
    ['订单 Order', invoice.orderId],
    ['项目 Item', PRODUCT_NAME],
    ['数量 Quantity', `${red ? -invoice.seats : invoice.seats} seats`],
    ['单价 Unit price', `${invoice.unitPrice} ${invoice.amount.currency}`],
    ['价税合计 Total (tax included)', `${invoice.amount.value} ${invoice.amount.currency}`],
  ];
  lines.forEach(([label, value], i) => row(page, regular, rgb(0.35, 0.35, 0.35), 720 - i * 26, label, value));
  return pdf.save();
};
