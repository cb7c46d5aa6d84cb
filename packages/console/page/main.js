import { render } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api, openLive, token, Unauthorized } from './api.js';
import { duration, outcomeLabel, percent, seconds, time } from './format.js';

// Every value shown comes from webhooks (attacker-controlled): it is rendered as text by Preact,
// never as HTML.

function TokenForm({ onDone, refused }) {
  const [value, setValue] = useState('');
  const submit = (e) => { e.preventDefault(); token.set(value.trim()); onDone(); };
  return html`<main class="gate">
    <h1>callrelay console</h1>
    <form onSubmit=${submit}>
      <label for="token">Admin token</label>
      <input id="token" type="password" autocomplete="current-password" required value=${value} onInput=${(e) => setValue(e.currentTarget.value)} />
      <button type="submit">Open the console</button>
      ${refused && html`<p role="alert" class="error">The admin token was refused. Enter the <code>admin.token</code> of this node.</p>`}
    </form>
  </main>`;
}

const key = (c) => `${c.source}\n${c.callId}`;

function matches(call, f) {
  if (f.source && call.source !== f.source) return false;
  if (f.outcome === 'in-progress' ? call.outcome : f.outcome && call.outcome !== f.outcome) return false;
  if (f.number && ![call.from, call.to, call.answeredBy].some((n) => n?.includes(f.number))) return false;
  if (f.from && call.startedAt < new Date(f.from).toISOString()) return false;
  if (f.to && call.startedAt >= new Date(f.to).toISOString()) return false;
  return true;
}

function query(f, extra = {}) {
  const q = new URLSearchParams();
  if (f.source) q.set('source', f.source);
  if (f.outcome) q.set('outcome', f.outcome);
  if (f.number) q.set('number', f.number);
  if (f.from) q.set('from', new Date(f.from).toISOString());
  if (f.to) q.set('to', new Date(f.to).toISOString());
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q.toString();
}

function Filters({ value, onApply }) {
  const [f, setF] = useState(value);
  const set = (name) => (e) => setF({ ...f, [name]: e.currentTarget.value });
  return html`<form class="filters" role="search" onSubmit=${(e) => { e.preventDefault(); onApply(f); }}>
    <label>Source <input name="source" value=${f.source} onInput=${set('source')} /></label>
    <label>Outcome <select name="outcome" value=${f.outcome} onChange=${set('outcome')}>
      <option value="">any</option><option value="missed">missed</option><option value="completed">completed</option><option value="in-progress">in progress</option>
    </select></label>
    <label>Number <input name="number" inputmode="tel" value=${f.number} onInput=${set('number')} /></label>
    <label>From <input name="from" type="datetime-local" value=${f.from} onInput=${set('from')} /></label>
    <label>To <input name="to" type="datetime-local" value=${f.to} onInput=${set('to')} /></label>
    <button type="submit">Apply filters</button>
  </form>`;
}

function Calls({ onOpen, onError }) {
  const [filters, setFilters] = useState({ source: '', outcome: '', number: '', from: '', to: '' });
  const [calls, setCalls] = useState([]);
  const [next, setNext] = useState();
  const [live, setLive] = useState('connecting');
  const filtersRef = useRef(filters);

  useEffect(() => {
    filtersRef.current = filters;
    let stop;
    let cancelled = false;
    api(`/api/calls?${query(filters, { limit: '50' })}`).then(async (page) => {
      if (cancelled) return;
      setCalls(page.calls); setNext(page.next);
      stop = await openLive(page.mark, (changed) => {
        setCalls((list) => {
          const byKey = new Map(list.map((c) => [key(c), c]));
          const fresh = [];
          for (const c of changed) {
            if (!matches(c, filtersRef.current)) continue;
            if (byKey.has(key(c))) byKey.set(key(c), c); else fresh.push(c);
          }
          return [...fresh.reverse(), ...list.map((c) => byKey.get(key(c)))];
        });
      }, setLive);
      if (cancelled) stop();
    }).catch(onError);
    return () => { cancelled = true; stop?.(); };
  }, [filters]);

  const more = () => api(`/api/calls?${query(filters, { limit: '50', cursor: next })}`).then((page) => {
    setCalls((list) => [...list, ...page.calls]); setNext(page.next);
  }).catch(onError);

  return html`<section aria-labelledby="calls-h">
    <h2 id="calls-h">Calls <span class="live" aria-live="polite">${live === 'live' ? '● live' : live}</span></h2>
    <${Filters} value=${filters} onApply=${setFilters} />
    <div class="scroll"><table class="calls">
      <caption class="sr-only">Calls, newest first</caption>
      <thead><tr><th scope="col">Started</th><th scope="col">Source</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Outcome</th><th scope="col">Answered by</th><th scope="col">Ring</th><th scope="col">Talk</th><th scope="col"><span class="sr-only">Details</span></th></tr></thead>
      <tbody>
        ${calls.map((c) => html`<tr key=${key(c)} data-call-id=${c.callId} class=${`outcome-${c.outcome ?? 'in-progress'}`}>
          <td data-label="Started">${time(c.startedAt)}</td><td data-label="Source">${c.source}</td>
          <td data-label="From">${c.from}</td><td data-label="To">${c.to}</td>
          <td data-label="Outcome" class="outcome">${outcomeLabel(c.outcome)}</td>
          <td data-label="Answered by">${c.answeredBy}</td><td data-label="Ring">${seconds(c.ringSeconds)}</td><td data-label="Talk">${seconds(c.talkSeconds)}</td>
          <td><button type="button" onClick=${() => onOpen(c)} aria-label=${`Timeline of call ${c.callId}`}>Timeline</button></td>
        </tr>`)}
      </tbody>
    </table></div>
    ${calls.length === 0 && html`<p>No calls match.</p>`}
    ${next && html`<button type="button" onClick=${more}>Load more calls</button>`}
  </section>`;
}

