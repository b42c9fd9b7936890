// Concierge supervisor dashboard: Preact + htm as plain ES modules (shared with the console, no build
// step), charts drawn by Chart.js (its UMD build, loaded by index.html as window.Chart), data from
// /api/dashboard. Same session as the console.
import { h, render } from '/console/vendor/preact.mjs';
import { useCallback, useEffect, useMemo, useRef, useState } from '/console/vendor/hooks.mjs';
import htm from '/console/vendor/htm.mjs';
import { api, ApiError, signOutSession } from '/console/api.js';
import { BotAnalytics } from '/dashboard/bot.js';
import { PrivacyRequests } from '/dashboard/privacy.js';

const html = htm.bind(h);
const Chart = window.Chart;

// ---------------------------------------------------------------------------------------------
// API
// fetch with the session cookie: web/console/api.js

const periodParams = (p) => (p ? `start=${encodeURIComponent(p.start)}&end=${encodeURIComponent(p.end)}` : '');

// ---------------------------------------------------------------------------------------------
// Formatting
const COMPONENTS = [
  { key: 'firstResponse', label: 'First response', color: '#2f66c4' },
  { key: 'resolution', label: 'Resolution time', color: '#5b8def' },
  { key: 'slaCompliance', label: 'SLA', color: '#1f8a4c' },
  { key: 'csat', label: 'CSAT', color: '#e0a100' },
  { key: 'csatResponseRate', label: 'CSAT response', color: '#f3c969' },
  { key: 'reopenRate', label: 'Reopens', color: '#8e5bd6' },
  { key: 'transferRate', label: 'Transfers', color: '#b894ec' },
  { key: 'sentimentChange', label: 'Sentiment', color: '#17a2a2' },
];
const COLOR = Object.fromEntries(COMPONENTS.map((c) => [c.key, c.color]));

