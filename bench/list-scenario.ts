import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompiledQuery } from 'kysely';
import type { Kysely } from 'kysely';
import { newImportedNumberRow } from '../src/app/new-imported-number.js';
import { adjustImportedNumberCount, readImportedNumberCount } from '../src/app/number-counter.js';
import type { Database, NewImportedNumberRow } from '../src/storage/schema.js';
import { openMigratedStorage } from '../src/storage/storage.js';
import type { BareFixtures } from './bare-server.js';
import type { BenchSession, LoadTarget, Measurement, ScenarioResult } from './harness.js';
import { compareTargets, fetchBearerToken, findMeasurement, requestJson } from './harness.js';
import type { NumberhostServer } from './server-processes.js';
import { BENCH_ADMIN_TOKEN, startBareServer, startNumberhost } from './server-processes.js';
import type { UsNumberSource } from './us-number-source.js';

export const LARGE_PROJECT_NUMBERS = 100_000;
export const SMALL_PROJECT_NUMBERS = 1_000;
/** A page at the large size may take at most this many times as long as one at the small size. */
export const MAX_SLOWDOWN = 2;
const PAGE_SIZE = 100;
/** The deep page starts after this share of the list. */
const DEEP_PAGE_POSITION = 0.9;
const ROWS_PER_INSERT = 500;
const ROWS_PER_TRANSACTION = 10_000;
const SQL_TIMING_REPETITIONS = 200;

interface ListPage {
  importedNumbers: Array<{ phoneNumber: string }>;
  nextPageToken: string;
  totalSize: number;
}

interface BenchProject {
  projectId: string;
  authorization: string;
  size: number;
}

/**
 * Writes `count` imported numbers straight into the database with the row builder the
 * import endpoints use, 500 rows per INSERT, and raises the project's number count in
 * the same transaction, as the endpoints do. Creation times are one millisecond apart,
 * so the default createdTime order is the insertion order.
 */
async function seedNumbers(db: Kysely<Database>, projectId: string, count: number, numbers: UsNumberSource): Promise<void> {
  const baseMs = Date.now() - count;
  for (let start = 0; start < count; start += ROWS_PER_TRANSACTION) {
    const end = Math.min(count, start + ROWS_PER_TRANSACTION);
    await db.transaction().execute(async (trx) => {
      for (let batchStart = start; batchStart < end; batchStart += ROWS_PER_INSERT) {
        const rows: NewImportedNumberRow[] = [];
        for (let index = batchStart; index < Math.min(end, batchStart + ROWS_PER_INSERT); index++) {
          rows.push(
            newImportedNumberRow({
              projectId,
              phoneNumber: numbers.next(),
              regionCode: 'US',
              displayName: '',
              callbackUrl: null,
              servicePlanId: 'bench-plan',
              campaignId: 'BENCHCAMPAIGN',
              migrateToSinchTmo: false,
              isTollFree: false,
              hostingOrderId: null,
              nowMs: baseMs + index,
            }),
          );
        }
        await trx.insertInto('imported_numbers').values(rows).execute();
      }
      await adjustImportedNumberCount(trx, projectId, end - start);
    });
  }
}

/** Walks the list with the largest page size up to `skip` numbers and returns the page token found there. */
async function pageTokenAfter(listUrl: string, authorization: string, skip: number): Promise<string> {
  let skipped = 0;
  let token = '';
  while (skipped < skip) {
    const pageSize = Math.min(1000, skip - skipped);
    const page = await requestJson<ListPage>(`${listUrl}?pageSize=${pageSize}${token === '' ? '' : `&pageToken=${token}`}`, authorization);
    skipped += page.importedNumbers.length;
    token = page.nextPageToken;
    if (token === '') {
      throw new Error(`The list ended after ${skipped} numbers, before position ${skip}.`);
    }
  }
  return token;
}

async function createProject(baseUrl: string, displayName: string): Promise<{ projectId: string; keyId: string; keySecret: string }> {
  const admin = `Bearer ${BENCH_ADMIN_TOKEN}`;
  const project = await requestJson<{ projectId: string }>(`${baseUrl}/admin/v1/projects`, admin, { method: 'POST', body: { displayName } });
  return requestJson(`${baseUrl}/admin/v1/projects/${project.projectId}/accessKeys`, admin, { method: 'POST', body: {} });
}

async function meanMs(run: () => Promise<unknown>): Promise<number> {
  const startedNs = process.hrtime.bigint();
  for (let index = 0; index < SQL_TIMING_REPETITIONS; index++) {
    await run();
  }
  return Number(process.hrtime.bigint() - startedNs) / 1e6 / SQL_TIMING_REPETITIONS;
}

interface Cursor {
  sortMs: number;
  phoneNumber: string;
}

