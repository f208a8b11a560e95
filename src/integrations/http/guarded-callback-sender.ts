import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import type { CallbackResponse, CallbackSender } from '../../domain/callback-sender.js';
import type { AddressPolicy } from './address-policy.js';
import { isAllowedAddress } from './address-policy.js';

/** Resolves a host name to all its addresses; injectable so tests never touch real DNS. */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export class CallbackAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CallbackAddressError';
  }
}

export interface GuardedCallbackSenderOptions {
  policy: AddressPolicy;
  isHttpsRequired: boolean;
  resolve?: Resolver;
}

const EXCERPT_BYTES = 512;

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Sends callbacks over HTTP(S), refusing any address the policy forbids. Host names are
 * resolved once, every address is checked, and the socket connects to a checked
 * address, so a DNS answer that changes between check and connect cannot redirect the
 * request. Redirects are not followed.
 */
export class GuardedCallbackSender implements CallbackSender {
  private readonly resolve: Resolver;
  private readonly agent: Agent;

  constructor(private readonly options: GuardedCallbackSenderOptions) {
    this.resolve = options.resolve ?? systemResolver;
    this.agent = new Agent({
      connect: { lookup: (hostname: string, lookupOptions: { all?: boolean }, callback: LookupCallback) => this.lookup(hostname, lookupOptions, callback) },
      keepAliveTimeout: 4000,
    } as ConstructorParameters<typeof Agent>[0]);
  }

  refusedHostReason(hostname: string): string | undefined {
    const literal = hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) === 0 || isAllowedAddress(literal, this.options.policy)) {
      return undefined;
    }
    return this.options.policy === 'public' ? 'only public addresses are allowed.' : 'only public and loopback addresses are allowed.';
  }

  /** Returns the addresses of `hostname` when all are allowed; throws CallbackAddressError otherwise. */
  async checkedAddresses(hostname: string): Promise<LookupAddress[]> {
    const literal = hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(literal) !== 0 ? [{ address: literal, family: isIP(literal) }] : await this.resolve(literal);
    if (addresses.length === 0) {
      throw new CallbackAddressError(`${hostname} has no address.`);
    }
    const refused = addresses.find((entry) => !isAllowedAddress(entry.address, this.options.policy));
    if (refused !== undefined) {
      throw new CallbackAddressError(
        `${hostname} resolves to ${refused.address}, which callbacks may not reach (${this.options.policy === 'public' ? 'only public addresses are allowed' : 'only public and loopback addresses are allowed'}).`,
      );
    }
    return addresses;
  }

  private lookup(hostname: string, lookupOptions: { all?: boolean }, callback: LookupCallback): void {
    this.checkedAddresses(hostname).then(
      (addresses) => {
        if (lookupOptions.all === true) {
          callback(null, addresses);
          return;
        }
        const first = addresses[0] as LookupAddress;
        callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), ''),
    );
  }

  async post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<CallbackResponse> {
    const parsed = new URL(url);
    if (this.options.isHttpsRequired ? parsed.protocol !== 'https:' : !['http:', 'https:'].includes(parsed.protocol)) {
      throw new CallbackAddressError(`${parsed.protocol} callback URLs are not allowed in this mode.`);
    }
    // Literal IP hosts skip the lookup hook, so they are checked here.
    await this.checkedAddresses(parsed.hostname);
    const response = await request(url, {
      method: 'POST',
      body,
      headers,
      dispatcher: this.agent,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      const buffer = chunk as Buffer;
      if (size < EXCERPT_BYTES) {
        chunks.push(buffer);
      }
      size += buffer.length;
      if (size >= EXCERPT_BYTES) {
        response.body.destroy();
        break;
      }
    }
    return { statusCode: response.statusCode, bodyExcerpt: Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8') };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
