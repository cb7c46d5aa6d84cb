// The admin API as the page uses it: the token kept for the tab (sessionStorage), sent as a Bearer header.
const KEY = 'callrelay.adminToken';

export const token = {
  get: () => sessionStorage.getItem(KEY) ?? '',
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

export class Unauthorized extends Error {}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  const t = token.get();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401) throw new Unauthorized('the admin token was refused');
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error ?? `${res.status} ${res.statusText}`);
  return data;
}

/**
 * The live stream. EventSource cannot send an Authorization header: the page asks for a one-time
 * ticket with the token and opens the stream with it (a token in the URL would end up in logs).
 */
export async function openLive(after, onCalls, onState) {
  let source;
  let stopped = false;
  const connect = async (mark) => {
    try {
      const { ticket } = await api('/api/live-ticket', { method: 'POST' });
      if (stopped) return;
      const qs = new URLSearchParams({ ticket, ...(mark !== undefined ? { after: String(mark) } : {}) });
      source = new EventSource(`/api/events?${qs}`);
      source.addEventListener('open', () => onState('live'));
      source.addEventListener('calls', (e) => {
        const calls = JSON.parse(e.data);
        if (calls.length) mark = calls[calls.length - 1].change;
        onCalls(calls);
      });
      // A ticket is good for one connection: reconnect with a new one rather than letting EventSource retry.
      source.addEventListener('error', () => { source.close(); onState('reconnecting'); if (!stopped) setTimeout(() => connect(mark), 2000); });
    } catch {
      onState('reconnecting');
      if (!stopped) setTimeout(() => connect(mark), 5000);
    }
  };
  await connect(after);
  return () => { stopped = true; source?.close(); };
}
