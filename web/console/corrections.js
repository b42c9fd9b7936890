// Teaching the bot from the console: under each customer message, what the bot understood and
// "Bot misunderstood" (pick what the customer meant; the nightly retraining learns it), and the
// ticket's category picker. Data from /api/intents, /api/ticket-categories and
// /api/tickets/:id/understandings; corrections POST /api/tickets/:id/messages/:messageId/label.
import { h } from '/console/vendor/preact.mjs';
import { useCallback, useEffect, useState } from '/console/vendor/hooks.mjs';
import htm from '/console/vendor/htm.mjs';
import { api } from '/console/api.js';

const html = htm.bind(h);

// Both lists are fixed while the page lives: fetched once, shared by every component.
const once = (path, pick) => {
  let pending;
  return () => {
    pending ??= api('GET', path).then(pick, (err) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
};
const loadIntents = once('/api/intents', (r) => r.intents);
const loadCategories = once('/api/ticket-categories', (r) => r.categories);

function useList(load) {
  const [list, setList] = useState([]);
  useEffect(() => {
    let live = true;
    load().then((l) => live && setList(l), () => undefined);
    return () => {
      live = false;
    };
  }, [load]);
  return list;
}
export const useIntents = () => useList(loadIntents);

const nameOf = (intents, id) => intents.find((i) => i.id === id)?.name ?? String(id).replace(/_/g, ' ');

/**
 * What the bot understood of each customer message of the ticket (and its latest label), by message
 * id; reloaded when the ticket or `reloadKey` changes. `set(messageId, label)` records a new label.
 */
export function useUnderstandings(ticketId, reloadKey) {
  const [byMessage, setByMessage] = useState(new Map());
  useEffect(() => {
    let live = true;
    setByMessage(new Map());
    if (!ticketId) return undefined;
    api('GET', `/api/tickets/${ticketId}/understandings`).then(
      (r) => live && setByMessage(new Map(r.messages.map((m) => [m.messageId, m]))),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [ticketId, reloadKey]);
  const set = useCallback((messageId, label) => setByMessage((m) => new Map(m).set(messageId, { ...(m.get(messageId) ?? { messageId, understanding: null }), label })), []);
  return [byMessage, set];
}

const OUTCOME = { answered: 'answered', clarified: 'asked to clarify', not_understood: 'did not understand', handed_over: 'handed over', other_language: 'other language' };

/** Under a customer message: the bot's reading of it, a correction if any, and "Bot misunderstood". */
export function MessageLearning({ ticketId, message, entry, intents, onLabelled }) {
  const [open, setOpen] = useState(false);
  const [choice, setChoice] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const u = entry?.understanding;
  const label = entry?.label;
  const short = message.text.length > 60 ? `${message.text.slice(0, 57)}…` : message.text;
  const save = async (e) => {
    e.preventDefault();
    if (!choice) return;
    setBusy(true);
    setError('');
    try {
      const out = await api('POST', `/api/tickets/${ticketId}/messages/${message.id}/label`, { intent: choice });
      onLabelled(out.label);
      setOpen(false);
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="learn" role="group" aria-label=${`What the bot understood of: ${short}`}>
    ${u &&
    html`<span class="understood" title=${`model ${u.modelVersion}${u.reason ? ` · ${u.reason}` : ''}`}>
      Bot: ${nameOf(intents, u.intent)} <span class="muted">${Math.round(u.confidence * 100)} %${u.outcome ? ` · ${OUTCOME[u.outcome] ?? u.outcome}` : ''}</span>
    </span>`}
    ${label && html`<span class="chip corrected" title=${`labelled ${new Date(label.createdAt).toLocaleString()}`}>Meant: ${nameOf(intents, label.intent)}</span>`}
    ${!open
      ? html`<button type="button" class="link small" aria-label=${`Bot misunderstood: ${short}`} onClick=${() => (setChoice(label?.intent ?? ''), setOpen(true))}>
          ${label ? 'Change' : 'Bot misunderstood'}
        </button>`
      : html`<form class="learn-form" onSubmit=${save} aria-label=${`Correct the bot: ${short}`}>
          <label class="inline small">
            <span>The customer meant</span>
            <select aria-label="What the customer meant" value=${choice} onChange=${(e) => setChoice(e.currentTarget.value)} disabled=${busy}>
              <option value="">Choose…</option>
              ${intents.map((i) => html`<option value=${i.id}>${i.name}</option>`)}
            </select>
          </label>
          <button type="submit" class="primary small-btn" disabled=${busy || !choice}>${busy ? 'Saving…' : 'Save correction'}</button>
          <button type="button" class="ghost small-btn" onClick=${() => setOpen(false)} disabled=${busy}>Cancel</button>
          ${error && html`<span class="error small" role="alert">${error}</span>`}
        </form>`}
  </div>`;
}

/** The ticket's category (what the request is about); changing it teaches the bot too. */
export function CategorySelect({ ticket, disabled, onChange }) {
  const categories = useList(loadCategories);
  const known = categories.some((c) => c.id === ticket.category);
  return html`<label class="inline">
    <span>Category</span>
    <select aria-label="Category" disabled=${disabled || !categories.length} value=${ticket.category} onChange=${(e) => onChange(e.currentTarget.value)}>
      ${!known && html`<option value=${ticket.category}>${ticket.category.replace(/_/g, ' ')}</option>`}
      ${categories.map((c) => html`<option value=${c.id}>${c.name}</option>`)}
    </select>
  </label>`;
}
