import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress } from 'node:dns';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';
import type { AddressInfo, LookupFunction } from 'node:net';
import { CallbackPayloadError, parseCallbackPayload, SIGNATURE_HEADER, verifyCallbackSignature } from '../../sdk/index.js';
import type { CallbackPayload } from '../../sdk/index.js';
import { usageError } from './exit-codes.js';

/** Maximum body size. Callbacks are a few hundred bytes, so a larger body is rejected with 413 and not read further. */
const MAX_BODY_BYTES = 1024 * 1024;

/** A forward that gets no response within this time is reported as failed. */
const FORWARD_TIMEOUT_MS = 10_000;

/** Headers of a callback that a forward carries over unchanged, when the callback has them. */
const FORWARDED_HEADERS = ['content-type', 'user-agent', SIGNATURE_HEADER, 'webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/** Something the listener saw, handed to `onRecord` for printing. */
export type ListenerRecord =
  | {
      kind: 'event';
      receivedAt: string;
      /** The request target as received: path and query. */
      target: string;
      /** `valid` when a secret was given and the signature matched; `unchecked` without a secret. */
      signature: 'valid' | 'unchecked';
      event: CallbackPayload;
    }
  | { kind: 'rejected'; receivedAt: string; method: string; target: string; httpStatus: number; reason: string }
  | { kind: 'forwarded'; eventId: string; url: string; httpStatus: number }
  | { kind: 'forward-failed'; eventId: string; url: string; reason: string };

/** Settings of `startCallbackListener`. */
export interface CallbackListenerOptions {
  host: string;
  /** TCP port; 0 picks a free one, which `url` then shows. */
  port: number;
  /** Requests are accepted at this path and below it (`/callbacks`, `/callbacks/us`); `/` accepts every path. */
  path: string;
  /** The project's hmacSecret. Without it, signatures are not checked. */
  secret?: string | undefined;
  /** A loopback URL from `parseForwardUrl`; each accepted callback is sent on to it. */
  forwardUrl?: URL | undefined;
  onRecord: (record: ListenerRecord) => void;
}

export interface CallbackListener {
  /** Address at which the listener receives callbacks, `--path` included. */
  url: string;
  /** Stops accepting requests and resolves once the requests and forwards in flight have ended. */
  close(): Promise<void>;
}

/** Returns whether `address` is an IP address in 127.0.0.0/8 or ::1 (also IPv4-mapped); host names are not. */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && LOOPBACK.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Returns the host name of a URL as node:net takes it: IPv6 without its brackets. */
function bareHostname(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Checks the `--forward` URL: http or https, no user name, password, query or fragment,
 * and a loopback host (`localhost`, `127.0.0.0/8` or `[::1]`). The listener must not
 * become a way to send signed callbacks to other machines. Throws a CliError with exit
 * code 2 otherwise.
 */
export function parseForwardUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usageError(`--forward ${JSON.stringify(value)} is not a URL; give one such as http://127.0.0.1:3000.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`--forward ${value} uses ${url.protocol}; only http and https are supported.`);
  }
  if (url.username !== '' || url.password !== '') {
    throw usageError(`--forward ${url.origin}: a user name or password in the URL is not supported.`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw usageError(`--forward ${value} has a query or fragment; give only the base URL, because the path and query of each callback are appended to it.`);
  }
  const host = bareHostname(url);
  if (host !== 'localhost' && !isLoopbackAddress(host)) {
    throw usageError(`--forward ${value} is not a loopback URL; only localhost, 127.0.0.0/8 and [::1] are allowed.`);
  }
  return url;
}

/** Checks `--path`: it starts with `/` and has no query or fragment. Returns it without a trailing `/`. */
export function normalizeListenPath(value: string): string {
  if (!value.startsWith('/') || value.includes('?') || value.includes('#')) {
    throw usageError(`--path ${JSON.stringify(value)} must start with / and have no query or fragment, such as /callbacks.`);
  }
  return value === '/' ? '/' : value.replace(/\/+$/, '');
}

function isPathAccepted(target: string, path: string): boolean {
  const pathname = target.split('?', 1)[0] as string;
  // A "." or ".." segment (raw or %2e-encoded) would leave --path, and the forward's
  // base path once the target normalises it, so such targets are never accepted.
  const hasDotSegment = pathname.split('/').some((segment) => /^(\.|%2e){1,2}$/i.test(segment));
  return !hasDotSegment && (path === '/' || pathname === path || pathname.startsWith(`${path}/`));
}

/**
 * Resolves `localhost` (the only host name `parseForwardUrl` lets through) and keeps
 * only its loopback addresses, so a changed hosts file cannot send a forward elsewhere.
 */
const loopbackLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    const loopback = error === null ? addresses.filter((entry) => isLoopbackAddress(entry.address)) : [];
    if (error !== null || loopback.length === 0) {
      callback(error ?? Object.assign(new Error(`${hostname} resolves to no loopback address; the forward was not sent.`), { code: 'ENOTLOOPBACK' }), '', 0);
      return;
    }
    const first = loopback[0] as LookupAddress;
    if (options.all === true) {
      callback(null, loopback);
    } else {
      callback(null, first.address, first.family);
    }
  });
};

/**
 * Builds the forward target: the `--forward` URL with any trailing `/` removed, followed
 * by the request target exactly as received. `http://127.0.0.1:3000/hooks` and
 * `/callbacks?a=1&b=%2B` give `http://127.0.0.1:3000/hooks/callbacks?a=1&b=%2B`.
 */
export function forwardTarget(forwardUrl: URL, target: string): { path: string; url: string } {
  const path = `${forwardUrl.pathname.replace(/\/+$/, '')}${target}`;
  return { path, url: `${forwardUrl.origin}${path}` };
}

/** Sends the raw body and the signature headers to the forward URL; resolves to the HTTP status. */
function forward(forwardUrl: URL, target: string, rawBody: Buffer, incoming: IncomingMessage): Promise<number> {
  const headers: Record<string, string | string[] | number> = { 'content-length': rawBody.length };
  for (const name of FORWARDED_HEADERS) {
    const value = incoming.headers[name];
    if (value !== undefined) {
      headers[name] = value;
    }
  }
  const send = forwardUrl.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // `path` goes on the request line as given, so the query keeps its exact bytes;
    // building a URL object first could re-encode it.
    const outgoing = send(
      {
        hostname: bareHostname(forwardUrl),
        port: forwardUrl.port,
        path: forwardTarget(forwardUrl, target).path,
        method: 'POST',
        headers,
        lookup: loopbackLookup,
        agent: false,
        timeout: FORWARD_TIMEOUT_MS,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`timed out after ${FORWARD_TIMEOUT_MS} ms without a response`)));
    // The socket timeout fires only after silence, so this deadline also ends a target that trickles.
    const deadline = setTimeout(() => outgoing.destroy(new Error(`took longer than ${FORWARD_TIMEOUT_MS} ms`)), FORWARD_TIMEOUT_MS);
    outgoing.on('close', () => clearTimeout(deadline));
    outgoing.on('error', reject);
    outgoing.end(rawBody);
  });
}