function Timeline({ call, onClose, onError }) {
  const [detail, setDetail] = useState();
  const heading = useRef();
  useEffect(() => {
    api(`/api/calls/${encodeURIComponent(call.source)}/${encodeURIComponent(call.callId)}`).then(setDetail).catch(onError);
    heading.current?.focus();
  }, [call]);
  return html`<section class="timeline" aria-labelledby="tl-h">
    <h2 id="tl-h" tabindex="-1" ref=${heading}>Call ${call.callId} <small>(${call.source}, ${outcomeLabel(call.outcome)})</small></h2>
    <button type="button" onClick=${onClose}>Back to calls</button>
    ${!detail ? html`<p>Loading…</p>` : html`
      <h3>Events</h3>
      <ol class="events">${detail.events.map((e) => html`<li key=${e.id}>
        <time datetime=${e.occurredAt}>${time(e.occurredAt)}</time> <strong>${e.type}</strong>
        ${e.legId ? ` leg ${e.legId}` : ''}${e.agent ? ` · ${e.agent.extension ?? e.agent.raw}` : ''}${e.outcome ? ` · ${e.outcome}` : ''}${e.transfer ? ` · ${e.transfer} transfer` : ''}
        <details><summary>Event and raw webhook</summary><pre>${JSON.stringify(e, null, 2)}</pre></details>
      </li>`)}</ol>
      <h3>Deliveries</h3>
      ${detail.deliveries.length === 0 ? html`<p>No pipeline sent this call anywhere (yet).</p>` : html`<div class="scroll"><table>
        <thead><tr><th scope="col">Pipeline</th><th scope="col">Sink</th><th scope="col">Event</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Reason / next attempt</th></tr></thead>
        <tbody>${detail.deliveries.map((d) => html`<tr key=${d.id}><td>${d.pipeline}</td><td>${d.sinkId}</td><td>${d.eventType}</td><td class=${`state-${d.state}`}>${d.state}${d.replayedAs ? " (replayed)" : ""}</td><td>${d.attempts}</td><td>${d.reason ?? time(d.nextAttemptAt)}</td></tr>`)}</tbody>
      </table></div>`}
    `}
  </section>`;
}

function Sinks({ onError, tick }) {
  const [sinks, setSinks] = useState();
  useEffect(() => { api('/api/sinks').then((r) => setSinks(r.sinks)).catch(onError); }, [tick]);
  if (!sinks) return html`<p>Loading…</p>`;
  return html`<section aria-labelledby="sinks-h"><h2 id="sinks-h">Sinks</h2>
    <div class="scroll"><table>
      <thead><tr><th scope="col">Sink</th><th scope="col">Queue</th><th scope="col">Waiting since</th><th scope="col">Success rate</th><th scope="col">Dead letters</th><th scope="col">Last error</th><th scope="col">Retry schedule</th></tr></thead>
      <tbody>${sinks.map((s) => html`<tr key=${s.id} data-sink=${s.id}>
        <td data-label="Sink">${s.id} <small>(${s.type})</small></td><td data-label="Queue">${s.queueDepth}</td>
        <td data-label="Waiting since">${time(s.waitingSince)}</td><td data-label="Success rate">${percent(s.successRate)}</td>
        <td data-label="Dead letters">${s.deadLetters}</td><td data-label="Last error">${s.lastError ? `${s.lastError.reason} (${time(s.lastError.at)})` : ''}</td>
        <td data-label="Retry schedule"><details><summary>${s.retry.maxAttempts} attempts over ${duration(s.retry.spanMs.min)}–${duration(s.retry.spanMs.max)}</summary>
          <ol>${s.retry.waits.map((w) => html`<li key=${w.afterAttempt}>after attempt ${w.afterAttempt}: ${duration(w.minMs)}–${duration(w.maxMs)}</li>`)}</ol></details></td>
      </tr>`)}</tbody>
    </table></div></section>`;
}

