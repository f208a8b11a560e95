import { createTransport } from 'nodemailer';
import type { MailerPort, MailMessage, MailOutcome } from '../../domain/ports.js';
import { SECOND_MS } from '../../domain/time.js';

export const DEFAULT_SMTP_TIMEOUT_MS = 10 * SECOND_MS;

/** Maximum characters of server reply text in an error message. Longer replies are cut. */
const MAX_REASON_CHARS = 200;

const ADDRESS_PATTERN = /[^\s<>()[\]"',;:]+@[^\s<>()[\]"',;:]+/g;

/**
 * Nodemailer error codes that concern the message itself, so sending it again fails the
 * same way even though no SMTP reply code came with the error.
 */
const MESSAGE_FAULT_CODES = new Set(['EENVELOPE', 'EMESSAGE', 'EMAXRECIPIENTS', 'ESTREAM']);

const SOCKET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed by the server',
  ECONNECTION: 'connection closed unexpectedly',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed temporarily',
  EDNS: 'host name lookup failed',
  ETLS: 'TLS handshake failed',
  EPROXY: 'proxy connection failed',
  ENOAUTH: 'the server requires a login, but SMTP_URL has no user:password',
};

const TIMEOUT_REASONS: Record<string, string> = {
  CONNECT_TIMEOUT: 'connecting timed out',
  GREETING_TIMEOUT: 'waiting for the server greeting timed out',
  UPGRADE_TIMEOUT: 'the TLS upgrade timed out',
  SOCKET_TIMEOUT: 'the connection timed out while idle',
};

export interface SmtpMailerOptions {
  /** `smtp://` or `smtps://` URL, optionally with `user:password@`. Special characters in the password must be percent-encoded. */
  smtpUrl: string;
  /** The From header, such as `numberhost <no-reply@example.com>`. */
  from: string;
  /** Limit for connecting, for the server's greeting and for socket inactivity, in milliseconds. */
  timeoutMs?: number;
}

/** The fields of a nodemailer send error that classification reads. */
interface SendErrorFields {
  code: string | undefined;
  originalCode: string | undefined;
  responseCode: number | undefined;
  response: string | undefined;
  command: string | undefined;
  timeoutType: string | undefined;
  message: string;
}

/**
 * Returns `url` with its password replaced by `***`, for logs. Returns a placeholder when
 * the URL cannot be parsed, because the raw text may contain a password.
 */
export function describeSmtpUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(invalid URL)';
  }
  if (parsed.password !== '') {
    parsed.password = '***';
  }
  return parsed.href;
}

/**
 * Creates a mailer that sends through one nodemailer SMTP transport, opening a connection
 * per message. Failures are classified: SMTP 4xx replies and connection faults are
 * transient, 5xx replies are rejected. Error messages contain the server's host, the reply
 * code and a short reason, never the password, the recipient or the message body.
 *
 * @example
 * const mailer = createSmtpMailer({ smtpUrl: 'smtps://loa:secret@mail.example.com', from: 'numberhost <loa@example.com>' });
 * const outcome = await mailer.send({ to: 'owner@example.com', subject, text, html, attachments: [] });
 */
export function createSmtpMailer(options: SmtpMailerOptions): MailerPort & { close(): void } {
  const url = parseSmtpUrl(options.smtpUrl);
  const timeoutMs = options.timeoutMs ?? DEFAULT_SMTP_TIMEOUT_MS;
  const secrets = secretsOf(options.smtpUrl, url);
  const transport = createTransport(
    {
      url: options.smtpUrl,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      dnsTimeout: timeoutMs,
      logger: false,
      // Attachments arrive as bytes, so nothing may make the transport read files or URLs.
      disableFileAccess: true,
      disableUrlAccess: true,
    },
    { from: options.from },
  );

  return {
    async send(message: MailMessage): Promise<MailOutcome> {
      try {
        const info = await transport.sendMail({
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
          attachments: message.attachments.map((attachment) => ({
            filename: attachment.filename,
            contentType: attachment.contentType,
            content: Buffer.from(attachment.content),
          })),
        });
        return { kind: 'sent', messageId: info.messageId };
      } catch (error) {
        return classifySendError(readErrorFields(error), { host: url.host, timeoutMs, redact: (text) => redact(text, secrets, message.to) });
      }
    },
    close(): void {
      transport.close();
    },
  };
}

