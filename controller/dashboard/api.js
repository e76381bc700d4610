// The controller's JSON API (protobuf JSON mapping of nas.v1.SearchService):
// one fetch wrapper that adds the bearer token and turns every non-2xx answer
// into an ApiError carrying the gRPC status name and message.

const TOKEN_KEY = 'nas.dashboard.token';

export class ApiError extends Error {
  constructor(httpStatus, status, message, path) {
    super(`${status}: ${message}`);
    this.httpStatus = httpStatus;  // 0 when the request never got an answer.
    this.status = status;          // "NOT_FOUND", "UNAUTHENTICATED", ...
    this.path = path;
  }
}

export function getToken() {
  return localStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(token) {
  if (token) {
    localStorage.setItem(TOKEN_KEY, token);
  } else {
    localStorage.removeItem(TOKEN_KEY);
  }
}

function query(params) {
  const parts = [];
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') parts.push(`${k}=${encodeURIComponent(v)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

async function request(method, path, params, body) {
  const headers = {'Accept': 'application/json'};
  const token = getToken();
  if (token) headers['Authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const url = path + query(params);
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'UNAVAILABLE', `cannot reach the controller (${e.message})`, url);
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : {};
  } catch (e) {
    if (response.ok) throw new ApiError(response.status, 'INTERNAL', `not JSON: ${text.slice(0, 200)}`, url);
  }
  if (!response.ok) {
    const status = (json && json.status) || `HTTP ${response.status}`;
    const message = (json && json.message) || text.slice(0, 200) || response.statusText;
    throw new ApiError(response.status, status, message, url);
  }
  return json;
}

// Int64 fields arrive as strings; counts we compare or add are made numbers.
export const num = (v) => (v === undefined || v === null || v === '' ? 0 : Number(v));

export const api = {
  listSearches: (pageToken) =>
    request('GET', '/v1/searches', {page_size: 1000, page_token: pageToken}),
  getSearch: (id) => request('GET', `/v1/searches/${id}`),
  createSearch: (spec, requestId) =>
    request('POST', '/v1/searches', undefined, {spec, requestId: requestId || ''}),
  cancelSearch: (id) => request('POST', `/v1/searches/${id}:cancel`, undefined, {}),
  listIndividuals: (id, pageToken, pageSize = 1000) =>
    request('GET', `/v1/searches/${id}/individuals`, {page_size: pageSize, page_token: pageToken}),
  listEpochs: (id, skip) => request('GET', `/v1/searches/${id}/epochs`, {skip}),
  listLogs: (id, individualId, skip) =>
    request('GET', `/v1/searches/${id}/logs`, {individual_id: individualId, skip}),
  getLineage: (individualId) => request('GET', `/v1/individuals/${individualId}/lineage`),
  listWorkers: (seenWithinSeconds) =>
    request('GET', '/v1/workers', {seen_within_seconds: seenWithinSeconds}),
};

// Every search, following next_page_token (newest first).
export async function listAllSearches() {
  const all = [];
  let token = '';
  do {
    const page = await api.listSearches(token);
    all.push(...(page.searches || []));
    token = page.nextPageToken || '';
  } while (token);
  return all;
}
