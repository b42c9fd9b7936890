// Customer 360 in the agent console's customer panel: the profile (identities, tags, typed custom
// attributes, consent, preferred language), the timeline across channels, and merging a duplicate
// profile with undo. Data from /api/customers/:id/{profile,history,merge-preview,merge} and /api/merges/:id/undo.
// The console passes its `api` function in, so sign-in, errors and JSON handling stay in one place.
import { h } from '/console/vendor/preact.mjs';
import { useCallback, useEffect, useRef, useState } from '/console/vendor/hooks.mjs';
import htm from '/console/vendor/htm.mjs';

const html = htm.bind(h);

// ---------------------------------------------------------------------------------------------
// Labels (pure)
const IDENTITY_KINDS = {
  directline: 'Website visitor',
  webchat: 'Website visitor',
  msteams: 'Teams',
  email: 'Email',
  phone: 'Phone',
  sms: 'SMS',
  retail_customer_id: 'Shop customer id',
  emulator: 'Bot Emulator',
  test: 'Test channel',
};
const humanize = (key) => {
  const s = String(key).replace(/[_-]+/g, ' ').trim();
  return s ? s[0].toUpperCase() + s.slice(1) : '—';
};
export const identityLabel = (kind) => IDENTITY_KINDS[kind] ?? humanize(kind);
const channelLabel = (channel) => (channel === 'directline' || channel === 'webchat' ? 'Website chat' : identityLabel(channel));

const dateTime = (iso) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
const clock = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
function dayLabel(iso) {
  const d = new Date(iso);
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (d.toDateString() === today.toDateString()) return 'Today';
  if (d.toDateString() === yesterday.toDateString()) return 'Yesterday';
  return d.toLocaleDateString([], { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' });
}
function money(minor, currency) {
  try {
    const f = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    return f.format(Number(minor) / 10 ** (f.resolvedOptions().maximumFractionDigits ?? 2));
  } catch {
    return `${(Number(minor) / 100).toFixed(2)} ${currency ?? ''}`.trim();
  }
}
const languageNames = (() => {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' });
  } catch {
    return null;
  }
})();
const languageName = (tag) => {
  if (!tag) return 'Not set';
  try {
    return `${languageNames?.of(tag) ?? tag} (${tag})`;
  } catch {
    return tag;
  }
};
const LANGUAGES = ['en', 'zh-CN', 'de', 'fr', 'es', 'it', 'nl', 'pt', 'ja', 'ko'];
const CONSENT_PURPOSES = ['email_marketing', 'sms_marketing', 'profiling'];
/** Purposes on until withdrawn (crm/identity/consent.ts): personalisation — learning from messages, personalised picks. */
const CONSENT_ON_BY_DEFAULT = new Set(['profiling']);
const CONSENT_LABELS = { email_marketing: 'Email marketing', sms_marketing: 'SMS marketing', phone_marketing: 'Phone marketing', profiling: 'Personalisation' };
const TIMELINE_KINDS = [
  { id: 'message', label: 'Messages' },
  { id: 'ticket', label: 'Tickets' },
  { id: 'order', label: 'Orders' },
  { id: 'event', label: 'Events' },
];
const PAGE = 25;

/** Who did something, as "by …", from an actor string (`agent:<user id>`, `auto:order-proof`, `import:…`, `api`). */
function byActor(actor, me, agents) {
  if (!actor) return 'by someone unknown';
  if (actor.startsWith('agent:')) {
    const id = actor.slice('agent:'.length);
    if (id === me.user.id) return 'by you';
    return `by ${agents.find((a) => a.userId === id)?.displayName ?? 'another agent'}`;
  }
  if (actor === 'auto:order-proof') return 'automatically: the customer proved an order in chat';
  if (actor.startsWith('auto:')) return 'automatically';
  if (actor.startsWith('import')) return 'by an import';
  if (actor === 'api') return 'through the API';
  if (actor === 'chat') return 'by the customer in chat';
  return `by ${actor}`;
}
function authorLabel(author, me, agents) {
  if (author === 'customer') return 'Customer';
  if (author === 'bot') return 'Bot';
  if (author === 'system') return 'System';
  if (author === me.user.id) return 'You';
  return agents.find((a) => a.userId === author)?.displayName ?? 'Agent';
}
function matchedLabel(matchedBy) {
  if (matchedBy === 'email') return 'email';
  if (matchedBy === 'name') return 'name';
  if (matchedBy === 'order') return 'order number';
  if (matchedBy.startsWith('identity:')) return `${identityLabel(matchedBy.slice('identity:'.length))} handle`;
  return matchedBy;
}
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const MOVED_NAMES = { identity: ['identity', 'identities'], message: ['message'], ticket: ['ticket'], order: ['order'], event: ['event'] };
function movedText(moved) {
  const parts = Object.entries(moved ?? {})
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => plural(n, ...(MOVED_NAMES[kind] ?? [kind])));
  return parts.length ? parts.join(', ') : 'nothing';
}

/** A survivor field an undo kept (`attribute:tier`, `consent:sms`, `tags`), as an agent reads it. */
function keptFieldName(field) {
  const [kind, key] = field.split(/:(.*)/s);
  const names = { displayName: 'name', email: 'email', language: 'language', preferredLanguage: 'preferred language', tags: 'tags' };
  if (kind === 'attribute') return key;
  if (kind === 'consent') return `consent to ${key}`;
  if (kind === 'data') return key;
  return names[kind] ?? field;
}

