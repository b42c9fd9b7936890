// Custom attributes (admins): the typed attributes agents fill in on a customer's Profile tab. A table of
// the declared ones (with how many profiles hold a value), a form to declare one, edit of label and
// description, and delete with a confirmation that says what happens to the stored values.
// Data from GET /api/customer-attributes and …/usage; PUT (declare), PATCH (label, description) and DELETE /api/customer-attributes/:key.
// The console passes its `api` function in, so sign-in, errors and JSON handling stay in one place.
import { h } from '/console/vendor/preact.mjs';
import { useCallback, useEffect, useRef, useState } from '/console/vendor/hooks.mjs';
import htm from '/console/vendor/htm.mjs';

const html = htm.bind(h);

// ---------------------------------------------------------------------------------------------
// The API's rules, mirrored so a mistake is shown before anything is sent (bot/api/customers360.ts).
export const KEY_PATTERN = /^[a-z][a-z0-9_]{0,59}$/;
export const LABEL_MAX = 120;
export const DESCRIPTION_MAX = 500;
export const TYPES = [
  { id: 'string', label: 'Text', hint: 'any text, e.g. a plan name' },
  { id: 'number', label: 'Number', hint: 'e.g. loyalty points' },
  { id: 'boolean', label: 'Yes / no', hint: 'e.g. newsletter subscriber' },
  { id: 'date', label: 'Date', hint: 'e.g. a birthday or contract end' },
  { id: 'string[]', label: 'List of text', hint: 'several values, e.g. interests' },
];
const typeLabel = (id) => TYPES.find((t) => t.id === id)?.label ?? id;

/** What is wrong with a new declaration, field by field (empty when the API would accept it). */
export function validateDeclaration({ key, type, label, description }, declaredKeys) {
  const problems = {};
  const k = key.trim();
  if (!k) problems.key = 'Enter a key.';
  else if (k.length > 60) problems.key = 'A key has at most 60 characters.';
  else if (!KEY_PATTERN.test(k)) problems.key = 'A key starts with a lower-case letter and has only lower-case letters (a–z), digits and _, e.g. loyalty_tier.';
  else if (declaredKeys.has(k)) problems.key = `${k} is already declared: edit it in the table.`;
  if (!TYPES.some((t) => t.id === type)) problems.type = 'Choose a type.';
  Object.assign(problems, validateText({ label, description }));
  return problems;
}
function validateText({ label, description }) {
  const problems = {};
  if (label.trim().length > LABEL_MAX) problems.label = `A label has at most ${LABEL_MAX} characters.`;
  if (description.trim().length > DESCRIPTION_MAX) problems.description = `A description has at most ${DESCRIPTION_MAX} characters.`;
  return problems;
}
/** The PUT body: blank label and description are left out (the API stores none). */
function declarationBody(type, label, description) {
  const body = { type };
  if (label.trim()) body.label = label.trim();
  if (description.trim()) body.description = description.trim();
  return body;
}

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The server's refusals as sentences (its 4xx messages are already readable; these add what to do). */
function errorText(err) {
  if (err?.status === 403) return 'Only admins can declare, edit or delete custom attributes.';
  if (err?.code === 'not_found') return 'That attribute no longer exists (someone else deleted it). The list is up to date again.';
  if (err?.code === 'attribute_in_use') return `${err.message}.`;
  if (err?.code === 'invalid_request') return `The server refused it: ${err.message.replace(/^invalid (path|body|query): /, '')}.`;
  return err?.message ?? 'Something went wrong.';
}

// ---------------------------------------------------------------------------------------------
function Field({ id, label, hint, problem, children }) {
  return html`<div class=${`attr-field ${problem ? 'invalid' : ''}`}>
    <label for=${id}>${label}</label>
    ${children}
    ${hint && html`<span class="muted small" id=${`${id}-hint`}>${hint}</span>`}
    ${problem && html`<span class="error small" id=${`${id}-problem`} role="alert">${problem}</span>`}
  </div>`;
}
const describedBy = (id, hint, problem) => [hint && `${id}-hint`, problem && `${id}-problem`].filter(Boolean).join(' ') || undefined;

