// Access as people meet it: the invite accept page (/invite/{code}), the
// page a session answers to someone without access, the "Copy invite
// link" dialog of hosts and admins, and "Your name" and colour.

import { APIError, api, Invite, Me, withToken } from './api'
import { h, plain, showError } from './dom'
import { formDialog, showLink } from './dialog'
import { topbar } from './shell'
import { browserZone, chosenZone, knownZones, moment, setViewerZone } from './time'

const roleWords: Record<string, string> = {
  owner: 'an owner', admin: 'an admin', member: 'a member', viewer: 'a viewer', cohost: 'a co-host', host: 'the host'
}
const roleWhat: Record<string, string> = {
  admin: 'You can run its sessions, invite people and manage its members.',
  cohost: 'You can edit the notes and run the meeting.',
  member: 'You can edit the notes and take part in the meetings.',
  viewer: 'You can read the notes and follow the meetings, but not edit.'
}

// noAccess is what a session's room or notes URL shows when the API
// answers 404: the session is not the caller's to open (or does not
// exist; the server does not say which).
export function noAccess (root: HTMLElement): void {
  document.title = 'Invitation needed — cocreate'
  root.replaceChildren(topbar(), h('main', { class: 'center card', id: 'no-access' },
    h('h1', {}, 'You need an invitation to open this session'),
    h('p', {}, 'This session belongs to a space you are not a member of, or it no longer exists. ' +
      'Ask its host for an invite link and open that link here.'),
    h('p', {}, h('a', { class: 'button primary', href: withToken('/') }, 'Back to the lobby'))))
}

// invitePage shows what an invite grants and lets the person accept it.
export async function invitePage (root: HTMLElement, code: string): Promise<void> {
  document.title = 'Invitation — cocreate'
  // First alone: in guest mode it fixes the identity the accept uses.
  const me = await api<Me>('GET', '/api/me')
  const main = h('main', { class: 'center card invite', id: 'invite' })
  root.replaceChildren(topbar(), main)
  let inv: Invite
  try {
    inv = await api<Invite>('GET', '/api/invites/' + encodeURIComponent(code))
  } catch (err) {
    const gone = err instanceof APIError && err.status === 410
    const missing = err instanceof APIError && (err.status === 404 || err.status === 400)
    main.id = 'invite-error'
    main.append(
      h('h1', {}, gone ? 'This invite has expired or been used up' : missing ? 'This invite is not valid' : 'This invite could not be opened'),
      h('p', {}, gone
        ? 'Invite links work for a limited time and a limited number of people. Ask the person who sent it for a new link.'
        : missing ? 'The link may be mistyped, or the invite was revoked. Ask the person who sent it for a new link.' : plain(err)),
      h('p', {}, h('a', { class: 'button primary', href: withToken('/') }, 'Back to the lobby')))
    return
  }
  const session = inv.session_id !== undefined && inv.session_id !== ''
  const expires = moment(inv.expires_at)
  const accept = h('button', { type: 'button', class: 'primary wide', id: 'accept' }, 'Accept invitation')
  main.append(
    h('p', { class: 'muted' }, "You're invited"),
    h('h1', { id: 'invite-what' }, session ? (inv.session_title ?? 'A session') : inv.space_name),
    h('p', { id: 'invite-grant' }, session
      ? `Join the session “${inv.session_title ?? ''}” in the space “${inv.space_name}” as ${roleWords[inv.role] ?? inv.role}.`
      : `Join the space “${inv.space_name}” and its sessions as ${roleWords[inv.role] ?? inv.role}.`),
    h('p', { class: 'muted' }, roleWhat[inv.role] ?? ''),
    h('p', {}, accept),
    h('p', { class: 'hint', id: 'invite-as' }, `You will join as ${me.name}; you can change your name afterwards.`),
    h('p', { class: 'hint' }, `This link works until ${expires}.`))
  accept.addEventListener('click', () => {
    accept.disabled = true
    accept.textContent = 'Accepting…'
    api<{ space_id: string, session_id?: string }>('POST', `/api/invites/${encodeURIComponent(code)}/accept`)
      .then(got => {
        location.href = withToken(got.session_id !== undefined && got.session_id !== '' ? '/s/' + encodeURIComponent(got.session_id) : '/')
      })
      .catch(err => {
        accept.disabled = false
        accept.textContent = 'Accept invitation'
        if (err instanceof APIError && err.status === 410) {
          showError(accept, new Error('This invite has expired or been used up in the meantime. Ask for a new link.'))
        } else showError(accept, err)
      })
  })
  accept.focus()
}

// Invite choices: who may open the link, for how long, how many people.
const expiries: Array<[string, number]> = [['1 hour', 3600], ['1 day', 86400], ['7 days', 604800], ['30 days', 2592000]]
const uses: Array<[string, number]> = [['1 person', 1], ['10 people', 10], ['100 people', 100]]

// inviteDialog lets a host (session) or an owner or admin (space) make
// an invite link with a role, an expiry and a number of uses, and copies
// it to the clipboard.
export function inviteButton (kind: 'space' | 'session', id: string, name: string): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'invite-button', 'data-invite': kind, 'aria-label': `Copy invite link to ${name}` }, 'Copy invite link')
  b.addEventListener('click', () => inviteDialog(kind, id, name))
  return b
}

function select (id: string, label: string, opts: Array<[string, string]>, value: string): HTMLElement {
  return h('p', {}, h('label', { for: id }, label),
    h('select', { id, name: id }, ...opts.map(([v, l]) => h('option', { value: v, selected: v === value }, l))))
}

