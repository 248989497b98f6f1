// Requests to the modeller's JSON endpoints: CSRF header on writes, one-line errors.
const root = document.getElementById('modeller') || document.getElementById('differ');

export const page = root ? root.dataset : {};

/** Error with the server's one-line explanation (a JSON problem's detail). */
export class RequestError extends Error {}

async function problemText(response) {
  try {
    const body = await response.json();
    return body.detail || body.title || `${response.status} ${response.statusText}`;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

/**
 * Fetch from the modeller API; throws RequestError with the server's message.
 * @param {string} path relative to data-api (or absolute when it starts with /)
 */
export async function call(path, { method = 'GET', body, json, as = 'json' } = {}) {
  const headers = {};
  if (method !== 'GET') headers['X-CSRF-Token'] = page.csrf;
  let payload = body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(json);
  }
  const url = path.startsWith('/') ? path : `${page.api}/${path}`;
  const response = await fetch(url, { method, headers, body: payload, credentials: 'same-origin' });
  if (!response.ok) throw new RequestError(await problemText(response));
  return as === 'text' ? response.text() : response.json();
}

export const fileUrl = () =>
  `${encodeURIComponent(page.package)}/files/${encodeURIComponent(page.filename)}`;