/** Returns the (created_ms, phone_number) of the number at `offset`: the position a page token points to after `offset + 1` numbers. */
async function cursorAt(db: Kysely<Database>, projectId: string, offset: number): Promise<Cursor> {
  const row = await db
    .selectFrom('imported_numbers')
    .select(['created_ms', 'phone_number'])
    .where('project_id', '=', projectId)
    .orderBy('created_ms')
    .orderBy('phone_number')
    .limit(1)
    .offset(offset)
    .executeTakeFirstOrThrow();
  return { sortMs: Number(row.created_ms), phoneNumber: row.phone_number };
}

/**
 * Times, in this process, what `listImportedNumbers` reads for an unfiltered page: the
 * first page, the deep page after `cursor`, and the project's number count. A
 * `count(*)` over the project, which filtered lists still run, is timed for comparison.
 * The queries are built as in src/app/list-imported-numbers.ts; the plan of the deep
 * page query is returned too.
 */
async function timeListStatements(db: Kysely<Database>, project: BenchProject, cursor: Cursor): Promise<{ timing: string; deepPlan: string }> {
  const base = db.selectFrom('imported_numbers').where('project_id', '=', project.projectId);
  const firstPage = base.selectAll().orderBy('created_ms').orderBy('phone_number').limit(PAGE_SIZE + 1);
  // NOTE: this copies the keyset condition of listImportedNumbers by hand, so a change there must be made here too.
  const deepPage = base
    .selectAll()
    .where((eb) =>
      eb.and([eb('created_ms', '>=', cursor.sortMs), eb.or([eb('created_ms', '>', cursor.sortMs), eb('phone_number', '>', cursor.phoneNumber)])]),
    )
    .orderBy('created_ms')
    .orderBy('phone_number')
    .limit(PAGE_SIZE + 1);
  const firstMs = await meanMs(() => firstPage.execute());
  const deepMs = await meanMs(() => deepPage.execute());
  const counterMs = await meanMs(() => readImportedNumberCount(db, project.projectId));
  const countAllMs = await meanMs(() => base.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow());
  const compiled = deepPage.compile();
  const plan = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]));
  return {
    timing:
      `at ${project.size.toLocaleString('en-US')} numbers: first page ${firstMs.toFixed(2)} ms, deep page ${deepMs.toFixed(2)} ms, ` +
      `counter read ${counterMs.toFixed(3)} ms (count(*) ${countAllMs.toFixed(2)} ms)`,
    deepPlan: plan.rows.map((row) => row.detail).join('; '),
  };
}

function slowdownCheck(measurements: Measurement[], page: 'first' | 'deep'): { ratio: number; isMet: boolean; detail: string } {
  const small = findMeasurement(measurements, `${page} page at ${SMALL_PROJECT_NUMBERS.toLocaleString('en-US')}`).median;
  const large = findMeasurement(measurements, `${page} page at ${LARGE_PROJECT_NUMBERS.toLocaleString('en-US')}`).median;
  const slowdown = small / large;
  return {
    ratio: large / small,
    isMet: slowdown <= MAX_SLOWDOWN,
    detail: `${page} page ${slowdown.toFixed(2)}x slower at ${LARGE_PROJECT_NUMBERS.toLocaleString('en-US')} (req/s ${large.toLocaleString('en-US')} vs ${small.toLocaleString('en-US')})`,
  };
}

/** Creates the 1,000-number project next to the sandbox project, which gets the 100,000 numbers, and fetches a bearer token for each. */
async function createProjects(server: NumberhostServer): Promise<BenchProject[]> {
  const small = await createProject(server.url, 'bench: 1,000 numbers');
  return [
    { projectId: small.projectId, authorization: `Bearer ${await fetchBearerToken(server.url, small.keyId, small.keySecret)}`, size: SMALL_PROJECT_NUMBERS },
    { projectId: server.projectId, authorization: `Bearer ${await fetchBearerToken(server.url, server.keyId, server.keySecret)}`, size: LARGE_PROJECT_NUMBERS },
  ];
}

interface ProjectPages {
  firstPage: ListPage;
  targets: LoadTarget[];
  timing: string;
  deepPlan: string;
}

