import { listVoiceCalls } from '../../../app/operator-records.js';
import { listProjects } from '../../../app/projects.js';
import { describeValue } from '../../../domain/errors.js';
import { isFieldViolation, parseNanpNumber } from '../../../domain/phone-number.js';
import { html } from '../../html.js';
import type { ConsoleRequest, ConsoleRouter } from '../router.js';
import { chosenProject } from './list-controls.js';
import { dataTable, formatTime, selectField, stateBadge, withQuery } from '../ui.js';

const VOICE_CALLS_PATH = '/console/voice-calls';
const CALLS_PER_PAGE = 100;
/** listVoiceCalls returns at most this many calls, the newest. */
const MAX_LISTED_CALLS = 1000;

type VoiceCall = Awaited<ReturnType<typeof listVoiceCalls>>[number];

async function voiceCallsPage({ ctx, query }: ConsoleRequest) {
  const projects = await listProjects(ctx);
  const problems: string[] = [];
  const project = chosenProject(query, projects, problems);
  // An unencoded "+" in a hand-written query string arrives as a space.
  const rawNumber = (query.phoneNumber ?? '').replace(/^ (?=\d)/, '+').trim();
  let phoneNumber: string | undefined;
  if (rawNumber !== '') {
    const parsed = parseNanpNumber(rawNumber, 'phoneNumber', undefined, false);
    if (isFieldViolation(parsed)) {
      problems.push(`Phone number ${parsed.description} That filter is ignored.`);
    } else {
      phoneNumber = parsed.e164;
    }
  }
  const requestedOffset = query.offset ?? '';
  const isOffsetValid = /^\d{1,6}$/.test(requestedOffset);
  if (requestedOffset !== '' && !isOffsetValid) {
    problems.push(`Page position ${describeValue(requestedOffset)} is not valid, so the first page is shown.`);
  }
  const offset = isOffsetValid ? Number(requestedOffset) : 0;

  const calls = project === undefined ? [] : await listVoiceCalls(ctx, project.id, phoneNumber);
  const scope = { projectId: project?.id, phoneNumber };
  const body = html`<h1>Voice calls</h1>
<p class="muted">The simulated voice caller’s log: each ownership challenge call with the code it read out, newest first.</p>
${problems.map((problem) => html`<p class="flash error" role="alert">${problem}</p>`)}
<form class="filters" method="get" action="${VOICE_CALLS_PATH}">
${selectField(
  'projectId',
  'Project',
  projects.map((candidate) => ({ value: candidate.id, label: candidate.id })),
  project?.id,
)}
<label>Phone number<input name="phoneNumber" value="${phoneNumber ?? ''}" maxlength="32" placeholder="+12025550100"></label>
<button type="submit">Show</button>
</form>
${
  project === undefined
    ? html`<p class="muted">There is no project yet.</p>`
    : dataTable(
        calls.slice(offset, offset + CALLS_PER_PAGE),
        [
          { label: 'Created', cell: (call: VoiceCall) => formatTime(Date.parse(call.createdTime)) },
          { label: 'Number', cell: (call: VoiceCall) => html`<span class="mono nowrap">${call.phoneNumber}</span>` },
          { label: 'Code', cell: (call: VoiceCall) => html`<code>${call.code}</code>` },
          { label: 'State', cell: (call: VoiceCall) => stateBadge(call.state) },
          { label: 'Detail', cell: (call: VoiceCall) => (call.detail === '' ? '—' : call.detail) },
          { label: 'Placed', cell: (call: VoiceCall) => formatTime(call.placedTime === null ? null : Date.parse(call.placedTime)) },
        ],
        'No voice call matches these filters.',
      )
}
${calls.length >= MAX_LISTED_CALLS ? html`<p class="muted">Only the newest ${MAX_LISTED_CALLS} calls are listed; filter by phone number to find older ones.</p>` : ''}
<p class="pager">${offset === 0 ? '' : html`<a href="${withQuery(VOICE_CALLS_PATH, { ...scope, offset: String(Math.max(0, offset - CALLS_PER_PAGE)) })}">Previous page</a>`}${
    offset + CALLS_PER_PAGE < calls.length ? html`<a href="${withQuery(VOICE_CALLS_PATH, { ...scope, offset: String(offset + CALLS_PER_PAGE) })}">Next page</a>` : ''
  }</p>`;
  return { title: 'Voice calls', section: 'calls' as const, body };
}

/** Registers the page of the sandbox voice caller's call log. */
export function registerVoiceCallPages(router: ConsoleRouter): void {
  router.page(VOICE_CALLS_PATH, voiceCallsPage, { isSandboxOnly: true });
}