/** Readable messages for the API's error codes (409s of merge/undo and the rest). */
const ERRORS = {
  already_merged: 'That profile has already been merged into another one.',
  merge_self: 'That is this customer’s own profile: pick the duplicate.',
  already_undone: 'This merge has already been undone.',
  merged_later: 'This merge cannot be undone: one of the profiles was merged again afterwards. Undo the later merge first.',
  not_your_merge: 'Only the agent who merged, a supervisor or an admin can undo this merge.',
  not_your_queue: 'This customer has no tickets in your queues.',
  not_found: 'That profile no longer exists.',
};
const errorText = (err) => ERRORS[err?.code] ?? err?.message ?? 'Something went wrong.';

/** Names of profiles seen in search results this session (merge history only has ids). */
const knownNames = new Map();
const profileName = (id) => knownNames.get(id) ?? `profile ${id.slice(0, 8)}`;

// ---------------------------------------------------------------------------------------------
// Profile sections
function Identities({ identities, onMerge }) {
  return html`<section aria-labelledby="c360-ident">
    <div class="c360-head">
      <h3 id="c360-ident">Identities</h3>
      <button type="button" class="link" onClick=${onMerge}>Merge a duplicate…</button>
    </div>
    ${identities.length === 0
      ? html`<p class="muted small">No channel identities.</p>`
      : html`<ul class="c360-idents" aria-label="Identities">
          ${identities.map(
            (i) => html`<li key=${`${i.kind}:${i.externalId}`} class="c360-ident">
              <span class=${`kind-badge k-${i.kind}`}>${identityLabel(i.kind)}</span>
              <span class="c360-handle" title=${i.externalId}>${i.externalId}</span>
              <span class="muted small">since ${new Date(i.createdAt).toLocaleDateString([], { dateStyle: 'medium' })}</span>
            </li>`,
          )}
        </ul>`}
  </section>`;
}

function Tags({ tags, onPatch, busy }) {
  const [text, setText] = useState('');
  const [problem, setProblem] = useState('');
  const add = async (e) => {
    e.preventDefault();
    const tag = text.trim();
    if (!tag) return;
    if (tag.includes(',') || tag.length > 60) return setProblem('A tag has no commas and at most 60 characters.');
    setProblem('');
    if (await onPatch({ addTags: [tag] })) setText('');
  };
  return html`<section aria-labelledby="c360-tags">
    <h3 id="c360-tags">Tags</h3>
    <ul class="c360-chips" aria-label="Tags">
      ${tags.length === 0 && html`<li class="muted small">No tags yet.</li>`}
      ${tags.map(
        (t) => html`<li key=${t} class="tag-chip">
          <span>${t}</span>
          <button type="button" aria-label=${`Remove tag ${t}`} title="Remove" disabled=${busy} onClick=${() => onPatch({ removeTags: [t] })}>×</button>
        </li>`,
      )}
    </ul>
    <form class="c360-inline-form" onSubmit=${add}>
      <label for="c360-new-tag" class="sr-only">New tag</label>
      <input id="c360-new-tag" type="text" maxlength="60" placeholder="Add a tag, e.g. vip" value=${text} onInput=${(e) => (setText(e.currentTarget.value), setProblem(''))} />
      <button type="submit" class="ghost small" disabled=${busy || !text.trim()}>Add tag</button>
    </form>
    ${problem && html`<p class="error small" role="alert">${problem}</p>`}
  </section>`;
}

/** The text an input shows for a stored value of a declared type. */
function draftOf(type, value) {
  if (value === undefined || value === null) return '';
  if (type === 'string[]') return Array.isArray(value) ? value.join(', ') : String(value);
  if (type === 'date') return String(value).slice(0, 10);
  return String(value);
}
/** The typed value for the API from an input's text; undefined when the text is not a valid value. */
function valueOf(type, text) {
  const t = text.trim();
  if (t === '') return null;
  if (type === 'number') return Number.isFinite(Number(t)) ? Number(t) : undefined;
  if (type === 'boolean') return t === 'true' ? true : t === 'false' ? false : undefined;
  if (type === 'string[]') return t.split(',').map((s) => s.trim()).filter(Boolean);
  return t;
}

