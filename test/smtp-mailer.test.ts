import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailMessage } from '../src/domain/ports.js';
import { createSmtpMailer, describeSmtpUrl } from '../src/integrations/mail/smtp-mailer.js';
import { renderLoaEmail } from '../src/web/loa-email.js';
import { startSmtpSink } from './helpers/smtp-sink.js';
import type { SmtpSink } from './helpers/smtp-sink.js';

const FROM = 'numberhost <loa@numberhost.test>';
const RECIPIENT = 'dana.owner@example.test';
const PASSWORD = 's3cret/pw';
const SIGNING_URL = 'https://numberhost.test/loa/sign/01JTESTTOKEN0000000000000000?token=abc.def';

/** Builds a small PDF-looking payload with every byte value, so any re-encoding shows up. */
function pdfBytes(): Uint8Array {
  const header = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1');
  const allBytes = Buffer.from(Array.from({ length: 256 }, (_, index) => index));
  return new Uint8Array(Buffer.concat([header, allBytes, Buffer.from('\n%%EOF\n')]));
}

function numbers(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `+1202555${String(100 + index).padStart(4, '0')}`);
}

function loaInput(overrides: Partial<Parameters<typeof renderLoaEmail>[0]> = {}): Parameters<typeof renderLoaEmail>[0] {
  return {
    recipientName: 'Dana Owner',
    providerName: 'Acme Hosting',
    hostingOrderId: '01JHOSTINGORDER00000000000',
    numberCount: 3,
    firstNumbers: numbers(3),
    isTollFree: false,
    signingUrl: SIGNING_URL,
    expiresAt: new Date('2026-03-17T15:30:00Z'),
    ...overrides,
  };
}

function plainMessage(subject: string): MailMessage {
  return { to: RECIPIENT, subject, text: 'Body text for dana.owner@example.test', html: '<p>Body</p>', attachments: [] };
}

function withPassword(url: string): string {
  const parsed = new URL(url);
  parsed.username = 'loa-user';
  parsed.password = encodeURIComponent(PASSWORD);
  return parsed.href;
}

