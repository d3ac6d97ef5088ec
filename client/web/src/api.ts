// The REST API of cocreate (docs/openapi.yaml), as the pages use it.

export type Role = 'host' | 'cohost' | 'member' | 'viewer'

export interface AgendaItem { id: string, title: string, minutes: number }

export interface Session {
  id: string
  title: string
  description: string
  scheduled_at: string
  time_zone: string
  agenda: AgendaItem[]
  host: string
  state: 'scheduled' | 'live' | 'ended'
  // When the meeting actually started and ended (absent before).
  started_at?: string
  ended_at?: string
  my_role?: Role
  space_id?: string
  visibility?: Visibility
}

export type Visibility = 'space' | 'private' | 'public'
export type SpaceRole = 'owner' | 'admin' | 'member' | 'viewer'

// Me is the caller's profile (GET|PATCH /api/me): the name and colour
// the server stamps on everything the person does.
export interface Me { subject: string, name: string, color: string }

export interface Space { id: string, name: string, created_at: string, my_role: SpaceRole }

export interface Member { subject: string, role: SpaceRole, name: string, color: string }

export interface Invite {
  code: string
  url: string
  path: string
  space_id: string
  space_name: string
  session_id?: string
  session_title?: string
  role: string
  expires_at: string
  max_uses: number
  uses: number
}

// Task is an open task item of a session's notes (GET
// /api/spaces/{id}/tasks): the same task_id for each copy carried
// into a later occurrence (from_session_id: where that copy came from).
export interface Task {
  task_id?: string
  session_id: string
  session_title: string
  text: string
  owner?: string
  owner_subject?: string
  due?: string
  link: string
  from_session_id?: string
}

export interface TaskGroup {
  owner?: string
  owner_subject?: string
  session_id?: string
  session_title?: string
  tasks: Task[]
}

export class APIError extends Error {
  constructor (public status: number, public code: string, message: string) {
    super(message)
  }
}

// The token, when the page was opened with ?token= (servers with
// --auth-secret); guests (dev mode) carry a cookie instead.
export const token = new URLSearchParams(location.search).get('token') ?? ''

export async function api<T> (method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {}
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (token !== '') headers.Authorization = 'Bearer ' + token
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin'
  })
  const text = await res.text()
  let data: any = null
  try { data = text === '' ? null : JSON.parse(text) } catch { data = text }
  if (!res.ok) {
    throw new APIError(res.status, data?.code ?? 'error', data?.message ?? res.statusText)
  }
  return data as T
}

export const command = async (session: string, cmd: Record<string, unknown>): Promise<any> =>
  await api('POST', `/api/sessions/${encodeURIComponent(session)}/commands`, cmd)

// withToken adds the page's token to a same-origin link.
export const withToken = (path: string): string =>
  token === '' ? path : path + (path.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token)