function Attributes({ definitions, attributes, onPatch, busy }) {
  const [draft, setDraft] = useState({});
  const [problem, setProblem] = useState('');
  useEffect(() => setDraft({}), [attributes]);
  const declared = new Map(definitions.map((d) => [d.key, d.type]));
  const others = Object.entries(attributes).filter(([k]) => !declared.has(k));
  const shownOf = (key, type) => (key in draft ? draft[key] : draftOf(type, attributes[key]));
  const dirty = Object.keys(draft).filter((k) => draft[k] !== draftOf(declared.get(k), attributes[k]));
  const save = async (e) => {
    e.preventDefault();
    const patch = {};
    for (const key of dirty) {
      const v = valueOf(declared.get(key), draft[key]);
      if (v === undefined) return setProblem(`${humanize(key)} must be a ${declared.get(key)}.`);
      patch[key] = v;
    }
    setProblem('');
    if (dirty.length) await onPatch({ attributes: patch });
  };
  const described = new Set(definitions.filter((d) => d.description).map((d) => d.key));
  const input = (key, type) => {
    const common = {
      id: `attr-${key}`,
      name: key,
      value: shownOf(key, type),
      disabled: busy,
      'aria-describedby': described.has(key) ? `attr-${key}-about` : undefined,
      onInput: (e) => setDraft((d) => ({ ...d, [key]: e.currentTarget.value })),
    };
    if (type === 'boolean') {
      return html`<select ...${common} onChange=${common.onInput}>
        <option value="">Not set</option>
        <option value="true">Yes</option>
        <option value="false">No</option>
      </select>`;
    }
    if (type === 'number') return html`<input type="number" step="any" ...${common} />`;
    if (type === 'date') return html`<input type="date" ...${common} />`;
    return html`<input type="text" placeholder=${type === 'string[]' ? 'comma, separated' : ''} ...${common} />`;
  };
  return html`<section aria-labelledby="c360-attrs">
    <h3 id="c360-attrs">Attributes</h3>
    ${definitions.length === 0 && others.length === 0 && html`<p class="muted small">No custom attributes declared yet (admins declare them).</p>`}
    ${definitions.length > 0 &&
    html`<form class="c360-attrs" onSubmit=${save} aria-label="Custom attributes">
      ${definitions.map(
        (d) => html`<div class="c360-attr" key=${d.key}>
          <label for=${`attr-${d.key}`}>${d.label || humanize(d.key)} <span class="muted small">${d.type}</span></label>
          ${input(d.key, d.type)}
          ${d.description && html`<span class="muted small" id=${`attr-${d.key}-about`}>${d.description}</span>`}
        </div>`,
      )}
      ${problem && html`<p class="error small" role="alert">${problem}</p>`}
      <div class="c360-actions">
        ${dirty.length > 0 && html`<button type="button" class="ghost small" onClick=${() => setDraft({})}>Discard</button>`}
        <button type="submit" class="primary small" disabled=${busy || dirty.length === 0}>Save attributes</button>
      </div>
    </form>`}
    ${others.length > 0 &&
    html`<dl class="c360-kv" aria-label="Other attributes">
      ${others.map(([k, v]) => html`<div key=${k}><dt>${humanize(k)}</dt><dd>${typeof v === 'string' ? v : JSON.stringify(v)}</dd></div>`)}
    </dl>`}
  </section>`;
}

function Consent({ consent, onPatch, busy, me, agents }) {
  const purposes = [...new Set([...CONSENT_PURPOSES, ...Object.keys(consent)])];
  return html`<section aria-labelledby="c360-consent">
    <h3 id="c360-consent">Consent</h3>
    <ul class="c360-consent">
      ${purposes.map((p) => {
        const flag = consent[p];
        const on = CONSENT_ON_BY_DEFAULT.has(p) ? flag?.granted !== false : flag?.granted === true;
        return html`<li key=${p}>
          <div class="c360-consent-row">
            <span id=${`consent-${p}`}>${CONSENT_LABELS[p] ?? humanize(p)}</span>
            <button type="button" role="switch" class=${`switch ${on ? 'on' : ''}`} aria-checked=${on ? 'true' : 'false'} aria-labelledby=${`consent-${p}`} disabled=${busy} onClick=${() => onPatch({ consent: { [p]: !on } })}>
              <span class="knob" aria-hidden="true"></span>
            </button>
          </div>
          <span class="muted small">${flag ? `${flag.granted ? 'Granted' : 'Withdrawn'} ${dateTime(flag.at)}${flag.source ? ` · ${byActor(flag.source, me, agents)}` : ''}` : CONSENT_ON_BY_DEFAULT.has(p) ? 'No decision recorded (on until withdrawn)' : 'No decision recorded'}</span>
        </li>`;
      })}
    </ul>
  </section>`;
}

function Language({ preferred, detected, onPatch, busy }) {
  const options = [...new Set([...LANGUAGES, ...(preferred ? [preferred] : [])])];
  return html`<section aria-labelledby="c360-lang">
    <h3 id="c360-lang">Preferred language</h3>
    <select aria-label="Preferred language" class="c360-select" disabled=${busy} value=${preferred ?? ''} onChange=${(e) => onPatch({ language: e.currentTarget.value || null })}>
      <option value="">Not set</option>
      ${options.map((l) => html`<option value=${l}>${languageName(l)}</option>`)}
    </select>
    <p class="muted small">${detected ? `Detected from messages: ${languageName(detected)}` : 'No language detected yet.'}</p>
  </section>`;
}

function Merges({ merges, customerId, me, agents, onUndo, busy }) {
  if (merges.length === 0) return null;
  const mayUndo = (m) => !m.undoneAt && (m.actor === `agent:${me.user.id}` || me.user.role === 'supervisor' || me.user.role === 'admin');
  return html`<section aria-labelledby="c360-merges">
    <h3 id="c360-merges">Merges</h3>
    <ul class="c360-merges" aria-label="Merges">
      ${merges.map(
        (m) => html`<li key=${m.id} class=${m.undoneAt ? 'undone' : ''}>
          <div class="c360-merge-text">
            <span class="what">${m.survivorId === customerId ? `Merged in ${m.mergedName ?? profileName(m.mergedId)}` : `Merged into ${m.survivorName ?? profileName(m.survivorId)}`}${m.moved ? ` · ${movedText(m.moved)}` : ''}</span>
            <span class="muted small">${dateTime(m.createdAt)} · ${byActor(m.actor, me, agents)}${m.reason ? ` · “${m.reason}”` : ''}</span>
            ${m.undoneAt && html`<span class="muted small undone-note">Undone ${dateTime(m.undoneAt)}</span>`}
          </div>
          ${mayUndo(m) && html`<button type="button" class="ghost small" disabled=${busy} onClick=${() => onUndo(m)}>Undo merge</button>`}
        </li>`,
      )}
    </ul>
  </section>`;
}