function inviteDialog (kind: 'space' | 'session', id: string, name: string): void {
  const roles: Array<[string, string]> = kind === 'space'
    ? [['member', 'Member — edits and takes part'], ['viewer', 'Viewer — reads only'], ['admin', 'Admin — also invites and manages']]
    : [['member', 'Member — edits and takes part'], ['viewer', 'Viewer — reads only'], ['cohost', 'Co-host — also runs the meeting']]
  const result = h('div', { id: 'invite-result', 'aria-live': 'polite' })
  const make = h('button', { type: 'submit', class: 'primary', id: 'invite-make' }, 'Create and copy link')
  const { dlg, form } = formDialog('invite', `Invite to ${kind === 'space' ? 'the space' : 'the session'} “${name}”`,
    h('p', { class: 'muted' }, 'Whoever opens the link can accept it and join with this role.'), [
      select('invite-role', 'Role', roles, 'member'),
      select('invite-expiry', 'Link works for', expiries.map(([l, s]) => [String(s), l]), '604800'),
      select('invite-uses', 'Can be used by', uses.map(([l, n]) => [String(n), l]), '1'),
      result], make)
  form.addEventListener('submit', e => {
    e.preventDefault()
    const fd = new FormData(form)
    make.disabled = true
    api<Invite>('POST', `/api/${kind === 'space' ? 'spaces' : 'sessions'}/${encodeURIComponent(id)}/invites`, {
      role: String(fd.get('invite-role')),
      expires_in_seconds: Number(fd.get('invite-expiry')),
      max_uses: Number(fd.get('invite-uses'))
    }).then(async inv => {
      const url = new URL(inv.path ?? '/invite/' + inv.code, location.origin).href
      await showLink(result, 'invite', 'Invite link', url, 'Copied. Send it to the people you invite.', 'Select the link and copy it (Ctrl+C) to send it.')
      make.textContent = 'Create another link'
    }).catch(err => showError(result, err)).finally(() => { make.disabled = false })
  })
  dlg.showModal()
  ;(form.querySelector('#invite-role') as HTMLElement).focus()
}

// profileForm edits "Your name" and colour (PATCH /api/me); saved calls
// back with the new profile.
export function profileForm (me: Me, idp: string, saved: (m: Me) => void): HTMLFormElement {
  const form = h('form', { class: 'profile', 'aria-labelledby': idp + '-title' },
    h('h2', { id: idp + '-title' }, 'Your name'),
    h('p', { class: 'muted' }, 'Others see it on your caret, among the participants and in the record.'),
    h('div', { class: 'row profile-row' },
      h('label', { class: 'sr-only', for: idp + '-name' }, 'Your name'),
      h('input', { type: 'text', id: idp + '-name', name: 'name', required: true, maxlength: '64', value: me.name, class: 'grow', autocomplete: 'name' }),
      h('label', { class: 'sr-only', for: idp + '-color' }, 'Your colour'),
      h('input', { type: 'color', id: idp + '-color', name: 'color', value: me.color, title: 'Your colour' }),
      h('button', { type: 'submit', id: idp + '-save' }, 'Save')),
    zoneField(idp),
    h('p', { class: 'hint', id: idp + '-said', 'aria-live': 'polite' }))
  form.addEventListener('submit', e => {
    e.preventDefault()
    const fd = new FormData(form)
    const said = form.querySelector('#' + idp + '-said') as HTMLElement
    const zone = fd.get('zone')
    const moved = zone !== null && String(zone) !== chosenZone()
    api<Me>('PATCH', '/api/me', { name: String(fd.get('name') ?? '').trim(), color: String(fd.get('color') ?? me.color) })
      .then(m => {
        said.textContent = `Saved: you are ${m.name}.`
        // Every time on the page is written again in the new zone.
        if (moved) { setViewerZone(String(zone)); location.reload(); return }
        saved(m)
      })
      .catch(err => showError(form, err))
  })
  return form
}

// zoneField picks the zone times are shown in, in this browser (the
// browser's own by default).
function zoneField (idp: string): HTMLElement | null {
  const zones = knownZones()
  if (zones.length === 0) return null
  const chosen = chosenZone()
  return h('p', { class: 'zone-field' }, h('label', { for: idp + '-zone' }, 'Show times in'),
    h('select', { id: idp + '-zone', name: 'zone' },
      h('option', { value: '', selected: chosen === '' }, `This device's time zone (${browserZone()})`),
      ...zones.map(z => h('option', { value: z, selected: z === chosen }, z.replace(/_/g, ' ')))),
    h('span', { class: 'hint' }, 'On this device only; new sessions you plan use it too.'))
}

// profileDialog shows profileForm in a dialog (the room's header).
export function profileDialog (me: Me, saved: (m: Me) => void): void {
  const back = document.activeElement as HTMLElement | null
  const form = profileForm(me, 'dlg-me', m => { dlg.close(); saved(m) })
  const dlg = h('dialog', { 'aria-labelledby': 'dlg-me-title', id: 'me-dialog' }, form,
    h('div', { class: 'row end' }, h('button', { type: 'button', id: 'me-close', onclick: () => dlg.close() }, 'Cancel')))
  document.body.append(dlg)
  dlg.addEventListener('close', () => { dlg.remove(); back?.focus() })
  dlg.showModal()
  ;(form.querySelector('#dlg-me-name') as HTMLInputElement).select()
}
