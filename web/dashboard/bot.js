// The supervisor dashboard's "Bot analytics" tab: reports from what the bot stored about every
// customer message (/api/dashboard/bot/…), the messages it did not understand (each can be labelled
// here), and the intent model versions (scores on the frozen test split, what they learned from,
// activate / pin, unpin, train now). Charts and date formats come from app.js (`ui`), so every time
// shows in the support team's zone.
import { h } from '/console/vendor/preact.mjs';
import { useCallback, useEffect, useMemo, useState } from '/console/vendor/hooks.mjs';
import htm from '/console/vendor/htm.mjs';
import { api, ApiError } from '/console/api.js';

const html = htm.bind(h);

const LANGS = [
  { id: '', label: 'All languages' },
  { id: 'en', label: 'English' },
  { id: 'zh', label: 'Chinese' },
];
const LANG_NAME = { en: 'English', zh: 'Chinese' };
const OUTCOME_LABEL = { not_understood: 'Not understood (fallback)', clarified: 'Clarification asked', handed_over: 'Handed over', other_language: 'Other language' };
const COLORS = ['#1f4b99', '#e0a100', '#17a2a2', '#c0262d', '#8e5bd6', '#1f8a4c', '#e4683b', '#5b8def'];
const count = (n) => (n ?? 0).toLocaleString('en-GB');
const points = (x) => (x === null || x === undefined ? '—' : `${(Math.round(x * 1000) / 10).toFixed(1)} %`);

let intentsPromise;
const loadIntents = () =>
  (intentsPromise ??= api('GET', '/api/intents').then(
    (r) => r.intents,
    (err) => {
      intentsPromise = undefined;
      throw err;
    },
  ));

function Kpi({ label, value, note }) {
  return html`<div class="bot-kpi"><strong>${value}</strong><span>${label}</span>${note && html`<span class="muted small">${note}</span>`}</div>`;
}

/** The outcome rates per day and the conversations per day. */
function OutcomeCharts({ overview, ui }) {
  const rates = useMemo(
    () =>
      ui.lineConfig(
        overview.days.map((d) => ui.dayLabel(d.day)),
        [
          { label: 'Fallback (not understood)', data: overview.days.map((d) => d.rates.fallback), borderColor: '#c0262d', backgroundColor: '#c0262d' },
          { label: 'Clarification', data: overview.days.map((d) => d.rates.clarification), borderColor: '#e0a100', backgroundColor: '#e0a100' },
          { label: 'Hand-over', data: overview.days.map((d) => d.rates.handover), borderColor: '#1f4b99', backgroundColor: '#1f4b99' },
        ],
        { yMin: 0, percent: true },
      ),
    [overview],
  );
  const conversations = useMemo(
    () => ({
      type: 'bar',
      data: {
        labels: overview.conversations.days.map((d) => ui.dayLabel(d.day)),
        datasets: [
          { label: 'Resolved by the bot', data: overview.conversations.days.map((d) => d.resolvedByBot), backgroundColor: '#1f8a4c', borderRadius: 3, stack: 'c' },
          { label: 'With a person', data: overview.conversations.days.map((d) => d.withPerson), backgroundColor: '#1f4b99', borderRadius: 3, stack: 'c' },
          { label: 'Left unanswered', data: overview.conversations.days.map((d) => d.unanswered), backgroundColor: '#e4683b', borderRadius: 3, stack: 'c' },
        ],
      },
      options: { plugins: { legend: { position: 'bottom' } }, scales: { x: { stacked: true, grid: { display: false } }, y: { stacked: true, beginAtZero: true, grid: { color: ui.gridColor }, ticks: { precision: 0 } } } },
    }),
    [overview],
  );
  return html`<div class="bot-charts">
    <figure class="mini"><figcaption>Fallback, clarification and hand-over rates per day</figcaption><${ui.ChartCanvas} config=${rates} label=${`Bot outcome rates over ${overview.days.length} days`} height=${200} /></figure>
    <figure class="mini"><figcaption>Conversations per day</figcaption><${ui.ChartCanvas} config=${conversations} label=${`Bot conversations over ${overview.conversations.days.length} days: ${overview.conversations.resolvedByBot} resolved by the bot`} height=${200} /></figure>
  </div>`;
}

