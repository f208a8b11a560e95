import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerError, SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  /** The envelope sender (MAIL FROM). */
  from: string;
  /** The envelope recipients (RCPT TO). */
  to: string[];
  subject: string;
  text: string;
  /** The HTML part, or '' when the message has none. */
  html: string;
  attachments: { filename: string; contentType: string; content: Buffer }[];
  /** The message exactly as received after DATA. */
  raw: Buffer;
}

export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>`, without credentials. The sink accepts any user and password. */
  url: string;
  /** Every accepted message, in the order received. Rejected messages are not kept. */
  mails: ReceivedMail[];
  /** Resolves with the first received mail that matches `predicate`, waiting up to `timeoutMs` (10 s by default). */
  waitForMail(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** Makes the next `times` messages (1 by default) fail at DATA with reply `code` and `message`. */
  rejectNext(code: number, message: string, times?: number): void;
  close(): Promise<void>;
}

const DEFAULT_WAIT_MS = 10_000;
/** How long close() lets clients finish before the server drops their connections. */
const CLOSE_TIMEOUT_MS = 1_000;

interface Rejection {
  code: number;
  message: string;
}

function readAll(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

async function parseMail(raw: Buffer, session: SMTPServerSession): Promise<ReceivedMail> {
  const parsed = await simpleParser(raw);
  const mailFrom = session.envelope.mailFrom;
  return {
    from: mailFrom === false ? '' : mailFrom.address,
    to: session.envelope.rcptTo.map((recipient) => recipient.address),
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : '',
    attachments: parsed.attachments.map((attachment) => ({ filename: attachment.filename ?? '', contentType: attachment.contentType, content: attachment.content })),
    raw,
  };
}

function smtpError(code: number, message: string): SMTPServerError {
  const error: SMTPServerError = new Error(message);
  error.responseCode = code;
  return error;
}

/**
 * Starts a real SMTP server on 127.0.0.1 that keeps every message it accepts. It offers no
 * STARTTLS, accepts any login over plain text, and parses messages with mailparser.
 */
export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const rejections: Rejection[] = [];
  const listeners = new Set<() => void>();

  const receive = async (stream: Readable, session: SMTPServerSession): Promise<string> => {
    const raw = await readAll(stream);
    const rejection = rejections.shift();
    if (rejection !== undefined) {
      throw smtpError(rejection.code, rejection.message);
    }
    const mail = await parseMail(raw, session);
    mails.push(mail);
    for (const listener of listeners) listener();
    return `OK: queued as sink-${mails.length}`;
  };

  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: CLOSE_TIMEOUT_MS,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anonymous' });
    },
    onData(stream, session, callback) {
      receive(stream, session).then(
        (reply) => callback(null, reply),
        (error: unknown) => callback(error instanceof Error ? error : smtpError(451, String(error))),
      );
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;

  const waitForMail = (predicate: (mail: ReceivedMail) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<ReceivedMail> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const match = mails.find(predicate);
        if (match === undefined) return false;
        clearTimeout(timer);
        listeners.delete(onMail);
        resolve(match);
        return true;
      };
      const onMail = (): void => {
        check();
      };
      const timer = setTimeout(() => {
        listeners.delete(onMail);
        const subjects = mails.map((mail) => mail.subject);
        reject(new Error(`No matching mail arrived at the SMTP sink within ${timeoutMs} ms. Received ${mails.length}: ${JSON.stringify(subjects)}`));
      }, timeoutMs);
      if (!check()) listeners.add(onMail);
    });

  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    waitForMail,
    rejectNext(code: number, message: string, times = 1): void {
      for (let index = 0; index < times; index++) rejections.push({ code, message });
    },
    close(): Promise<void> {
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
