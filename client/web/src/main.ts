// The cocreate browser workspace: one bundle, three pages chosen by path.
//   /           lobby
//   /s/{id}     session room
//   /read/{id}  notes reader

import { lobby } from './lobby'
import { room } from './room'
import { reader } from './reader'
import { showError } from './dom'

const root = document.getElementById('app') as HTMLElement
const path = location.pathname
let page: Promise<void>
let m: RegExpMatchArray | null
if ((m = path.match(/^\/s\/([^/]+)$/)) !== null) {
  page = room(root, decodeURIComponent(m[1]))
} else if ((m = path.match(/^\/read\/([^/]+)$/)) !== null) {
  page = reader(root, decodeURIComponent(m[1]))
} else {
  page = lobby(root)
}
page.catch(err => showError(root, err)).finally(() => { root.dataset.ready = 'yes' })
