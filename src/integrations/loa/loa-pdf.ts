import type { LoaDocumentData, SignatureCertificateData } from '../../domain/ports.js';
import { createHash } from 'node:crypto';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import type { PDFFont, PDFPage } from 'pdf-lib';

export type LoaDocumentInput = LoaDocumentData;
export type LoaPostalAddress = LoaDocumentData['address'];
export type SignatureCertificate = SignatureCertificateData;

// US Letter, in PDF points (1/72 inch).
const PAGE_WIDTH_PT = 612;
const PAGE_HEIGHT_PT = 792;
const MARGIN_PT = 54;
const CONTENT_WIDTH_PT = PAGE_WIDTH_PT - 2 * MARGIN_PT;
const FOOTER_BASELINE_PT = 30;
const TITLE_SIZE_PT = 16;
const HEADING_SIZE_PT = 12;
const BODY_SIZE_PT = 10;
const FOOTER_SIZE_PT = 8;
const LINE_HEIGHT_FACTOR = 1.4;
const LABEL_WIDTH_PT = 150;
const LIST_INDENT_PT = 18;
const NUMBER_COLUMNS = 4;
const SIGNATURE_ROW_PT = 30;
/** Lines a single value may wrap onto before it is cut with an ellipsis. */
const MAX_VALUE_LINES = 6;
/** Lines per value on the certificate page, which must fit on one page whatever the input. */
const MAX_CERTIFICATE_VALUE_LINES = 3;
const MAX_USER_AGENT_LINES = 10;
/**
 * Input is cut to this many UTF-16 code units before layout, which bounds the work on hostile
 * input. The line limits cut ordinary text well before this length.
 */
const MAX_INPUT_CHARS = 2000;
const ELLIPSIS = '\u2026';
const TEXT_COLOR = rgb(0, 0, 0);
const RULE_COLOR = rgb(0.4, 0.4, 0.4);

const PRODUCER = 'numberhost (pdf-lib)';

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  /** Code points both fonts can encode: the standard fonts use WinAnsi encoding. */
  charset: ReadonlySet<number>;
}

async function embedFonts(pdf: PDFDocument): Promise<Fonts> {
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  return { regular, bold, charset: new Set(regular.getCharacterSet()) };
}

function isEncodable(text: string, charset: ReadonlySet<number>): boolean {
  for (const char of text) {
    if (!charset.has(char.codePointAt(0) ?? -1)) {
      return false;
    }
  }
  return true;
}

/** Picks the printable form of one code point: accents removed, else as is, else "?". */
function printableChar(char: string, charset: ReadonlySet<number>): string {
  const folded = char.normalize('NFKD').replace(/\p{M}/gu, '');
  if (isEncodable(folded, charset)) {
    return folded;
  }
  return isEncodable(char, charset) ? char : '?';
}

/**
 * Rewrites text so a WinAnsi font can draw it on one line. Format characters are dropped, and
 * controls, line breaks and runs of white space become one space. Accents are removed ("Zoë"
 * prints "Zoe"), and any other character that WinAnsi lacks becomes "?".
 */
function toPrintableText(text: string, charset: ReadonlySet<number>): string {
  const flat = text.slice(0, MAX_INPUT_CHARS).replace(/\p{Cf}/gu, '').replace(/[\s\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ');
  let printable = '';
  for (const char of flat) {
    printable += printableChar(char, charset);
  }
  return printable.replace(/ {2,}/g, ' ').trim();
}

/** Cuts printable text to the longest prefix that, followed by an ellipsis, fits maxWidthPt. */
function cutWithEllipsis(text: string, font: PDFFont, sizePt: number, maxWidthPt: number): string {
  const fits = (length: number): boolean => font.widthOfTextAtSize(text.slice(0, length).trimEnd() + ELLIPSIS, sizePt) <= maxWidthPt;
  // Binary search works because a longer prefix is never narrower: in Helvetica and Helvetica-Bold
  // (pdf-lib 1.17.1 metrics) every added glyph adds at least 62/1000 em, kerning included.
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(middle)) {
      low = middle;
    } else {
      high = middle - 1;
    }
  }
  return text.slice(0, low).trimEnd() + ELLIPSIS;
}

/** Returns printable text as is when it fits maxWidthPt, otherwise cut with an ellipsis. */
function fitWidth(text: string, font: PDFFont, sizePt: number, maxWidthPt: number): string {
  return font.widthOfTextAtSize(text, sizePt) <= maxWidthPt ? text : cutWithEllipsis(text, font, sizePt, maxWidthPt);
}

