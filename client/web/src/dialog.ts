// Modal dialogs (the native <dialog>: focus moves in, Escape cancels,
// focus returns to the control that opened it).

import { h } from './dom'

interface Ask {
  title: string
  text: string
  ok: string
  danger?: boolean
  // field, when given, asks for one line of text (its label).
  field?: string
  value?: string
}

// ask shows a dialog and resolves with the text typed (or '' without a
// field) when confirmed, null when cancelled.
export async function ask (o: Ask): Promise<string | null> {
  const back = document.activeElement as HTMLElement | null
  const input = o.field === undefined
    ? null
    : h('input', { type: 'text', id: 'dialog-field', required: true, maxlength: '200', value: o.value ?? '' })
  const form = h('form', { method: 'dialog' },
    h('h2', { id: 'dialog-title' }, o.title),
    h('p', { id: 'dialog-text' }, o.text),
    input === null ? null : h('p', {}, h('label', { for: 'dialog-field' }, o.field ?? ''), input),
    h('div', { class: 'row end' },
      h('button', { type: 'button', value: 'cancel', id: 'dialog-cancel' }, 'Cancel'),
      h('button', { type: 'submit', value: 'ok', id: 'dialog-ok', class: o.danger === true ? 'danger' : 'primary' }, o.ok)))
  const dlg = h('dialog', { 'aria-labelledby': 'dialog-title', 'aria-describedby': 'dialog-text' }, form)
  document.body.append(dlg)
  return await new Promise(resolve => {
    let result: string | null = null
    form.addEventListener('submit', e => {
      if (input !== null && input.value.trim() === '') { e.preventDefault(); return }
      result = input === null ? '' : input.value.trim()
    })
    form.querySelector('#dialog-cancel')?.addEventListener('click', () => dlg.close())
    dlg.addEventListener('close', () => {
      dlg.remove()
      back?.focus()
      resolve(result)
    })
    dlg.showModal()
    ;(input ?? form.querySelector<HTMLElement>('#dialog-cancel'))?.focus()
  })
}

// formDialog makes a modal form named prefix: its title, a paragraph
// saying what it does, the fields, and Close beside the form's main
// button; closed, it goes away and focus returns to the control that
// opened it. The caller shows it (showModal) and focuses a field.
export function formDialog (prefix: string, title: string, text: HTMLElement, body: Array<Node | null>, submit: HTMLButtonElement): { dlg: HTMLDialogElement, form: HTMLFormElement } {
  const back = document.activeElement as HTMLElement | null
  text.id = prefix + '-text'
  const form = h('form', {}, h('h2', { id: prefix + '-title' }, title), text, ...body,
    h('div', { class: 'row end' }, h('button', { type: 'button', id: prefix + '-close', onclick: () => dlg.close() }, 'Close'), submit))
  const dlg = h('dialog', { 'aria-labelledby': prefix + '-title', 'aria-describedby': prefix + '-text', id: prefix + '-dialog' }, form)
  document.body.append(dlg)
  dlg.addEventListener('close', () => { dlg.remove(); back?.focus() })
  return { dlg, form }
}

// showLink puts a link just made into a dialog's result area: a
// read-only field named prefix-url, selected, and the link copied to the
// clipboard when the browser allows it (then copied is said, else how).
export async function showLink (result: HTMLElement, prefix: string, label: string, url: string, copied: string, how: string, ...extra: Node[]): Promise<void> {
  const field = h('input', { type: 'text', id: prefix + '-url', readonly: true, value: url })
  const said = h('p', { class: 'notice', id: prefix + '-copied' })
  result.replaceChildren(h('p', {}, h('label', { for: prefix + '-url' }, label), field), said, ...extra)
  field.focus()
  field.select()
  try {
    await navigator.clipboard.writeText(url)
    said.textContent = copied
  } catch {
    said.textContent = how
  }
}