function parseSmtpUrl(smtpUrl: string): URL {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    throw new Error('SMTP URL is invalid. Set it as smtp://[user:password@]host[:port] or smtps://[user:password@]host[:port].');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new Error(`SMTP URL ${describeSmtpUrl(smtpUrl)} has unsupported protocol ${url.protocol}. Use smtp: or smtps:.`);
  }
  if (url.hostname === '') {
    throw new Error(`SMTP URL ${describeSmtpUrl(smtpUrl)} has no host. Set it as smtp://[user:password@]host[:port].`);
  }
  return url;
}

/** The strings an error message must never contain: the URL as given and as parsed, and the password in both encodings. */
function secretsOf(smtpUrl: string, url: URL): string[] {
  const secrets = [smtpUrl, url.href];
  if (url.password !== '') {
    secrets.push(url.password, safeDecode(url.password));
  }
  return secrets;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function readErrorFields(error: unknown): SendErrorFields {
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const text = (key: string): string | undefined => (typeof record[key] === 'string' ? record[key] : undefined);
  return {
    code: text('code'),
    originalCode: text('originalCode'),
    responseCode: typeof record.responseCode === 'number' ? record.responseCode : undefined,
    response: text('response'),
    command: text('command'),
    timeoutType: text('timeoutType'),
    message: error instanceof Error ? error.message : String(error),
  };
}

interface ClassifyContext {
  /** Host and port of the server, without credentials. */
  host: string;
  timeoutMs: number;
  redact: (text: string) => string;
}

function classifySendError(error: SendErrorFields, context: ClassifyContext): MailOutcome {
  const server = `SMTP server ${context.host}`;

  if (error.responseCode !== undefined) {
    const reason = context.redact(replyText(error.response ?? error.message, error.responseCode));
    const command = error.command === undefined ? '' : ` to ${error.command.split(' ')[0] ?? error.command}`;
    // A rejected login is a fault of our configuration, not of this message, so the message
    // stays transient and can go out once the operator fixes SMTP_URL.
    if (error.code === 'EAUTH') {
      return { kind: 'transient', errorMessage: `${server} rejected the login with ${error.responseCode}: ${reason}. Check the user and password in SMTP_URL.` };
    }
    const errorMessage = `${server} replied ${error.responseCode}${command}: ${reason}`;
    // A 503 reply (bad sequence of commands) reports a fault of the session, not of the message.
    const isPermanent = error.responseCode >= 500 && error.responseCode < 600 && error.responseCode !== 503;
    return isPermanent ? { kind: 'rejected', errorMessage } : { kind: 'transient', errorMessage };
  }

  if (error.code === 'ETIMEDOUT') {
    const reason = TIMEOUT_REASONS[error.timeoutType ?? ''] ?? 'the connection timed out';
    return { kind: 'transient', errorMessage: `Sending through ${server} failed: ${reason} (limit ${context.timeoutMs} ms).` };
  }

  const socketCode = [error.originalCode, error.code].find((code) => code !== undefined && code in SOCKET_REASONS);
  if (socketCode !== undefined) {
    return { kind: 'transient', errorMessage: `Sending through ${server} failed: ${SOCKET_REASONS[socketCode]} (${socketCode}).` };
  }

  const reason = context.redact(error.message);
  const codeSuffix = error.code === undefined ? '' : ` (${error.code})`;
  if (error.code !== undefined && MESSAGE_FAULT_CODES.has(error.code)) {
    return { kind: 'rejected', errorMessage: `${server} rejected this message: ${reason}${codeSuffix}` };
  }
  return { kind: 'transient', errorMessage: `Sending through ${server} failed: ${reason}${codeSuffix}` };
}

/** Strips the leading reply code, so the error message shows it once. */
function replyText(response: string, responseCode: number): string {
  const withoutCode = response.replace(new RegExp(`^${responseCode}[ -]`), '');
  return withoutCode.trim() === '' ? 'no reason given' : withoutCode;
}

/** Removes secrets, the recipient and any other e-mail address, collapses line breaks and cuts the text to a short reason. */
function redact(text: string, secrets: readonly string[], recipient: string): string {
  let result = text;
  for (const secret of secrets) {
    if (secret !== '') {
      result = result.split(secret).join('***');
    }
  }
  if (recipient.trim() !== '') {
    result = result.split(recipient).join('[address]');
  }
  result = result.replace(ADDRESS_PATTERN, '[address]').replace(/\s+/g, ' ').trim();
  return result.length > MAX_REASON_CHARS ? `${result.slice(0, MAX_REASON_CHARS)}…` : result;
}