function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60 ? `${s % 60} s` : ''}`.trim();
  if (s < 86400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}
const pct = (v) => (v === null || v === undefined ? '—' : `${Math.round(v * 1000) / 10} %`);
const num = (v, d = 2) => (v === null || v === undefined ? '—' : (Math.round(v * 10 ** d) / 10 ** d).toString());
const signed = (v) => (v === null || v === undefined ? '—' : `${v > 0 ? '+' : ''}${num(v)}`);

// Days, weeks and months are the support team's: the API names its time zone (GET /api/dashboard/periods),
// and every date and time on the page is shown in it (the toolbar says which, once).
let timeZone = 'UTC';
let fmt = formatsIn(timeZone);
function formatsIn(zone) {
  return {
    day: new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: zone }),
    short: new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: zone }),
    month: new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: zone }),
    minute: new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone }),
  };
}
function showTimesIn(zone) {
  if (!zone || zone === timeZone) return;
  timeZone = zone;
  fmt = formatsIn(zone);
}
/** `2026-11-30 14:05` in the support team's zone. */
function minuteLabel(iso) {
  const p = Object.fromEntries(fmt.minute.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}
function periodLabel(p) {
  const start = new Date(p.start);
  const end = new Date(p.end);
  if (p.kind === 'day') return `${fmt.day.format(start)}`;
  if (p.kind === 'week') return `Week of ${fmt.short.format(start)} – ${fmt.short.format(new Date(end.getTime() - 1))}`;
  if (p.kind === 'month') return fmt.month.format(start);
  return `${minuteLabel(start)} → ${minuteLabel(end)}`;
}
/** A report day (`YYYY-MM-DD`, already a calendar day of the team's zone). */
const shortCalendarDay = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const dayLabel = (day) => shortCalendarDay.format(new Date(`${day}T00:00:00Z`));
/** The day an instant (a period's start) falls on, in the team's zone. */
const startLabel = (iso) => fmt.short.format(new Date(iso));

function initials(name) {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0].toUpperCase())
    .join('');
}

// ---------------------------------------------------------------------------------------------
// Charts: one Chart.js instance per canvas, rebuilt when its config changes.
if (Chart) {
  Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
  Chart.defaults.color = '#5d6878';
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
}

function ChartCanvas({ config, label, height = 220 }) {
  const ref = useRef(null);
  useEffect(() => {
    if (!Chart || !ref.current) return undefined;
    const chart = new Chart(ref.current, config);
    return () => chart.destroy();
  }, [config]);
  return html`<div class="chart" style=${`height:${height}px`}>
    <canvas ref=${ref} role="img" aria-label=${label}></canvas>
  </div>`;
}

const gridColor = '#edf0f4';
function lineConfig(labels, datasets, { yMin, yMax, yTitle, percent } = {}) {
  return {
    type: 'line',
    data: { labels, datasets: datasets.map((d) => ({ tension: 0.3, cubicInterpolationMode: 'monotone', pointRadius: 2.5, borderWidth: 2, spanGaps: true, fill: false, ...d })) },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { grid: { display: false } },
        y: {
          min: yMin,
          max: yMax,
          grid: { color: gridColor },
          title: yTitle ? { display: true, text: yTitle } : undefined,
          ticks: percent ? { callback: (v) => `${Math.round(v * 100)}%` } : undefined,
        },
      },
      plugins: { legend: { display: datasets.length > 1, position: 'bottom' } },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Top bar
function TopBar({ me, onSignOut }) {
  return html`<header class="topbar">
    <div class="brand"><span class="brand-mark small" aria-hidden="true">C</span><span>Concierge</span><span class="brand-sub">Supervisor dashboard</span></div>
    <div class="topbar-right">
      <a class="top-link" href="/console/">Agent console</a>
      <div class="me" title=${me.user.email}>
        <span class="avatar" aria-hidden="true">${initials(me.user.displayName)}</span>
        <span><strong>${me.user.displayName}</strong><span class="role">${me.user.role}</span></span>
      </div>
      <button type="button" class="ghost" onClick=${onSignOut}>Sign out</button>
    </div>
  </header>`;
}

// ---------------------------------------------------------------------------------------------
// Queue health
function QueueCards({ health }) {
  if (!health) return html`<section class="cards" aria-label="Queue health"><p class="muted">Loading queues…</p></section>`;
  const t = health.totals;
  return html`<section aria-labelledby="queues-title">
    <div class="section-head">
      <h2 id="queues-title">Queue health</h2>
      <span class="muted small">now · at risk = due within ${health.horizonMinutes} min or warned</span>
    </div>
    <div class="cards">
      <article class="qcard total" aria-label="All queues">
        <h3>All queues</h3>
        <div class="big">${t.backlog}<span>open</span></div>
        <dl>
          <div><dt>Waiting</dt><dd>${t.waiting}</dd></div>
          <div><dt>At risk</dt><dd class=${t.slaAtRisk ? 'warn' : ''}>${t.slaAtRisk}</dd></div>
          <div><dt>Breached</dt><dd class=${t.slaBreached ? 'bad' : ''}>${t.slaBreached}</dd></div>
          <div><dt>Oldest wait</dt><dd>${duration(t.oldestWaitingSeconds)}</dd></div>
          <div><dt>Online</dt><dd>${t.onlineAgents} agents</dd></div>
          <div><dt>Free slots</dt><dd>${t.freeCapacity}/${t.capacity}</dd></div>
        </dl>
      </article>
      ${health.queues.map(
        (q) => html`<article class=${`qcard lvl-${q.level}`} aria-label=${`Queue ${q.name}`}>
          <h3><span class=${`lvl lvl-${q.level}`} aria-hidden="true"></span>${q.name}</h3><span class="sr-only">${q.level}</span>
          <div class="big">${q.backlog}<span>open</span></div>
          <dl>
            <div><dt>Waiting</dt><dd>${q.waiting}</dd></div>
            <div><dt>At risk</dt><dd class=${q.slaAtRisk ? 'warn' : ''}>${q.slaAtRisk}</dd></div>
            <div><dt>Breached</dt><dd class=${q.slaBreached ? 'bad' : ''}>${q.slaBreached}</dd></div>
            <div><dt>Oldest wait</dt><dd>${duration(q.oldestWaitingSeconds)}</dd></div>
            <div><dt>Online</dt><dd>${q.onlineAgents}</dd></div>
            <div><dt>Free slots</dt><dd>${q.freeCapacity}/${q.capacity}</dd></div>
          </dl>
        </article>`,
      )}
    </div>
  </section>`;
}

// ---------------------------------------------------------------------------------------------
// Ranking
function Breakdown({ components, composite }) {
  const included = components.filter((c) => c.included && c.points > 0);
  const title = components.map((c) => `${c.label}: ${c.included ? `${num(c.points)} pts (weight ${num(c.effectiveWeight * 100, 1)} %)` : `not counted (${c.reason})`}`).join('\n');
  return html`<div class="breakdown" title=${title} aria-label=${`Breakdown of ${composite ?? 'no'} points: ${included.map((c) => `${c.label} ${num(c.points, 1)}`).join(', ')}`}>
    ${included.map((c) => html`<span class="seg-bar" style=${`width:${c.points}%;background:${COLOR[c.key]}`}></span>`)}
  </div>`;
}

function Ranking({ ranking, selected, onSelect }) {
  if (!ranking) return html`<p class="muted">Loading the ranking…</p>`;
  if (!ranking.agents.length) return html`<p class="empty">No scores yet. Scores are computed nightly; press “Evaluate now” to score the previous day.</p>`;
  return html`<div class="table-wrap"><table class="ranking">
    <caption class="sr-only">Agents ranked by score</caption>
    <thead>
      <tr>
        <th scope="col">#</th>
        <th scope="col">Agent</th>
        <th scope="col" class="num">Score</th>
        <th scope="col" class="bd">Breakdown (points)</th>
        <th scope="col" class="num">Tickets</th>
        <th scope="col" class="num">1st response</th>
        <th scope="col" class="num">Resolution</th>
        <th scope="col" class="num">SLA</th>
        <th scope="col" class="num">CSAT</th>
        <th scope="col" class="num">Reopens</th>
        <th scope="col" class="num">Sentiment Δ</th>
      </tr>
    </thead>
    <tbody>
      ${ranking.agents.map((a) => {
        const f = a.figures;
        return html`<tr class=${selected === a.agentId ? 'selected' : ''} onClick=${() => onSelect(a.agentId)}>
          <td class="rank">${a.rank ?? '–'}</td>
          <td>
            <button type="button" class="agent-link" onClick=${(e) => (e.stopPropagation(), onSelect(a.agentId))} aria-pressed=${selected === a.agentId}>
              <span class="avatar" aria-hidden="true">${initials(a.displayName)}</span>${a.displayName}
            </button>
          </td>
          <td class="num score">${a.composite === null ? html`<span class="muted" title="too little data">n/a</span>` : num(a.composite, 1)}</td>
          <td class="bd"><${Breakdown} components=${a.components} composite=${a.composite} /></td>
          <td class="num">${f.ticketsHandled}</td>
          <td class="num">${duration(f.firstResponseMedianSeconds)}</td>
          <td class="num">${duration(f.resolutionMedianSeconds)}</td>
          <td class="num">${pct(f.slaCompliance)}</td>
          <td class="num">${f.csatAverage === null ? '—' : html`${num(f.csatAverage)} <span class="muted small">(${f.csatRatings})</span>`}</td>
          <td class="num">${pct(f.reopenRate)}</td>
          <td class="num">${signed(f.sentimentChangeAverage)}</td>
        </tr>`;
      })}
    </tbody>
  </table></div>
  <ul class="legend" aria-label="Breakdown colours">
    ${COMPONENTS.map((c) => html`<li><span class="swatch" style=${`background:${c.color}`}></span>${c.label}</li>`)}
  </ul>`;
}

const LINE_COLORS = ['#1f4b99', '#e0a100', '#17a2a2', '#c0262d', '#8e5bd6', '#1f8a4c', '#e4683b', '#5b8def'];

/** Every agent's composite over the recent evaluations of the selected period's kind (top 8 lines). */
function TeamTrend({ trend }) {
  const config = useMemo(() => {
    if (!trend || !trend.periods.length) return null;
    const labels = trend.periods.map((p) => (trend.kind === 'week' ? `wk ${startLabel(p.start)}` : startLabel(p.start)));
    const datasets = trend.agents.slice(0, 8).map((a, i) => ({ label: a.displayName, data: a.composites, borderColor: LINE_COLORS[i], backgroundColor: LINE_COLORS[i] }));
    const config = lineConfig(labels, datasets, { yMin: 0, yMax: 100 });
    config.options.plugins.legend = { display: true, position: 'right' };
    return config;
  }, [trend]);
  if (!config) return null;
  return html`<figure class="team-trend">
    <figcaption>Score trend · last ${trend.periods.length} ${trend.kind === 'week' ? 'weeks' : 'days'}</figcaption>
    <${ChartCanvas} config=${config} label=${`Scores of ${trend.agents.length} agents over ${trend.periods.length} evaluations`} height=${230} />
  </figure>`;
}

// ---------------------------------------------------------------------------------------------
// Agent detail: trend charts per figure, the explanation and the tickets behind it.
const TREND_FIGURES = [
  { title: 'Score', pick: (p) => p.composite, opts: { yMin: 0, yMax: 100 }, color: '#1f4b99' },
  { title: 'Median first response (min)', pick: (p) => (p.figures.firstResponseMedianSeconds === null ? null : p.figures.firstResponseMedianSeconds / 60), opts: { yMin: 0 }, color: '#2f66c4' },
  { title: 'Median resolution (h)', pick: (p) => (p.figures.resolutionMedianSeconds === null ? null : p.figures.resolutionMedianSeconds / 3600), opts: { yMin: 0 }, color: '#5b8def' },
  { title: 'SLA compliance', pick: (p) => p.figures.slaCompliance, opts: { yMin: 0, yMax: 1, percent: true }, color: '#1f8a4c' },
  { title: 'CSAT average', pick: (p) => p.figures.csatAverage, opts: { yMin: 1, yMax: 5 }, color: '#e0a100' },
  { title: 'Sentiment change', pick: (p) => p.figures.sentimentChangeAverage, opts: { yMin: -1, yMax: 1 }, color: '#17a2a2' },
];

/** The explanation's lines about components and the total (the others define and state the figures). */
const isScoreLine = (line) => line.includes('→ subscore') || line.includes('not counted') || line.startsWith('Composite');

function AgentDetail({ agentId, period, onClose }) {
  const [trend, setTrend] = useState(null);
  const [explain, setExplain] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let live = true;
    setTrend(null);
    setExplain(null);
    setError(null);
    const kind = period?.kind && period.kind !== 'custom' ? `&kind=${period.kind}` : '';
    api('GET', `/api/dashboard/agents/${agentId}/trend?limit=60${kind}`)
      .then((t) => live && setTrend(t))
      .catch((e) => live && setError(e.message));
    api('GET', `/api/dashboard/agents/${agentId}/explain?${periodParams(period)}`)
      .then((x) => live && setExplain(x))
      .catch((e) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [agentId, period]);
  const charts = useMemo(() => {
    if (!trend) return [];
    const labels = trend.points.map((p) => (period?.kind === 'week' ? `wk ${startLabel(p.period.start)}` : period?.kind === 'month' ? fmt.month.format(new Date(p.period.start)) : startLabel(p.period.start)));
    return TREND_FIGURES.map((f) => ({
      title: f.title,
      config: lineConfig(labels, [{ label: f.title, data: trend.points.map(f.pick), borderColor: f.color, backgroundColor: f.color }], f.opts),
    }));
  }, [trend, period]);
  const name = trend?.agent.displayName ?? 'Agent';
  return html`<section class="panel detail" aria-labelledby="detail-title">
    <div class="section-head">
      <h2 id="detail-title">${name}</h2>
      <span class="muted small">${trend ? `${trend.points.length} evaluations${period?.kind ? ` · ${{ day: 'daily', week: 'weekly', month: 'monthly' }[period.kind] ?? 'custom'}` : ''}` : ''}</span>
      <button type="button" class="ghost small-btn" onClick=${onClose}>Close</button>
    </div>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <div class="trend-grid">
      ${charts.map((c) => html`<figure class="mini"><figcaption>${c.title}</figcaption><${ChartCanvas} config=${c.config} label=${`${name}: ${c.title} over time`} height=${150} /></figure>`)}
    </div>
    ${explain &&
    html`<div class="explain">
      <div>
        <h3>How the score was formed · ${periodLabel({ ...explain.period, kind: period?.kind })}</h3>
        <ul class="lines points">
          ${explain.lines.filter(isScoreLine).map((l) => html`<li>${l}</li>`)}
        </ul>
        <details>
          <summary>Figures and their definitions (${explain.lines.filter((l) => !isScoreLine(l)).length})</summary>
          <ul class="lines">
            ${explain.lines.filter((l) => !isScoreLine(l)).map((l) => html`<li>${l}</li>`)}
          </ul>
        </details>
      </div>
      <div>
        <h3>Tickets behind the figures (${explain.tickets.length})</h3>
        <div class="scroll">
          <table class="tickets">
            <thead><tr><th>#</th><th>Resolved</th><th class="num">1st resp.</th><th class="num">Resolution</th><th>SLA</th><th class="num">CSAT</th><th class="num">Sentiment</th></tr></thead>
            <tbody>
              ${explain.tickets.map(
                (t) => html`<tr>
                  <td>#${t.ticketNumber}</td>
                  <td>${minuteLabel(t.resolvedAt).slice(5)}</td>
                  <td class="num">${duration(t.firstResponseSeconds)}</td>
                  <td class="num">${duration(t.resolutionSeconds)}</td>
                  <td>${t.firstResponseTargetMet && t.resolutionTargetMet ? html`<span class="ok">met</span>` : html`<span class="bad">missed</span>`}${t.reopenedAfterResolution ? html` <span class="chip">reopened</span>` : ''}</td>
                  <td class="num">${t.csatRating ?? (t.csatRequested ? html`<span class="muted">asked</span>` : '—')}</td>
                  <td class="num">${t.firstSentiment === null ? '—' : `${num(t.firstSentiment)} → ${num(t.lastSentiment)}`}</td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>
      </div>
    </div>`}
  </section>`;
}