function DeclareForm({ api, declaredKeys, onDeclared, onError }) {
  const [key, setKey] = useState('');
  const [type, setType] = useState('string');
  const [label, setLabel] = useState('');
  const [description, setDescription] = useState('');
  const [problems, setProblems] = useState({});
  const [serverError, setServerError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    const found = validateDeclaration({ key, type, label, description }, declaredKeys);
    setProblems(found);
    setServerError('');
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      await api('PUT', `/api/customer-attributes/${encodeURIComponent(key.trim())}`, declarationBody(type, label, description));
      onDeclared(key.trim());
      setKey('');
      setLabel('');
      setDescription('');
      setType('string');
    } catch (err) {
      if (!onError(err)) setServerError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const keyHint = 'Lower-case letters, digits and _ (how it is stored and imported; cannot change later).';
  const typeHint = TYPES.find((t) => t.id === type)?.hint;
  return html`<form class="attr-declare" onSubmit=${submit} aria-labelledby="attr-declare-title" novalidate>
    <h3 id="attr-declare-title">Declare an attribute</h3>
    <div class="attr-grid">
      <${Field} id="attr-new-key" label="Key" hint=${keyHint} problem=${problems.key}>
        <input id="attr-new-key" type="text" autocomplete="off" spellcheck="false" maxlength="80" placeholder="loyalty_tier" value=${key}
          aria-invalid=${problems.key ? 'true' : 'false'} aria-describedby=${describedBy('attr-new-key', keyHint, problems.key)}
          onInput=${(e) => (setKey(e.currentTarget.value), setProblems((p) => ({ ...p, key: undefined })))} />
      </${Field}>
      <${Field} id="attr-new-type" label="Type" hint=${typeHint} problem=${problems.type}>
        <select id="attr-new-type" value=${type} aria-describedby=${describedBy('attr-new-type', typeHint, problems.type)} onChange=${(e) => setType(e.currentTarget.value)}>
          ${TYPES.map((t) => html`<option value=${t.id}>${t.label}</option>`)}
        </select>
      </${Field}>
      <${Field} id="attr-new-label" label="Label (optional)" hint="What agents see, e.g. Loyalty tier." problem=${problems.label}>
        <input id="attr-new-label" type="text" maxlength=${LABEL_MAX + 20} value=${label} aria-invalid=${problems.label ? 'true' : 'false'}
          aria-describedby=${describedBy('attr-new-label', true, problems.label)} onInput=${(e) => (setLabel(e.currentTarget.value), setProblems((p) => ({ ...p, label: undefined })))} />
      </${Field}>
      <${Field} id="attr-new-description" label="Description (optional)" hint="What it means and how to fill it in; shown to agents." problem=${problems.description}>
        <textarea id="attr-new-description" rows="2" value=${description} aria-invalid=${problems.description ? 'true' : 'false'}
          aria-describedby=${describedBy('attr-new-description', true, problems.description)} onInput=${(e) => (setDescription(e.currentTarget.value), setProblems((p) => ({ ...p, description: undefined })))}></textarea>
      </${Field}>
    </div>
    ${serverError && html`<p class="error" role="alert">${serverError}</p>`}
    <div class="attr-actions"><button type="submit" class="primary" disabled=${busy}>${busy ? 'Declaring…' : 'Declare attribute'}</button></div>
  </form>`;
}

/** A modal dialog that opens itself; Escape or the × closes it. */
function Dialog({ title, titleId, onClose, children }) {
  const ref = useRef(null);
  useEffect(() => {
    ref.current?.showModal?.();
  }, []);
  return html`<dialog ref=${ref} class="c360-dialog attr-dialog" aria-labelledby=${titleId} onClose=${onClose}>
    <div class="c360-dialog-head">
      <h2 id=${titleId}>${title}</h2>
      <button type="button" class="icon" aria-label="Close" onClick=${() => ref.current?.close()}>×</button>
    </div>
    ${children}
  </dialog>`;
}

function EditDialog({ api, definition, onSaved, onClose, onError }) {
  const [label, setLabel] = useState(definition.label ?? '');
  const [description, setDescription] = useState(definition.description ?? '');
  const [problems, setProblems] = useState({});
  const [serverError, setServerError] = useState('');
  const [busy, setBusy] = useState(false);
  const save = async (e) => {
    e.preventDefault();
    const found = validateText({ label, description });
    setProblems(found);
    setServerError('');
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      // PATCH, not PUT: an attribute deleted meanwhile is a 404 instead of being declared again. Blank clears.
      await api('PATCH', `/api/customer-attributes/${encodeURIComponent(definition.key)}`, { label: label.trim() || null, description: description.trim() || null });
      onSaved(definition.key);
    } catch (err) {
      if (!onError(err)) setServerError(errorText(err));
      setBusy(false);
    }
  };
  return html`<${Dialog} title=${`Edit ${definition.label || definition.key}`} titleId="attr-edit-title" onClose=${onClose}>
    <form onSubmit=${save} novalidate>
      <p class="small">Key <code>${definition.key}</code> · ${typeLabel(definition.type)}. <span class="muted">Stored values keep their key and type; only what agents read changes.</span></p>
      <${Field} id="attr-edit-label" label="Label" problem=${problems.label}>
        <input id="attr-edit-label" type="text" maxlength=${LABEL_MAX + 20} value=${label} aria-invalid=${problems.label ? 'true' : 'false'} onInput=${(e) => setLabel(e.currentTarget.value)} />
      </${Field}>
      <${Field} id="attr-edit-description" label="Description" problem=${problems.description}>
        <textarea id="attr-edit-description" rows="3" value=${description} aria-invalid=${problems.description ? 'true' : 'false'} onInput=${(e) => setDescription(e.currentTarget.value)}></textarea>
      </${Field}>
      ${serverError && html`<p class="error" role="alert">${serverError}</p>`}
      <div class="attr-actions">
        <button type="button" class="ghost" disabled=${busy} onClick=${onClose}>Cancel</button>
        <button type="submit" class="primary" disabled=${busy}>${busy ? 'Saving…' : 'Save'}</button>
      </div>
    </form>
  </${Dialog}>`;
}

