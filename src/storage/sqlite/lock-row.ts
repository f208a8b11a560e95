import type { Transaction } from 'kysely';
import type { Database } from '../schema.js';

/** SQLite runs one write transaction at a time, so the row is already safe from other writers. */
export async function lockHostingOrder(_trx: Transaction<Database>, _hostingOrderId: string): Promise<void> {}

export async function lockProject(_trx: Transaction<Database>, _projectId: string): Promise<void> {}

export async function lockCallbackEvent(_trx: Transaction<Database>, _eventId: string): Promise<void> {}