describe('createSmtpMailer', () => {
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await startSmtpSink();
  });

  afterAll(async () => {
    await sink.close();
  });

  it('delivers an LOA mail with its PDF intact', async () => {
    const mailer = createSmtpMailer({ smtpUrl: sink.url, from: FROM });
    const email = renderLoaEmail(loaInput());
    const pdf = pdfBytes();
    try {
      const outcome = await mailer.send({ to: RECIPIENT, ...email, attachments: [{ filename: 'loa.pdf', contentType: 'application/pdf', content: pdf }] });
      expect(outcome.kind).toBe('sent');
      expect(outcome.kind === 'sent' ? outcome.messageId : '').not.toBe('');
    } finally {
      mailer.close();
    }

    const mail = await sink.waitForMail((received) => received.subject === email.subject);
    expect(mail.from).toBe('loa@numberhost.test');
    expect(mail.to).toEqual([RECIPIENT]);
    expect(mail.text.split(/\r?\n/)).toContain(SIGNING_URL);
    expect(mail.html).toContain('Acme Hosting');
    expect(mail.html).toContain(`href="${SIGNING_URL}"`);
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]?.filename).toBe('loa.pdf');
    expect(mail.attachments[0]?.contentType).toBe('application/pdf');
    expect(mail.attachments[0]?.content.equals(Buffer.from(pdf))).toBe(true);
  });

  it.each([
    { code: 421, kind: 'transient' },
    { code: 451, kind: 'transient' },
    { code: 452, kind: 'transient' },
    { code: 503, kind: 'transient' },
    { code: 550, kind: 'rejected' },
    { code: 554, kind: 'rejected' },
  ])('classifies reply $code as $kind', async ({ code, kind }) => {
    sink.rejectNext(code, `Refused mail for <${RECIPIENT}> by test`);
    const mailer = createSmtpMailer({ smtpUrl: sink.url, from: FROM });
    try {
      const outcome = await mailer.send(plainMessage(`reply ${code}`));
      expect(outcome.kind).toBe(kind);
      const errorMessage = outcome.kind === 'sent' ? '' : outcome.errorMessage;
      expect(errorMessage).toContain(String(code));
      expect(errorMessage).toContain('127.0.0.1');
      expect(errorMessage).toContain('Refused mail for <[address]> by test');
      expect(errorMessage).not.toContain(RECIPIENT);
      expect(errorMessage).not.toContain('Body text');
    } finally {
      mailer.close();
    }
  });

  it('sends the next message after a rejection', async () => {
    sink.rejectNext(451, 'Try again later');
    const mailer = createSmtpMailer({ smtpUrl: sink.url, from: FROM });
    try {
      const first = await mailer.send(plainMessage('retry first'));
      const second = await mailer.send(plainMessage('retry second'));
      expect(first.kind).toBe('transient');
      expect(second.kind).toBe('sent');
    } finally {
      mailer.close();
    }
    expect(sink.mails.map((mail) => mail.subject)).not.toContain('retry first');
    expect(sink.mails.map((mail) => mail.subject)).toContain('retry second');
  });

  it('logs in with the URL credentials', async () => {
    const mailer = createSmtpMailer({ smtpUrl: withPassword(sink.url), from: FROM });
    try {
      const outcome = await mailer.send(plainMessage('with login'));
      expect(outcome.kind).toBe('sent');
    } finally {
      mailer.close();
    }
  });

  it('redacts a password the server echoes', async () => {
    sink.rejectNext(550, `No relay for loa-user:${PASSWORD}`);
    const mailer = createSmtpMailer({ smtpUrl: withPassword(sink.url), from: FROM });
    try {
      const outcome = await mailer.send(plainMessage('echoed password'));
      expect(outcome.kind).toBe('rejected');
      const errorMessage = outcome.kind === 'sent' ? '' : outcome.errorMessage;
      expect(errorMessage).toContain('550');
      expect(errorMessage).not.toContain(PASSWORD);
      expect(errorMessage).not.toContain(encodeURIComponent(PASSWORD));
    } finally {
      mailer.close();
    }
  });
});

describe('createSmtpMailer without a server', () => {
  it('reports a closed port as transient quickly', async () => {
    const closedSink = await startSmtpSink();
    const closedUrl = closedSink.url;
    await closedSink.close();
    const smtpUrl = withPassword(closedUrl);
    const mailer = createSmtpMailer({ smtpUrl, from: FROM });
    const startedAtMs = Date.now();
    try {
      const outcome = await mailer.send(plainMessage('closed port'));
      expect(Date.now() - startedAtMs).toBeLessThan(2_000);
      expect(outcome.kind).toBe('transient');
      const errorMessage = outcome.kind === 'sent' ? '' : outcome.errorMessage;
      expect(errorMessage).toContain('ECONNREFUSED');
      expect(errorMessage).not.toContain(PASSWORD);
      expect(errorMessage).not.toContain(encodeURIComponent(PASSWORD));
      expect(errorMessage).not.toContain(smtpUrl);
      expect(errorMessage).not.toContain(RECIPIENT);
    } finally {
      mailer.close();
    }
  });

  // The greeting and the idle-socket limit are equal, so either may fire first.
  it('reports a missing greeting as transient', async () => {
    const sockets = new Set<Socket>();
    const silentServer = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silentServer.listen(0, '127.0.0.1', resolve));
    const { port } = silentServer.address() as AddressInfo;
    const mailer = createSmtpMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: FROM, timeoutMs: 300 });
    const startedAtMs = Date.now();
    try {
      const outcome = await mailer.send(plainMessage('silent server'));
      expect(Date.now() - startedAtMs).toBeLessThan(2_000);
      expect(outcome.kind).toBe('transient');
      const errorMessage = outcome.kind === 'sent' ? '' : outcome.errorMessage;
      expect(errorMessage).toContain('timed out');
      expect(errorMessage).toContain('limit 300 ms');
    } finally {
      mailer.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silentServer.close(() => resolve()));
    }
  });

  it('rejects a URL that is not smtp or smtps', () => {
    expect(() => createSmtpMailer({ smtpUrl: `https://user:${encodeURIComponent(PASSWORD)}@mail.example.test`, from: FROM })).toThrow(/unsupported protocol https:/);
    expect(() => createSmtpMailer({ smtpUrl: `https://user:${encodeURIComponent(PASSWORD)}@mail.example.test`, from: FROM })).not.toThrow(/s3cret/);
  });
});