function DeleteDialog({ api, definition, onDeleted, onClose, onError }) {
  // The count at the moment of asking (fresh, not the table's), so the sentence is what the delete does.
  const [holding, setHolding] = useState(null);
  const [serverError, setServerError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let live = true;
    api('GET', '/api/customer-attributes/usage')
      .then((out) => live && setHolding(out.usage.find((u) => u.key === definition.key)?.profiles ?? 0))
      .catch((err) => live && !onError(err) && setServerError(errorText(err)));
    return () => {
      live = false;
    };
  }, [api, definition.key]);
  const confirm = async () => {
    setBusy(true);
    setServerError('');
    try {
      const out = await api('DELETE', `/api/customer-attributes/${encodeURIComponent(definition.key)}`);
      onDeleted(definition, out.removedFrom);
    } catch (err) {
      if (!onError(err)) setServerError(errorText(err));
      setBusy(false);
    }
  };
  const name = definition.label || definition.key;
  return html`<${Dialog} title=${`Delete ${name}?`} titleId="attr-delete-title" onClose=${onClose}>
    ${holding === null && !serverError && html`<p class="muted small" aria-live="polite">Counting the profiles that hold a value…</p>`}
    ${holding !== null &&
    html`<div class="attr-consequence">
      ${holding > 0
        ? html`<p><strong>${plural(holding, 'customer profile')} ${holding === 1 ? 'holds' : 'hold'} a value</strong> for <code>${definition.key}</code>.
            Deleting removes the attribute and ${holding === 1 ? 'that value' : `those ${holding} values`} from every profile, in one step.</p>`
        : html`<p>No customer profile holds a value for <code>${definition.key}</code>. Deleting removes the declaration.</p>`}
      <p>Agents no longer see it on the Profile tab, and it cannot be undone: declaring <code>${definition.key}</code> again starts empty.</p>
    </div>`}
    ${serverError && html`<p class="error" role="alert">${serverError}</p>`}
    <div class="attr-actions">
      <button type="button" class="ghost" disabled=${busy} onClick=${onClose}>Cancel</button>
      <button type="button" class="danger" disabled=${busy || holding === null} onClick=${confirm}>${busy ? 'Deleting…' : 'Delete attribute'}</button>
    </div>
  </${Dialog}>`;
}

