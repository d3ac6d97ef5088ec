// The stock Hocuspocus provider (3.x or 4.x, chosen by the first
// argument) against cocreate's GET /hocuspocus, for server/hocuspocus_test.go.
// Each mode prints one JSON line with what it saw; the Go test judges it.
//
//   node hocus.mjs V sync URL DOC TOKEN TEXT
//       connect, wait synced, append TEXT to Text "t", wait until the
//       server acknowledged every change (SyncStatus), print
//       {text, scope, unsynced}
//   node hocus.mjs V offline URL DOC TOKEN TEXT
//       sync, disconnect, append TEXT while offline, reconnect, wait
//       acknowledged, print {text, scope, unsynced, connects}
//   node hocus.mjs V two URL DOC1 DOC2 TOKEN
//       one HocuspocusProviderWebsocket, two documents: each appends its
//       name, print {docs: {name: {text, scope, unsynced, failed}}, sockets}
//   node hocus.mjs V readonly URL DOC TOKEN
//       sync, try an edit; print {text, scope, unsynced, statuses}
//       (statuses: the SyncStatus values the server sent)
//   node hocus.mjs V badtoken URL DOC TOKEN
//       expect authenticationFailed; watch 3 s more; print {reason,
//       connects, synced}
//   node hocus.mjs v4 session URL DOC TOKEN
//       4.x session awareness: two providers of the same document on one
//       socket (address "DOC\0session"); one types, the other sees it;
//       print {a, b, unsynced, sockets}
//   node hocus.mjs V caret HOCUS_URL SYNC_URL DOC TOKEN
//       a Hocuspocus provider and a y-websocket provider on one document:
//       both type and set a caret (awareness); print {hocus, ywebsocket}
//       with the text and the carets each saw
import * as Y from 'yjs'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as v3 from 'provider-v3'
import * as v4 from 'provider-v4'
import { waitFor as waitUntil, sleep } from '../wait.mjs'

const [version, mode, ...args] = process.argv.slice(2)
const lib = { v3, v4 }[version]
if (!lib) throw new Error('first argument: v3 or v4')
const { HocuspocusProvider, HocuspocusProviderWebsocket } = lib

// Hocuspocus waits give up after 15 s.
const waitFor = (cond, what, ms = 15000) => waitUntil(cond, what, ms)

// watch records what a provider hears: scope, failures, sync statuses.
const watch = (provider) => {
  const w = { scope: null, failed: null, statuses: [] }
  provider.on('authenticated', ({ scope }) => { w.scope = scope })
  provider.on('authenticationFailed', ({ reason }) => { w.failed = reason })
  provider.on('message', ({ message }) => {
    // message is the raw incoming frame: address, type, payload.
    const d = message.decoder
    const copy = { arr: d.arr, pos: d.pos }
    try {
      // lib0 varString then varUint type: read by hand to stay version-proof.
      let pos = 0
      const arr = copy.arr
      const varUint = () => {
        let n = 0; let mult = 1
        while (true) {
          const b = arr[pos++]
          n += (b & 0x7f) * mult
          mult *= 128
          if (b < 0x80) return n
        }
      }
      const len = varUint()
      pos += len
      const type = varUint()
      if (type === 8) w.statuses.push(varUint())
    } catch (e) {}
  })
  return w
}

const open = (url, name, token, extra = {}) => {
  const document = new Y.Doc()
  const provider = new HocuspocusProvider({ url, name, document, token, WebSocketPolyfill: WebSocket, ...extra })
  return { document, provider, w: watch(provider) }
}

const acked = (p) => waitFor(() => p.provider.isSynced && !p.provider.hasUnsyncedChanges, 'all changes acknowledged')
const synced = (p) => waitFor(() => p.provider.isSynced, 'synced')
const text = (p) => p.document.getText('t').toString()
const out = (v) => { process.stdout.write(JSON.stringify(v) + '\n') }

