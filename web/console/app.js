// Concierge agent console: Preact + htm as plain ES modules (no build step), data from /api,
// live updates from the Server-Sent Events stream at /api/events.
import { h, render } from '/console/vendor/preact.mjs';
import { useCallback, useEffect, useMemo, useRef, useState } from '/console/vendor/hooks.mjs';
import htm from '/console/vendor/htm.mjs';
import { Customer360 } from '/console/customer360.js';
import { CustomAttributes } from '/console/attributes.js';
import { api, ApiError, signOutSession } from '/console/api.js';
import { CategorySelect, MessageLearning, useIntents, useUnderstandings } from '/console/corrections.js';

const html = htm.bind(h);

// ---------------------------------------------------------------------------------------------
// API
// fetch with the session cookie: web/console/api.js

// ---------------------------------------------------------------------------------------------
// Formatting
const PRIORITIES = ['urgent', 'high', 'normal', 'low'];
const OPEN = new Set(['new', 'assigned', 'pending_customer', 'reopened']);
const STATUS_LABEL = { new: 'Waiting', assigned: 'Assigned', pending_customer: 'Awaiting customer', resolved: 'Resolved', closed: 'Closed', reopened: 'Reopened' };
const AGENT_STATUS = [
  { id: 'online', label: 'Online' },
  { id: 'away', label: 'Away' },
  { id: 'offline', label: 'Offline' },
];

function ago(iso) {
  const s = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}
/** The next SLA target of an open ticket: first reply, then resolution. */
function slaOf(t, breached) {
  if (!OPEN.has(t.status)) return null;
  const first = !t.firstResponseAt;
  const due = new Date(first ? t.firstResponseDueAt : t.resolutionDueAt).getTime();
  const min = Math.round((due - Date.now()) / 60000);
  const what = first ? 'Reply' : 'Resolve';
  if (min < 0 || breached) return { cls: 'sla late', text: `${what} overdue`, title: `${what} was due ${new Date(due).toLocaleString()}` };
  const left = min < 60 ? `${min} min` : min < 48 * 60 ? `${Math.round(min / 60)} h` : `${Math.round(min / 1440)} d`;
  return { cls: min <= 15 ? 'sla soon' : 'sla', text: `${what} in ${left}`, title: `${what} due ${new Date(due).toLocaleString()}` };
}
const time = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
const dateTime = (iso) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
const initials = (name) =>
  (name || '?')
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0].toUpperCase())
    .join('');
function sentimentLabel(s) {
  if (s <= -0.6) return { text: 'Very negative', cls: 'neg2' };
  if (s <= -0.2) return { text: 'Negative', cls: 'neg' };
  if (s < 0.2) return { text: 'Neutral', cls: 'neu' };
  return { text: 'Positive', cls: 'pos' };
}
const queueNames = new Map();
const queueName = (id) => queueNames.get(id) ?? id;
const byQueueOrder = (a, b) => PRIORITIES.indexOf(a.priority) - PRIORITIES.indexOf(b.priority) || b.priorityScore - a.priorityScore || new Date(a.createdAt) - new Date(b.createdAt);