// ---------------------------------------------------------------------------------------------
export function CustomAttributes({ api, onSignedOut }) {
  const [definitions, setDefinitions] = useState(null);
  const [usage, setUsage] = useState(new Map());
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [editing, setEditing] = useState(null);
  const [deleting, setDeleting] = useState(null);

  /** Handles what the whole screen reacts to (signed out; gone → refresh); returns whether it did. */
  const handled = (err) => {
    if (err?.status === 401) {
      onSignedOut();
      return true;
    }
    if (err?.code === 'not_found') void load();
    return false;
  };
  const load = useCallback(async () => {
    try {
      const [defs, counts] = await Promise.all([api('GET', '/api/customer-attributes'), api('GET', '/api/customer-attributes/usage')]);
      setDefinitions(defs.attributes);
      setUsage(new Map(counts.usage.map((u) => [u.key, u.profiles])));
      setError('');
    } catch (err) {
      if (err?.status === 401) onSignedOut();
      else setError(errorText(err));
    }
  }, [api, onSignedOut]);
  useEffect(() => {
    void load();
  }, [load]);

  const declaredKeys = new Set((definitions ?? []).map((d) => d.key));
  return html`<main class="attr-screen" aria-labelledby="attr-title">
    <div class="attr-head">
      <h2 id="attr-title">Custom attributes</h2>
      <p class="muted">Typed fields on every customer profile. Agents fill them in on the customer’s Profile tab; a value must have the declared type. Imports declare unknown attributes from their first value.</p>
    </div>
    ${notice &&
    html`<div class="c360-notice attr-notice" role="status">
      <div class="c360-notice-row"><span>${notice}</span><button type="button" class="icon" aria-label="Dismiss" onClick=${() => setNotice('')}>×</button></div>
    </div>`}
    ${error && html`<p class="error banner-soft" role="alert">${error}</p>`}
    <section class="attr-card" aria-labelledby="attr-list-title">
      <h3 id="attr-list-title">Declared attributes</h3>
      ${definitions === null && !error && html`<p class="muted small">Loading…</p>`}
      ${definitions?.length === 0 && html`<p class="muted small">None yet: declare the first one below.</p>`}
      ${definitions?.length > 0 &&
      html`<table class="attr-table" aria-labelledby="attr-list-title">
        <thead>
          <tr><th scope="col">Key</th><th scope="col">Label</th><th scope="col">Type</th><th scope="col">Description</th><th scope="col" class="num">Profiles</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
        </thead>
        <tbody>
          ${definitions.map(
            (d) => html`<tr key=${d.key} data-key=${d.key}>
              <th scope="row"><code>${d.key}</code></th>
              <td>${d.label ?? html`<span class="muted">—</span>`}</td>
              <td>${typeLabel(d.type)} <span class="muted small">${d.type}</span></td>
              <td class="attr-desc">${d.description ?? html`<span class="muted">—</span>`}</td>
              <td class="num" title="Customer profiles holding a value">${usage.get(d.key) ?? 0}</td>
              <td class="attr-row-actions">
                <button type="button" class="ghost small" aria-label=${`Edit ${d.key}`} onClick=${() => setEditing(d)}>Edit</button>
                <button type="button" class="ghost small danger-text" aria-label=${`Delete ${d.key}`} onClick=${() => setDeleting(d)}>Delete</button>
              </td>
            </tr>`,
          )}
        </tbody>
      </table>`}
    </section>
    <section class="attr-card">
      <${DeclareForm}
        api=${api}
        declaredKeys=${declaredKeys}
        onError=${handled}
        onDeclared=${(key) => {
          setNotice(`Declared ${key}. Agents can fill it in on the Profile tab now.`);
          void load();
        }}
      />
    </section>
    ${editing &&
    html`<${EditDialog}
      api=${api}
      definition=${editing}
      onError=${handled}
      onClose=${() => setEditing(null)}
      onSaved=${(key) => {
        setEditing(null);
        setNotice(`Saved ${key}.`);
        void load();
      }}
    />`}
    ${deleting &&
    html`<${DeleteDialog}
      api=${api}
      definition=${deleting}
      onError=${handled}
      onClose=${() => setDeleting(null)}
      onDeleted=${(d, removedFrom) => {
        setDeleting(null);
        setNotice(`Deleted ${d.key}: ${removedFrom > 0 ? `its value was removed from ${plural(removedFrom, 'profile')}` : 'no profile held a value'}.`);
        void load();
      }}
    />`}
  </main>`;
}
