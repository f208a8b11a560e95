import type { CallbackResponse, CallbackSender } from '../../src/domain/callback-sender.js';

/**
 * A callback sender for production-mode tests. Production accepts only https callback
 * URLs on public addresses, which a test must never contact. So this sender POSTs over
 * real HTTP to a loopback receiver instead, keeping only the callback URL's query.
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