// ---------------------------------------------------------------------------------------------
// Merge preview: what would move and which values win, from GET /api/customers/:id/merge-preview
// (the server's merge rules, nothing written), shown before the confirm button.
const MOVE_ORDER = ['identity', 'message', 'ticket', 'order', 'event'];
const MOVE_LABELS = { identity: ['channel identity', 'channel identities'], message: ['message'], ticket: ['ticket'], order: ['order'], event: ['shop event'] };

function conflictLabel(field, definitions) {
  const [kind, key] = field.includes(':') ? [field.slice(0, field.indexOf(':')), field.slice(field.indexOf(':') + 1)] : [field, ''];
  if (kind === 'displayName') return 'Name';
  if (kind === 'email') return 'Email';
  if (kind === 'language') return 'Detected language';
  if (kind === 'preferredLanguage') return 'Preferred language';
  if (kind === 'attribute') return definitions.find((d) => d.key === key)?.label || humanize(key);
  if (kind === 'consent') return CONSENT_LABELS[key] ?? humanize(key);
  return humanize(key || kind);
}
function conflictValue(field, value) {
  if (field.startsWith('consent:')) return `${value?.granted ? 'granted' : 'withdrawn'} ${value?.at ? dateTime(value.at) : ''}`.trim();
  if (field === 'language' || field === 'preferredLanguage') return languageName(value);
  if (Array.isArray(value)) return value.join(', ');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function MergePreview({ preview, survivorName, duplicateName, definitions }) {
  const names = { survivor: survivorName, merged: duplicateName };
  return html`<div class="c360-preview">
    <h3 id="merge-moves">What moves to ${survivorName}</h3>
    <ul class="c360-moves" aria-labelledby="merge-moves">
      ${MOVE_ORDER.map((kind) => {
        const n = preview.moves[kind] ?? 0;
        const [one, many] = MOVE_LABELS[kind];
        return html`<li key=${kind} class=${n === 0 ? 'none' : ''}><strong>${n}</strong> ${n === 1 ? one : many ?? `${one}s`}</li>`;
      })}
    </ul>
    <h3 id="merge-conflicts">${preview.conflicts.length === 0 ? 'No conflicting values' : 'Where both profiles differ'}</h3>
    ${preview.conflicts.length > 0 &&
    html`<ul class="c360-conflicts" aria-labelledby="merge-conflicts">
      ${preview.conflicts.map((c) => {
        const loser = c.winner === 'survivor' ? 'merged' : 'survivor';
        return html`<li key=${c.field}>
          <span class="c-field">${conflictLabel(c.field, definitions)}</span>
          <span><strong>${conflictValue(c.field, c[c.winner])}</strong> <span class="muted">(${names[c.winner]}${c.field.startsWith('consent:') ? ', the later decision' : ''})</span> wins over <s>${conflictValue(c.field, c[loser])}</s></span>
        </li>`;
      })}
    </ul>`}
    ${preview.addedTags.length > 0 && html`<p class="small">Tags added: ${preview.addedTags.join(', ')}</p>`}
  </div>`;
}

// ---------------------------------------------------------------------------------------------
// Merge dialog: search → choose → preview (what moves, conflicts) and confirm (optional reason) → merge
function MergeDialog({ api, survivor, definitions, onMerged, onClose }) {
  const ref = useRef(null);
  const [q, setQ] = useState('');
  const [results, setResults] = useState(null);
  const [query, setQuery] = useState('');
  const [searching, setSearching] = useState(false);
  const [chosen, setChosen] = useState(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState(null);
  const seq = useRef(0);
  useEffect(() => {
    ref.current?.showModal?.();
  }, []);
  // The preview of the chosen profile; a refusal (already merged…) reads like the merge's would.
  useEffect(() => {
    if (!chosen) return undefined;
    let live = true;
    setPreview(null);
    api('GET', `/api/customers/${survivor.id}/merge-preview?other=${chosen.id}`)
      .then((out) => live && setPreview(out))
      .catch((err) => live && setError(errorText(err)));
    return () => {
      live = false;
    };
  }, [api, survivor.id, chosen]);
  const search = useCallback(
    async (text) => {
      const query = text.trim();
      const mine = ++seq.current;
      if (query.length < 2) return setResults(null);
      setSearching(true);
      try {
        const out = await api('GET', `/api/customers?q=${encodeURIComponent(query)}&limit=10`);
        if (mine !== seq.current) return;
        for (const c of out.customers) knownNames.set(c.id, c.displayName || c.email || `profile ${c.id.slice(0, 8)}`);
        setResults(out.customers);
        setQuery(query);
        setError('');
      } catch (err) {
        if (mine === seq.current) setError(errorText(err));
      } finally {
        if (mine === seq.current) setSearching(false);
      }
    },
    [api],
  );
  // Search as the agent types, after a short pause.
  useEffect(() => {
    const t = setTimeout(() => void search(q), 250);
    return () => clearTimeout(t);
  }, [q, search]);
  const survivorName = survivor.displayName || survivor.email || 'this customer';
  // A profile found by an exact channel handle (email, phone…) may have no email of its own: show the handle.
  const handleOf = (c) => c.email || (c.matchedBy.startsWith('identity:') ? query : '');
  const nameOf = (c) => c.displayName || handleOf(c) || `Profile ${c.id.slice(0, 8)}`;
  const merge = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const out = await api('POST', `/api/customers/${survivor.id}/merge`, { mergedId: chosen.id, reason: reason.trim() });
      onMerged(out, nameOf(chosen));
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return html`<dialog ref=${ref} class="c360-dialog" aria-labelledby="merge-title" onClose=${onClose}>
    <div class="c360-dialog-head">
      <h2 id="merge-title">${chosen ? 'Merge these profiles?' : `Merge a duplicate into ${survivorName}`}</h2>
      <button type="button" class="icon" aria-label="Close" onClick=${() => ref.current?.close()}>×</button>
    </div>
    ${!chosen &&
    html`<form onSubmit=${(e) => (e.preventDefault(), void search(q))}>
        <label for="merge-q">Find the other profile</label>
        <input id="merge-q" type="search" autocomplete="off" autofocus placeholder="Email, name, phone or order number" value=${q} onInput=${(e) => setQ(e.currentTarget.value)} />
      </form>
      <div class="c360-results" aria-busy=${searching ? 'true' : 'false'}>
        ${results === null && html`<p class="muted small">Type at least two characters.</p>`}
        ${results?.length === 0 && html`<p class="muted small">No matching profile.</p>`}
        ${results?.length > 0 &&
        html`<ul aria-label="Matching profiles">
          ${results.map((c) => {
            const self = c.id === survivor.id;
            return html`<li key=${c.id}>
              <button type="button" class="c360-result" disabled=${self} onClick=${() => setChosen(c)}>
                <span class="r-name">${nameOf(c)}${self && html` <span class="muted small">(this customer)</span>`}</span>
                <span class="small">${handleOf(c) || 'No email on file'}</span>
                <span class="muted small">Matched by ${matchedLabel(c.matchedBy)} · ${plural(c.orders, 'order')} · ${c.lastContactAt ? `last contact ${dateTime(c.lastContactAt)}` : 'no messages'}</span>
              </button>
            </li>`;
          })}
        </ul>`}
      </div>`}
    ${chosen &&
    html`<form onSubmit=${merge} class="c360-confirm">
      <div class="c360-pair">
        <div><span class="muted small">Duplicate</span><strong>${nameOf(chosen)}</strong><span class="small">${handleOf(chosen) || 'No email on file'}</span></div>
        <span class="arrow" aria-hidden="true">→</span>
        <div><span class="muted small">Keeps</span><strong>${survivorName}</strong><span class="small">${survivor.email || 'No email on file'}</span></div>
      </div>
      <p>
        Everything of <strong>${nameOf(chosen)}</strong> moves to <strong>${survivorName}</strong>. Tags, attributes and consent are combined:
        ${' '}${survivorName}’s values win, the latest consent decision holds. You can undo this afterwards.
      </p>
      ${preview
        ? html`<${MergePreview} preview=${preview} survivorName=${survivorName} duplicateName=${nameOf(chosen)} definitions=${definitions ?? []} />`
        : !error && html`<p class="muted small" aria-live="polite">Checking what would move…</p>`}
      <label for="merge-reason">Reason <span class="muted small">(optional, kept with the merge)</span></label>
      <textarea id="merge-reason" rows="2" maxlength="500" placeholder="e.g. same person, wrote by email" value=${reason} onInput=${(e) => setReason(e.currentTarget.value)}></textarea>
      <div class="c360-actions">
        <button type="button" class="ghost" disabled=${busy} onClick=${() => (setChosen(null), setPreview(null), setError(''))}>Back</button>
        <button type="submit" class="primary" disabled=${busy || (!preview && !error)}>${busy ? 'Merging…' : 'Merge profiles'}</button>
      </div>
    </form>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </dialog>`;
}


// ---------------------------------------------------------------------------------------------
// Data subject requests (admins and the privacy role): export everything held, or erase the customer.
const PRIVACY_ROLES = ['admin', 'privacy'];
export const mayHandlePrivacy = (me) => PRIVACY_ROLES.includes(me?.user?.role);
const countsText = (counts) =>
  Object.entries(counts ?? {})
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}`)
    .join(', ') || 'nothing';

/** Waits for the background job: the request's row says when it is done (the console has no event for it). */
async function untilDone(api, id) {
  for (let i = 0; i < 600; i++) {
    const { request } = await api('GET', `/api/privacy/requests/${id}`);
    if (request.status === 'completed' || request.status === 'refused') return request;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error('The request is still being processed; see it again later in the requests list.');
}

function downloadJson(name, content) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(content, null, 2)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function EraseDialog({ name, busy, onConfirm, onClose }) {
  const ref = useRef(null);
  useEffect(() => {
    ref.current?.showModal?.();
  }, []);
  return html`<dialog ref=${ref} class="c360-dialog" aria-labelledby="erase-title" onClose=${onClose}>
    <div class="c360-dialog-head">
      <h2 id="erase-title">Erase ${name}?</h2>
      <button type="button" class="icon" aria-label="Close" onClick=${() => ref.current?.close()}>×</button>
    </div>
    <form onSubmit=${(e) => (e.preventDefault(), onConfirm())}>
      <p>
        Everything held about <strong>${name}</strong> is deleted for good: profile, identities, consent, messages and chat transcripts,
        orders and shop activity, what the assistant learned, and the texts of their tickets. Tickets stay as anonymous rows so the team’s
        figures keep their counts. Their email, phone and channel ids cannot be imported or linked again. This cannot be undone.
      </p>
      <div class="c360-actions">
        <button type="button" class="ghost" disabled=${busy} onClick=${() => ref.current?.close()}>Cancel</button>
        <button type="submit" class="danger" disabled=${busy}>${busy ? 'Erasing…' : `Erase ${name}`}</button>
      </div>
    </form>
  </dialog>`;
}

function PrivacyActions({ api, customer, onErased }) {
  const [state, setState] = useState(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState('');
  // The name as it was when the panel opened: after the erasure the profile has none left to show.
  const [name] = useState(() => customer.displayName || customer.email || `customer ${customer.id.slice(0, 8)}`);
  const erased = state?.kind === 'erasure' && !busy;
  const run = async (kind) => {
    setBusy(true);
    setError('');
    setState({ kind, text: kind === 'export' ? 'Collecting everything held about this customer…' : `Erasing ${name}…` });
    try {
      const { request } = await api('POST', '/api/privacy/requests', { customerId: customer.id, kind });
      const done = await untilDone(api, request.id);
      if (done.status !== 'completed') throw new Error(`The request was refused (${done.outcome?.reason ?? 'no reason given'}).`);
      const counts = done.outcome?.counts;
      setState(
        kind === 'export'
          ? { kind, requestId: done.id, text: `Export ready: ${countsText(counts)}.` }
          : { kind, text: `${name} was erased: ${countsText(counts)} deleted or anonymised.` },
      );
      if (kind === 'erasure') onErased?.();
    } catch (err) {
      setState(null);
      setError(errorText(err));
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };
  const download = async () => {
    try {
      const archive = await api('GET', `/api/privacy/requests/${state.requestId}/archive`);
      downloadJson(`customer-${customer.id}-export.json`, archive);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return html`<section aria-labelledby="c360-privacy" class="c360-privacy">
    <div class="c360-head"><h3 id="c360-privacy">Privacy</h3></div>
    <div class="c360-actions start">
      <button type="button" class="ghost small" disabled=${busy || erased} onClick=${() => run('export')}>Export data</button>
      <button type="button" class="ghost small danger-text" disabled=${busy || erased} onClick=${() => setConfirming(true)}>Erase customer…</button>
    </div>
    ${state && html`<p class="small" role="status">${state.text}</p>`}
    ${state?.requestId && html`<button type="button" class="link" onClick=${download}>Download the archive (JSON)</button>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${confirming && html`<${EraseDialog} name=${name} busy=${busy} onConfirm=${() => run('erasure')} onClose=${() => !busy && setConfirming(false)} />`}
  </section>`;
}

// ---------------------------------------------------------------------------------------------
// Timeline
const KIND_ICON = {
  message: 'M4 5h16v10H8l-4 4z',
  ticket: 'M4 7h16v3a2 2 0 0 0 0 4v3H4v-3a2 2 0 0 0 0-4z',
  order: 'M6 8h12l-1 12H7zM9 8a3 3 0 0 1 6 0',
  event: 'M12 3l2.5 6H21l-5 4 2 7-6-4-6 4 2-7-5-4h6.5z',
};
const EVENT_LABEL = { view: 'Viewed', add_to_cart: 'Added to cart', purchase: 'Bought' };
const TICKET_STATUS = { new: 'Waiting', assigned: 'Assigned', pending_customer: 'Awaiting customer', resolved: 'Resolved', closed: 'Closed', reopened: 'Reopened' };

function TimelineEntry({ entry, me, agents, visibleTickets, currentTicketId, onSelectTicket }) {
  const d = entry.data ?? {};
  let title;
  let body = null;
  let meta = null;
  if (entry.kind === 'message') {
    title = html`<strong>${authorLabel(d.author, me, agents)}</strong> <span class="muted">on ${channelLabel(d.channel)}</span>`;
    body = html`<p class=${`tl-text ${d.direction === 'inbound' ? 'in' : 'out'}`}>${d.text}</p>`;
  } else if (entry.kind === 'ticket') {
    title = html`<strong>Ticket #${d.number}</strong> <span class="muted">opened on ${channelLabel(d.channel)}</span>`;
    const open = visibleTickets.has(entry.id) && entry.id !== currentTicketId;
    body = open
      ? html`<button type="button" class="link tl-text" onClick=${() => onSelectTicket(entry.id)}>${d.subject}</button>`
      : html`<p class="tl-text">${d.subject}${entry.id === currentTicketId ? html` <span class="muted small">(this ticket)</span>` : ''}</p>`;
    meta = html`<span class="chip">${TICKET_STATUS[d.status] ?? d.status}</span> <span class="chip">${String(d.category ?? '').replace(/_/g, ' ')}</span> <span class="chip">${d.priority}</span>`;
  } else if (entry.kind === 'order') {
    title = html`<strong>Order ${d.orderNumber}</strong> <span class="muted">${d.status}</span>`;
    body = html`<p class="tl-text">${money(d.totalMinor, d.currency)} · ${plural(Number(d.lines ?? 0), 'line')}${d.country ? ` · ${d.country}` : ''}</p>`;
  } else {
    title = html`<strong>${EVENT_LABEL[d.type] ?? humanize(d.type)}</strong>${d.source ? html` <span class="muted">via ${d.source}</span>` : ''}`;
    body = html`<p class="tl-text">${d.product ?? d.sku ?? entry.summary}${d.quantity && d.quantity > 1 ? ` × ${d.quantity}` : ''}</p>`;
  }
  return html`<li class=${`tl-entry k-${entry.kind}`} data-kind=${entry.kind}>
    <span class="tl-icon" aria-hidden="true"><svg viewBox="0 0 24 24" width="14" height="14"><path d=${KIND_ICON[entry.kind]} /></svg></span>
    <div class="tl-body">
      <div class="tl-title"><span>${title}</span><time datetime=${entry.at} title=${dateTime(entry.at)}>${clock(entry.at)}</time></div>
      ${body}
      ${meta && html`<div class="tl-meta">${meta}</div>`}
    </div>
  </li>`;
}

function Timeline({ api, customerId, refreshKey, me, agents, visibleTickets, currentTicketId, onSelectTicket }) {
  const [kinds, setKinds] = useState(() => new Set(TIMELINE_KINDS.map((k) => k.id)));
  const [entries, setEntries] = useState([]);
  // The server's cursor to the next (older) page; null when there is none.
  const [nextCursor, setNextCursor] = useState(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState('');
  const seq = useRef(0);
  const kindsParam = TIMELINE_KINDS.filter((k) => kinds.has(k.id)).map((k) => k.id).join(',');
  const load = useCallback(
    async (cursor) => {
      const mine = ++seq.current;
      setLoading(true);
      try {
        const out = await api('GET', `/api/customers/${customerId}/history?kinds=${kindsParam}&limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        if (mine !== seq.current) return;
        // Paging appends (the cursor continues exactly where the last page ended).
        setEntries((list) => (cursor ? [...list, ...out.entries] : out.entries));
        setNextCursor(out.nextCursor ?? null);
        setError('');
      } catch (err) {
        if (mine === seq.current) setError(errorText(err));
      } finally {
        if (mine === seq.current) setLoading(false);
      }
    },
    [api, customerId, kindsParam],
  );
  useEffect(() => {
    void load();
  }, [load, refreshKey]);
  const toggle = (id) =>
    setKinds((k) => {
      const next = new Set(k);
      if (next.has(id)) {
        if (next.size > 1) next.delete(id);
      } else next.add(id);
      return next;
    });
  // Entries grouped by day, newest first (the API's order).
  const days = [];
  for (const e of entries) {
    const label = dayLabel(e.at);
    if (days.length === 0 || days[days.length - 1].label !== label) days.push({ label, entries: [] });
    days[days.length - 1].entries.push(e);
  }
  return html`<section aria-label="Timeline" class="c360-timeline">
    <div class="tl-filters" role="group" aria-label="Show in the timeline">
      ${TIMELINE_KINDS.map(
        (k) => html`<button type="button" class=${`filter ${kinds.has(k.id) ? 'on' : ''}`} aria-pressed=${kinds.has(k.id) ? 'true' : 'false'} onClick=${() => toggle(k.id)}>${k.label}</button>`,
      )}
    </div>
    ${error && html`<p class="error small" role="alert">${error}</p>`}
    ${!loading && entries.length === 0 && !error && html`<p class="muted small">Nothing in the timeline yet.</p>`}
    <div class="tl-days" aria-label="Customer timeline" role="feed" aria-busy=${loading ? 'true' : 'false'}>
      ${days.map(
        (day) => html`<div class="tl-day" key=${day.label}>
          <h4>${day.label}</h4>
          <ol>
            ${day.entries.map((e) => html`<${TimelineEntry} key=${`${e.kind}:${e.id}`} entry=${e} me=${me} agents=${agents} visibleTickets=${visibleTickets} currentTicketId=${currentTicketId} onSelectTicket=${onSelectTicket} />`)}
          </ol>
        </div>`,
      )}
    </div>
    ${nextCursor && html`<button type="button" class="ghost wide-soft" disabled=${loading} onClick=${() => load(nextCursor)}>${loading ? 'Loading…' : 'Load older'}</button>`}
  </section>`;
}

// ---------------------------------------------------------------------------------------------
// The Customer 360 part of the panel: tags at a glance, then Overview (the console's own sections,
// passed as children) · Profile · Timeline.
const TABS = [
  { id: 'overview', label: 'Overview' },
  { id: 'profile', label: 'Profile' },
  { id: 'timeline', label: 'Timeline' },
];

export function Customer360({ api, customerId, me, agents, tickets, currentTicketId, refreshKey, onSelectTicket, onChanged, children }) {
  const [tab, setTab] = useState('overview');
  const [profile, setProfile] = useState(null);
  const [definitions, setDefinitions] = useState([]);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState(null);
  const [busy, setBusy] = useState(false);
  const [merging, setMerging] = useState(false);
  const [version, setVersion] = useState(0);

  const loadProfile = useCallback(async () => {
    try {
      const [p, defs] = await Promise.all([api('GET', `/api/customers/${customerId}/profile`), api('GET', '/api/customer-attributes')]);
      setDefinitions(defs.attributes);
      setProfile(p);
      setError('');
    } catch (err) {
      setError(errorText(err));
    }
  }, [api, customerId]);
  useEffect(() => {
    setProfile(null);
    setNotice(null);
  }, [customerId]);
  useEffect(() => {
    void loadProfile();
  }, [loadProfile, refreshKey]);

  const patch = useCallback(
    async (body) => {
      setBusy(true);
      setError('');
      try {
        setProfile(await api('PATCH', `/api/customers/${customerId}/profile`, body));
        return true;
      } catch (err) {
        setError(errorText(err));
        return false;
      } finally {
        setBusy(false);
      }
    },
    [api, customerId],
  );

  // After a merge or an undo, everything about the customer may have changed: profile, timeline, panel.
  const changed = () => {
    setVersion((v) => v + 1);
    void loadProfile();
    onChanged?.();
  };
  const onMerged = (result, name) => {
    setMerging(false);
    knownNames.set(result.mergedId, name);
    setNotice({ kind: 'merged', mergeId: result.mergeId, text: `Merged ${name} into this profile: ${movedText(result.moved)} moved.` });
    changed();
  };
  const undo = async (merge) => {
    setBusy(true);
    setError('');
    try {
      const out = await api('POST', `/api/merges/${merge.id}/undo`);
      const kept = out.kept.length > 0 ? ` Kept ${out.kept.length === 1 ? 'one change' : `${out.kept.length} changes`} made after the merge (${out.kept.map((k) => keptFieldName(k.field)).join(', ')}).` : '';
      setNotice({ kind: 'undone', text: `Merge undone: ${movedText(out.movedBack)} moved back to ${merge.survivorId === customerId ? profileName(merge.mergedId) : 'this profile'}.${kept}` });
      changed();
    } catch (err) {
      setError(errorText(err));
      if (err.code === 'already_undone') changed();
    } finally {
      setBusy(false);
    }
  };
  const visibleTickets = new Set((tickets ?? []).map((t) => t.id));
  const pendingMerge = notice?.kind === 'merged' ? profile?.merges.find((m) => m.id === notice.mergeId && !m.undoneAt) : null;

  return html`<div class="c360">
    ${profile?.tags.length > 0 && html`<ul class="c360-chips glance" aria-label="Customer tags">${profile.tags.map((t) => html`<li key=${t} class="tag-chip">${t}</li>`)}</ul>`}
    ${profile?.mergedInto && html`<p class="c360-note" role="note">This profile was merged into ${profileName(profile.mergedInto)}.</p>`}
    <div class="tabs c360-tabs" role="tablist" aria-label="Customer views">
      ${TABS.map(
        (t) => html`<button
          type="button"
          role="tab"
          id=${`c360-tab-${t.id}`}
          aria-controls="c360-panel"
          aria-selected=${tab === t.id ? 'true' : 'false'}
          tabindex=${tab === t.id ? 0 : -1}
          class=${tab === t.id ? 'tab active' : 'tab'}
          onClick=${() => setTab(t.id)}
          onKeyDown=${(e) => {
            const i = TABS.findIndex((x) => x.id === tab);
            const next = e.key === 'ArrowRight' ? TABS[(i + 1) % TABS.length] : e.key === 'ArrowLeft' ? TABS[(i + TABS.length - 1) % TABS.length] : null;
            if (next) {
              e.preventDefault();
              setTab(next.id);
              e.currentTarget.parentElement.querySelector(`#c360-tab-${next.id}`)?.focus();
            }
          }}
        >
          ${t.label}
        </button>`,
      )}
    </div>
    ${notice &&
    html`<div class=${`c360-notice ${notice.kind}`} role="status">
      <div class="c360-notice-row">
        <span>${notice.text}</span>
        <button type="button" class="icon" aria-label="Dismiss" onClick=${() => setNotice(null)}>×</button>
      </div>
      ${pendingMerge && html`<div class="c360-actions start"><button type="button" class="ghost small" disabled=${busy} onClick=${() => undo(pendingMerge)}>Undo merge</button></div>`}
    </div>`}
    ${error && html`<p class="error banner-soft" role="alert">${error}</p>`}
    <div id="c360-panel" role="tabpanel" aria-labelledby=${`c360-tab-${tab}`} class="c360-panel">
      ${tab === 'overview' && children}
      ${tab === 'profile' &&
      (profile
        ? html`<${Identities} identities=${profile.identities} onMerge=${() => setMerging(true)} />
            <${Tags} tags=${profile.tags} onPatch=${patch} busy=${busy} />
            <${Attributes} definitions=${definitions} attributes=${profile.attributes} onPatch=${patch} busy=${busy} />
            <${Consent} consent=${profile.consent} onPatch=${patch} busy=${busy} me=${me} agents=${agents} />
            <${Language} preferred=${profile.preferredLanguage} detected=${profile.customer.language} onPatch=${patch} busy=${busy} />
            <${Merges} merges=${profile.merges} customerId=${customerId} me=${me} agents=${agents} onUndo=${undo} busy=${busy} />
            ${mayHandlePrivacy(me) && html`<${PrivacyActions} key=${customerId} api=${api} customer=${profile.customer} onErased=${changed} />`}`
        : !error && html`<p class="muted small">Loading the profile…</p>`)}
      ${tab === 'timeline' &&
      html`<${Timeline}
        api=${api}
        customerId=${customerId}
        refreshKey=${`${refreshKey}:${version}`}
        me=${me}
        agents=${agents}
        visibleTickets=${visibleTickets}
        currentTicketId=${currentTicketId}
        onSelectTicket=${onSelectTicket}
      />`}
    </div>
    ${merging && profile && html`<${MergeDialog} api=${api} survivor=${profile.customer} definitions=${definitions} onMerged=${onMerged} onClose=${() => setMerging(false)} />`}
  </div>`;
}