// ---------------------------------------------------------------------------------------------
// Team charts
function TeamCharts({ csat, sentiment, volume }) {
  const csatConfig = useMemo(
    () =>
      csat && {
        type: 'bar',
        data: {
          labels: ['1 ★', '2 ★', '3 ★', '4 ★', '5 ★'],
          datasets: [{ label: 'Ratings', data: csat.overall.counts, backgroundColor: ['#c0262d', '#e4683b', '#e0a100', '#7cb85f', '#1f8a4c'], borderRadius: 4 }],
        },
        options: { plugins: { legend: { display: false } }, scales: { x: { grid: { display: false } }, y: { beginAtZero: true, grid: { color: gridColor }, ticks: { precision: 0 } } } },
      },
    [csat],
  );
  const sentimentConfig = useMemo(
    () =>
      sentiment &&
      lineConfig(
        sentiment.days.map((d) => dayLabel(d.day)),
        [
          { label: 'First message', data: sentiment.days.map((d) => d.firstMean), borderColor: '#c0262d', backgroundColor: '#c0262d' },
          { label: 'Last message', data: sentiment.days.map((d) => d.lastMean), borderColor: '#1f8a4c', backgroundColor: '#1f8a4c' },
          { label: 'Mean change', data: sentiment.days.map((d) => d.changeMean), borderColor: '#2f66c4', backgroundColor: '#2f66c4', borderDash: [5, 4] },
        ],
        { yMin: -1, yMax: 1 },
      ),
    [sentiment],
  );
  const volumeConfig = useMemo(
    () =>
      volume && {
        type: 'bar',
        data: {
          labels: volume.days.map((d) => dayLabel(d.day)),
          datasets: [
            { label: 'Created', data: volume.days.map((d) => d.created), backgroundColor: '#9db7e6', borderRadius: 3 },
            { label: 'Resolved', data: volume.days.map((d) => d.resolved), backgroundColor: '#1f4b99', borderRadius: 3 },
          ],
        },
        options: { plugins: { legend: { position: 'bottom' } }, scales: { x: { grid: { display: false } }, y: { beginAtZero: true, grid: { color: gridColor }, ticks: { precision: 0 } } } },
      },
    [volume],
  );
  const o = csat?.overall;
  return html`<div class="team">
    <section class="panel" aria-labelledby="csat-title">
      <div class="section-head"><h2 id="csat-title">CSAT distribution</h2></div>
      ${o &&
      html`<div class="kpis">
        <div><strong>${num(o.average)}</strong><span>average</span></div>
        <div><strong>${o.ratings}</strong><span>ratings</span></div>
        <div><strong>${pct(o.responseRate)}</strong><span>response rate</span></div>
      </div>`}
      ${csatConfig && html`<${ChartCanvas} config=${csatConfig} label=${`CSAT distribution: ${o.counts.map((c, i) => `${i + 1} stars ${c}`).join(', ')}`} height=${190} />`}
    </section>
    <section class="panel" aria-labelledby="sentiment-title">
      <div class="section-head"><h2 id="sentiment-title">Customer sentiment</h2><span class="muted small">per day</span></div>
      ${sentimentConfig && html`<${ChartCanvas} config=${sentimentConfig} label="Sentiment trend: first and last customer message per day" height=${210} />`}
    </section>
    <section class="panel" aria-labelledby="volume-title">
      <div class="section-head"><h2 id="volume-title">Ticket volume</h2></div>
      ${volumeConfig && html`<${ChartCanvas} config=${volumeConfig} label="Tickets created and resolved per day" height=${190} />`}
    </section>
  </div>`;
}

