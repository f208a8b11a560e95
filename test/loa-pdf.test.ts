import { createHash } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LoaDocumentInput, SignatureCertificate } from '../src/integrations/loa/loa-pdf.js';
import { appendSignatureCertificate, renderLoaPdf, sha256Hex } from '../src/integrations/loa/loa-pdf.js';
import { pdfPageItems, pdfPageTexts } from './helpers/pdf-text.js';

/** US Letter width and the side margin the renderer keeps, in PDF points. */
const PAGE_WIDTH_PT = 612;
const MARGIN_PT = 54;

/** Distinct E.164 numbers of equal length, so no number is a substring of another. */
function phoneNumbers(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `+1202555${String(index).padStart(4, '0')}`);
}

function directInput(overrides: Partial<LoaDocumentInput> = {}): LoaDocumentInput {
  return {
    hostingOrderId: '01JH2Q7Y6W3R4M5N6P7Q8R9S0T',
    loaType: 'DIRECT',
    authorisedPerson: { firstName: 'Dana', lastName: 'Whitfield', email: 'dana.whitfield@example.com' },
    address: { buildingNumber: '221', street: 'Larkspur Avenue', city: 'Springfield', state: 'IL', postalCode: '62704', country: 'US' },
    currentVoiceCarrier: 'Prairie Voice Telecom',
    hostingProvider: 'Northwind Messaging',
    nnid: '418203',
    phoneNumbers: ['+12175550101', '+12175550102', '+12175550103'],
    isTollFree: false,
    issuedAt: new Date('2025-03-04T15:16:17Z'),
    ...overrides,
  };
}

function certificateFor(original: Uint8Array, overrides: Partial<SignatureCertificate> = {}): SignatureCertificate {
  return {
    hostingOrderId: '01JH2Q7Y6W3R4M5N6P7Q8R9S0T',
    signerName: 'Dana Whitfield',
    signedAt: new Date('2025-03-05T08:09:10Z'),
    ipAddress: '203.0.113.45',
    userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
    originalSha256: sha256Hex(original),
    ...overrides,
  };
}

/** Text of every page joined, with line breaks turned into spaces, for phrases that may wrap. */
async function documentText(bytes: Uint8Array): Promise<string> {
  const pages = await pdfPageTexts(bytes);
  return pages.join('\n').replace(/\s+/g, ' ');
}

/** Asserts every text item starts and ends inside the side margins (footers included). */
async function expectTextInsideMargins(bytes: Uint8Array): Promise<void> {
  const pages = await pdfPageItems(bytes);
  for (const items of pages) {
    for (const item of items) {
      expect(item.x, item.text).toBeGreaterThanOrEqual(MARGIN_PT - 0.5);
      expect(item.x + item.width, item.text).toBeLessThanOrEqual(PAGE_WIDTH_PT - MARGIN_PT + 0.5);
    }
  }
}

