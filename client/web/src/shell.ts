// What every page shares: the brand link home, the "not found" page.

import { withToken } from './api'
import { h } from './dom'

export const brand = (): HTMLElement =>
  h('a', { class: 'brand', href: withToken('/'), title: 'All sessions' },
    h('span', { class: 'logo', 'aria-hidden': 'true' }, 'c'), h('span', { class: 'brand-name' }, 'cocreate'))

export function topbar (...right: Array<Node | null>): HTMLElement {
  return h('header', { class: 'topbar' }, brand(), h('div', { class: 'grow' }), ...right)
}

// notFound replaces the page with a friendly dead end that leads back.
export function notFound (root: HTMLElement, what: string): void {
  root.replaceChildren(topbar(), h('main', { class: 'center card', id: 'not-found' },
    h('h1', {}, 'Nothing here'),
    h('p', {}, what + ' Check the link, or find it among the sessions.'),
    h('p', {}, h('a', { class: 'button primary', href: withToken('/') }, 'See all sessions'))))
}
