import type { CallbackResponse, CallbackSender } from '../../src/domain/callback-sender.js';

/**
 * A callback sender for production-mode tests. Production accepts only https callback
 * URLs on public addresses, which a test must never contact; this sender keeps the
 * callback URL's path and query and POSTs to a loopback receiver instead, over real HTTP.
 */
export class ForwardingCallbackSender implements CallbackSender {
  constructor(private readonly receiverUrl: () => string) {}

  async post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<CallbackResponse> {
    const original = new URL(url);
    const target = new URL(this.receiverUrl());
    target.search = original.search;
    const response = await fetch(target, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    return { statusCode: response.status, bodyExcerpt: text.slice(0, 512) };
  }
}