function IntentVolume({ overview, ui }) {
  const top = overview.intents.slice(0, 6);
  const config = useMemo(
    () =>
      ui.lineConfig(
        overview.days.map((d) => ui.dayLabel(d.day)),
        top.map((i, k) => ({ label: i.name, data: i.days, borderColor: COLORS[k], backgroundColor: COLORS[k] })),
        { yMin: 0 },
      ),
    [overview],
  );
  return html`<section class="panel" aria-labelledby="intents-title">
    <div class="section-head"><h2 id="intents-title">Intents by volume</h2><span class="muted small">what customers asked, as the bot understood it · trend of the top ${top.length}</span></div>
    <div class="bot-two">
      <div class="table-wrap"><table class="ranking intents-table">
        <caption class="sr-only">Intents by volume</caption>
        <thead><tr><th scope="col">Intent</th><th scope="col" class="num">Messages</th><th scope="col" class="num">Share</th></tr></thead>
        <tbody>
          ${overview.intents.map((i) => html`<tr><td>${i.name}</td><td class="num">${count(i.total)}</td><td class="num">${points(i.share)}</td></tr>`)}
          ${!overview.intents.length && html`<tr><td colspan="3" class="muted">No messages in this period.</td></tr>`}
        </tbody>
      </table></div>
      ${top.length > 0 && html`<figure class="mini"><figcaption>Per day</figcaption><${ui.ChartCanvas} config=${config} label=${`Top ${top.length} intents per day`} height=${220} /></figure>`}
    </div>
  </section>`;
}

function Reasons({ overview }) {
  const outcomes = Object.keys(OUTCOME_LABEL).filter((o) => overview.reasons[o]?.length);
  return html`<section class="panel" aria-labelledby="reasons-title">
    <div class="section-head"><h2 id="reasons-title">Why</h2><span class="muted small">the reasons the bot recorded for each outcome</span></div>
    ${!outcomes.length
      ? html`<p class="empty">No fallbacks, clarifications or hand-overs in this period.</p>`
      : html`<div class="reasons">
          ${outcomes.map(
            (o) => html`<div><h3>${OUTCOME_LABEL[o]} <span class="muted small">${count(overview.totals[o])}</span></h3>
              <ul aria-label=${`Reasons: ${OUTCOME_LABEL[o]}`}>${overview.reasons[o].map((r) => html`<li><span>${r.reason.replace(/_/g, ' ')}</span><strong>${count(r.count)}</strong></li>`)}</ul>
            </div>`,
          )}
        </div>`}
  </section>`;
}

function ConfidenceHistogram({ overview, ui }) {
  const versions = overview.confidence.slice(0, 4);
  const config = useMemo(
    () => ({
      type: 'bar',
      data: {
        labels: Array.from({ length: 10 }, (_, i) => `${i * 10}–${i * 10 + 10} %`),
        datasets: versions.map((v, k) => ({ label: `${v.modelVersion}${v.active ? ' (active)' : ''}`, data: v.bins, backgroundColor: COLORS[k], borderRadius: 2 })),
      },
      options: { plugins: { legend: { position: 'bottom' } }, scales: { x: { grid: { display: false }, title: { display: true, text: 'confidence of the top intent' } }, y: { beginAtZero: true, grid: { color: ui.gridColor }, ticks: { precision: 0 } } } },
    }),
    [overview],
  );
  return html`<section class="panel" aria-labelledby="confidence-title">
    <div class="section-head"><h2 id="confidence-title">Confidence per model version</h2><span class="muted small">${versions.map((v) => `${v.modelVersion}: ${count(v.messages)} messages, mean ${points(v.mean)}`).join(' · ')}</span></div>
    ${versions.length ? html`<${ui.ChartCanvas} config=${config} label=${`Confidence histogram of ${versions.length} model versions`} height=${220} />` : html`<p class="empty">No messages in this period.</p>`}
  </section>`;
}