// ---------------------------------------------------------------------------------------------
// Recommendation model versions: which one the bot serves, how each measured, roll back or forward
// (which pins the version: trainings then store without serving), unpin, train now.
const ALGORITHMS = { ease: 'EASE', 'item-knn': 'Item kNN', als: 'ALS', popularity: 'Popularity' };
const fixed2 = (v) => (typeof v === 'number' ? v.toFixed(2) : '—');
const count = (v) => (typeof v === 'number' ? v.toLocaleString('en-GB') : '—');

/** "HR@10 0.46 vs popularity 0.33": the version's hit rate on each customer's held-out latest purchase, against popularity alone. */
function ModelQuality({ metrics }) {
  if (!metrics || typeof metrics.hitRate !== 'number') return html`<span class="muted" title="too few customers with two purchases, or a catalogue too large to evaluate">not evaluated</span>`;
  const ratio = metrics.popularityHitRate > 0 ? metrics.hitRate / metrics.popularityHitRate : null;
  return html`<span class="quality">HR@${metrics.k} ${fixed2(metrics.hitRate)} vs popularity ${fixed2(metrics.popularityHitRate)}</span>${ratio !== null && html` <span class=${ratio >= 1 ? 'ok' : 'bad'}>(${ratio.toFixed(2)}×)</span>`}
    <span class="muted small block">coverage ${pct(metrics.coverage)} · ${count(metrics.evaluatedCustomers)} customers evaluated</span>`;
}

