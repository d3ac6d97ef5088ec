// Stock Yjs clients for the server's interop test (server/interop_test.go).
//
//   node interop.mjs edit URL DOC SEED   several providers make random edits
//                                         on Text/Map/Array/XmlFragment with
//                                         disconnects, converge, print state
//   node interop.mjs read URL DOC        one late joiner: sync, print state
//   node interop.mjs aware URL DOC       set awareness {"name":"node"}, print
//                                         READY <clientID>, leave on stdin EOF
//   node interop.mjs follow URL DOC      sync, print READY, then print the
//                                         state for every stdin line; leave
//                                         on EOF (the test may SIGSTOP it to
//                                         play a reader that falls behind)
//   node interop.mjs meeting URL DOC TOKEN observe a meeting document: print
//                                         READY, then one JSON line per agenda
//                                         change {event:"agenda",t,titles};
//                                         on stdin "write" try to change the
//                                         doc and print {event:"denied",reason}
//                                         when the server refuses it
//
// State is printed as one JSON line: {text, map, array, xml, go}; go is
// an array only the Go client writes.
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'
import { waitFor, sleep } from '../wait.mjs'

const [mode, url, doc, seedArg] = process.argv.slice(2)

const connect = (params = {}) => {
  const ydoc = new Y.Doc()
  const provider = new WebsocketProvider(url, doc, ydoc, { WebSocketPolyfill: WebSocket, disableBc: true, params })
  return { ydoc, provider }
}

// sortKeys makes map key order (insertion order, which differs between
// peers) irrelevant to comparisons.
const sortKeys = (v) => {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map(k => [k, sortKeys(v[k])]))
  }
  return v
}

const state = (ydoc) => ({
  text: ydoc.getText('t').toString(),
  map: sortKeys(ydoc.getMap('m').toJSON()),
  array: ydoc.getArray('a').toJSON(),
  xml: ydoc.getXmlFragment('x').toString(),
  go: ydoc.getArray('g').toJSON()
})


// mulberry32: a small seeded generator, so a failing run can be replayed.
const rng = (seed) => () => {
  seed |= 0; seed = seed + 0x6D2B79F5 | 0
  let t = Math.imul(seed ^ seed >>> 15, 1 | seed)
  t = t + Math.imul(t ^ t >>> 7, 61 | t) ^ t
  return ((t ^ t >>> 14) >>> 0) / 4294967296
}

const edit = (ydoc, rand, who) => {
  const n = Math.floor(rand() * 4)
  ydoc.transact(() => {
    if (n === 0) {
      const t = ydoc.getText('t')
      if (t.length > 0 && rand() < 0.3) {
        t.delete(Math.floor(rand() * t.length), 1)
      } else {
        t.insert(Math.floor(rand() * (t.length + 1)), who)
      }
    } else if (n === 1) {
      ydoc.getMap('m').set('k' + Math.floor(rand() * 5), who + Math.floor(rand() * 100))
    } else if (n === 2) {
      const a = ydoc.getArray('a')
      if (a.length > 0 && rand() < 0.3) {
        a.delete(Math.floor(rand() * a.length), 1)
      } else {
        a.insert(Math.floor(rand() * (a.length + 1)), [Math.floor(rand() * 1000)])
      }
    } else {
      const x = ydoc.getXmlFragment('x')
      const p = new Y.XmlElement('p')
      p.setAttribute('by', who)
      p.insert(0, [new Y.XmlText(who)])
      x.insert(Math.floor(rand() * (x.length + 1)), [p])
    }
  })
}

const main = async () => {
  if (mode === 'edit') {
    const rand = rng(Number(seedArg || 1))
    const peers = [connect(), connect(), connect()]
    await waitFor(() => peers.every(p => p.provider.synced), 'initial sync')
    for (let round = 0; round < 200; round++) {
      const i = Math.floor(rand() * peers.length)
      const p = peers[i]
      if (rand() < 0.05) {
        if (p.provider.shouldConnect) p.provider.disconnect()
        else p.provider.connect()
      }
      edit(p.ydoc, rand, 'n' + i)
      if (round % 10 === 0) await sleep(2)
    }
    peers.forEach(p => { if (!p.provider.shouldConnect) p.provider.connect() })
    const dump = () => peers.map(p => ({
      synced: p.provider.synced,
      connected: p.provider.wsconnected,
      sv: Buffer.from(Y.encodeStateVector(p.ydoc)).toString('hex'),
      state: state(p.ydoc)
    }))
    await waitFor(() => {
      if (!peers.every(p => p.provider.synced)) return false
      const s = JSON.stringify(state(peers[0].ydoc))
      const sv = Buffer.from(Y.encodeStateVector(peers[0].ydoc)).toString('hex')
      return peers.every(p => JSON.stringify(state(p.ydoc)) === s &&
        Buffer.from(Y.encodeStateVector(p.ydoc)).toString('hex') === sv)
    }, 'convergence').catch(err => {
      console.error(JSON.stringify(dump(), null, 1))
      throw err
    })
    console.log(JSON.stringify(state(peers[0].ydoc)))
    peers.forEach(p => p.provider.destroy())
  } else if (mode === 'read') {
    const p = connect()
    await waitFor(() => p.provider.synced, 'sync')
    // Step 2 may be followed by updates in flight; let them land.
    await sleep(100)
    console.log(JSON.stringify(state(p.ydoc)))
    p.provider.destroy()
  } else if (mode === 'aware') {
    const p = connect()
    await waitFor(() => p.provider.synced, 'sync')
    p.provider.awareness.setLocalState({ name: 'node' })
    console.log('READY ' + p.ydoc.clientID)
    process.stdin.resume()
    await new Promise(resolve => process.stdin.on('end', resolve))
    p.provider.destroy()
    await sleep(50)
  } else if (mode === 'follow') {
    const p = connect()
    await waitFor(() => p.provider.synced, 'sync')
    console.log('READY ' + p.ydoc.clientID)
    const lines = (await import('node:readline')).createInterface({ input: process.stdin })
    for await (const _ of lines) { // eslint-disable-line no-unused-vars
      console.log(JSON.stringify(state(p.ydoc)))
    }
    p.provider.destroy()
    await sleep(50)
  } else if (mode === 'meeting') {
    // y-websocket reports a permission-denied auth message with
    // console.warn; that is how a stock client learns of a refusal.
    const warn = console.warn
    console.warn = (...args) => {
      const msg = args.join(' ')
      if (msg.includes('Permission denied')) {
        console.log(JSON.stringify({ event: 'denied', reason: msg }))
      } else {
        warn(...args)
      }
    }
    const p = connect({ token: seedArg })
    await waitFor(() => p.provider.synced, 'sync')
    const agenda = p.ydoc.getArray('agenda')
    agenda.observeDeep(() => {
      console.log(JSON.stringify({ event: 'agenda', t: Date.now(), titles: agenda.toJSON().map(i => i.title) }))
    })
    console.log('READY ' + JSON.stringify(agenda.toJSON().map(i => i.title)))
    const lines = (await import('node:readline')).createInterface({ input: process.stdin })
    for await (const line of lines) {
      if (line === 'write') {
        p.ydoc.getMap('session').set('state', 'hacked by node')
        agenda.push([new Y.Map([['id', 'x'], ['title', 'from node']])])
      }
    }
    p.provider.destroy()
    await sleep(50)
  } else {
    throw new Error('unknown mode ' + mode)
  }
  process.exit(0)
}

main().catch(err => {
  console.error(err)
  process.exit(1)
})