describe('renderLoaPdf', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('direct LOA shows parties and details', async () => {
    const text = await documentText(await renderLoaPdf(directInput({ scheduledUpdateAt: new Date('2025-03-10T14:30:00Z') })));

    expect(text).toContain('Letter of Authorization for SMS text enablement');
    expect(text).toContain('01JH2Q7Y6W3R4M5N6P7Q8R9S0T');
    expect(text).toContain('2025-03-04');
    expect(text).toContain('Dana Whitfield');
    expect(text).toContain('dana.whitfield@example.com');
    expect(text).toContain('221 Larkspur Avenue, Springfield, IL 62704, US');
    expect(text).toContain('Prairie Voice Telecom');
    expect(text).toContain('Northwind Messaging');
    expect(text).toContain('NNID 418203');
    expect(text).toContain('Toll-free numbers No');
    expect(text).toContain('carrier override registry');
    expect(text).toContain('2025-03-10 14:30 UTC');
    expect(text).toContain('for myself or for the organization I represent');
    expect(text).toContain('signing link e-mailed to dana.whitfield@example.com');
    expect(text).not.toContain('Number owner');
    for (const number of ['+12175550101', '+12175550102', '+12175550103']) {
      expect(text).toContain(number);
    }
  });

  it('terms cover ownership, voice, routing, revocation', async () => {
    const text = await documentText(await renderLoaPdf(directInput()));

    expect(text).toContain('I own the phone numbers listed in this letter, or I am authorized to act');
    expect(text).toContain('Voice service for these numbers stays with Prairie Voice Telecom');
    expect(text).toContain('routed to NNID 418203');
    expect(text).toContain('until I revoke it in writing');
    expect(text).toContain('The information in this letter is accurate.');
  });

  it('omits the scheduled update when none is set', async () => {
    const text = await documentText(await renderLoaPdf(directInput()));

    expect(text).not.toContain('Scheduled registry update');
  });

  it('toll-free LOA names the toll-free registry', async () => {
    const text = await documentText(await renderLoaPdf(directInput({ isTollFree: true, phoneNumbers: ['+18885550100'] })));

    expect(text).toContain('Toll-free numbers Yes');
    expect(text).toContain('toll-free messaging registry');
    expect(text).not.toContain('carrier override registry');
  });

  it('reseller LOA names the business', async () => {
    const input = directInput({ loaType: 'RESELLER', businessName: 'Harbor Lane Bakery LLC' });
    const text = await documentText(await renderLoaPdf(input));

    expect(text).toContain('Letter type Reseller');
    expect(text).toContain('Number owner Harbor Lane Bakery LLC');
    expect(text).toContain('owned by Harbor Lane Bakery LLC (the number owner)');
    expect(text).toContain('I, Dana Whitfield, sign this letter for the number owner');
  });

  it('500 numbers all appear across pages', async () => {
    const numbers = phoneNumbers(500);
    const bytes = await renderLoaPdf(directInput({ phoneNumbers: numbers }));
    const pages = await pdfPageTexts(bytes);

    expect(pages.length).toBeGreaterThan(1);
    const found = pages.join('\n').match(/\+1\d{10}/g) ?? [];
    expect(found).toHaveLength(500);
    expect(new Set(found)).toEqual(new Set(numbers));
    expect(pages.join('\n')).toContain('Phone numbers (500)');
  });

  it('every page says Page N of M', async () => {
    const pages = await pdfPageTexts(await renderLoaPdf(directInput({ phoneNumbers: phoneNumbers(500) })));

    pages.forEach((text, index) => {
      expect(text).toContain(`Page ${index + 1} of ${pages.length}`);
    });
    expect(pages.join('\n').match(/Page \d+ of \d+/g)).toHaveLength(pages.length);
  });

  it('signature block follows the last number', async () => {
    const pages = await pdfPageTexts(await renderLoaPdf(directInput({ phoneNumbers: phoneNumbers(500) })));
    const lastPage = pages.at(-1) ?? '';

    expect(lastPage).toContain('Signature');
    expect(lastPage).toContain('+12025550499');
    expect(lastPage.indexOf('+12025550499')).toBeLessThan(lastPage.indexOf('signing link'));
  });

  it('sets metadata from the input', async () => {
    const input = directInput();
    const pdf = await PDFDocument.load(await renderLoaPdf(input), { updateMetadata: false });

    expect(pdf.getTitle()).toContain(input.hostingOrderId);
    expect(pdf.getSubject()).toContain('3 phone numbers');
    expect(pdf.getCreator()).toBe('numberhost');
    expect(pdf.getProducer()).toContain('numberhost');
    expect(pdf.getCreationDate()?.toISOString()).toBe('2025-03-04T15:16:17.000Z');
    expect(pdf.getModificationDate()?.toISOString()).toBe('2025-03-04T15:16:17.000Z');
  });

  it('same input gives identical bytes', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const first = await renderLoaPdf(directInput({ phoneNumbers: phoneNumbers(120) }));
    vi.setSystemTime(new Date('2031-06-15T12:00:00Z'));
    const second = await renderLoaPdf(directInput({ phoneNumbers: phoneNumbers(120) }));

    expect(sha256Hex(second)).toBe(sha256Hex(first));
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
  });

  it('removes accents and replaces what WinAnsi lacks', async () => {
    const input = directInput({
      authorisedPerson: { firstName: 'Zoë', lastName: 'Brontë-Núñez\nSmith', email: 'zoe@example.com' },
      currentVoiceCarrier: 'Télécom 東京 📞',
    });
    const text = await documentText(await renderLoaPdf(input));

    expect(text).toContain('Zoe Bronte-Nunez Smith');
    expect(text).not.toContain('Zoë');
    expect(text).toContain('Telecom ?? ?');
  });

  const LONG_STREET = 'Long Meadow Road '.repeat(59).slice(0, 1000);
  const ODD_INPUTS: Array<{ name: string; overrides: Partial<LoaDocumentInput> }> = [
    { name: 'emoji in every name', overrides: { authorisedPerson: { firstName: '😀👍🏽', lastName: '👨‍👩‍👧', email: '📧@example.com' }, hostingProvider: '🚀' } },
    { name: 'CJK and RTL text', overrides: { businessName: '株式会社テスト', loaType: 'RESELLER', currentVoiceCarrier: 'שלום عالم' } },
    { name: '1,000-character street', overrides: { address: { ...directInput().address, street: LONG_STREET } } },
    { name: '500-character names', overrides: { authorisedPerson: { firstName: 'A'.repeat(500), lastName: 'Bb '.repeat(167), email: `${'x'.repeat(500)}@example.com` } } },
    { name: 'newlines and controls', overrides: { authorisedPerson: { firstName: 'Ann\r\nMarie', lastName: 'Lee\u0000\u0007\t\u200f', email: 'ann\n@example.com' } } },
    { name: 'empty business name', overrides: { loaType: 'RESELLER', businessName: '' } },
    { name: 'missing business name', overrides: { loaType: 'RESELLER', businessName: undefined } },
    {
      name: 'every string empty',
      overrides: {
        hostingOrderId: '',
        authorisedPerson: { firstName: '', lastName: '', email: '' },
        address: { buildingNumber: '', street: '', city: '', state: '', postalCode: '', country: '' },
        currentVoiceCarrier: '',
        hostingProvider: '',
        nnid: '',
        phoneNumbers: [],
      },
    },
    { name: 'invalid dates', overrides: { issuedAt: new Date('not a date'), scheduledUpdateAt: new Date(Number.NaN) } },
    { name: 'lone surrogate', overrides: { nnid: '\ud800123', hostingProvider: 'Acme\udfff' } },
  ];

  it.each(ODD_INPUTS)('odd input renders: $name', async ({ overrides }) => {
    const bytes = await renderLoaPdf(directInput(overrides));
    const pages = await pdfPageTexts(bytes);

    expect(pages.length).toBeGreaterThanOrEqual(1);
    expect(pages[0]).toContain('Letter of Authorization');
    expect(pages[0]).toContain(`Page 1 of ${pages.length}`);
    await expectTextInsideMargins(bytes);
  });

  it('long street is cut with an ellipsis', async () => {
    const input = directInput({ address: { ...directInput().address, street: LONG_STREET } });
    const text = await documentText(await renderLoaPdf(input));

    expect(text).toContain('221 Long Meadow Road Long Meadow Road');
    expect(text).toContain('\u2026');
    expect(text).not.toContain(LONG_STREET);
  });

  it('keeps 500 numbers inside the margins', async () => {
    await expectTextInsideMargins(await renderLoaPdf(directInput({ phoneNumbers: phoneNumbers(500) })));
  });
});