/** Builds the first-page and deep-page load targets of one project and times their SQL. */
async function preparePages(server: NumberhostServer, db: Kysely<Database>, project: BenchProject): Promise<ProjectPages> {
  const listUrl = `${server.url}/v1/projects/${project.projectId}/importedNumbers`;
  const firstPage = await requestJson<ListPage>(`${listUrl}?pageSize=${PAGE_SIZE}`, project.authorization);
  if (firstPage.totalSize !== project.size || firstPage.importedNumbers.length !== PAGE_SIZE) {
    throw new Error(`The first page of a ${project.size}-number project has totalSize ${firstPage.totalSize} and ${firstPage.importedNumbers.length} numbers.`);
  }
  const skip = Math.round(project.size * DEEP_PAGE_POSITION);
  const deepToken = await pageTokenAfter(listUrl, project.authorization, skip);
  const deepPage = await requestJson<ListPage>(`${listUrl}?pageSize=${PAGE_SIZE}&pageToken=${deepToken}`, project.authorization);
  if (deepPage.importedNumbers.length !== PAGE_SIZE) {
    throw new Error(`The deep page of a ${project.size}-number project has ${deepPage.importedNumbers.length} numbers, expected ${PAGE_SIZE}.`);
  }
  const { timing, deepPlan } = await timeListStatements(db, project, await cursorAt(db, project.projectId, skip - 1));
  const label = project.size.toLocaleString('en-US');
  const headers = { authorization: project.authorization };
  return {
    firstPage,
    targets: [
      { label: `first page at ${label}`, options: { url: `${listUrl}?pageSize=${PAGE_SIZE}`, headers } },
      { label: `deep page at ${label}`, options: { url: `${listUrl}?pageSize=${PAGE_SIZE}&pageToken=${deepToken}`, headers } },
    ],
    timing,
    deepPlan,
  };
}

/**
 * Scenario 3: `GET /v1/projects/{p}/importedNumbers?pageSize=100`, first page and a page
 * 90% deep through `pageToken`, in a project of 1,000 numbers and one of 100,000 on the
 * same server. The numbers are written straight into the database (see `seedNumbers`).
 * The bare Fastify route returns the first 100,000-number page.
 */
export async function runListScenario(session: BenchSession, numbers: UsNumberSource): Promise<ScenarioResult> {
  const server = await startNumberhost(session, 'list');
  const storage = await openMigratedStorage(`sqlite:${server.databasePath}`);
  try {
    const projects = await createProjects(server);
    const seedStartedMs = Date.now();
    for (const project of projects) {
      await seedNumbers(storage.db, project.projectId, project.size, numbers);
    }
    const seedSeconds = (Date.now() - seedStartedMs) / 1000;
    const pages: ProjectPages[] = [];
    for (const project of projects) {
      pages.push(await preparePages(server, storage.db, project));
    }
    const largeFirstPage = (pages.at(-1) as ProjectPages).firstPage;
    const fixturePath = join(session.tempDir, 'list-fixtures.json');
    const fixtures: BareFixtures = { listPage: largeFirstPage as unknown as Record<string, unknown> };
    writeFileSync(fixturePath, JSON.stringify(fixtures));
    const bare = await startBareServer(session, 'list-bare', fixturePath);
    try {
      const bareLabel = 'bare Fastify GET (same 100-number page)';
      const targets = pages.flatMap((page) => page.targets);
      const measurements = await compareTargets(session, [
        ...targets,
        { label: bareLabel, options: { url: `${bare.url}/v1/projects/${server.projectId}/importedNumbers?pageSize=${PAGE_SIZE}` } },
      ]);
      const bareRate = findMeasurement(measurements, bareLabel).median;
      const first = slowdownCheck(measurements, 'first');
      const deep = slowdownCheck(measurements, 'deep');
      const large = LARGE_PROJECT_NUMBERS.toLocaleString('en-US');
      const small = SMALL_PROJECT_NUMBERS.toLocaleString('en-US');
      return {
        title: `List imported numbers, pageSize ${PAGE_SIZE}, at ${small} and ${large} numbers`,
        measurements,
        ratios: [
          ...targets.map((target) => ({ label: `${target.label} / bare`, value: findMeasurement(measurements, target.label).median / bareRate })),
          { label: `first page: ${large} / ${small}`, value: first.ratio },
          { label: `deep page: ${large} / ${small}`, value: deep.ratio },
        ],
        targets: [
          { description: `first page at ${large} no slower than ${MAX_SLOWDOWN}x the page at ${small}`, isMet: first.isMet, detail: first.detail },
          { description: `deep page at ${large} no slower than ${MAX_SLOWDOWN}x the page at ${small}`, isMet: deep.isMet, detail: deep.detail },
        ],
        notes: [
          `Seeded ${(LARGE_PROJECT_NUMBERS + SMALL_PROJECT_NUMBERS).toLocaleString('en-US')} numbers through the storage layer (newImportedNumberRow and adjustImportedNumberCount, 500-row INSERTs) in ${seedSeconds.toFixed(1)} s.`,
          `SQL alone, better-sqlite3 in the benchmark process, mean of ${SQL_TIMING_REPETITIONS}: ${pages.map((page) => page.timing).join('; ')}.`,
          `SQLite plan of the deep page query at ${large}: ${(pages.at(-1) as ProjectPages).deepPlan}.`,
          `Response body of a page: ${JSON.stringify(largeFirstPage).length} bytes.`,
          server.describeWarnings(),
        ],
      };
    } finally {
      await bare.stop();
    }
  } finally {
    await storage.close();
    await server.stop();
  }
}
