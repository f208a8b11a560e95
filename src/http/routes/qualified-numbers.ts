import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { addQualifiedNumbers } from '../../app/add-qualified-numbers.js';
import { deleteQualifiedNumber } from '../../app/delete-qualified-number.js';
import type { ListQualifiedNumbersQuery } from '../../app/qualified-number-queries.js';
import { getQualifiedNumber, listQualifiedNumbers } from '../../app/qualified-number-queries.js';
import { textEnableNumbers } from '../../app/text-enable-numbers.js';
import { qualifiedNumberView, hostingOrderView } from '../../app/views.js';
import { sendVoiceChallenge, verifyVoiceChallenge } from '../../app/voice-challenge.js';
import { ApiError, invalidArgument } from '../../domain/errors.js';
import { TOLL_FREE_REQUEST_SCHEMA } from '../spec.js';
import { phoneNumberFromPath } from '../phone-path.js';

interface ProjectParams {
  projectId: string;
}

interface NumberParams extends ProjectParams {
  phoneNumber: string;
}

const VOICE_VERBS = ['sendVoiceChallenge', 'verifyVoiceChallenge'] as const;

/** Splits `{phoneNumber}:{verb}` on its last colon; DESIGN.md explains why one parameter. */
function numberAndVerb(request: FastifyRequest, segment: string): { phoneNumber: string; verb: (typeof VOICE_VERBS)[number] } {
  const colon = segment.lastIndexOf(':');
  const verb = segment.slice(colon + 1);
  if (colon <= 0 || !(VOICE_VERBS as readonly string[]).includes(verb)) {
    throw new ApiError(
      'NOT_FOUND',
      `No operation matches ${request.method} ${request.url.split('?')[0]}. The last path segment must be {phoneNumber}:sendVoiceChallenge or {phoneNumber}:verifyVoiceChallenge.`,
    );
  }
  return { phoneNumber: phoneNumberFromPath(segment.slice(0, colon)), verb: verb as (typeof VOICE_VERBS)[number] };
}

function objectBody(body: unknown, allowedFields: readonly string[]): Record<string, unknown> {
  if (body === undefined || body === null) {
    return {};
  }
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw invalidArgument([{ field: '(body)', description: `must be a JSON object, got ${Array.isArray(body) ? 'an array' : typeof body}.` }]);
  }
  const unknown = Object.keys(body).filter((key) => !allowedFields.includes(key));
  if (unknown.length > 0) {
    const known = allowedFields.length === 0 ? 'This operation takes no body fields.' : `Known fields: ${allowedFields.join(', ')}.`;
    throw invalidArgument(unknown.map((field) => ({ field, description: `is not a field of this request. ${known}` })));
  }
  return body as Record<string, unknown>;
}

export function registerQualifiedNumberRoutes(app: FastifyInstance, ctx: AppContext): void {
  const base = '/v1/projects/:projectId/qualifiedNumbers';

  app.get<{ Params: ProjectParams; Querystring: ListQualifiedNumbersQuery }>(base, async (request) => {
    const page = await listQualifiedNumbers(ctx, request.params.projectId, request.query);
    return { qualifiedNumbers: page.rows.map(qualifiedNumberView), nextPageToken: page.nextPageToken, totalSize: page.totalSize };
  });

  // "::" is Fastify's escape for a literal colon: the custom verbs of the spec.
  app.post<{ Params: ProjectParams; Body: { phoneNumbers?: unknown } }>(
    `${base}::addNumbers`,
    { config: { bodySchema: 'BatchCreateQualifiedNumbersRequest' } },
    async (request) => ({ qualifiedNumbers: (await addQualifiedNumbers(ctx, request.params.projectId, request.body)).map(qualifiedNumberView) }),
  );

  app.post<{ Params: ProjectParams; Body: Record<string, unknown> }>(
    `${base}::textEnableNumbers`,
    { config: { bodySchema: 'TextEnableNumbersRequest' } },
    async (request) => ({ hostingOrderId: (await textEnableNumbers(ctx, request.params.projectId, request.body, 'standard')).id }),
  );

  app.post<{ Params: ProjectParams; Body: Record<string, unknown> }>(
    `${base}::textEnableTollFreeNumbers`,
    { config: { bodySchema: TOLL_FREE_REQUEST_SCHEMA } },
    async (request) => hostingOrderView(await textEnableNumbers(ctx, request.params.projectId, request.body, 'tollFree')),
  );

  app.get<{ Params: NumberParams }>(`${base}/:phoneNumber`, async (request) => {
    const { phoneNumber } = request.params;
    if (phoneNumber.includes(':')) {
      throw new ApiError('NOT_FOUND', `No operation matches GET ${request.url.split('?')[0]}; the custom verbs of qualified numbers take POST.`);
    }
    return qualifiedNumberView(await getQualifiedNumber(ctx, request.params.projectId, phoneNumberFromPath(phoneNumber)));
  });

  app.delete<{ Params: NumberParams }>(`${base}/:phoneNumber`, async (request) => {
    await deleteQualifiedNumber(ctx, request.params.projectId, phoneNumberFromPath(request.params.phoneNumber));
    return {};
  });

  app.post<{ Params: NumberParams; Body: unknown }>(`${base}/:phoneNumber`, { config: { isBodyOptional: true } }, async (request) => {
    const { phoneNumber, verb } = numberAndVerb(request, request.params.phoneNumber);
    if (verb === 'sendVoiceChallenge') {
      objectBody(request.body, []);
      return qualifiedNumberView(await sendVoiceChallenge(ctx, request.params.projectId, phoneNumber));
    }
    const body = objectBody(request.body, ['code']);
    return qualifiedNumberView(await verifyVoiceChallenge(ctx, request.params.projectId, phoneNumber, body));
  });
}