/** Splits printable text into lines no wider than maxWidthPt, breaking words that are too long. */
function wrapText(text: string, font: PDFFont, sizePt: number, maxWidthPt: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (font.widthOfTextAtSize(candidate, sizePt) <= maxWidthPt) {
      line = candidate;
      continue;
    }
    if (line !== '') {
      lines.push(line);
    }
    line = '';
    for (const char of word) {
      if (line !== '' && font.widthOfTextAtSize(line + char, sizePt) > maxWidthPt) {
        lines.push(line);
        line = '';
      }
      line += char;
    }
    // Stops early: anything past maxLines is cut anyway.
    if (lines.length > maxLines) {
      break;
    }
  }
  lines.push(line);
  if (lines.length <= maxLines) {
    return lines;
  }
  const visibleLines = lines.slice(0, maxLines);
  visibleLines[maxLines - 1] = cutWithEllipsis(visibleLines[maxLines - 1] ?? '', font, sizePt, maxWidthPt);
  return visibleLines;
}

interface TextStyle {
  font?: PDFFont;
  sizePt?: number;
  maxLines?: number;
}

/** Lays text out top to bottom, adding a page whenever the current one is full. */
class PageWriter {
  private page: PDFPage;
  /** Top of the free space on the current page. */
  private y = PAGE_HEIGHT_PT - MARGIN_PT;

  constructor(
    private readonly pdf: PDFDocument,
    readonly fonts: Fonts,
  ) {
    this.page = pdf.addPage([PAGE_WIDTH_PT, PAGE_HEIGHT_PT]);
  }

  printable(text: string): string {
    return toPrintableText(text, this.fonts.charset);
  }

  /** Returns text made printable and cut to one line of the given width, for use inside sentences. */
  short(text: string, maxWidthPt = CONTENT_WIDTH_PT / 2): string {
    return fitWidth(this.printable(text), this.fonts.regular, BODY_SIZE_PT, maxWidthPt);
  }

  /** Starts a new page unless heightPt fits above the bottom margin. */
  ensureRoom(heightPt: number): void {
    if (this.y - heightPt >= MARGIN_PT) {
      return;
    }
    this.page = this.pdf.addPage([PAGE_WIDTH_PT, PAGE_HEIGHT_PT]);
    this.y = PAGE_HEIGHT_PT - MARGIN_PT;
  }

  gap(heightPt: number): void {
    this.y -= heightPt;
  }

  /** Draws one line of already printable text at the current height, then moves down. */
  line(text: string, x: number, font: PDFFont, sizePt: number): void {
    this.ensureRoom(sizePt * LINE_HEIGHT_FACTOR);
    this.page.drawText(text, { x, y: this.y - sizePt, font, size: sizePt, color: TEXT_COLOR });
    this.y -= sizePt * LINE_HEIGHT_FACTOR;
  }

  paragraph(text: string, style: TextStyle = {}): void {
    const font = style.font ?? this.fonts.regular;
    const sizePt = style.sizePt ?? BODY_SIZE_PT;
    const lines = wrapText(this.printable(text), font, sizePt, CONTENT_WIDTH_PT, style.maxLines ?? Infinity);
    for (const line of lines) {
      this.line(line, MARGIN_PT, font, sizePt);
    }
  }

  heading(text: string): void {
    // Keeps a heading on the same page as the first two lines under it.
    this.ensureRoom(HEADING_SIZE_PT * LINE_HEIGHT_FACTOR + 2 * BODY_SIZE_PT * LINE_HEIGHT_FACTOR + BODY_SIZE_PT);
    this.gap(BODY_SIZE_PT);
    this.paragraph(text, { font: this.fonts.bold, sizePt: HEADING_SIZE_PT });
  }

  /** Draws a label in bold with its value wrapped in a column to the right, kept on one page. */
  field(label: string, value: string, maxLines = MAX_VALUE_LINES): void {
    const valueWidthPt = CONTENT_WIDTH_PT - LABEL_WIDTH_PT;
    const printable = this.printable(value);
    const lines = wrapText(printable === '' ? '(not given)' : printable, this.fonts.regular, BODY_SIZE_PT, valueWidthPt, maxLines);
    const lineHeightPt = BODY_SIZE_PT * LINE_HEIGHT_FACTOR;
    this.ensureRoom(lines.length * lineHeightPt);
    const top = this.y;
    this.line(this.printable(label), MARGIN_PT, this.fonts.bold, BODY_SIZE_PT);
    this.y = top;
    for (const line of lines) {
      this.line(line, MARGIN_PT + LABEL_WIDTH_PT, this.fonts.regular, BODY_SIZE_PT);
    }
  }