describe('describeSmtpUrl', () => {
  it('masks the password', () => {
    const described = describeSmtpUrl(`smtps://loa-user:${encodeURIComponent(PASSWORD)}@mail.example.test:465`);
    expect(described).toBe('smtps://loa-user:***@mail.example.test:465');
  });

  it('keeps a URL without password', () => {
    expect(describeSmtpUrl('smtp://127.0.0.1:2525')).toBe('smtp://127.0.0.1:2525');
  });

  it('hides an unparsable URL', () => {
    expect(describeSmtpUrl(`not a url ${PASSWORD}`)).not.toContain(PASSWORD);
  });
});

describe('renderLoaEmail', () => {
  it('escapes names in the html', () => {
    const email = renderLoaEmail(
      loaInput({ recipientName: '<script>alert(1)</script>', providerName: 'A&B "Hosting"', businessName: '<img src=x onerror=alert(2)>' }),
    );
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(email.html).not.toContain('<img');
    expect(email.html).toContain('A&amp;B &quot;Hosting&quot;');
  });

  it('puts the signing URL on its own text line', () => {
    const email = renderLoaEmail(loaInput());
    expect(email.text.split('\n')).toContain(SIGNING_URL);
  });

  it('lists ten numbers and sums up the rest', () => {
    const all = numbers(25);
    const email = renderLoaEmail(loaInput({ numberCount: 25, firstNumbers: all }));
    for (const number of all.slice(0, 10)) {
      expect(email.text).toContain(number);
      expect(email.html).toContain(number);
    }
    expect(email.text).not.toContain(all[10]);
    expect(email.html).not.toContain(all[10]);
    expect(email.text).toContain('and 15 more');
    expect(email.html).toContain('and 15 more');
    expect(email.text).toContain('25 numbers');
  });

  it('lists a single number without a sum', () => {
    const email = renderLoaEmail(loaInput({ numberCount: 1, firstNumbers: numbers(1), isTollFree: true }));
    expect(email.text).toContain('1 toll-free number ');
    expect(email.text).not.toContain('more');
  });

  it('states the expiry in UTC', () => {
    const email = renderLoaEmail(loaInput());
    expect(email.text).toContain('Tuesday, March 17, 2026 at 15:30 UTC');
    expect(email.html).toContain('Tuesday, March 17, 2026 at 15:30 UTC');
  });

  it('keeps personal data out of the subject', () => {
    const email = renderLoaEmail(loaInput({ businessName: 'Owner Holdings' }));
    expect(email.subject).toContain('Acme Hosting');
    expect(email.subject).toContain('01JHOSTINGORDER00000000000');
    expect(email.subject).not.toContain('Dana');
    expect(email.subject).not.toContain('Owner Holdings');
  });

  it('covers every point the signer needs', () => {
    const email = renderLoaEmail(loaInput());
    for (const part of [email.text, email.html]) {
      expect(part).toContain('e-sign');
      expect(part).toContain('works only once');
      expect(part).toContain('do not forward');
      expect(part).toContain('decline on the same page');
      expect(part).toContain('attached to this mail as a PDF');
    }
  });

  it('loads nothing from elsewhere', () => {
    const email = renderLoaEmail(loaInput());
    expect(email.html).not.toMatch(/<img|<link|<script|src=|url\(/i);
  });

  it('refuses a javascript: signing URL', () => {
    expect(() => renderLoaEmail(loaInput({ signingUrl: 'javascript:alert(1)' }))).toThrow(/only https: and http:/);
  });
});
