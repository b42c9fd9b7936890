// The supervisor dashboard's "Privacy requests" tab: every data-subject request (a copy of a
// customer's data, its erasure) with its kind, status, when it was asked for, its deadline (overdue
// ones marked) and when it was completed, from GET /api/privacy/requests. Read only: acting on a
// request is for the privacy role and admins, elsewhere.
import { h } from '/console/vendor/preact.mjs';
import { useEffect, useState } from '/console/vendor/hooks.mjs';
import htm from '/console/vendor/htm.mjs';
import { api, ApiError } from '/console/api.js';

const html = htm.bind(h);

const KIND_LABEL = { export: 'Copy of data', erasure: 'Erasure' };
const STATUS_LABEL = { pending: 'Pending', in_progress: 'In progress', completed: 'Completed', refused: 'Refused' };
const SOURCE_LABEL = { chat: 'Chat', console: 'Console', api: 'API', cli: 'CLI' };
const OPEN = new Set(['pending', 'in_progress']);

/** The request's number as the bot tells it to the customer (bot/privacyRequests.ts). */
export const requestReference = (id) => `#${id.slice(0, 8).toUpperCase()}`;

/** Still open after its deadline: the server says so (its clock); a page left open checks again by its own. */
export const isOverdue = (r, now = Date.now()) => r.overdue === true || (OPEN.has(r.status) && new Date(r.dueAt).getTime() < now);

export function PrivacyRequests({ ui, onUnauthorized }) {
  const [requests, setRequests] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    const controller = { cancelled: false };
    const load = () =>
      api('GET', '/api/privacy/requests').then(
        (r) => !controller.cancelled && setRequests(r.requests),
        (err) => {
          if (controller.cancelled || err.name === 'AbortError') return;
          if (err instanceof ApiError && err.status === 401) return onUnauthorized();
          setError(err.message);
        },
      );
    void load();
    // Deadlines pass and jobs finish while the page is open.
    const timer = setInterval(load, 30_000);
    return () => {
      controller.cancelled = true;
      clearInterval(timer);
    };
  }, [onUnauthorized]);

  const overdue = requests ? requests.filter((r) => isOverdue(r)).length : 0;
  const open = requests ? requests.filter((r) => OPEN.has(r.status)).length : 0;
  return html`<section class="panel privacy-panel" aria-labelledby="privacy-title">
    <div class="section-head">
      <h2 id="privacy-title">Privacy requests</h2>
      ${requests && html`<span class="muted small">${open} open${overdue ? html` · <strong class="overdue-count">${overdue} overdue</strong>` : ''} · deadline 30 days after the request</span>`}
    </div>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${!requests && !error && html`<p class="muted">Loading…</p>`}
    ${requests && !requests.length && html`<p class="muted">No privacy requests yet.</p>`}
    ${requests?.length > 0 &&
    html`<div class="table-wrap"><table class="ranking privacy-requests" aria-label="Privacy requests">
      <thead><tr><th scope="col">Request</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">From</th><th scope="col">Requested</th><th scope="col">Due</th><th scope="col">Completed</th></tr></thead>
      <tbody>
        ${requests.map((r) => {
          const late = isOverdue(r);
          return html`<tr key=${r.id} class=${late ? 'overdue' : ''} data-status=${r.status}>
            <td><code>${requestReference(r.id)}</code></td>
            <td>${KIND_LABEL[r.kind] ?? r.kind}</td>
            <td>${STATUS_LABEL[r.status] ?? r.status}</td>
            <td>${SOURCE_LABEL[r.source] ?? r.source}</td>
            <td>${ui.minuteLabel(r.requestedAt)}</td>
            <td>${ui.minuteLabel(r.dueAt)}${late && html` <span class="badge overdue-badge">Overdue</span>`}</td>
            <td>${r.completedAt ? ui.minuteLabel(r.completedAt) : '—'}</td>
          </tr>`;
        })}
      </tbody>
    </table></div>`}
  </section>`;
}