const TRAINING_WATCH_MS = 5000;
const TRAINING_WATCH_TRIES = 36;

function RecommendationModels({ onUnauthorized }) {
  const [models, setModels] = useState(null);
  const [confirming, setConfirming] = useState(null);
  const [busy, setBusy] = useState(null);
  const [notice, setNotice] = useState(null);
  const [error, setError] = useState(null);
  const [watching, setWatching] = useState(null);

  const fail = useCallback((err) => (err.name === 'AbortError' ? undefined : err instanceof ApiError && err.status === 401 ? onUnauthorized() : setError(err.message)), [onUnauthorized]);
  const load = useCallback(() => api('GET', '/api/dashboard/recommendations/models').then(setModels, fail), [fail]);
  useEffect(() => {
    void load();
  }, [load]);
  // After "Train now": look again every few seconds until the newest version or the active one changes.
  useEffect(() => {
    if (!watching) return undefined;
    let tries = 0;
    const timer = setInterval(async () => {
      tries += 1;
      const next = await api('GET', '/api/dashboard/recommendations/models').catch(() => null);
      if (next) setModels(next);
      const changed = next && (next.activeVersionId !== watching.activeVersionId || next.versions[0]?.versionId !== watching.newestVersionId);
      if (changed || tries >= TRAINING_WATCH_TRIES) {
        setWatching(null);
        if (changed) {
          setNotice(
            next.pin && next.versions[0]?.versionId !== next.activeVersionId
              ? `Training done: ${next.versions[0].versionId} is stored, not served (${next.pin.versionId} is pinned). Activate it from the list to serve it.`
              : `Training done: now serving ${next.activeVersionId}.`,
          );
        }
      }
    }, TRAINING_WATCH_MS);
    return () => clearInterval(timer);
  }, [watching]);

  const activate = async (versionId) => {
    setBusy(versionId);
    setError(null);
    setNotice(null);
    try {
      const out = await api('POST', `/api/dashboard/recommendations/models/${encodeURIComponent(versionId)}/activate`);
      setConfirming(null);
      setNotice(
        !out.changed
          ? `${versionId} is the active version, pinned by ${out.pin.pinnedBy.name}.`
          : out.announced
            ? `Now serving ${versionId}, pinned: every web process loads it now.`
            : `Now serving ${versionId}, pinned: web processes load it within a minute.`,
      );
      await load();
    } catch (err) {
      fail(err);
    } finally {
      setBusy(null);
    }
  };

  const unpin = async () => {
    setBusy('unpin');
    setError(null);
    setNotice(null);
    try {
      const out = await api('POST', '/api/dashboard/recommendations/models/unpin');
      setNotice(out.changed ? 'Unpinned: the next training activates its result.' : 'Nothing was pinned.');
      await load();
    } catch (err) {
      fail(err);
    } finally {
      setBusy(null);
    }
  };

  const trainNow = async () => {
    setBusy('train');
    setError(null);
    setNotice(null);
    try {
      const out = await api('POST', '/api/dashboard/recommendations/train');
      // While pinned the result is only stored: its row then offers "Activate" (which moves the pin).
      const pinned = models?.pin;
      setNotice(
        out.alreadyPending
          ? `A training is already queued or running (job ${out.jobId}).`
          : pinned
            ? `Training queued (job ${out.jobId}). ${pinned.versionId} is pinned: the result will be stored, not served; activate it from the list to serve it.`
            : `Training queued (job ${out.jobId}). The table refreshes when the new version is active.`,
      );
      setWatching({ activeVersionId: models?.activeVersionId ?? null, newestVersionId: models?.versions[0]?.versionId ?? null });
    } catch (err) {
      fail(err);
    } finally {
      setBusy(null);
    }
  };

  const versions = models?.versions ?? [];
  return html`<section class="panel models" aria-labelledby="models-title">
    <div class="section-head">
      <h2 id="models-title">Recommendations</h2>
      <span class="muted small">model versions · the active one is what the bot and the console recommend</span>
      <span class="spacer"></span>
      ${notice && html`<span class="notice" role="status">${notice}</span>`}
      <button type="button" class="primary small-btn" onClick=${trainNow} disabled=${busy !== null || watching !== null}>${busy === 'train' ? 'Queuing…' : watching ? 'Training…' : 'Train now'}</button>
    </div>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${models?.pin &&
    html`<p class="pin-note" role="note" aria-label="Pinned model version">
      <span>Pinned by ${models.pin.pinnedBy.name} on ${minuteLabel(models.pin.pinnedAt)}: new versions are stored, not served.</span>
      <button type="button" class="ghost small-btn" onClick=${unpin} disabled=${busy !== null}>${busy === 'unpin' ? 'Unpinning…' : 'Unpin'}</button>
    </p>`}
    ${!models
      ? html`<p class="muted">Loading the model versions…</p>`
      : !versions.length
        ? html`<p class="empty">No model trained yet. Models are trained nightly; press “Train now” to train one from the orders and events.</p>`
        : html`<div class="table-wrap"><table class="ranking model-table">
            <caption class="sr-only">Recommendation model versions</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
                <th scope="col">Algorithm</th>
                <th scope="col">Trained</th>
                <th scope="col" class="num">Customers</th>
                <th scope="col" class="num">Items</th>
                <th scope="col" class="num">Interactions</th>
                <th scope="col">Quality (offline)</th>
                <th scope="col"><span class="sr-only">Action</span></th>
              </tr>
            </thead>
            <tbody>
              ${versions.map(
                (v) => html`<tr class=${v.active ? 'active-model' : ''} aria-current=${v.active ? 'true' : undefined}>
                  <td><code>${v.versionId}</code></td>
                  <td>${v.active ? html`<span class="chip active-chip">Active</span>` : html`<span class="muted">stored</span>`}${v.pinned && html` <span class="chip pin-chip" title="trainings do not replace it">pinned</span>`}</td>
                  <td>${ALGORITHMS[v.algorithm] ?? v.algorithm}</td>
                  <td>${minuteLabel(v.trainedAt)}${v.activatedAt && html`<span class="muted small block">activated ${minuteLabel(v.activatedAt)}</span>`}</td>
                  <td class="num">${count(v.sizes.customers)}</td>
                  <td class="num">${count(v.sizes.items)}</td>
                  <td class="num">${count(v.sizes.interactions)}</td>
                  <td class="wrap"><${ModelQuality} metrics=${v.metrics} /></td>
                  <td class="action">
                    ${v.active
                      ? v.pinned
                        ? null
                        : html`<button type="button" class="ghost small-btn" aria-label=${`Pin ${v.versionId}`} title="keep serving it: trainings store new versions without activating them" onClick=${() => activate(v.versionId)} disabled=${busy !== null}>${busy === v.versionId ? 'Pinning…' : 'Pin'}</button>`
                      : confirming === v.versionId
                        ? html`<span class="confirm" role="group" aria-label=${`Confirm activating ${v.versionId}`}>
                            <span class="small">Serve this version to every customer? It stays pinned (trainings do not replace it) until you unpin it.</span>
                            <button type="button" class="primary small-btn" onClick=${() => activate(v.versionId)} disabled=${busy !== null}>${busy === v.versionId ? 'Activating…' : 'Yes, activate'}</button>
                            <button type="button" class="ghost small-btn" onClick=${() => setConfirming(null)} disabled=${busy !== null}>Cancel</button>
                          </span>`
                        : html`<button type="button" class="ghost small-btn" aria-label=${`Activate ${v.versionId}`} onClick=${() => setConfirming(v.versionId)} disabled=${busy !== null}>Activate</button>`}
                  </td>
                </tr>`,
              )}
            </tbody>
          </table></div>
          <p class="muted small footnote">HR@k: share of the customers with two or more purchases whose latest one, held out of training, is in their top k; “vs popularity”: the same for “popular right now” alone. Coverage: share of the catalogue recommended to at least one of them.</p>`}
  </section>`;
}