  numberedList(items: readonly string[]): void {
    items.forEach((item, index) => {
      const lines = wrapText(this.printable(item), this.fonts.regular, BODY_SIZE_PT, CONTENT_WIDTH_PT - LIST_INDENT_PT, Infinity);
      this.ensureRoom(Math.min(lines.length, 2) * BODY_SIZE_PT * LINE_HEIGHT_FACTOR);
      const top = this.y;
      this.line(`${index + 1}.`, MARGIN_PT, this.fonts.regular, BODY_SIZE_PT);
      this.y = top;
      for (const line of lines) {
        this.line(line, MARGIN_PT + LIST_INDENT_PT, this.fonts.regular, BODY_SIZE_PT);
      }
      this.gap(BODY_SIZE_PT / 2);
    });
  }

  /** Draws values in columns, filling each column top to bottom, over as many pages as needed. */
  columns(values: readonly string[]): void {
    const lineHeightPt = BODY_SIZE_PT * LINE_HEIGHT_FACTOR;
    const columnWidthPt = CONTENT_WIDTH_PT / NUMBER_COLUMNS;
    let start = 0;
    while (start < values.length) {
      this.ensureRoom(lineHeightPt);
      const rowsLeft = Math.floor((this.y - MARGIN_PT) / lineHeightPt);
      const chunk = values.slice(start, start + rowsLeft * NUMBER_COLUMNS);
      const rows = Math.ceil(chunk.length / NUMBER_COLUMNS);
      chunk.forEach((value, index) => {
        const text = fitWidth(this.printable(value), this.fonts.regular, BODY_SIZE_PT, columnWidthPt - BODY_SIZE_PT);
        const x = MARGIN_PT + Math.floor(index / rows) * columnWidthPt;
        const y = this.y - (index % rows) * lineHeightPt - BODY_SIZE_PT;
        this.page.drawText(text, { x, y, font: this.fonts.regular, size: BODY_SIZE_PT, color: TEXT_COLOR });
      });
      this.y -= rows * lineHeightPt;
      start += chunk.length;
    }
  }

  /** Draws a label with a rule to write on, and optional text already on the rule. */
  signatureLine(label: string, filledIn = ''): void {
    const baseline = this.y - SIGNATURE_ROW_PT + BODY_SIZE_PT / 2;
    const ruleStart = MARGIN_PT + 80;
    const ruleEnd = MARGIN_PT + 340;
    this.page.drawText(this.printable(label), { x: MARGIN_PT, y: baseline, font: this.fonts.bold, size: BODY_SIZE_PT, color: TEXT_COLOR });
    this.page.drawLine({ start: { x: ruleStart, y: baseline - 3 }, end: { x: ruleEnd, y: baseline - 3 }, thickness: 0.75, color: RULE_COLOR });
    if (filledIn !== '') {
      const text = fitWidth(this.printable(filledIn), this.fonts.regular, BODY_SIZE_PT, ruleEnd - ruleStart - 8);
      this.page.drawText(text, { x: ruleStart + 4, y: baseline, font: this.fonts.regular, size: BODY_SIZE_PT, color: TEXT_COLOR });
    }
    this.y -= SIGNATURE_ROW_PT;
  }
}

function isValidDate(date: Date | undefined): date is Date {
  return date instanceof Date && !Number.isNaN(date.getTime());
}

/** Formats a date as YYYY-MM-DD in UTC. */
function formatDate(date: Date): string {
  return isValidDate(date) ? date.toISOString().slice(0, 10) : 'unknown date';
}

