import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCallback {
  /** The exact bytes received, before any JSON parsing. */
  rawBody: Buffer;
  headers: IncomingHttpHeaders;
  path: string;
  receivedAtMs: number;
}

/**
 * A real HTTP server on loopback that records every callback. `respond` chooses the
 * status code of each request (200 by default).
 */
export class CallbackReceiver {
  readonly received: ReceivedCallback[] = [];
  respond: (request: ReceivedCallback, index: number) => number = () => 200;
  private server: Server | undefined;
  private waiters: Array<() => void> = [];

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const callback: ReceivedCallback = { rawBody: Buffer.concat(chunks), headers: request.headers, path: request.url ?? '', receivedAtMs: Date.now() };
        const index = this.received.length;
        this.received.push(callback);
        response.statusCode = this.respond(callback, index);
        response.end('ok');
        for (const waiter of this.waiters.splice(0)) waiter();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/callbacks`;
  }

  /** Parsed payloads of every callback received so far. */
  payloads(): Array<Record<string, unknown>> {
    return this.received.map((callback) => JSON.parse(callback.rawBody.toString('utf8')) as Record<string, unknown>);
  }

  /** Waits until `predicate` holds for the callbacks received, or fails after `timeoutMs`. */
  async waitFor(predicate: (payloads: Array<Record<string, unknown>>) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.payloads())) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(`Callbacks did not arrive in ${timeoutMs} ms; received ${this.received.length}: ${JSON.stringify(this.payloads())}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (this.server === undefined) {
        resolve();
        return;
      }
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