// ---------------------------------------------------------------------------------------------
// Sign-in
function SignIn({ onSignedIn }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await api('POST', '/api/auth/sign-in', { email, password });
      onSignedIn();
    } catch (err) {
      setError(err.code === 'bad_credentials' ? 'Wrong email or password.' : err.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="signin">
    <form class="card" onSubmit=${submit} aria-labelledby="signin-title">
      <div class="brand-mark" aria-hidden="true">C</div>
      <h1 id="signin-title">Sign in to Concierge</h1>
      <p class="muted">The agent console for your support team.</p>
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autocomplete="username" required value=${email} onInput=${(e) => setEmail(e.currentTarget.value)} />
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required value=${password} onInput=${(e) => setPassword(e.currentTarget.value)} />
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <button class="primary wide" type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  </main>`;
}

// ---------------------------------------------------------------------------------------------
// Top bar
/** The console's screens (admins only see the navigation: everyone else has just the inbox). */
const SCREENS = [
  { id: 'inbox', label: 'Inbox' },
  { id: 'attributes', label: 'Custom attributes' },
];
const screenInUrl = () => (SCREENS.some((s) => `#${s.id}` === location.hash) ? location.hash.slice(1) : 'inbox');

function TopBar({ me, onStatus, onSignOut, live, screen }) {
  const status = me.agent?.status;
  return html`<header class="topbar">
    <div class="brand"><span class="brand-mark small" aria-hidden="true">C</span><span>Concierge</span><span class="brand-sub">Agent console</span></div>
    ${me.user.role === 'admin' &&
    html`<nav class="console-nav" aria-label="Console">
      ${SCREENS.map((s) => html`<a href=${`#${s.id}`} aria-current=${screen === s.id ? 'page' : undefined}>${s.label}</a>`)}
    </nav>`}
    <div class="topbar-right">
      ${['supervisor', 'admin'].includes(me.user.role) && html`<a class="dashboard-link" href="/dashboard/">Supervisor dashboard</a>`}
      <span class=${`live ${live ? 'on' : 'off'}`} role="status" aria-live="polite">${live ? 'Live' : 'Reconnecting…'}</span>
      ${me.agent &&
      html`<div class="segmented" role="radiogroup" aria-label="Your status">
        ${AGENT_STATUS.map(
          (s) => html`<button
            type="button"
            role="radio"
            aria-checked=${status === s.id}
            class=${`seg ${s.id} ${status === s.id ? 'checked' : ''}`}
            onClick=${() => onStatus(s.id)}
          >
            <span class="dot" aria-hidden="true"></span>${s.label}
          </button>`,
        )}
      </div>`}
      <div class="me" title=${me.user.email}>
        <span class="avatar" aria-hidden="true">${initials(me.user.displayName)}</span>
        <span><strong>${me.user.displayName}</strong><span class="role">${me.user.role}</span></span>
      </div>
      <button type="button" class="ghost" onClick=${onSignOut}>Sign out</button>
    </div>
  </header>`;
}

// ---------------------------------------------------------------------------------------------
// Inbox
const VIEWS = [
  { id: 'mine', label: 'Mine' },
  { id: 'open', label: 'All open' },
  { id: 'waiting', label: 'Waiting' },
  { id: 'done', label: 'Resolved' },
];

/** Whether ticket `t` belongs in the inbox view `view` for the user `userId`. */
function inView(view, t, userId) {
  if (view === 'mine') return t.assignedAgentId === userId && OPEN.has(t.status);
  if (view === 'open') return OPEN.has(t.status);
  if (view === 'waiting') return OPEN.has(t.status) && !t.assignedAgentId;
  return !OPEN.has(t.status);
}

function Inbox({ me, tickets, selectedId, onSelect, view, setView, unread, queues, slaAlerts }) {
  const shown = useMemo(() => {
    const list = tickets.filter((t) => inView(view, t, me.user.id));
    return view === 'done' ? list : [...list].sort(byQueueOrder);
  }, [tickets, view, me.user.id]);
  const count = (id) => tickets.filter((t) => inView(id, t, me.user.id)).length;
  return html`<nav class="inbox" aria-label="Tickets">
    <div class="inbox-head">
      <h2>Inbox</h2>
      <span class="muted small">${me.seesAllQueues ? 'All queues' : `Queues: ${queues.filter((q) => me.queues.includes(q.id)).map((q) => q.name).join(', ') || 'none'}`}</span>
    </div>
    <div class="tabs" role="tablist" aria-label="Ticket views">
      ${VIEWS.map(
        (v) => html`<button type="button" role="tab" id=${`tab-${v.id}`} aria-controls="ticket-panel" aria-selected=${view === v.id} tabindex=${view === v.id ? 0 : -1} onKeyDown=${(e) => {
          const i = VIEWS.findIndex((x) => x.id === view);
          const next = e.key === 'ArrowRight' ? VIEWS[(i + 1) % VIEWS.length] : e.key === 'ArrowLeft' ? VIEWS[(i + VIEWS.length - 1) % VIEWS.length] : null;
          if (next) {
            e.preventDefault();
            setView(next.id);
            e.currentTarget.parentElement.querySelector(`#tab-${next.id}`)?.focus();
          }
        }} class=${view === v.id ? 'tab active' : 'tab'} onClick=${() => setView(v.id)}>
          ${v.label} <span class="count">${count(v.id)}</span>
        </button>`,
      )}
    </div>
    <div id="ticket-panel" role="tabpanel" aria-labelledby=${`tab-${view}`} class="ticket-panel">
    <ul class="ticket-list" aria-label=${`${VIEWS.find((v) => v.id === view).label} tickets`}>
      ${shown.length === 0 && html`<li class="empty">No tickets here right now.</li>`}
      ${shown.map(
        (t) => html`<li key=${t.id}>
          <button
            type="button"
            class=${`ticket-item ${t.id === selectedId ? 'selected' : ''}`}
            aria-current=${t.id === selectedId ? 'true' : undefined}
            onClick=${() => onSelect(t.id)}
            data-ticket-number=${t.number}
          >
            <span class="ti-top">
              <span class=${`prio ${t.priority}`}>${t.priority}</span>
              <span class="ti-num">#${t.number}</span>
              <span class="ti-cust">${t.customerName}</span>
              ${unread.has(t.id) && html`<span class="unread" aria-label="new message">●</span>`}
              <span class="ti-age">${ago(t.createdAt)}</span>
            </span>
            <span class="ti-subject">${t.subject}</span>
            <span class="ti-meta">
              <span class="chip">${queueName(t.queueId)}</span>
              ${t.category !== t.queueId && html`<span class="chip">${t.category.replace(/_/g, ' ')}</span>`}
              <span class=${`st ${t.status}`}>${STATUS_LABEL[t.status] ?? t.status}</span>
              ${(() => {
                const sla = slaOf(t, slaAlerts.get(t.id) === 'sla.breached');
                return sla && html`<span class=${sla.cls} title=${sla.title}>${sla.text}</span>`;
              })()}
              ${t.assignedAgentName && html`<span class="ti-agent">${t.assignedAgentId === me.user.id ? 'You' : t.assignedAgentName}</span>`}
            </span>
          </button>
        </li>`,
      )}
    </ul>
    </div>
  </nav>`;
}

// ---------------------------------------------------------------------------------------------
// Conversation
function Conversation({ me, ticket, messages, agents, onAction, busy, error }) {
  // The draft belongs to the ticket it was written for: another ticket shows an empty box. Kept with its
  // ticket id rather than cleared by an effect, which runs after paint and could wipe what was typed.
  const [draft, setDraft] = useState({ ticketId: null, text: '', awaiting: false });
  const draftOf = (d) => (d.ticketId === ticket?.id ? d : { ticketId: ticket?.id, text: '', awaiting: false });
  const text = draftOf(draft).text;
  const setText = (value) => setDraft((d) => ({ ...draftOf(d), text: value }));
  // "Waiting on the customer": the ticket goes pending_customer (a reminder, then the auto-close).
  const awaiting = draftOf(draft).awaiting;
  const setAwaiting = (value) => setDraft((d) => ({ ...draftOf(d), awaiting: value }));
  const logRef = useRef(null);
  useEffect(() => {
    if (logRef.current) logRef.current.scrollTop = logRef.current.scrollHeight;
  }, [messages.length, ticket?.id]);
  const intents = useIntents();
  // Reloaded when a message arrives or the category changes (a category correction labels a message too).
  const [learning, setLabel] = useUnderstandings(ticket?.id, `${messages.length}:${ticket?.category}`);
  if (!ticket) {
    return html`<main class="conversation empty-state" aria-label="Conversation">
      <div><h2>No ticket selected</h2><p class="muted">Pick a ticket in the inbox. New tickets and messages appear as they arrive.</p></div>
    </main>`;
  }
  const open = OPEN.has(ticket.status);
  const mayAct = open && (me.seesAllQueues || !ticket.assignedAgentId || ticket.assignedAgentId === me.user.id);
  const mayReply = open && (me.seesAllQueues || ticket.assignedAgentId === me.user.id);
  const send = async (e) => {
    e?.preventDefault();
    const value = text.trim();
    if (!value) return;
    if (await onAction('reply', awaiting ? { text: value, awaitingCustomer: true } : { text: value })) {
      setDraft({ ticketId: ticket.id, text: '', awaiting: false });
    }
  };
  const candidates = agents.filter((a) => a.userId !== ticket.assignedAgentId && (me.seesAllQueues || a.queues.includes(ticket.queueId)));
  const s = sentimentLabel(ticket.sentiment);
  return html`<main class="conversation" aria-labelledby="conv-title">
    <div class="conv-head">
      <div class="conv-title">
        <h2 id="conv-title"><span class="muted">#${ticket.number}</span> ${ticket.subject}</h2>
        <div class="conv-sub">
          <span class=${`st ${ticket.status}`}>${STATUS_LABEL[ticket.status] ?? ticket.status}</span>
          <span class="chip" title="Queue">${queueName(ticket.queueId)}</span>
          ${ticket.category !== ticket.queueId && html`<span class="chip" title="Category">${ticket.category.replace(/_/g, ' ')}</span>`}
          <span class=${`sent ${s.cls}`}>Sentiment: ${s.text} (${ticket.sentiment.toFixed(2)})</span>
          ${(() => {
            const sla = slaOf(ticket, false);
            return sla && html`<span class=${sla.cls} title=${sla.title}>${sla.text}</span>`;
          })()}
          <span class="muted small">${ticket.assignedAgentName ? `Assigned to ${ticket.assignedAgentId === me.user.id ? 'you' : ticket.assignedAgentName}` : 'Unassigned'} · opened ${ago(ticket.createdAt)} on ${ticket.channel}</span>
        </div>
      </div>
      <div class="conv-actions" role="toolbar" aria-label="Ticket actions">
        <label class="inline">
          <span>Priority</span>
          <select aria-label="Priority" disabled=${!mayAct || busy} value=${ticket.priority} onChange=${(e) => onAction('priority', { priority: e.currentTarget.value })}>
            ${PRIORITIES.map((p) => html`<option value=${p}>${p[0].toUpperCase() + p.slice(1)}</option>`)}
          </select>
        </label>
        <${CategorySelect} ticket=${ticket} disabled=${!mayAct || busy} onChange=${(category) => onAction('category', { category })} />
        <label class="inline">
          <span>Reassign</span>
          <select
            aria-label="Reassign to"
            disabled=${!mayAct || busy}
            value=""
            onChange=${(e) => {
              const v = e.currentTarget.value;
              if (v) onAction('reassign', { agentId: v === 'queue' ? null : v });
              e.currentTarget.value = '';
            }}
          >
            <option value="">Choose…</option>
            ${ticket.assignedAgentId && html`<option value="queue">Back to the ${ticket.queueId} queue</option>`}
            ${candidates.map((a) => html`<option value=${a.userId}>${a.displayName} (${a.status}, ${a.activeTickets}/${a.maxConcurrent})</option>`)}
          </select>
        </label>
        ${open && !ticket.assignedAgentId && me.agent && html`<button type="button" class="ghost" disabled=${busy} onClick=${() => onAction('reassign', { agentId: me.user.id })}>Take ticket</button>`}
        <button type="button" class="ghost" disabled=${!mayAct || busy} onClick=${() => onAction('handback')} title="The bot answers the customer again">Hand back to bot</button>
        <button type="button" class="primary" disabled=${!mayAct || busy} onClick=${() => onAction('resolve')}>Resolve</button>
      </div>
    </div>
    ${ticket.summary && html`<p class="summary"><strong>Summary.</strong> ${ticket.summary}</p>`}
    <div class="messages" role="log" aria-live="polite" aria-label="Messages" ref=${logRef} tabindex="0">
      ${messages.map(
        (m) => html`<div key=${m.id} class=${`msg ${m.kind === 'customer' ? 'in' : m.kind === 'agent' ? 'agent' : 'bot'}`}>
          <div class="msg-meta"><strong>${m.author === me.user.id ? 'You' : m.authorName}</strong> <time datetime=${m.at}>${time(m.at)}</time></div>
          <div class="bubble">${m.text}</div>
          ${m.kind === 'customer' && m.direction === 'inbound' && html`<${MessageLearning} ticketId=${ticket.id} message=${m} entry=${learning.get(m.id)} intents=${intents} onLabelled=${(label) => setLabel(m.id, label)} />`}
        </div>`,
      )}
      ${messages.length === 0 && html`<p class="muted center">No messages yet.</p>`}
    </div>
    ${error && html`<p class="error banner" role="alert">${error}</p>`}
    <form class="reply" onSubmit=${send}>
      <label for="reply-text" class="sr-only">Reply to the customer</label>
      <textarea
        id="reply-text"
        rows="3"
        placeholder=${mayReply ? 'Write a reply… (Enter to send, Shift+Enter for a new line)' : !open ? 'This ticket is closed.' : ticket.assignedAgentId ? 'This ticket is assigned to another agent.' : 'Take the ticket to reply.'}
        disabled=${!mayReply}
        value=${text}
        onInput=${(e) => setText(e.currentTarget.value)}
        onKeyDown=${(e) => {
          if (e.key === 'Enter' && !e.shiftKey) send(e);
        }}
      ></textarea>
      <label class="inline small" title="The customer is reminded if they do not answer, then the ticket is closed">
        <input type="checkbox" checked=${awaiting} disabled=${!mayReply} onChange=${(e) => setAwaiting(e.currentTarget.checked)} /> Waiting on the customer
      </label>
      <button class="primary" type="submit" disabled=${!mayReply || busy || !text.trim()}>Send</button>
    </form>
  </main>`;
}

// ---------------------------------------------------------------------------------------------
// Customer panel
function Sparkline({ points }) {
  if (points.length === 0) return html`<p class="muted small">No sentiment readings yet.</p>`;
  const w = 260;
  const hgt = 64;
  const xs = points.map((_, i) => (points.length === 1 ? w / 2 : 8 + (i * (w - 16)) / (points.length - 1)));
  const ys = points.map((p) => hgt / 2 - (p.sentiment * (hgt - 12)) / 2);
  const path = xs.map((x, i) => `${i ? 'L' : 'M'}${x.toFixed(1)},${ys[i].toFixed(1)}`).join(' ');
  const last = points[points.length - 1];
  return html`<figure class="spark">
    <svg viewBox=${`0 0 ${w} ${hgt}`} width="100%" height=${hgt} role="img" aria-label=${`Sentiment trend over ${points.length} readings, latest ${last.sentiment.toFixed(2)}`}>
      <line x1="0" x2=${w} y1=${hgt / 2} y2=${hgt / 2} class="axis" />
      <path d=${path} class="line" />
      ${xs.map((x, i) => html`<circle cx=${x} cy=${ys[i]} r="3.5" class=${sentimentLabel(points[i].sentiment).cls}><title>${dateTime(points[i].at)}: ${points[i].sentiment.toFixed(2)}</title></circle>`)}
    </svg>
    <figcaption class="muted small">Latest: ${sentimentLabel(last.sentiment).text} (${last.sentiment.toFixed(2)}) · ${points.length} reading${points.length > 1 ? 's' : ''}</figcaption>
  </figure>`;
}

/** What the bot would recommend to this customer now, with why (the same list the chat carousel shows). */
function Recommendations({ recommendations }) {
  const items = recommendations?.items ?? [];
  const price = (r) => {
    const f = new Intl.NumberFormat(undefined, { style: 'currency', currency: r.currency });
    return f.format(r.priceMinor / 10 ** (f.resolvedOptions().maximumFractionDigits ?? 2));
  };
  return html`<section aria-labelledby="recs-heading">
    <h3 id="recs-heading">Recommendations</h3>
    ${items.length === 0
      ? html`<p class="muted small">No recommendations yet.</p>`
      : html`<ul class="recs" aria-label="Recommended products">
          ${items.map(
            (r) => html`<li key=${r.sku} class="rec">
              <span class="rec-name">${r.name} <span class="muted small">${price(r)}</span></span>
              <span class="small muted">${r.explanation}</span>
            </li>`,
          )}
        </ul>`}
  </section>`;
}

/** Customer value from the nightly job: segment, RFM scores, lifetime value, churn risk. */
function CustomerValue({ value }) {
  if (!value) return html`<section aria-labelledby="value-heading"><h3 id="value-heading">Customer value</h3><p class="muted small">No purchases scored yet.</p></section>`;
  const f = new Intl.NumberFormat(undefined, { style: 'currency', currency: value.currency });
  const money = (minor) => f.format(minor / 10 ** (f.resolvedOptions().maximumFractionDigits ?? 2));
  return html`<section aria-labelledby="value-heading" class="value">
    <h3 id="value-heading">Customer value</h3>
    <p><span class="chip segment">${value.segment}</span>${value.churnRisk && html` <span class="chip churn" title=${`Probability still active ${(value.pAlive * 100).toFixed(0)} %`}>Churn risk</span>`}</p>
    <dl class="facts">
      <div><dt>RFM</dt><dd title="Recency, frequency, monetary scores (1–5)">${value.scores.r} · ${value.scores.f} · ${value.scores.m}</dd></div>
      <div><dt>Lifetime value</dt><dd title="Expected spend over the next 12 months">${money(value.ltvMinor)}</dd></div>
      <div><dt>Orders</dt><dd>${value.frequency} · ${money(value.monetaryMinor)}</dd></div>
      <div><dt>Last order</dt><dd>${value.recencyDays} days ago</dd></div>
    </dl>
    <p class="muted small">As of ${dateTime(value.asOf)}</p>
  </section>`;
}

const TREND_LABEL = { improving: 'Improving', declining: 'Declining', steady: 'Steady' };

/** Every language the customer wrote in, most used first (a customer who wrote in both shows both). */
function languagesWritten(learned) {
  const counts = Object.entries(learned.languageCounts ?? {}).filter(([, n]) => n > 0);
  if (counts.length === 0) return learned.language ? [[learned.language, 0]] : [];
  return counts.sort((a, b) => b[1] - a[1] || (a[0] === learned.language ? -1 : b[0] === learned.language ? 1 : 0));
}

/** What the bot learned from the customer's messages: language, sentiment trend, stated preferences. */
function LearnedProfile({ learned }) {
  if (!learned) return null;
  const languages = languagesWritten(learned);
  const pref = (p) => html`<li key=${p.term}><span title=${`"${p.source.text}" · ${dateTime(p.source.at)}`}>${p.term}</span>${p.skus.length > 0 && html` <span class="muted small">(${p.skus.length} product${p.skus.length > 1 ? 's' : ''})</span>`}</li>`;
  return html`<section aria-labelledby="learned-heading" class="learned">
    <h3 id="learned-heading">Learned from conversations</h3>
    <dl class="facts">
      <div><dt>Writes in</dt><dd title=${languages.map(([l, n]) => `${l}: ${n} message${n === 1 ? '' : 's'}`).join(', ')}>${languages.map(([l]) => l).join(', ') || '—'}</dd></div>
      <div><dt>Mood</dt><dd>${learned.sentiment.average === null ? '—' : `${TREND_LABEL[learned.sentiment.trend] ?? 'Not enough yet'} (${learned.sentiment.average.toFixed(2)})`}</dd></div>
      <div><dt>Contact by</dt><dd>${learned.contactPreference?.channel ?? '—'}</dd></div>
    </dl>
    ${learned.likes.length > 0 && html`<p class="small"><strong>Likes</strong></p><ul class="prefs likes">${learned.likes.map(pref)}</ul>`}
    ${learned.dislikes.length > 0 && html`<p class="small"><strong>Dislikes</strong></p><ul class="prefs dislikes">${learned.dislikes.map(pref)}</ul>`}
  </section>`;
}

/**
 * The right column while no ticket is open: the user's queues (waiting, open, agents online), their
 * own status and load, and the next thing to do.
 */
function QueueOverview({ me, queues, agents, tickets, onSelect, onStatus }) {
  const mine = me.seesAllQueues ? queues : queues.filter((q) => me.queues.includes(q.id));
  const online = (queueId) => agents.filter((a) => a.status === 'online' && a.queues.includes(queueId)).length;
  const myOpen = tickets.filter((t) => inView('mine', t, me.user.id)).sort(byQueueOrder);
  const waiting = tickets.filter((t) => inView('waiting', t, me.user.id) && (me.seesAllQueues || me.queues.includes(t.queueId))).sort(byQueueOrder);
  const next = myOpen[0] ?? waiting[0];
  const status = me.agent?.status;
  return html`<aside class="customer overview" aria-label="Queue overview">
    <section aria-labelledby="overview-queues">
      <h3 id="overview-queues">Your queues</h3>
      ${mine.length === 0
        ? html`<p class="muted small">You are in no queue yet: an admin adds you to one.</p>`
        : html`<table class="queue-table">
            <thead><tr><th scope="col">Queue</th><th scope="col">Waiting</th><th scope="col">Open</th><th scope="col">Agents online</th></tr></thead>
            <tbody>${mine.map((q) => html`<tr key=${q.id}><th scope="row">${q.name}</th><td>${q.waiting}</td><td>${q.open}</td><td>${online(q.id)}</td></tr>`)}</tbody>
          </table>`}
    </section>
    <section aria-labelledby="overview-next">
      <h3 id="overview-next">What to do next</h3>
      ${me.agent &&
      (status === 'online'
        ? html`<p class="small">You are online: new tickets of your queues come to you (${me.agent.activeTickets} of ${me.agent.maxConcurrent} open).</p>`
        : html`<p class="small">You are ${status}: no ticket is given to you. <button type="button" class="link" onClick=${() => onStatus('online')}>Go online</button></p>`)}
      ${next
        ? html`<p class="small">${myOpen.length ? `You have ${myOpen.length} open ticket${myOpen.length > 1 ? 's' : ''}.` : `${waiting.length} ticket${waiting.length > 1 ? 's' : ''} waiting for someone.`}</p>
            <button type="button" class="primary" onClick=${() => onSelect(next.id)}>Open the next ticket (#${next.number})</button>`
        : html`<p class="muted small">Nothing waits for you. New tickets and messages appear here as they arrive.</p>`}
    </section>
  </aside>`;
}

function CustomerPanel({ panel, ticket, onSelect, me, agents, onCustomerChanged }) {
  if (!ticket) return html`<aside class="customer" aria-label="Customer"><p class="muted">Loading the ticket…</p></aside>`;
  if (!panel) return html`<aside class="customer" aria-label="Customer"><p class="muted">Loading the customer…</p></aside>`;
  const c = panel.customer;
  const name = c.displayName || ticket.customerName;
  return html`<aside class="customer" aria-label="Customer">
    <section class="profile">
      <span class="avatar big" aria-hidden="true">${initials(name)}</span>
      <div>
        <h2>${name}</h2>
        <p class="muted small">${c.email || 'No email on file'}</p>
      </div>
    </section>
    <${Customer360} api=${api} customerId=${c.id} me=${me} agents=${agents} tickets=${panel.tickets} currentTicketId=${ticket.id} refreshKey=${`${panel.messageCount}:${panel.tickets.length}`} onSelectTicket=${onSelect} onChanged=${onCustomerChanged}>
    <dl class="facts">
      <div><dt>Language</dt><dd>${c.language || ticket.language}</dd></div>
      <div><dt>Customer since</dt><dd>${panel.firstContactAt ? dateTime(panel.firstContactAt) : '—'}</dd></div>
      <div><dt>Messages</dt><dd>${panel.messageCount}</dd></div>
      <div><dt>Tickets</dt><dd>${panel.tickets.length}</dd></div>
    </dl>
    <${CustomerValue} value=${panel.value} />
    <${LearnedProfile} learned=${panel.learned} />
    <section>
      <h3>Sentiment trend</h3>
      <${Sparkline} points=${panel.sentimentTrend} />
    </section>
    <section>
      <h3>Tickets</h3>
      <ul class="past">
        ${panel.tickets.map(
          (t) => html`<li key=${t.id}>
            <button type="button" class=${`past-item ${t.id === ticket.id ? 'current' : ''}`} onClick=${() => onSelect(t.id)} aria-current=${t.id === ticket.id ? 'true' : undefined}>
              <span><span class="muted">#${t.number}</span> ${t.subject}</span>
              <span class="small muted">${STATUS_LABEL[t.status] ?? t.status} · ${t.category.replace(/_/g, ' ')} · ${dateTime(t.createdAt)}</span>
            </button>
          </li>`,
        )}
      </ul>
    </section>
    <${Recommendations} recommendations=${panel.recommendations} />
    ${ticket.entities?.length > 0 &&
    html`<section>
      <h3>Details mentioned</h3>
      <ul class="entities">${ticket.entities.map((e) => html`<li><span class="chip">${String(e.type).replace(/_/g, ' ')}</span> ${String(e.text ?? '')}</li>`)}</ul>
    </section>`}
    </${Customer360}>
  </aside>`;
}

// ---------------------------------------------------------------------------------------------
// The console
function Console({ me, setMe, onSignedOut }) {
  const [tickets, setTickets] = useState([]);
  const [queues, setQueues] = useState([]);
  const [agents, setAgents] = useState([]);
  const [view, chooseView] = useState(me.seesAllQueues && !me.agent ? 'open' : 'mine');
  // Until the agent picks a tab, the console opens on the first that holds work: mine, waiting, all open.
  const viewPicked = useRef(false);
  const setView = useCallback((v) => {
    viewPicked.current = true;
    chooseView(v);
  }, []);
  const [selectedId, setSelectedId] = useState(null);
  const [ticket, setTicket] = useState(null);
  const [messages, setMessages] = useState([]);
  const [panel, setPanel] = useState(null);
  const [live, setLive] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [unread, setUnread] = useState(new Set());
  const [reconnect, setReconnect] = useState(0);
  const [slaAlerts, setSlaAlerts] = useState(new Map());
  // SLA labels count down: re-render once a minute.
  const [, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 60_000);
    return () => clearInterval(t);
  }, []);
  const selectedRef = useRef(null);
  selectedRef.current = selectedId;
  // The screen follows the URL's hash (#attributes), so back and reload work; only admins leave the inbox.
  const [screenAsked, setScreenAsked] = useState(screenInUrl);
  useEffect(() => {
    const follow = () => setScreenAsked(screenInUrl());
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  const screen = me.user.role === 'admin' ? screenAsked : 'inbox';
  // A link to one ticket (the dashboard's bot analytics links here): /console/#ticket=<id>.
  useEffect(() => {
    const open = () => {
      const m = /^#ticket=([0-9a-f-]{36})$/i.exec(location.hash);
      if (m) setSelectedId(m[1].toLowerCase());
    };
    open();
    window.addEventListener('hashchange', open);
    return () => window.removeEventListener('hashchange', open);
  }, []);

  const handleError = useCallback(
    (err) => {
      if (err.name === 'AbortError') return; // cancelled by sign-out
      if (err.status === 401) onSignedOut();
      else setError(err.message);
    },
    [onSignedOut],
  );

  const loadList = useCallback(async () => {
    try {
      const [t, q, a] = await Promise.all([api('GET', '/api/tickets?limit=300'), api('GET', '/api/queues'), api('GET', '/api/agents')]);
      setTickets(t.tickets);
      if (!viewPicked.current) {
        viewPicked.current = true;
        const withWork = VIEWS.filter((v) => v.id !== 'done').find((v) => t.tickets.some((x) => inView(v.id, x, me.user.id)));
        if (withWork) chooseView(withWork.id);
      }
      for (const queue of q.queues) queueNames.set(queue.id, queue.name);
      setQueues(q.queues);
      setAgents(a.agents);
    } catch (err) {
      handleError(err);
    }
  }, [handleError, me.user.id]);

  const loadTicket = useCallback(
    async (id) => {
      try {
        const [t, m] = await Promise.all([api('GET', `/api/tickets/${id}`), api('GET', `/api/tickets/${id}/messages`)]);
        if (selectedRef.current !== id) return;
        setTicket(t.ticket);
        setMessages(m.messages);
        const p = await api('GET', `/api/customers/${t.ticket.customerId}`);
        if (selectedRef.current === id) setPanel(p);
      } catch (err) {
        handleError(err);
      }
    },
    [handleError],
  );

  useEffect(() => {
    void loadList();
  }, [loadList]);

  useEffect(() => {
    setTicket(null);
    setMessages([]);
    setPanel(null);
    setError('');
    if (selectedId) {
      setUnread((u) => {
        const n = new Set(u);
        n.delete(selectedId);
        return n;
      });
      void loadTicket(selectedId);
    }
  }, [selectedId, loadTicket]);

  // Live updates: refresh what an event touches, coalescing bursts.
  useEffect(() => {
    let listTimer;
    let ticketTimer;
    let retryTimer;
    const refreshList = () => {
      clearTimeout(listTimer);
      listTimer = setTimeout(() => void loadList(), 120);
    };
    const refreshTicket = (id) => {
      clearTimeout(ticketTimer);
      ticketTimer = setTimeout(() => {
        if (selectedRef.current === id) void loadTicket(id);
      }, 80);
    };
    const source = new EventSource('/api/events');
    source.addEventListener('ready', () => {
      setLive(true);
      refreshList();
      if (selectedRef.current) refreshTicket(selectedRef.current);
    });
    source.addEventListener('signed-out', () => {
      source.close();
      onSignedOut();
    });
    source.onerror = () => {
      setLive(false);
      // The browser retries by itself unless the server refused the stream (e.g. the session ended).
      if (source.readyState === EventSource.CLOSED) {
        api('GET', '/api/me').then(
          () => (retryTimer = setTimeout(() => setReconnect((n) => n + 1), 3000)),
          (err) => (err.status === 401 ? onSignedOut() : (retryTimer = setTimeout(() => setReconnect((n) => n + 1), 3000))),
        );
      }
    };
    source.onmessage = (e) => {
      const event = JSON.parse(e.data);
      if (event.type === 'agent.changed') {
        setAgents((list) => list.map((a) => (a.userId === event.userId ? { ...a, status: event.status, activeTickets: event.activeTickets } : a)));
        if (event.userId === me.user.id) setMe((m) => (m.agent ? { ...m, agent: { ...m.agent, status: event.status, activeTickets: event.activeTickets } } : m));
        return;
      }
      if (event.type === 'sla.warning' || event.type === 'sla.breached') setSlaAlerts((m) => new Map(m).set(event.ticketId, event.type));
      refreshList();
      if (event.ticketId === selectedRef.current) refreshTicket(event.ticketId);
      else if (event.type === 'ticket.message' && event.direction === 'inbound') setUnread((u) => new Set(u).add(event.ticketId));
    };
    return () => {
      source.close();
      clearTimeout(listTimer);
      clearTimeout(ticketTimer);
      clearTimeout(retryTimer);
    };
  }, [loadList, loadTicket, me.user.id, setMe, onSignedOut, reconnect]);

  const onAction = useCallback(
    async (action, body) => {
      if (!ticket) return false;
      setBusy(true);
      setError('');
      try {
        const out = await api('POST', `/api/tickets/${ticket.id}/${action}`, body ?? {});
        setTicket(out.ticket);
        setTickets((list) => list.map((t) => (t.id === out.ticket.id ? out.ticket : t)));
        if (action === 'reply') {
          const m = await api('GET', `/api/tickets/${ticket.id}/messages`);
          setMessages(m.messages);
        }
        return true;
      } catch (err) {
        handleError(err);
        return false;
      } finally {
        setBusy(false);
      }
    },
    [ticket, handleError],
  );

  const onStatus = useCallback(
    async (status) => {
      try {
        const out = await api('PUT', '/api/agents/me/status', { status });
        setMe((m) => ({ ...m, agent: out.agent }));
      } catch (err) {
        handleError(err);
      }
    },
    [setMe, handleError],
  );

  const signOut = async () => {
    await signOutSession().catch(() => undefined);
    onSignedOut();
  };

  return html`<div class="shell">
    <${TopBar} me=${me} onStatus=${onStatus} onSignOut=${signOut} live=${live} screen=${screen} />
    ${screen === 'attributes'
      ? html`<${CustomAttributes} api=${api} onSignedOut=${onSignedOut} />`
      : html`<div class="columns">
      <${Inbox} me=${me} tickets=${tickets} selectedId=${selectedId} onSelect=${setSelectedId} view=${view} setView=${setView} unread=${unread} queues=${queues} slaAlerts=${slaAlerts} />
      <${Conversation} me=${me} ticket=${ticket} messages=${messages} agents=${agents} onAction=${onAction} busy=${busy} error=${error} />
      ${selectedId
        ? html`<${CustomerPanel} panel=${panel} ticket=${ticket} onSelect=${setSelectedId} me=${me} agents=${agents} onCustomerChanged=${() => selectedId && loadTicket(selectedId)} />`
        : html`<${QueueOverview} me=${me} queues=${queues} agents=${agents} tickets=${tickets} onSelect=${setSelectedId} onStatus=${onStatus} />`}
    </div>`}
  </div>`;
}

/**
 * Where to go after signing in (`?next=/dashboard/`, the dashboard's sign-in link): only a page of this
 * site's console or dashboard, never another host.
 */
function returnAddress() {
  const next = new URLSearchParams(location.search).get('next');
  return next && /^\/(dashboard|console)\/[\w\-./#=]*$/.test(next) && !next.startsWith('//') ? next : null;
}

function App() {
  const [me, setMe] = useState(undefined);
  // The session probe answers 200 signed in or not: a page load logs no 401.
  const load = useCallback(async () => {
    try {
      setMe((await api('GET', '/api/auth/session')).me);
    } catch (err) {
      setMe(null);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  // Signing in starts work: an agent comes online, so auto-assignment gives them their queues' waiting tickets.
  const onSignedIn = useCallback(async () => {
    const next = returnAddress();
    if (next) return location.assign(next);
    let signedIn = (await api('GET', '/api/auth/session')).me;
    if (signedIn?.agent && signedIn.agent.status !== 'online') {
      try {
        const out = await api('PUT', '/api/agents/me/status', { status: 'online' });
        signedIn = { ...signedIn, agent: out.agent };
      } catch {
        /* the status switch still shows where they are */
      }
    }
    setMe(signedIn);
  }, []);
  const onSignedOut = useCallback(() => setMe(null), []);
  if (me === undefined) return html`<p class="boot">Loading the console…</p>`;
  if (me === null) return html`<${SignIn} onSignedIn=${onSignedIn} />`;
  return html`<${Console} me=${me} setMe=${setMe} onSignedOut=${onSignedOut} />`;
}

render(html`<${App} />`, document.getElementById('app'));
