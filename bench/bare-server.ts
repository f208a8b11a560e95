/**
 * The baseline of the benchmark: a Fastify server with no hooks, no authentication and
 * no database, on the same routes as numberhost. It returns the JSON bodies that
 * numberhost returned for the same requests, read from the fixture file given as the
 * first argument, so both servers serialize the same objects.
 *
 * Usage: node --import tsx bench/bare-server.ts <fixtures.json>
 * Prints "listening <url>" once it accepts connections on 127.0.0.1.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

/** Response bodies captured from numberhost; a missing one leaves its route unregistered. */
export interface BareFixtures {
  importedNumber?: Record<string, unknown>;
  importResponse?: Record<string, unknown>;
  listPage?: Record<string, unknown>;
}

const fixturePath = process.argv[2];
if (fixturePath === undefined) {
  process.stderr.write('Usage: bare-server.ts <fixtures.json>\n');
  process.exit(2);
}
const fixtures = JSON.parse(readFileSync(fixturePath, 'utf8')) as BareFixtures;
const app = Fastify({ logger: false });
const base = '/v1/projects/:projectId/importedNumbers';

const { importedNumber, importResponse, listPage } = fixtures;
if (importedNumber !== undefined) {
  app.get(`${base}/:phoneNumber`, async () => importedNumber);
}
if (listPage !== undefined) {
  app.get(base, async () => listPage);
}
if (importResponse !== undefined) {
  app.post<{ Body: { phoneNumber?: unknown } }>(base, async (request) => ({ ...importResponse, phoneNumber: request.body.phoneNumber }));
}

const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening ${url}\n`);

const close = () => {
  void app.close().then(() => process.exit(0));
};
process.on('SIGTERM', close);
process.on('SIGINT', close);