function DeadLetters({ onError, tick, onChanged }) {
  const [letters, setLetters] = useState();
  const [status, setStatus] = useState('');
  const load = useCallback(() => api('/api/dead-letters?limit=200').then((r) => setLetters(r.deadLetters)).catch(onError), []);
  useEffect(() => { load(); }, [tick]);
  const act = (action, body) => api(`/api/dead-letters/${action}`, { method: 'POST', body })
    .then((r) => { setStatus(`${action === 'replay' ? 'Replayed' : 'Discarded'} ${r.count} dead letter${r.count === 1 ? '' : 's'}.`); load(); onChanged(); })
    .catch(onError);
  if (!letters) return html`<p>Loading…</p>`;
  return html`<section aria-labelledby="dl-h"><h2 id="dl-h">Dead letters</h2>
    <p role="status">${status}</p>
    ${letters.length === 0 ? html`<p>No dead letters.</p>` : html`
      <div class="scroll"><table class="dead-letters">
        <thead><tr><th scope="col">Failed</th><th scope="col">Sink</th><th scope="col">Call</th><th scope="col">Event</th><th scope="col">Attempts</th><th scope="col">Reason</th><th scope="col">Actions</th></tr></thead>
        <tbody>${letters.map((l) => html`<tr key=${l.id} data-dead-letter=${l.id}>
          <td data-label="Failed">${time(l.failedAt)}</td><td data-label="Sink">${l.sinkId}</td><td data-label="Call">${l.event.callId}</td>
          <td data-label="Event">${l.event.type}</td><td data-label="Attempts">${l.attempts}</td><td data-label="Reason" class="reason">${l.reason}</td>
          <td class="actions"><button type="button" onClick=${() => act('replay', { ids: [l.id] })} aria-label=${`Replay dead letter ${l.id}`}>Replay</button>
            <button type="button" class="danger" onClick=${() => confirm('Discard this dead letter for good?') && act('discard', { ids: [l.id] })} aria-label=${`Discard dead letter ${l.id}`}>Discard</button></td>
        </tr>`)}</tbody>
      </table></div>`}
  </section>`;
}

const TABS = [['calls', 'Calls'], ['sinks', 'Sinks'], ['dead-letters', 'Dead letters']];

function App() {
  // Straight to the calls: the first request tells whether the token is needed (or wrong), which
  // saves a round trip before the first rows.
  const [state, setState] = useState('ready');
  const [tab, setTab] = useState('calls');
  const [open, setOpen] = useState();
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  const onError = useCallback((err) => {
    if (err instanceof Unauthorized) { setState(token.get() ? 'refused' : 'ask'); token.clear(); } else setError(String(err.message ?? err));
  }, []);
  // Sinks and dead letters change without calls changing (a retry, a replay): look again every few seconds.
  useEffect(() => { const t = setInterval(() => setTick((n) => n + 1), 3000); return () => clearInterval(t); }, []);
  if (state === 'ask' || state === 'refused') return html`<${TokenForm} refused=${state === 'refused'} onDone=${() => { setError(''); setState('ready'); }} />`;
  return html`<header><h1>callrelay</h1>
      <nav aria-label="Sections">${TABS.map(([id, label]) => html`<button type="button" key=${id} aria-current=${tab === id ? 'page' : undefined} onClick=${() => { setTab(id); setOpen(undefined); }}>${label}</button>`)}</nav>
      <button type="button" class="signout" onClick=${() => { token.clear(); setState('ask'); }}>Forget token</button>
    </header>
    <main>
      ${error && html`<p role="alert" class="error">${error} <button type="button" onClick=${() => setError('')}>Dismiss</button></p>`}
      ${tab === 'calls' && (open ? html`<${Timeline} call=${open} onClose=${() => setOpen(undefined)} onError=${onError} />` : null)}
      <div hidden=${tab !== 'calls' || open !== undefined}><${Calls} onOpen=${setOpen} onError=${onError} /></div>
      ${tab === 'sinks' && html`<${Sinks} onError=${onError} tick=${tick} />`}
      ${tab === 'dead-letters' && html`<${DeadLetters} onError=${onError} tick=${tick} onChanged=${() => setTick((n) => n + 1)} />`}
    </main>`;
}

render(html`<${App} />`, document.getElementById('app'));
