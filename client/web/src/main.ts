// The cocreate browser workspace: one bundle, three pages chosen by path.
//   /           lobby
//   /s/{id}     session room
//   /read/{id}  notes reader
//   /invite/{code} invite accept page

import { lobby } from './lobby'
import { room } from './room'
import { reader } from './reader'
import { invitePage } from './access'
import { h, plain } from './dom'
import { withToken } from './api'

const root = document.getElementById('app') as HTMLElement
const path = location.pathname
let m: RegExpMatchArray | null
// The loading line in index.html stays until the page has content.
const loading = Array.from(root.childNodes)
const run = async (): Promise<void> => {
  const show = new MutationObserver(() => { for (const n of loading) n.parentNode?.removeChild(n); show.disconnect() })
  show.observe(root, { childList: true })
  if ((m = path.match(/^\/s\/([^/]+)$/)) !== null) return await room(root, decodeURIComponent(m[1]))
  if ((m = path.match(/^\/read\/([^/]+)$/)) !== null) return await reader(root, decodeURIComponent(m[1]))
  if ((m = path.match(/^\/invite\/([^/]+)$/)) !== null) return await invitePage(root, decodeURIComponent(m[1]))
  return await lobby(root)
}
run().catch(err => {
  root.replaceChildren(h('main', { class: 'center card', role: 'alert', id: 'page-error' },
    h('h1', {}, 'This page could not be opened'),
    h('p', { class: 'error' }, plain(err)),
    h('p', {}, h('a', { class: 'button primary', href: withToken('/') }, 'Back to all sessions'), ' ',
      h('button', { type: 'button', onclick: () => location.reload() }, 'Try again'))))
}).finally(() => { root.dataset.ready = 'yes' })
