// What the meeting panel's parts share: the meeting document as plain
// values, what each part is rendered from, and the command button.

import { Me, Role, Session } from './api'
import { h } from './dom'
import { Status } from './status'

export interface MeetingState {
  session: { state?: 'scheduled' | 'live' | 'ended', startedAt?: number, endedAt?: number, host?: string }
  agenda: Array<{ id: string, title: string, minutes: number, done?: boolean, spentSeconds?: number }>
  current: { item?: string, since?: number }
  timer: { state?: string, durationMs?: number, endsAt?: number, remainingMs?: number }
  hands: Array<{ subject: string, name: string, raisedAt: number }>
  polls: Record<string, Poll>
  participants: Record<string, { name: string, role: Role, joinedAt: number, leftAt?: number }>
}

export interface Poll {
  id: string
  question: string
  options: string[]
  multiple?: boolean
  anonymous?: boolean
  hidden?: boolean
  state: 'open' | 'closed'
  counts?: number[]
  results?: number[]
  voters?: number
  votes?: Record<string, number[]>
}

export interface Ctx {
  id: string
  me: Me
  sess: Session
  role: () => Role
  status: Status
  run: (cmd: Record<string, unknown>, from: Element) => Promise<boolean>
}

export interface View {
  s: MeetingState
  st: 'scheduled' | 'live' | 'ended'
  role: Role
  runs: boolean
  off?: string
  me: Me
  id: string
}

// btn is a command button; the panel's click handler sends data-cmd.
export function btn (id: string, label: string, cmd: Record<string, unknown>, o: { cls?: string, confirm?: string, off?: string, label?: string } = {}): HTMLElement {
  return h('button', {
    type: 'button',
    id,
    class: o.cls,
    'data-cmd': JSON.stringify(cmd),
    'data-confirm': o.confirm,
    'aria-label': o.label,
    'aria-disabled': o.off === undefined ? undefined : 'true',
    'data-reason': o.off
  }, label)
}
