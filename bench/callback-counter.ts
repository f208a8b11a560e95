import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server that responds to every callback with 200 and counts the
 * callbacks by event type and status. A repeated event id counts as a duplicate, not as a new callback.
 */
export class CallbackCounter {
  readonly byEventType = new Map<string, number>();
  readonly byStatus = new Map<string, number>();
  duplicates = 0;
  unparsable = 0;
  private readonly eventIds = new Set<string>();
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];
  private server: Server | undefined;

  get uniqueCount(): number {
    return this.eventIds.size;
  }

  /** Listens on 127.0.0.1 and returns the callback URL. */
  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.record(Buffer.concat(chunks).toString('utf8'));
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/callbacks`;
  }

  private record(body: string): void {
    let payload: { eventId?: unknown; eventType?: unknown; status?: unknown };
    try {
      payload = JSON.parse(body) as typeof payload;
    } catch {
      this.unparsable += 1;
      return;
    }
    const eventId = String(payload.eventId);
    if (this.eventIds.has(eventId)) {
      this.duplicates += 1;
      return;
    }
    this.eventIds.add(eventId);
    const eventType = String(payload.eventType);
    const status = String(payload.status);
    this.byEventType.set(eventType, (this.byEventType.get(eventType) ?? 0) + 1);
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    for (const waiter of this.waiters.filter((candidate) => this.eventIds.size >= candidate.count)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  /** Resolves true once `count` distinct callbacks have arrived, or false at `deadlineMs` (a `performance.now()` time). */
  waitForCount(count: number, deadlineMs: number): Promise<boolean> {
    if (this.eventIds.size >= count) {
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), Math.max(0, deadlineMs - performance.now()));
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      });
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) {
      return;
    }
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