describe('appendSignatureCertificate', () => {
  it('adds one certificate page', async () => {
    const original = await renderLoaPdf(directInput({ phoneNumbers: phoneNumbers(500) }));
    const originalPages = await pdfPageTexts(original);
    const certificate = certificateFor(original);

    const signed = await appendSignatureCertificate(original, certificate);
    const signedPages = await pdfPageTexts(signed);

    expect(signedPages).toHaveLength(originalPages.length + 1);
    expect(signedPages.slice(0, -1)).toEqual(originalPages);
    const last = (signedPages.at(-1) ?? '').replace(/\s+/g, ' ');
    expect(last).toContain('Certificate of electronic signature');
    expect(last).toContain('01JH2Q7Y6W3R4M5N6P7Q8R9S0T');
    expect(last).toContain('Dana Whitfield');
    expect(last).toContain('2025-03-05T08:09:10.000Z');
    expect(last).toContain('203.0.113.45');
    expect(last).toContain(certificate.userAgent);
    expect(last).toContain(certificate.originalSha256);
    expect(last).toContain('pages before this one are unchanged');
  });

  it('keeps odd certificate input on one page', async () => {
    const original = await renderLoaPdf(directInput());
    const certificate = certificateFor(original, {
      hostingOrderId: 'o'.repeat(600),
      signerName: 'Zoë 東京 😀\n'.repeat(100),
      ipAddress: '2001:db8:85a3:8d3:1319:8a2e:370:7348',
      userAgent: 'Agent/1.0 '.repeat(400),
      signedAt: new Date('invalid'),
    });

    const signed = await appendSignatureCertificate(original, certificate);
    const signedPages = await pdfPageTexts(signed);

    expect(signedPages).toHaveLength((await pdfPageTexts(original)).length + 1);
    await expectTextInsideMargins(signed);
    const last = signedPages.at(-1) ?? '';
    expect(last).toContain('Zoe ?? ?');
    expect(last).toContain('2001:db8:85a3:8d3:1319:8a2e:370:7348');
  });

  it('rejects a hash of other bytes', async () => {
    const original = await renderLoaPdf(directInput());
    const certificate = certificateFor(original, { originalSha256: sha256Hex(new Uint8Array([1, 2, 3])) });

    await expect(appendSignatureCertificate(original, certificate)).rejects.toThrow(/originalSha256/);
  });

  it('stamps the signing time as modification date', async () => {
    const original = await renderLoaPdf(directInput());
    const signed = await appendSignatureCertificate(original, certificateFor(original));
    const pdf = await PDFDocument.load(signed, { updateMetadata: false });

    expect(pdf.getCreationDate()?.toISOString()).toBe('2025-03-04T15:16:17.000Z');
    expect(pdf.getModificationDate()?.toISOString()).toBe('2025-03-05T08:09:10.000Z');
  });
});

describe('sha256Hex', () => {
  it('matches node:crypto on a rendered LOA', async () => {
    const original = await renderLoaPdf(directInput());

    expect(sha256Hex(original)).toBe(createHash('sha256').update(original).digest('hex'));
    expect(sha256Hex(original)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('matches the FIPS 180-2 vector for "abc"', () => {
    expect(sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
