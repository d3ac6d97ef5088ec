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
