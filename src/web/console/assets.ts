/**
 * The console's stylesheet and its one small script, served from `/console/assets/` so
 * the Content-Security-Policy can allow `'self'` and nothing inline.
 */

export const CONSOLE_STYLESHEET = `
:root { color-scheme: light dark; --text: #1b1b1b; --muted: #555b63; --back: #ffffff; --panel: #f3f4f6; --line: #c4c8ce; --accent: #0b57d0; --danger: #a4161a; --ok: #176b2c; --warn: #8a5a00; }
@media (prefers-color-scheme: dark) { :root { --text: #ececec; --muted: #b5b9bf; --back: #16181c; --panel: #23262b; --line: #4a4f57; --accent: #8ab4f8; --danger: #ff8a80; --ok: #81c995; --warn: #fdd663; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--back); color: var(--text); font: 0.95rem/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header.top { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; align-items: center; padding: 0.5rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel); }
header.top .brand { font-weight: 700; margin-right: 1rem; }
header.top nav { display: flex; flex-wrap: wrap; gap: 0.25rem 0.9rem; flex: 1; }
header.top nav a { text-decoration: none; padding: 0.2rem 0; }
header.top nav a[aria-current="page"] { font-weight: 700; border-bottom: 2px solid var(--accent); }
header.top .mode { font-size: 0.8rem; padding: 0.1rem 0.5rem; border: 1px solid var(--line); border-radius: 1rem; }
main { max-width: 78rem; margin: 0 auto; padding: 1rem 1rem 3rem; }
h1 { font-size: 1.45rem; margin: 0.5rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 1.75rem 0 0.6rem; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: break-word; word-break: normal; }
td code, td .mono { overflow-wrap: anywhere; }
td input[type="text"] { width: 100%; min-width: 8rem; }
th { background: var(--panel); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code, .mono { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.88rem; }
.summary { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 0 0 1rem; }
.summary dt { font-weight: 600; }
.summary dd { margin: 0; overflow-wrap: anywhere; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr)); gap: 1rem; }
.card { border: 1px solid var(--line); border-radius: 0.4rem; padding: 0.75rem 1rem; background: var(--panel); }
.card h2 { margin-top: 0; }
.state { display: inline-block; padding: 0 0.45rem; border-radius: 0.8rem; border: 1px solid var(--line); font-size: 0.8rem; white-space: nowrap; }
.state.good { color: var(--ok); border-color: var(--ok); }
.state.bad { color: var(--danger); border-color: var(--danger); }
.state.busy { color: var(--warn); border-color: var(--warn); }
.state.muted { color: var(--muted); border-color: var(--line); }
.step-error { display: block; color: var(--danger); font-size: 0.85rem; }
.failed-count { color: var(--danger); font-weight: 700; }
.flash { margin: 0 0 1rem; padding: 0.6rem 0.8rem; border-left: 4px solid var(--ok); background: var(--panel); }
.flash.error { border-left-color: var(--danger); color: var(--danger); font-weight: 600; }
.secret { padding: 0.75rem; border: 2px solid var(--warn); background: var(--panel); }
.secret code { font-size: 1rem; user-select: all; }
form.inline { display: inline; }
form.filters, form.panel { display: flex; flex-wrap: wrap; gap: 0.5rem 0.75rem; align-items: flex-end; margin: 0 0 1rem; }
form.panel { padding: 0.75rem; border: 1px solid var(--line); border-radius: 0.4rem; background: var(--panel); }
form.stack { display: grid; gap: 0.5rem; max-width: 28rem; }
label { display: grid; gap: 0.15rem; font-size: 0.85rem; font-weight: 600; }
input, select, textarea, button { font: inherit; color: inherit; }
input, select, textarea { padding: 0.3rem 0.45rem; background: var(--back); border: 1px solid var(--line); border-radius: 0.25rem; }
button { padding: 0.35rem 0.9rem; border-radius: 0.25rem; border: 1px solid var(--line); background: var(--back); cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: var(--back); font-weight: 600; }
button.danger { border-color: var(--danger); color: var(--danger); }
.muted { color: var(--muted); }
.actions { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: flex-start; margin: 0.5rem 0 1rem; }
.pager { display: flex; gap: 1rem; }
pre.excerpt { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; max-height: 8rem; overflow: auto; }
pre.mail { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0.25rem 0 0; max-height: 24rem; overflow: auto; padding: 0.5rem; background: var(--panel); }
article.delivery { border-top: 1px solid var(--line); margin-top: 1.5rem; }
article.delivery h2 { margin-top: 0.75rem; }
ul.links { margin: 0; padding-left: 1rem; }
.login { max-width: 26rem; margin: 4rem auto; }
ul.plain { list-style: none; margin: 0; padding: 0; }
.nowrap { white-space: nowrap; }
`;

/**
 * Asks for confirmation before forms marked `data-confirm` are posted (a `{name}` in the
 * question is replaced by the value of the form's field of that name), and lets a page
 * refresh itself while the operator watches an order move (`data-refresh` seconds on
 * <body>, paused while a field has focus). Everything works without it.
 */
export const CONSOLE_SCRIPT = `'use strict';
document.addEventListener('submit', function (event) {
  var form = event.target;
  var question = form instanceof HTMLFormElement ? form.getAttribute('data-confirm') : null;
  if (question) {
    question = question.replace(/\\{([A-Za-z]+)\\}/g, function (placeholder, name) {
      var field = form.elements.namedItem(name);
      return field && typeof field.value === 'string' ? field.value : placeholder;
    });
  }
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
(function () {
  var seconds = Number(document.body.getAttribute('data-refresh'));
  if (!(seconds > 0)) {
    return;
  }
  window.setInterval(function () {
    var active = document.activeElement;
    var isEditing = active && (active.tagName === 'INPUT' || active.tagName === 'SELECT' || active.tagName === 'TEXTAREA');
    if (!isEditing && document.visibilityState === 'visible') {
      window.location.reload();
    }
  }, seconds * 1000);
})();
`;