/** A conversation's messages, opened from a not-understood row. */
function Transcript({ row, onClose, ui }) {
  const [messages, setMessages] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api('GET', `/api/dashboard/bot/conversation?channel=${encodeURIComponent(row.channel)}&conversationId=${encodeURIComponent(row.conversationId)}`).then(
      (r) => setMessages(r.messages),
      (e) => setError(e.message),
    );
  }, [row]);
  return html`<div class="transcript" role="region" aria-label="Conversation">
    <div class="section-head"><h3>Conversation</h3><button type="button" class="ghost small-btn" onClick=${onClose}>Close</button></div>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${!messages
      ? html`<p class="muted small">Loading…</p>`
      : html`<ol class="transcript-lines">
          ${messages.map(
            (m) => html`<li class=${`${m.direction}${m.id === row.messageId ? ' this' : ''}`}>
              <span class="muted small">${ui.minuteLabel(m.at)} · ${m.direction === 'inbound' ? 'customer' : m.author.startsWith('agent:') ? 'agent' : m.author}</span>
              <span>${m.text}</span>
            </li>`,
          )}
        </ol>`}
  </div>`;
}

function LabelIt({ row, intents, onLabelled, onError }) {
  const [open, setOpen] = useState(false);
  const [choice, setChoice] = useState(row.label?.intent ?? '');
  const [busy, setBusy] = useState(false);
  const save = async (e) => {
    e.preventDefault();
    if (!choice) return;
    setBusy(true);
    try {
      const out = await api('POST', `/api/dashboard/bot/messages/${row.messageId}/label`, { intent: choice });
      onLabelled(out.label);
      setOpen(false);
    } catch (err) {
      onError(err);
    } finally {
      setBusy(false);
    }
  };
  if (!open) return html`<button type="button" class="ghost small-btn" aria-label=${`Label it: ${row.text.slice(0, 60)}`} onClick=${() => setOpen(true)}>${row.label ? 'Relabel' : 'Label it'}</button>`;
  return html`<form class="label-form" onSubmit=${save} aria-label=${`Label: ${row.text.slice(0, 60)}`}>
    <select aria-label="What the customer meant" value=${choice} onChange=${(e) => setChoice(e.currentTarget.value)} disabled=${busy}>
      <option value="">Choose…</option>
      ${intents.map((i) => html`<option value=${i.id}>${i.name}</option>`)}
    </select>
    <button type="submit" class="primary small-btn" disabled=${busy || !choice}>${busy ? 'Saving…' : 'Save'}</button>
    <button type="button" class="ghost small-btn" onClick=${() => setOpen(false)} disabled=${busy}>Cancel</button>
  </form>`;
}

