import { MAX_CLOCK_ADVANCE_SECONDS, advanceClock } from '../../../app/advance-clock.js';
import { describeValue, invalidArgument } from '../../../domain/errors.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from '../../../domain/time.js';
import { html } from '../../html.js';
import type { ConsoleRequest, ConsoleRouter } from '../router.js';
import { actionButton, csrfField, formatTime, selectField, summaryList } from '../ui.js';

const CLOCK_PATH = '/console/clock';

/** Seconds in one of each unit the advance form offers. */
const UNIT_SECONDS: Readonly<Record<string, number>> = {
  seconds: 1,
  minutes: MINUTE_MS / SECOND_MS,
  hours: HOUR_MS / SECOND_MS,
  days: DAY_MS / SECOND_MS,
};

/** Formats an offset as days, hours, minutes and seconds, e.g. "1 d 2 h 0 min 5 s". */
function describeOffset(offsetMs: number): string {
  if (offsetMs === 0) {
    return 'none: the service clock is the wall clock';
  }
  const days = Math.floor(offsetMs / DAY_MS);
  const hours = Math.floor((offsetMs % DAY_MS) / HOUR_MS);
  const minutes = Math.floor((offsetMs % HOUR_MS) / MINUTE_MS);
  const seconds = (offsetMs % MINUTE_MS) / SECOND_MS;
  return `${days} d ${hours} h ${minutes} min ${seconds} s ahead of the wall clock (${offsetMs} ms)`;
}

/** Start of the question asked before the clock moves; the amount follows. */
const CONFIRM_PREFIX = 'The clock cannot go back. Advance it by';

function quickAdvanceButton(label: string, amountText: string, unit: string, csrfToken: string) {
  return actionButton({ label, action: `${CLOCK_PATH}/advance`, csrfToken, fields: { amount: '1', unit, returnTo: CLOCK_PATH }, confirm: `${CONFIRM_PREFIX} ${amountText}?` });
}

async function clockPage({ ctx, session }: ConsoleRequest) {
  const returnTo = CLOCK_PATH;
  const body = html`<h1>Service clock</h1>
<p class="muted">The sandbox runs on the wall clock plus an offset that only moves forward. Advancing it makes scheduled work due at once: OSR updates, step checks, step and callback retries. Every instance on this database sees the same offset.</p>
${summaryList([
  ['Service time (UTC)', html`<span class="mono" id="service-now">${formatTime(ctx.clock.now())}</span>`],
  ['Wall clock (UTC)', html`<span class="mono">${formatTime(ctx.clock.wallClockNow())}</span>`],
  ['Offset', html`<span id="clock-offset">${describeOffset(ctx.clock.currentOffsetMs)}</span>`],
])}
<h2>Advance the clock</h2>
<form class="panel" method="post" action="${CLOCK_PATH}/advance" aria-label="Advance the clock" data-confirm="${CONFIRM_PREFIX} {amount} {unit}?">
${csrfField(session.csrfToken)}<input type="hidden" name="returnTo" value="${returnTo}">
<label>Amount<input name="amount" type="number" min="0" step="any" required inputmode="decimal"></label>
${selectField(
  'unit',
  'Unit',
  Object.keys(UNIT_SECONDS).map((unit) => ({ value: unit, label: unit })),
  'hours',
)}
<button type="submit" class="primary">Advance</button>
</form>
<p class="muted">At most 366 days in one step. The clock cannot go back.</p>
<div class="actions">
${quickAdvanceButton('+1 hour', '1 hour', 'hours', session.csrfToken)}
${quickAdvanceButton('+1 day', '1 day', 'days', session.csrfToken)}
</div>`;
  return { title: 'Clock', section: 'clock' as const, body };
}

/** Reads the advance form: a positive decimal amount and a unit, as seconds. */
function requestedSeconds(form: Readonly<Record<string, string>>): { seconds: number; label: string } {
  const amount = (form.amount ?? '').trim();
  const unit = form.unit ?? '';
  const unitSeconds = Object.hasOwn(UNIT_SECONDS, unit) ? UNIT_SECONDS[unit] : undefined;
  if (unitSeconds === undefined) {
    throw invalidArgument([{ field: 'unit', description: `${describeValue(unit)} is not one of ${Object.keys(UNIT_SECONDS).join(', ')}.` }]);
  }
  if (!/^\d{1,15}(\.\d{1,6})?$/.test(amount) || Number(amount) <= 0) {
    throw invalidArgument([{ field: 'amount', description: `${describeValue(amount)} is not a positive number: give how many ${unit} to advance, at most 366 days in total.` }]);
  }
  if (Number(amount) * unitSeconds > MAX_CLOCK_ADVANCE_SECONDS) {
    throw invalidArgument([{ field: 'amount', description: `${amount} ${unit} is more than 366 days; the clock advances at most 366 days at a time, so advance in steps.` }]);
  }
  return { seconds: Number(amount) * unitSeconds, label: `${amount} ${Number(amount) === 1 ? unit.replace(/s$/, '') : unit}` };
}

/** Registers the sandbox clock page (its time, offset and a form to advance it) and the advance action. */
export function registerClockPages(router: ConsoleRouter): void {
  router.page(CLOCK_PATH, clockPage, { isSandboxOnly: true });

  router.action(
    `${CLOCK_PATH}/advance`,
    async ({ ctx, form }) => {
      const { seconds, label } = requestedSeconds(form);
      const clock = await advanceClock(ctx, seconds);
      return { redirect: CLOCK_PATH, notice: `Clock advanced by ${label}; service time is now ${formatTime(Date.parse(clock.now))} UTC.` };
    },
    { isSandboxOnly: true },
  );
}
