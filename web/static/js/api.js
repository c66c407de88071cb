// REST helpers. Errors come back from the server as {"error": {"code", "message"}}; every call
// here rejects with a plain {code, message, status} object so views can show message text.

export class ApiError extends Error {
  constructor(code, message, status) {
    super(message || code);
    this.code = code;
    this.status = status;
  }
}

async function parseError(resp) {
  let code = 'unavailable';
  let message = `${resp.status} ${resp.statusText}`;
  try {
    const body = await resp.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || message;
    }
  } catch (_) { /* not JSON */ }
  if (resp.status === 401) code = 'unauthenticated';
  return new ApiError(code, message, resp.status);
}

export async function request(method, path, { token, json, form, raw } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  let resp;
  try {
    resp = await fetch(path, { method, headers, body, credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError('unavailable', 'The server cannot be reached. Check your connection and try again.', 0);
  }
  if (!resp.ok) throw await parseError(resp);
  if (raw) return resp;
  if (resp.status === 204) return {};
  const type = resp.headers.get('Content-Type') || '';
  if (type.includes('application/json')) return resp.json();
  return { text: await resp.text() };
}

export const api = {
  get: (path, token) => request('GET', path, { token }),
  post: (path, json, token) => request('POST', path, { json, token }),
  put: (path, json, token) => request('PUT', path, { json, token }),
  patch: (path, json, token) => request('PATCH', path, { json, token }),
  del: (path, token) => request('DELETE', path, { token }),
  upload: (path, form, token) => request('POST', path, { form, token }),
  raw: (path, token) => request('GET', path, { token, raw: true }),
};

// Session storage in localStorage, so a reload resumes. Requesters and staff use separate keys.
const KEY = { requester: 'livehelp.requester', staff: 'livehelp.staff' };

export function loadSession(kind) {
  try {
    const raw = localStorage.getItem(KEY[kind]);
    return raw ? JSON.parse(raw) : null;
  } catch (_) {
    return null;
  }
}

export function saveSession(kind, value) {
  try {
    if (value) localStorage.setItem(KEY[kind], JSON.stringify(value));
    else localStorage.removeItem(KEY[kind]);
  } catch (_) { /* storage disabled: session lives for this page only */ }
}

export async function staffLogin(username, password) {
  const data = await api.post('/api/session', { username, password });
  saveSession('staff', { token: data.token, account: data.account });
  return data;
}

export async function guestLogin(displayName) {
  const data = await api.post('/api/guest', { display_name: displayName });
  return data;
}

/** Download an authenticated file (transcript, attachment) through fetch + a blob URL. */
export async function downloadFile(path, token, fallbackName) {
  const resp = await api.raw(path, token);
  let name = fallbackName;
  const disp = resp.headers.get('Content-Disposition') || '';
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disp);
  if (m) {
    try { name = decodeURIComponent(m[1]); } catch (_) { name = m[1]; }
  }
  const blob = await resp.blob();
  return { blob, name };
}