function NotUnderstood({ days, ui, onError, onLabelled }) {
  const [language, setLanguage] = useState('');
  const [page, setPage] = useState(null);
  const [intents, setIntents] = useState([]);
  const [open, setOpen] = useState(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const query = useCallback((cursor) => `/api/dashboard/bot/not-understood?days=${days}&limit=50${language ? `&language=${language}` : ''}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, [days, language]);
  useEffect(() => {
    loadIntents().then(setIntents, onError);
  }, [onError]);
  useEffect(() => {
    setPage(null);
    api('GET', query()).then(setPage, onError);
  }, [query, onError]);
  const more = async () => {
    setLoadingMore(true);
    try {
      const next = await api('GET', query(page.nextCursor));
      setPage((p) => ({ messages: [...p.messages, ...next.messages], nextCursor: next.nextCursor }));
    } catch (err) {
      onError(err);
    } finally {
      setLoadingMore(false);
    }
  };
  const nameOf = (id) => intents.find((i) => i.id === id)?.name ?? id.replace(/_/g, ' ');
  const labelled = (messageId, label) => {
    setPage((p) => ({ ...p, messages: p.messages.map((m) => (m.messageId === messageId ? { ...m, label: { intent: label.intent, source: label.source, labelledBy: label.labelledBy, at: label.createdAt } } : m)) }));
    onLabelled();
  };
  return html`<section class="panel" aria-labelledby="nu-title">
    <div class="section-head">
      <h2 id="nu-title">Messages the bot did not understand</h2>
      <span class="muted small">label them: the next retraining learns what the customer meant</span>
      <label class="inline small filter">Language
        <select aria-label="Language" value=${language} onChange=${(e) => setLanguage(e.currentTarget.value)}>
          ${LANGS.map((l) => html`<option value=${l.id}>${l.label}</option>`)}
        </select>
      </label>
    </div>
    ${!page
      ? html`<p class="muted">Loading…</p>`
      : !page.messages.length
        ? html`<p class="empty">Nothing the bot failed to understand in this period${language ? ` in ${LANG_NAME[language]}` : ''}.</p>`
        : html`<div class="table-wrap"><table class="ranking nu-table">
            <caption class="sr-only">Messages the bot did not understand</caption>
            <thead><tr><th scope="col">Time</th><th scope="col">Language</th><th scope="col">Message</th><th scope="col">Bot's best guess</th><th scope="col">Conversation</th><th scope="col">Label</th></tr></thead>
            <tbody>
              ${page.messages.map(
                (m) => html`<tr key=${m.messageId}>
                  <td><time datetime=${m.at}>${ui.minuteLabel(m.at)}</time></td>
                  <td>${LANG_NAME[m.language] ?? m.language}</td>
                  <td class="wrap nu-text">${m.text}</td>
                  <td class="small">${nameOf(m.intent)} <span class="muted">${points(m.confidence)}</span></td>
                  <td class="small">
                    <button type="button" class="link" onClick=${() => setOpen(open?.messageId === m.messageId ? null : m)} aria-expanded=${open?.messageId === m.messageId}>View</button>
                    ${m.ticket && html` · <a href=${`/console/#ticket=${m.ticket.id}`}>Ticket #${m.ticket.number}</a>`}
                  </td>
                  <td class="wrap">
                    ${m.label && html`<span class="chip labelled">${nameOf(m.label.intent)}</span> `}
                    <${LabelIt} row=${m} intents=${intents} onLabelled=${(l) => labelled(m.messageId, l)} onError=${onError} />
                  </td>
                </tr>`,
              )}
            </tbody>
          </table></div>
          ${open && html`<${Transcript} row=${open} onClose=${() => setOpen(null)} ui=${ui} />`}
          ${page.nextCursor && html`<button type="button" class="ghost small-btn" onClick=${more} disabled=${loadingMore}>${loadingMore ? 'Loading…' : 'Older messages'}</button>`}`}
  </section>`;
}

const DECISION = { baseline: 'baseline', activated: 'activated', rejected: 'rejected', pinned: 'stored (pinned)' };
const SOURCE_LABEL = { clarification: 'clarifications', agent_correction: 'agent corrections', ticket_category: 'ticket categories' };

function provenanceText(p) {
  const learned = Object.entries(SOURCE_LABEL)
    .filter(([k]) => p[k])
    .map(([k, label]) => `${count(p[k])} ${label}`);
  return `${count(p.builtIn)} built-in${learned.length ? ` + ${learned.join(', ')}` : ''}${p.superseded ? ` (${count(p.superseded)} superseded)` : ''}${p.excludedFrozenOverlap ? `; ${count(p.excludedFrozenOverlap)} left out (same as a test row)` : ''}`;
}

function IntentModels({ ui, onError, labelsChanged }) {
  const [models, setModels] = useState(null);
  const [busy, setBusy] = useState(null);
  const [confirming, setConfirming] = useState(null);
  const [notice, setNotice] = useState(null);
  const load = useCallback(() => api('GET', '/api/dashboard/intent-models').then(setModels, onError), [onError]);
  // Again after a label is written (the count of labels waiting to be learned).
  useEffect(() => {
    void load();
  }, [load, labelsChanged]);
  const act = async (what, fn) => {
    setBusy(what);
    setNotice(null);
    try {
      setNotice(await fn());
      setConfirming(null);
      await load();
    } catch (err) {
      onError(err);
    } finally {
      setBusy(null);
    }
  };
  const activate = (versionId) =>
    act(versionId, async () => {
      const out = await api('POST', `/api/dashboard/intent-models/${encodeURIComponent(versionId)}/activate`);
      return !out.changed ? `${versionId} is the active version, pinned by ${out.pin.pinnedBy.name}.` : `Now serving ${versionId}, pinned: ${out.announced ? 'every web process loads it now' : 'web processes load it within a minute'}.`;
    });
  const unpin = () => act('unpin', async () => ((await api('POST', '/api/dashboard/intent-models/unpin')).changed ? 'Unpinned: the next retraining may activate its result.' : 'Nothing was pinned.'));
  const train = () =>
    act('train', async () => {
      const out = await api('POST', '/api/dashboard/intent-models/train');
      return out.alreadyPending ? `A retraining is already queued or running (job ${out.jobId}).` : `Retraining queued (job ${out.jobId}); reload the list in a minute.`;
    });
  const versions = models?.versions ?? [];
  const policy = models?.policy;
  return html`<section class="panel models" aria-labelledby="intent-models-title">
    <div class="section-head">
      <h2 id="intent-models-title">Intent model versions</h2>
      <span class="muted small">${models ? `learned labels: ${Object.entries(models.labels).map(([k, n]) => `${count(n)} ${SOURCE_LABEL[k] ?? k}`).join(', ') || 'none yet'}` : ''}</span>
      <span class="spacer"></span>
      ${notice && html`<span class="notice" role="status">${notice}</span>`}
      <button type="button" class="primary small-btn" onClick=${train} disabled=${busy !== null}>${busy === 'train' ? 'Queuing…' : 'Retrain now'}</button>
    </div>
    ${models?.pin &&
    html`<p class="pin-note" role="note" aria-label="Pinned intent model version">
      <span>Pinned by ${models.pin.pinnedBy.name} on ${ui.minuteLabel(models.pin.pinnedAt)}: retrainings are stored, not served.</span>
      <button type="button" class="ghost small-btn" onClick=${unpin} disabled=${busy !== null}>${busy === 'unpin' ? 'Unpinning…' : 'Unpin'}</button>
    </p>`}
    ${!models
      ? html`<p class="muted">Loading the versions…</p>`
      : !versions.length
        ? html`<p class="empty">No version stored yet: the bot serves the built-in model. The first retraining stores it as the baseline.</p>`
        : html`<div class="table-wrap"><table class="ranking model-table">
            <caption class="sr-only">Intent model versions</caption>
            <thead><tr>
              <th scope="col">Version</th><th scope="col">Status</th><th scope="col">Trained</th>
              <th scope="col" class="num">Accuracy</th><th scope="col" class="num">English</th><th scope="col" class="num">Chinese</th><th scope="col" class="num">OOS recall</th><th scope="col" class="num">In-scope</th>
              <th scope="col">Trained on</th><th scope="col"><span class="sr-only">Action</span></th>
            </tr></thead>
            <tbody>
              ${versions.map(
                (v) => html`<tr class=${v.active ? 'active-model' : ''} aria-current=${v.active ? 'true' : undefined}>
                  <td><code>${v.versionId}</code><span class="muted small block">${v.kind}</span></td>
                  <td class="wrap">${v.active ? html`<span class="chip active-chip">Active</span>` : html`<span class=${v.decision === 'rejected' ? 'chip rejected-chip' : 'muted'}>${DECISION[v.decision] ?? v.decision}</span>`}${v.pinned && html` <span class="chip pin-chip">pinned</span>`}
                    ${v.reason && html`<span class="muted small block">${v.reason}</span>`}</td>
                  <td>${ui.minuteLabel(v.trainedAt)}${v.activatedAt && html`<span class="muted small block">activated ${ui.minuteLabel(v.activatedAt)}</span>`}</td>
                  <td class="num">${points(v.scores.accuracy)}</td>
                  <td class="num">${points(v.scores.byLanguage?.en?.accuracy)}</td>
                  <td class="num">${points(v.scores.byLanguage?.zh?.accuracy)}</td>
                  <td class="num">${points(v.scores.oosRecall)}</td>
                  <td class="num">${points(v.scores.inScopeAccuracy)}</td>
                  <td class="wrap small">${provenanceText(v.provenance)}</td>
                  <td class="action">
                    ${v.active
                      ? v.pinned
                        ? null
                        : html`<button type="button" class="ghost small-btn" aria-label=${`Pin ${v.versionId}`} onClick=${() => activate(v.versionId)} disabled=${busy !== null}>Pin</button>`
                      : confirming === v.versionId
                        ? html`<span class="confirm" role="group" aria-label=${`Confirm activating ${v.versionId}`}>
                            <span class="small">Serve this version to every customer? It stays pinned until you unpin it.</span>
                            <button type="button" class="primary small-btn" onClick=${() => activate(v.versionId)} disabled=${busy !== null}>${busy === v.versionId ? 'Activating…' : 'Yes, activate'}</button>
                            <button type="button" class="ghost small-btn" onClick=${() => setConfirming(null)} disabled=${busy !== null}>Cancel</button>
                          </span>`
                        : html`<button type="button" class="ghost small-btn" aria-label=${`Activate ${v.versionId}`} onClick=${() => setConfirming(v.versionId)} disabled=${busy !== null}>Activate</button>`}
                  </td>
                </tr>`,
              )}
            </tbody>
          </table></div>
          <p class="muted small footnote">Scores on the frozen test split (${count(versions[0]?.scores.n)} messages in English and Chinese, never trained on). A retrained version is activated only if it is not worse than the active one: accuracy at most ${points(policy?.accuracyTolerance)} lower (each language ${points(policy?.languageAccuracyTolerance)}), OOS recall at most ${points(policy?.oosRecallTolerance)} lower; otherwise it is kept as rejected.</p>`}
  </section>`;
}

export function BotAnalytics({ days, ui, onUnauthorized }) {
  const [overview, setOverview] = useState(null);
  const [error, setError] = useState(null);
  const [labelsChanged, setLabelsChanged] = useState(0);
  const onLabelled = useCallback(() => setLabelsChanged((n) => n + 1), []);
  const onError = useCallback((err) => (err instanceof ApiError && err.status === 401 ? onUnauthorized() : setError(err.message)), [onUnauthorized]);
  useEffect(() => {
    setOverview(null);
    api('GET', `/api/dashboard/bot/overview?days=${days}`).then(setOverview, onError);
  }, [days, onError]);
  const t = overview?.totals;
  const c = overview?.conversations;
  return html`<div class="bot-tab">
    ${error && html`<p class="error banner" role="alert">${error} <button type="button" class="link" onClick=${() => setError(null)}>Dismiss</button></p>`}
    <section class="panel" aria-labelledby="bot-title">
      <div class="section-head"><h2 id="bot-title">The bot · last ${days} days</h2><span class="muted small">from every customer message the bot read</span></div>
      ${!overview
        ? html`<p class="muted">Loading…</p>`
        : html`<div class="bot-kpis" aria-label="Bot figures">
              <${Kpi} label="customer messages" value=${count(t.messages)} />
              <${Kpi} label="conversations resolved without a person" value=${points(c.resolvedByBotRate)} note=${`${count(c.resolvedByBot)} of ${count(c.conversations)}`} />
              <${Kpi} label="fallback (not understood)" value=${points(t.rates.fallback)} note=${`${count(t.not_understood)} messages`} />
              <${Kpi} label="clarification asked" value=${points(t.rates.clarification)} note=${`${count(t.clarified)} messages`} />
              <${Kpi} label="handed over" value=${points(t.rates.handover)} note=${`${count(t.handed_over)} messages`} />
              <${Kpi} label="other language" value=${points(t.rates.otherLanguage)} note=${`${count(t.other_language)} messages`} />
            </div>
            <${OutcomeCharts} overview=${overview} ui=${ui} />`}
    </section>
    ${overview && html`<div class="bot-two"><${Reasons} overview=${overview} /><${ConfidenceHistogram} overview=${overview} ui=${ui} /></div>`}
    ${overview && html`<${IntentVolume} overview=${overview} ui=${ui} />`}
    <${NotUnderstood} days=${days} ui=${ui} onError=${onError} onLabelled=${onLabelled} />
    <${IntentModels} ui=${ui} onError=${onError} labelsChanged=${labelsChanged} />
  </div>`;
}
