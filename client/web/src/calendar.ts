// Calendars: "Add to calendar" on a session (its iCalendar file), and
// "Subscribe" on a space: a personal feed link a calendar app polls
// (calendar apps send no cookies or headers, so the link carries a
// secret; POST /api/me/feeds makes one and shows it once, DELETE revokes
// it).

import { api, withToken } from './api'
import { formDialog, showLink } from './dialog'
import { emptyState, h, showError } from './dom'
import { icon } from './icons'
import { moment, timeEl } from './time'

interface Feed { id: string, kind: string, target: string, created_at: string, url?: string }

const fileName = (title: string): string =>
  (title.replace(/[^\p{L}\p{N} _-]+/gu, '').trim().replace(/\s+/g, '-') || 'session') + '.ics'

// calendarLink downloads the session as an .ics file, which calendar
// apps open as an event.
export function calendarLink (id: string, title: string): HTMLAnchorElement {
  return h('a', {
    class: 'button calendar-link',
    id: 'add-to-calendar',
    href: withToken(`/api/sessions/${encodeURIComponent(id)}/calendar.ics`),
    download: fileName(title),
    title: 'An .ics file your calendar app opens as an event'
  }, icon('calendar'), 'Add to calendar')
}

// subscribeButton opens the space's calendar subscription.
export function subscribeButton (spaceID: string, name: string): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'subscribe-button', 'data-subscribe': spaceID, 'aria-label': `Subscribe to ${name} in your calendar` },
    icon('calendar'), 'Subscribe')
  b.addEventListener('click', () => subscribeDialog(spaceID, name))
  return b
}

function subscribeDialog (spaceID: string, name: string): void {
  const result = h('div', { id: 'feed-result', 'aria-live': 'polite' })
  const list = h('div', { id: 'feed-list', 'data-errors': '' })
  const make = h('button', { type: 'submit', class: 'primary', id: 'feed-make' }, 'Make a link and copy it')
  const { dlg, form } = formDialog('feed', `Subscribe to “${name}”`,
    h('p', {}, "Add a link to your calendar app (Google Calendar, Outlook, Apple Calendar…) and it shows this space's sessions, kept up to date."), [
      h('p', { class: 'hint' }, 'The link is personal: it shows what you may see, so keep it to yourself. It is shown once; revoke it if it leaks.'),
      result,
      h('h3', { class: 'feed-head' }, 'Your links for this space'),
      list], make)

  const load = async (): Promise<void> => {
    const r = await api<{ feeds: Feed[] }>('GET', '/api/me/feeds')
    const mine = r.feeds.filter(f => f.kind === 'space' && f.target === spaceID)
    make.textContent = mine.length === 0 ? 'Make a link and copy it' : 'Make a new link and copy it'
    list.replaceChildren(mine.length === 0
      ? emptyState('You have no calendar link for this space.')
      : h('ul', { class: 'feed-list' }, ...mine.map(f => {
        const made = moment(f.created_at)
        const revoke = h('button', { type: 'button', class: 'danger', 'data-feed': f.id, 'aria-label': `Revoke the link made ${made}` }, 'Revoke')
        revoke.addEventListener('click', () => {
          revoke.disabled = true
          api('DELETE', '/api/me/feeds/' + encodeURIComponent(f.id))
            .then(async () => {
              // The revoked link (if just made) must not stay on screen.
              if (result.dataset.feed === f.id) result.replaceChildren()
              await load()
              result.append(h('p', { class: 'notice', id: 'feed-revoked' }, 'Revoked: that link reads nothing from now on.'))
              make.focus()
            }).catch(err => { revoke.disabled = false; showError(list, err) })
        })
        return h('li', { class: 'row feed' }, h('span', { class: 'grow' }, 'Made ', timeEl(f.created_at, made)), revoke)
      })))
  }
  load().catch(err => showError(list, err))

  form.addEventListener('submit', e => {
    e.preventDefault()
    make.disabled = true
    api<Feed>('POST', '/api/me/feeds', { space_id: spaceID }).then(async f => {
      const url = f.url ?? ''
      result.dataset.feed = f.id
      await showLink(result, 'feed', 'Calendar link', url, 'Copied. In your calendar app, add a calendar from a URL and paste it.',
        'Select the link and copy it (Ctrl+C), then add it in your calendar app as a calendar from a URL.',
        h('p', {}, h('a', { href: url.replace(/^https?:/, 'webcal:'), id: 'feed-open' }, 'Open it in your calendar app')))
      await load()
    }).catch(err => showError(result, err)).finally(() => { make.disabled = false })
  })
  dlg.showModal()
  make.focus()
}
