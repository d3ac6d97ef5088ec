// One place for status: the connection, whether every change is stored
// by the server (its saved messages, type 101), the person's role, and announcements for screen
// readers (hands, polls, timer, role changes), all in the room header.

import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'
import { WebsocketProvider } from 'y-websocket'
import { h } from './dom'

// messageSaved is cocreate's saved message: the server sends it to a
// socket opened with ?saved=1, holding the encoded state vector of what
// its store durably holds of the document (docs/openapi.yaml, /sync).
export const messageSaved = 101

export type Conn = 'connecting' | 'connected' | 'disconnected'

export class Status {
  readonly el: HTMLElement
  private readonly dot = h('span', { class: 'conn-dot', 'aria-hidden': 'true' })
  private readonly text = h('span', { class: 'conn-text' }, 'Connecting…')
  private readonly live = h('div', { class: 'sr-only', role: 'status', 'aria-live': 'polite', id: 'announcer' })
  private readonly urgent = h('div', { class: 'sr-only', role: 'alert', 'aria-live': 'assertive', id: 'announcer-urgent' })
  private readonly toast = h('div', { class: 'toast', hidden: true, 'aria-hidden': 'true' })
  private conn: Conn = 'connecting'
  private pending = false
  // stored: the server's stored clock for this doc's own client;
  // local: the doc's own clock. Saved when stored >= local.
  private stored = 0
  private local = 0
  private synced = false
  private everConnected = false
  private lostSaid = false
  private settling = false // one settle loop at a time, however fast people type
  private toastTimer = 0
  private readonly listeners: Array<(online: boolean) => void> = []

  constructor () {
    this.el = h('div', { class: 'status', id: 'status', 'data-state': 'connecting' }, this.dot, this.text, this.live, this.urgent)
    document.body.append(this.toast)
  }

  // watch follows a provider: its connection, its first sync, and
  // whether local edits are still on their way (the socket's buffer).
  watch (p: WebsocketProvider, doc: { on: (ev: 'update', f: (u: Uint8Array, origin: unknown) => void) => void }): void {
    p.on('status', (e: { status: string }) => {
      this.conn = e.status as Conn
      this.render()
    })
    p.on('sync', (s: boolean) => {
      this.synced = s
      if (s) this.el.dataset.synced = 'yes'
      this.render()
    })
    // The stock provider's per-instance handler table: a saved message
    // updates the stored clock; nothing is answered.
    p.messageHandlers[messageSaved] = (_encoder, decoder) => {
      const sv = Y.decodeStateVector(decoding.readVarUint8Array(decoder))
      this.stored = sv.get(p.doc.clientID) ?? 0
      this.render()
    }
    doc.on('update', (_u, origin) => {
      if (origin === p) return // from the server
      this.local = Y.getState(p.doc.store, p.doc.clientID)
      this.pending = true
      this.render()
      if (!this.settling) {
        this.settling = true
        this.settle(p)
      }
    })
  }

  // settle clears "saving" once the socket has handed everything to the
  // network (y-websocket sends each update immediately when connected).
  private settle (p: WebsocketProvider): void {
    window.setTimeout(() => {
      const ws = p.ws
      if (this.conn === 'connected' && ws !== null && ws.bufferedAmount === 0) {
        this.pending = false
        this.settling = false
        this.render()
      } else {
        this.settle(p)
      }
    }, 400)
  }

  get online (): boolean { return this.conn === 'connected' }

  onOnline (f: (online: boolean) => void): void { this.listeners.push(f) }

  private render (): void {
    const was = this.el.dataset.state
    if (this.conn === 'connected') this.everConnected = true
    // Once connected, every state but connected is "offline" to a person
    // (y-websocket alternates disconnected and connecting while it retries).
    this.el.dataset.state = this.conn === 'connected' || !this.everConnected ? this.conn : 'disconnected'
    const saved = this.stored >= this.local
    let text: string
    if (this.conn === 'connected') {
      text = !this.synced ? 'Loading the notes…' : this.pending ? 'Sending changes…' : saved ? 'All changes saved' : 'Saving…'
    } else if (!this.everConnected) {
      text = 'Connecting…'
    } else if (!saved) {
      text = 'Not saved — offline. Your edits are kept and will be sent when the connection is back.'
    } else {
      text = 'Offline — reconnecting. Your edits are kept and will be sent.'
    }
    this.el.dataset.saved = this.conn === 'connected' && this.synced && !this.pending && saved ? 'yes' : 'no'
    this.text.textContent = text
    if (was !== this.el.dataset.state) {
      // A blip (a server restart, a network hiccup) is not worth an
      // announcement; an outage of more than two seconds is.
      if (this.conn === 'connected' && this.lostSaid) {
        this.lostSaid = false
        this.announce('Connected again. Your edits are synced.')
      }
      if (this.el.dataset.state === 'disconnected' && was === 'connected') {
        window.setTimeout(() => {
          if (this.conn !== 'connected' && !this.lostSaid) {
            this.lostSaid = true
            this.announce('Connection lost. Reconnecting; your edits are kept.')
          }
        }, 2000)
      }
      for (const f of this.listeners) f(this.online)
    }
  }

  // announce tells screen readers (and shows a short toast for sighted
  // people) something that happened elsewhere on the page.
  announce (msg: string, urgent = false, toast = true): void {
    const el = urgent ? this.urgent : this.live
    el.textContent = ''
    window.setTimeout(() => { el.textContent = msg }, 50)
    if (!toast) return
    this.toast.textContent = msg
    this.toast.hidden = false
    window.clearTimeout(this.toastTimer)
    this.toastTimer = window.setTimeout(() => { this.toast.hidden = true }, 4000)
  }
}