/** Reads the body up to MAX_BODY_BYTES; resolves to undefined when it is larger. */
function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        request.removeAllListeners('data');
        request.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

type Verdict = { httpStatus: number; reason: string } | { event: CallbackPayload };

function judge(rawBody: Buffer, signatureHeader: string | undefined, secret: string | undefined): Verdict {
  if (secret !== undefined) {
    if (signatureHeader === undefined || signatureHeader === '') {
      return { httpStatus: 401, reason: 'no X-Sinch-Signature header, but a secret was given' };
    }
    if (!verifyCallbackSignature(rawBody, signatureHeader, secret)) {
      return { httpStatus: 401, reason: `X-Sinch-Signature ${signatureHeader} does not match the body and the secret` };
    }
  }
  try {
    return { event: parseCallbackPayload(rawBody) };
  } catch (error) {
    if (error instanceof CallbackPayloadError) {
      return { httpStatus: 400, reason: error.message };
    }
    throw error;
  }
}

/**
 * Starts a local callback receiver. With a secret, it checks `X-Sinch-Signature` over the
 * raw body and rejects a bad one with 401. It parses the payload (400 when the body is
 * not a callback event) and responds 200 before anything else. Each request is reported
 * through `onRecord`, and accepted callbacks are forwarded when `forwardUrl` is set.
 *
 * @example
 * const listener = await startCallbackListener({ host: '127.0.0.1', port: 9000, path: '/callbacks', secret, onRecord: console.log });
 * // ... point a number's callbackUrl at listener.url ...
 * await listener.close();
 */