const main = async () => {
  switch (mode) {
    case 'sync': {
      const [url, doc, token, add] = args
      const p = open(url, doc, token)
      await synced(p)
      p.document.getText('t').insert(text(p).length, add)
      await acked(p)
      out({ text: text(p), scope: p.w.scope, unsynced: p.provider.unsyncedChanges })
      p.provider.destroy()
      break
    }
    case 'offline': {
      const [url, doc, token, add] = args
      const p = open(url, doc, token)
      let connects = 0
      p.provider.on('connect', () => { connects++ })
      await synced(p)
      p.provider.disconnect()
      await waitFor(() => !p.provider.isSynced, 'offline')
      p.document.getText('t').insert(text(p).length, add)
      await sleep(100)
      p.provider.connect()
      await synced(p)
      await acked(p)
      out({ text: text(p), scope: p.w.scope, unsynced: p.provider.unsyncedChanges, connects })
      p.provider.destroy()
      break
    }
    case 'two': {
      const [url, doc1, doc2, token] = args
      const socket = new HocuspocusProviderWebsocket({ url, WebSocketPolyfill: WebSocket })
      let sockets = 0
      socket.on('connect', () => { sockets++ })
      const ps = [doc1, doc2].map((name) => {
        const document = new Y.Doc()
        const provider = new HocuspocusProvider({ websocketProvider: socket, name, document, token })
        provider.attach()
        return { name, document, provider, w: watch(provider) }
      })
      await waitFor(() => ps.every(p => p.provider.isSynced || p.w.failed), 'both answered')
      for (const p of ps) {
        if (p.provider.isSynced) p.document.getText('t').insert(text(p).length, p.name)
      }
      for (const p of ps) {
        if (!p.w.failed) await acked(p)
      }
      await sleep(200)
      const docs = {}
      for (const p of ps) docs[p.name] = { text: text(p), scope: p.w.scope, unsynced: p.provider.unsyncedChanges, failed: p.w.failed }
      out({ docs, sockets })
      ps.forEach(p => p.provider.destroy())
      socket.destroy()
      break
    }
    case 'readonly': {
      const [url, doc, token] = args
      const p = open(url, doc, token)
      await synced(p)
      await acked(p)
      const before = p.w.statuses.length
      p.document.getText('t').insert(0, 'viewer was here ')
      await waitFor(() => p.w.statuses.length > before, 'a sync status for the edit')
      await sleep(200)
      out({ text: text(p), scope: p.w.scope, unsynced: p.provider.unsyncedChanges, statuses: p.w.statuses.slice(before) })
      p.provider.destroy()
      break
    }
    case 'badtoken': {
      const [url, doc, token] = args
      let connects = 0
      const p = open(url, doc, token)
      p.provider.on('connect', () => { connects++ })
      await waitFor(() => p.w.failed !== null, 'authenticationFailed')
      await sleep(3000)
      out({ reason: p.w.failed, connects, synced: p.provider.isSynced })
      p.provider.destroy()
      break
    }
    case 'session': {
      const [url, doc, token] = args
      const socket = new HocuspocusProviderWebsocket({ url, WebSocketPolyfill: WebSocket })
      let sockets = 0
      socket.on('connect', () => { sockets++ })
      const mk = () => {
        const document = new Y.Doc()
        const provider = new HocuspocusProvider({ websocketProvider: socket, name: doc, document, token, sessionAwareness: true })
        provider.attach()
        return { document, provider }
      }
      const a = mk()
      const b = mk()
      await waitFor(() => a.provider.isSynced && b.provider.isSynced, 'both synced')
      a.document.getText('t').insert(0, 'session ')
      await waitFor(() => text(b) === 'session ', 'the other session sees the edit')
      await acked(a)
      out({ a: text(a), b: text(b), unsynced: a.provider.unsyncedChanges, sockets })
      a.provider.destroy()
      b.provider.destroy()
      socket.destroy()
      break
    }
    case 'caret': {
      const [hurl, surl, doc, token] = args
      const h = open(hurl, doc, token)
      const ydoc = new Y.Doc()
      const y = new WebsocketProvider(surl, doc, ydoc, { WebSocketPolyfill: WebSocket, disableBc: true, params: token ? { token } : {} })
      await synced(h)
      await waitFor(() => y.synced, 'y-websocket synced')
      h.document.getText('t').insert(0, 'hocus ')
      ydoc.getText('t').insert(0, 'ywebsocket ')
      h.provider.setAwarenessField('user', { name: 'hocus', caret: 1 })
      y.awareness.setLocalStateField('user', { name: 'ywebsocket', caret: 2 })
      const names = (aw) => [...aw.getStates().values()].map(s => s.user && s.user.name).filter(Boolean).sort()
      await waitFor(() => text(h) === ydoc.getText('t').toString() && text(h).length === 'hocus ywebsocket '.length, 'both texts')
      await waitFor(() => names(h.provider.awareness).length === 2 && names(y.awareness).length === 2, 'both carets')
      await acked(h)
      out({
        hocus: { text: text(h), carets: names(h.provider.awareness) },
        ywebsocket: { text: ydoc.getText('t').toString(), carets: names(y.awareness) }
      })
      h.provider.destroy()
      y.destroy()
      break
    }
    default:
      throw new Error('unknown mode ' + mode)
  }
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(String(err && err.stack || err) + '\n')
  process.exit(1)
})
