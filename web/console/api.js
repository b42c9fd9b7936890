// The console API over fetch, shared by the agent console and the supervisor dashboard (same session
// cookie): JSON in and out, errors as ApiError with the server's status and code.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// Requests of the signed-in page, cancelled together when the agent signs out: a refresh still in
// flight would otherwise come back 401 once the session is gone (an error in the browser console).
let pending = new AbortController();
let signingOut = false;

/** Ends the session: cancels the page's requests in flight, refuses new ones until the sign-out is done. */
export async function signOutSession() {
  signingOut = true;
  pending.abort();
  pending = new AbortController();
  try {
    await fetch('/api/auth/sign-out', { method: 'POST', credentials: 'same-origin', headers: { accept: 'application/json' } });
  } finally {
    signingOut = false;
  }
}

export async function api(method, path, body) {
  if (signingOut) throw new DOMException('signing out', 'AbortError');
  const res = await fetch(path, {
    method,
    signal: pending.signal,
    credentials: 'same-origin',
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, data.error?.code ?? 'error', data.error?.message ?? `HTTP ${res.status}`);
  return data;
}