export async function startCallbackListener(options: CallbackListenerOptions): Promise<CallbackListener> {
  const path = normalizeListenPath(options.path);
  const secret = options.secret === '' ? undefined : options.secret;
  const forwards = new Set<Promise<void>>();

  const answerRejected = (response: ServerResponse, request: IncomingMessage, httpStatus: number, reason: string, headers: Record<string, string> = {}) => {
    response.writeHead(httpStatus, headers).end();
    options.onRecord({ kind: 'rejected', receivedAt: new Date().toISOString(), method: request.method ?? '', target: request.url ?? '', httpStatus, reason });
  };

  const startForward = (target: string, rawBody: Buffer, request: IncomingMessage, eventId: string) => {
    const forwardUrl = options.forwardUrl as URL;
    const { url } = forwardTarget(forwardUrl, target);
    const sent = forward(forwardUrl, target, rawBody, request).then(
      (httpStatus) => options.onRecord({ kind: 'forwarded', eventId, url, httpStatus }),
      (error: unknown) => options.onRecord({ kind: 'forward-failed', eventId, url, reason: error instanceof Error ? error.message : String(error) }),
    );
    forwards.add(sent);
    void sent.finally(() => forwards.delete(sent));
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const target = request.url ?? '';
    if (request.method !== 'POST') {
      answerRejected(response, request, 405, 'callbacks are POST requests', { allow: 'POST' });
      request.resume();
      return;
    }
    if (!target.startsWith('/') || !isPathAccepted(target, path)) {
      answerRejected(response, request, 404, `the path is not ${path} or below it; check the callback URL or --path`);
      request.resume();
      return;
    }
    const rawBody = await readBody(request);
    if (rawBody === undefined) {
      answerRejected(response, request, 413, `the body is larger than ${MAX_BODY_BYTES} bytes`, { connection: 'close' });
      return;
    }
    const signatureHeader = request.headers[SIGNATURE_HEADER];
    const verdict = judge(rawBody, typeof signatureHeader === 'string' ? signatureHeader : undefined, secret);
    if (!('event' in verdict)) {
      answerRejected(response, request, verdict.httpStatus, verdict.reason);
      return;
    }
    // Respond first: numberhost counts a slow response as a failed attempt.
    response.writeHead(200).end();
    options.onRecord({ kind: 'event', receivedAt: new Date().toISOString(), target, signature: secret === undefined ? 'unchecked' : 'valid', event: verdict.event });
    if (options.forwardUrl !== undefined) {
      startForward(target, rawBody, request, verdict.event.eventId);
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        answerRejected(response, request, 500, error instanceof Error ? error.message : String(error));
      }
    });
  });
  await new Promise<void>((resolve, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port, options.host, () => {
      server.off('error', rejectListen);
      resolve();
    });
  });

  const { port } = server.address() as AddressInfo;
  const shownHost = isIP(options.host) === 6 ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}${path}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // A client that sends its body slowly must not hold the listener open.
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      });
      await Promise.allSettled([...forwards]);
    },
  };
}