/** Formats a time as YYYY-MM-DD HH:MM UTC. */
function formatDateTime(date: Date): string {
  return isValidDate(date) ? `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'unknown time';
}

function formatAddress(address: LoaPostalAddress): string {
  const firstLine = `${address.buildingNumber} ${address.street}`;
  const region = `${address.state} ${address.postalCode}`;
  return [firstLine, address.city, region, address.country]
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .join(', ');
}

function personName(input: LoaDocumentInput): string {
  return `${input.authorisedPerson.firstName} ${input.authorisedPerson.lastName}`;
}

/** Names a party inside a sentence: "Acme (the hosting provider)", or only the role when the name is empty. */
function withRole(writer: PageWriter, name: string, role: string): string {
  const printable = writer.short(name);
  return printable === '' ? role : `${printable} (${role})`;
}

function writeParties(writer: PageWriter, input: LoaDocumentInput): void {
  const name = writer.short(personName(input)) || 'the authorized person named below';
  const provider = withRole(writer, input.hostingProvider, 'the hosting provider');
  writer.heading('Parties');
  if (input.loaType === 'RESELLER') {
    writer.paragraph(
      `The phone numbers listed in this letter are owned by ${withRole(writer, input.businessName ?? '', 'the number owner')}. ` +
        `I, ${name}, sign this letter for the number owner, at the service address below. ` +
        `I authorize ${provider} to enable SMS text messaging on those numbers.`,
    );
    return;
  }
  writer.paragraph(
    `I, ${name}, sign this letter for myself or for the organization I represent, at the service address below. ` +
      `I authorize ${provider} to enable SMS text messaging on the phone numbers listed in this letter.`,
  );
}

function writeDetails(writer: PageWriter, input: LoaDocumentInput): void {
  writer.heading('Details');
  writer.field('Hosting order', input.hostingOrderId);
  writer.field('Date', formatDate(input.issuedAt));
  writer.field('Letter type', input.loaType === 'RESELLER' ? 'Reseller' : 'Direct');
  if (input.loaType === 'RESELLER') {
    writer.field('Number owner', input.businessName ?? '');
  }
  writer.field('Authorized person', personName(input));
  writer.field('E-mail', input.authorisedPerson.email);
  writer.field('Service address', formatAddress(input.address));
  writer.field('Current voice carrier', input.currentVoiceCarrier);
  writer.field('Hosting provider', input.hostingProvider);
  writer.field('Messaging NNID', input.nnid);
  writer.field('Toll-free numbers', input.isTollFree ? 'Yes' : 'No');
  if (input.scheduledUpdateAt !== undefined) {
    writer.field('Scheduled registry update', formatDateTime(input.scheduledUpdateAt));
  }
  writer.field('Phone numbers', String(input.phoneNumbers.length));
}

function writeTerms(writer: PageWriter, input: LoaDocumentInput): void {
  const carrier = withRole(writer, input.currentVoiceCarrier, 'the current voice carrier');
  const provider = withRole(writer, input.hostingProvider, 'the hosting provider');
  const nnid = writer.short(input.nnid) || '(not given)';
  const registry = input.isTollFree ? 'toll-free messaging registry' : 'carrier override registry';
  writer.heading('Terms');
  writer.paragraph('By signing this letter, I agree that:');
  writer.gap(BODY_SIZE_PT / 2);
  writer.numberedList([
    'I own the phone numbers listed in this letter, or I am authorized to act for the person or business that owns them.',
    `Voice service for these numbers stays with ${carrier}. This letter does not port the numbers or change their voice service.`,
    `I allow ${provider} to update the ${registry} so that text messages to these numbers are routed to NNID ${nnid}, ` +
      'and to make the other messaging routing changes that text enablement needs.',
    `This authorization stays in force until I revoke it in writing to ${provider}.`,
    'The information in this letter is accurate.',
  ]);
}

function writePhoneNumbers(writer: PageWriter, input: LoaDocumentInput): void {
  writer.heading(`Phone numbers (${input.phoneNumbers.length})`);
  if (input.phoneNumbers.length === 0) {
    writer.paragraph('(none)');
    return;
  }
  writer.columns(input.phoneNumbers);
}

function writeSignatureBlock(writer: PageWriter, input: LoaDocumentInput): void {
  const email = writer.short(input.authorisedPerson.email) || 'the authorized person';
  // Keeps the heading, the paragraph and the three lines on one page.
  writer.ensureRoom(HEADING_SIZE_PT * 2 + BODY_SIZE_PT * LINE_HEIGHT_FACTOR * 4 + SIGNATURE_ROW_PT * 3);
  writer.heading('Signature');
  writer.paragraph(
    `This letter is signed electronically, through the signing link e-mailed to ${email}. ` +
      'Signing adds a certificate page that records the signer, the time and the device used.',
  );
  writer.signatureLine('Name', personName(input));
  writer.signatureLine('Signature');
  writer.signatureLine('Date');
}

/** Draws "Page N of M" and the order id at the foot of every page. */
function drawFooters(pdf: PDFDocument, fonts: Fonts, hostingOrderId: string): void {
  const pages = pdf.getPages();
  const orderLabel = fitWidth(toPrintableText(`Hosting order ${hostingOrderId}`, fonts.charset), fonts.regular, FOOTER_SIZE_PT, CONTENT_WIDTH_PT / 2);
  pages.forEach((page, index) => {
    const pageLabel = `Page ${index + 1} of ${pages.length}`;
    const pageLabelWidthPt = fonts.regular.widthOfTextAtSize(pageLabel, FOOTER_SIZE_PT);
    const style = { y: FOOTER_BASELINE_PT, font: fonts.regular, size: FOOTER_SIZE_PT, color: TEXT_COLOR };
    page.drawText(orderLabel, { ...style, x: MARGIN_PT });
    page.drawText(pageLabel, { ...style, x: PAGE_WIDTH_PT - MARGIN_PT - pageLabelWidthPt });
  });
}

/** Sets the document information. The dates come from the input, so the same input gives the same bytes. */
function setMetadata(pdf: PDFDocument, title: string, subject: string, date: Date): void {
  pdf.setTitle(title);
  pdf.setSubject(subject);
  pdf.setCreator('numberhost');
  pdf.setProducer(PRODUCER);
  pdf.setLanguage('en-US');
  if (isValidDate(date)) {
    pdf.setCreationDate(date);
    pdf.setModificationDate(date);
  }
}

/**
 * Renders the Letter of Authorization for a hosting order as a PDF. Characters that the
 * standard fonts cannot encode are replaced rather than rejected, so odd text in any field
 * does not make this throw. The same input gives the same bytes.
 */
export async function renderLoaPdf(input: LoaDocumentInput): Promise<Uint8Array> {
  // updateMetadata: false stops pdf-lib stamping the current time, which would make output vary.
  const pdf = await PDFDocument.create({ updateMetadata: false });
  const fonts = await embedFonts(pdf);
  const writer = new PageWriter(pdf, fonts);

  writer.paragraph('Letter of Authorization for SMS text enablement', { font: fonts.bold, sizePt: TITLE_SIZE_PT });
  writer.paragraph(`Hosting order ${input.hostingOrderId} - ${formatDate(input.issuedAt)}`, { maxLines: 2 });
  writeParties(writer, input);
  writeDetails(writer, input);
  writeTerms(writer, input);
  writePhoneNumbers(writer, input);
  writeSignatureBlock(writer, input);
  drawFooters(pdf, fonts, input.hostingOrderId);

  const orderId = toPrintableText(input.hostingOrderId, fonts.charset);
  setMetadata(
    pdf,
    `Letter of Authorization - hosting order ${orderId}`,
    `SMS text enablement of ${input.phoneNumbers.length} phone numbers`,
    input.issuedAt,
  );
  return pdf.save();
}

/** Returns the lowercase hex SHA-256 of bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function writeCertificate(writer: PageWriter, certificate: SignatureCertificate): void {
  writer.paragraph('Certificate of electronic signature', { font: writer.fonts.bold, sizePt: TITLE_SIZE_PT });
  writer.gap(BODY_SIZE_PT);
  writer.field('Hosting order', certificate.hostingOrderId, MAX_CERTIFICATE_VALUE_LINES);
  writer.field('Signed by (typed name)', certificate.signerName, MAX_CERTIFICATE_VALUE_LINES);
  writer.field('Signed at', isValidDate(certificate.signedAt) ? certificate.signedAt.toISOString() : 'unknown time');
  writer.field('IP address', certificate.ipAddress, MAX_CERTIFICATE_VALUE_LINES);
  writer.heading('User agent');
  writer.paragraph(certificate.userAgent || '(not given)', { maxLines: MAX_USER_AGENT_LINES });
  writer.heading('SHA-256 of the unsigned letter');
  writer.paragraph(certificate.originalSha256);
  writer.gap(BODY_SIZE_PT);
  writer.paragraph(
    'Anyone with a copy of the letter as it was sent for signing can compute that file\'s SHA-256 and compare it ' +
      'with the value above. A match shows that the pages before this one are unchanged.',
  );
}

/**
 * Builds a new PDF from every page of the original followed by one page certifying the
 * electronic signature. Throws when certificate.originalSha256 is not the SHA-256 of original.
 */
export async function appendSignatureCertificate(original: Uint8Array, certificate: SignatureCertificate): Promise<Uint8Array> {
  const actualSha256 = sha256Hex(original);
  if (certificate.originalSha256.toLowerCase() !== actualSha256) {
    throw new Error(
      `Signature certificate for hosting order ${certificate.hostingOrderId} has originalSha256 ${certificate.originalSha256}, ` +
        `but the PDF given hashes to ${actualSha256}. Pass the LOA bytes the signer was shown, and their sha256Hex.`,
    );
  }

  // NOTE: pdf-lib writes the whole file anew, so the original bytes are not a prefix of the
  // result. Checking the hash needs a separate copy of the original file.
  const pdf = await PDFDocument.load(original, { updateMetadata: false });
  const fonts = await embedFonts(pdf);
  const writer = new PageWriter(pdf, fonts);
  writeCertificate(writer, certificate);

  if (isValidDate(certificate.signedAt)) {
    pdf.setModificationDate(certificate.signedAt);
  }
  return pdf.save();
}