// ---------------------------------------------------------------------------------------------
// The page
const RANGES = [7, 14, 28, 90];
/** The dashboard's tabs; the URL's hash names the open one (#bot), so reload and links keep it. */
const TABS = [
  { id: 'team', label: 'Team' },
  { id: 'bot', label: 'Bot analytics' },
  { id: 'privacy', label: 'Privacy requests' },
];
const tabInUrl = () => TABS.find((t) => t.id !== 'team' && location.hash === `#${t.id}`)?.id ?? 'team';
/** What the bot tab (bot.js) draws and formats with: the same charts and the same time zone. */
const ui = { ChartCanvas, lineConfig, gridColor, minuteLabel: (iso) => minuteLabel(iso), dayLabel };

function Dashboard({ me, onSignedOut }) {
  const [periods, setPeriods] = useState(null);
  const [zone, setZone] = useState(null);
  const [periodKey, setPeriodKey] = useState('');
  const [days, setDays] = useState(28);
  const [ranking, setRanking] = useState(null);
  const [health, setHealth] = useState(null);
  const [csat, setCsat] = useState(null);
  const [sentiment, setSentiment] = useState(null);
  const [volume, setVolume] = useState(null);
  const [teamTrend, setTeamTrend] = useState(null);
  const [selected, setSelected] = useState(null);
  const [notice, setNotice] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [tab, setTab] = useState(tabInUrl);
  useEffect(() => {
    const follow = () => setTab(tabInUrl());
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  const openTab = (id) => {
    setTab(id);
    history.replaceState(null, '', id === 'team' ? location.pathname : `#${id}`);
  };

  const handle = useCallback(
    (err) => {
      if (err.name === 'AbortError') return; // cancelled by sign-out
      if (err instanceof ApiError && err.status === 401) return onSignedOut();
      setError(err.message);
    },
    [onSignedOut],
  );
  const period = useMemo(() => periods?.find((p) => `${p.start}|${p.end}` === periodKey) ?? periods?.[0] ?? null, [periods, periodKey]);

  const loadPeriods = useCallback(
    () =>
      api('GET', '/api/dashboard/periods').then((r) => {
        showTimesIn(r.timeZone);
        setZone(r.timeZone);
        setPeriods(r.periods);
      }, handle),
    [handle],
  );
  useEffect(() => {
    void loadPeriods();
  }, [loadPeriods]);
  useEffect(() => {
    if (!periods) return;
    api('GET', `/api/dashboard/ranking?${periodParams(period)}`).then(setRanking, handle);
    api('GET', `/api/dashboard/score-trend?kind=${period?.kind === 'week' ? 'week' : 'day'}&limit=${period?.kind === 'week' ? 12 : 28}`).then(setTeamTrend, handle);
  }, [periods, period, handle]);
  useEffect(() => {
    api('GET', `/api/dashboard/csat?days=${days}`).then(setCsat, handle);
    api('GET', `/api/dashboard/sentiment?days=${days}`).then(setSentiment, handle);
    api('GET', `/api/dashboard/volume?days=${days}`).then(setVolume, handle);
  }, [days, handle]);
  useEffect(() => {
    const load = () => api('GET', '/api/dashboard/queues').then(setHealth, handle);
    void load();
    const timer = setInterval(load, 30_000);
    return () => clearInterval(timer);
  }, [handle]);

  const evaluateNow = async () => {
    setBusy(true);
    setNotice(null);
    try {
      const out = await api('POST', '/api/dashboard/evaluate', period ? { start: period.start, end: period.end } : { granularity: 'day' });
      setNotice(`Evaluation queued for ${periodLabel({ ...out.period, kind: period?.kind ?? 'day' })}. The ranking refreshes when it is done.`);
      // The job runs in the background: refresh a little later.
      setTimeout(() => void loadPeriods(), 4000);
    } catch (err) {
      handle(err);
    } finally {
      setBusy(false);
    }
  };

  const signOut = async () => {
    await signOutSession().catch(() => undefined);
    onSignedOut();
  };

  return html`<div class="shell">
    <${TopBar} me=${me} onSignOut=${signOut} />
    <div class="tabs-bar" role="tablist" aria-label="Dashboard sections">
      ${TABS.map((t) => html`<button type="button" role="tab" id=${`tab-${t.id}`} aria-selected=${tab === t.id} aria-controls="dashboard-panel" class=${tab === t.id ? 'tab active' : 'tab'} onClick=${() => openTab(t.id)}>${t.label}</button>`)}
    </div>
    <div class="toolbar" role="toolbar" aria-label="Dashboard controls">
      ${tab === 'team' && html`<label class="inline">Scores for
        <select aria-label="Score period" value=${period ? `${period.start}|${period.end}` : ''} onChange=${(e) => setPeriodKey(e.currentTarget.value)} disabled=${!periods?.length}>
          ${(periods ?? []).map((p) => html`<option value=${`${p.start}|${p.end}`}>${periodLabel(p)} · ${p.agents} agents</option>`)}
          ${periods && !periods.length && html`<option value="">no evaluations yet</option>`}
        </select>
      </label>`}
      ${tab !== 'privacy' && html`<label class="inline">Trends over
        <select aria-label="Trend range" value=${String(days)} onChange=${(e) => setDays(Number(e.currentTarget.value))}>
          ${RANGES.map((d) => html`<option value=${String(d)}>last ${d} days</option>`)}
        </select>
      </label>`}
      ${zone && html`<span class="muted small zone-note">times in ${zone}</span>`}
      <span class="spacer"></span>
      ${tab === 'team' && notice && html`<span class="notice" role="status">${notice}</span>`}
      ${tab === 'team' && html`<a class="button ghost" href=${`/api/dashboard/ranking.csv?${periodParams(period)}`} download>Export CSV</a>
      <button type="button" class="primary" onClick=${evaluateNow} disabled=${busy}>${busy ? 'Queuing…' : 'Evaluate now'}</button>`}
    </div>
    ${error && html`<p class="error banner" role="alert">${error} <button type="button" class="link" onClick=${() => setError(null)}>Dismiss</button></p>`}
    ${tab === 'privacy' && html`<main class="content" id="dashboard-panel" role="tabpanel" aria-labelledby="tab-privacy">${zone && html`<${PrivacyRequests} ui=${ui} onUnauthorized=${onSignedOut} />`}</main>`}
    ${tab === 'privacy' ? null : tab === 'bot'
      ? html`<main class="content" id="dashboard-panel" role="tabpanel" aria-labelledby="tab-bot">${zone && html`<${BotAnalytics} days=${days} ui=${ui} onUnauthorized=${onSignedOut} />`}</main>`
      : html`<main class="content" id="dashboard-panel" role="tabpanel" aria-labelledby="tab-team">
      <${QueueCards} health=${health} />
      <div class="grid">
        <section class="panel ranking-panel" aria-labelledby="ranking-title">
          <div class="section-head">
            <h2 id="ranking-title">Agent ranking</h2>
            <span class="muted small">${period ? periodLabel(period) : ''} · composite 0–100 · click an agent for the trend</span>
          </div>
          <${Ranking} ranking=${ranking} selected=${selected} onSelect=${(id) => setSelected((s) => (s === id ? null : id))} />
          <${TeamTrend} trend=${teamTrend} />
        </section>
        <${TeamCharts} csat=${csat} sentiment=${sentiment} volume=${volume} />
      </div>
      ${selected && html`<${AgentDetail} agentId=${selected} period=${period} onClose=${() => setSelected(null)} />`}
      <${RecommendationModels} onUnauthorized=${onSignedOut} />
    </main>`}
  </div>`;
}

function App() {
  const [me, setMe] = useState(undefined);
  useEffect(() => {
    // The session probe answers 200 signed in or not: no 401 logged on a load.
    api('GET', '/api/auth/session').then((s) => setMe(s.me), () => setMe(null));
  }, []);
  if (me === undefined) return html`<p class="boot">Loading the dashboard…</p>`;
  if (me === null) {
    return html`<main class="gate"><div class="gate-card"><div class="brand-mark" aria-hidden="true">C</div><h1>Signed out</h1><p><a class="button" href="/console/?next=/dashboard/">Sign in</a> (at the console; you come back here after).</p></div></main>`;
  }
  return html`<${Dashboard} me=${me} onSignedOut=${() => setMe(null)} />`;
}

if (!Chart) document.getElementById('app').textContent = 'The chart library did not load.';
else render(html`<${App} />`, document.getElementById('app'));
