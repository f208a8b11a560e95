import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { deleteImportedNumber } from '../../app/delete-imported-number.js';
import { getImportedNumber } from '../../app/get-imported-number.js';
import type { ImportNumberRequest } from '../../app/import-number.js';
import { importNumber } from '../../app/import-number.js';
import type { ListImportedNumbersQuery } from '../../app/list-imported-numbers.js';
import { listImportedNumbers } from '../../app/list-imported-numbers.js';
import type { UpdateImportedNumberRequest } from '../../app/update-imported-number.js';
import { updateImportedNumber } from '../../app/update-imported-number.js';
import { importedNumberResponseView, importedNumberView } from '../../app/views.js';
import { phoneNumberFromPath } from '../phone-path.js';

interface ProjectParams {
  projectId: string;
}

interface NumberParams extends ProjectParams {
  phoneNumber: string;
}

export function registerImportedNumberRoutes(app: FastifyInstance, ctx: AppContext): void {
  const base = '/v1/projects/:projectId/importedNumbers';

  app.get<{ Params: ProjectParams; Querystring: ListImportedNumbersQuery }>(base, async (request) => {
    const page = await listImportedNumbers(ctx, request.params.projectId, request.query);
    return { importedNumbers: page.rows.map(importedNumberResponseView), nextPageToken: page.nextPageToken, totalSize: page.totalSize };
  });

  app.post<{ Params: ProjectParams; Body: ImportNumberRequest }>(base, { config: { bodySchema: 'CreateImportedNumberRequest' } }, async (request) => {
    const row = await importNumber(ctx, request.params.projectId, request.body);
    return importedNumberView(row);
  });

  app.get<{ Params: NumberParams }>(`${base}/:phoneNumber`, async (request) => {
    const phoneNumber = phoneNumberFromPath(request.params.phoneNumber);
    return importedNumberResponseView(await getImportedNumber(ctx, request.params.projectId, phoneNumber));
  });

  app.patch<{ Params: NumberParams; Body: UpdateImportedNumberRequest }>(
    `${base}/:phoneNumber`,
    { config: { bodySchema: 'ImportedNumber' } },
    async (request) => {
      const phoneNumber = phoneNumberFromPath(request.params.phoneNumber);
      return importedNumberView(await updateImportedNumber(ctx, request.params.projectId, phoneNumber, request.body));
    },
  );

  app.delete<{ Params: NumberParams }>(`${base}/:phoneNumber`, async (request) => {
    const phoneNumber = phoneNumberFromPath(request.params.phoneNumber);
    await deleteImportedNumber(ctx, request.params.projectId, phoneNumber);
    return {};
  });
}
