// Updates made by the real yjs for the notes-schema tests
// (interoptest.SchemaUpdates: server/schema_test.go, internal/attack):
// prints one JSON object of hex-encoded v1
// updates, each made from an empty document (retick: from valid's).
//
//   poison_string  a bare string item straight in the "default" root (the
//                  issue's 30-byte update: TipTap then shows a blank editor)
//   poison_any     a plain value item straight in "default"
//   poison_text    an XmlText straight in the fragment, outside any node
//   unknown_node   an XmlElement "script" in the fragment
//   unknown_mark   a paragraph whose text carries the mark "blink"
//   valid          what TipTap's Collaboration extension writes for a
//                  heading and a paragraph with bold and linked text, and
//                  a checked task item
//   retick         after valid, that item unticked: the attribute set
//                  again, encoded without its key after the old value
import * as Y from 'yjs'

const make = (fn) => {
  const d = new Y.Doc()
  d.clientID = 424242
  fn(d)
  return Buffer.from(Y.encodeStateAsUpdate(d)).toString('hex')
}

// para appends a paragraph with text (formatted by attrs) to parent,
// after the parent is in the document, as y-prosemirror does.
const para = (parent, text, attrs) => {
  const p = new Y.XmlElement('paragraph')
  parent.insert(parent.length, [p])
  const t = new Y.XmlText()
  p.insert(0, [t])
  t.insert(0, text, attrs)
  return t
}

// valid writes what TipTap's Collaboration extension writes for a
// heading, a paragraph with bold and linked text, and a checked task
// item, and returns the task item.
const valid = (d) => {
  const f = d.getXmlFragment('default')
  const h = new Y.XmlElement('heading')
  f.insert(0, [h])
  h.setAttribute('level', 2)
  const ht = new Y.XmlText()
  h.insert(0, [ht])
  ht.insert(0, 'Agenda')
  para(f, 'bold', { bold: true }).insert(4, ' and a link', { link: { href: 'https://example.org' } })
  const list = new Y.XmlElement('taskList')
  f.insert(f.length, [list])
  const item = new Y.XmlElement('taskItem')
  list.insert(0, [item])
  item.setAttribute('checked', true)
  para(item, 'done')
  return item
}

const out = {
  poison_string: make(d => d.getText('default').insert(0, 'hello, world')),
  poison_any: make(d => d.getArray('default').insert(0, [1])),
  poison_text: make(d => {
    const t = new Y.XmlText()
    d.getXmlFragment('default').insert(0, [t])
    t.insert(0, 'loose text')
  }),
  unknown_node: make(d => d.getXmlFragment('default').insert(0, [new Y.XmlElement('script')])),
  unknown_mark: make(d => para(d.getXmlFragment('default'), 'blinking', { blink: true })),
  valid: make(valid),
  retick: (() => {
    const d = new Y.Doc()
    d.clientID = 424242
    const item = valid(d)
    const sv = Y.encodeStateVector(d)
    item.setAttribute('checked', false)
    return Buffer.from(Y.encodeStateAsUpdate(d, sv)).toString('hex')
  })()
}
console.log(JSON.stringify(out))
