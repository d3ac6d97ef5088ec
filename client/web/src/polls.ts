// One poll in the meeting panel: vote buttons that show your choice,
// results as bars with percentages, and "X of Y voted".

import { h } from './dom'
import { btn, Poll, View } from './panel'

export function pollView (p: Poll, v: View, eligible: number, mine: number[] | null): HTMLElement {
  const open = p.state === 'open'
  const counts = (open ? p.counts : (p.results ?? p.counts)) ?? []
  const voters = p.voters ?? 0
  const canVote = open && v.role !== 'viewer' && v.st !== 'ended'
  const chosen = new Set(mine ?? [])
  // Hidden polls show no counts to anyone until they close (the server
  // does not publish them).
  const veiled = open && p.hidden === true
  const pct = (n: number): number => voters === 0 ? 0 : Math.round(100 * n / voters)
  const turnout = open
    ? `${voters} of ${Math.max(eligible, voters)} voted`
    : `${voters} ${voters === 1 ? 'person' : 'people'} voted`
  return h('fieldset', { class: 'poll', 'data-key': p.id, 'data-poll': p.id },
    h('legend', {}, p.question),
    h('p', { class: 'row poll-meta' },
      h('span', { class: 'badge ' + (open ? 'state-live' : 'state-ended') }, open ? 'Open' : 'Closed'),
      p.anonymous === true ? h('span', { class: 'muted' }, 'Anonymous') : null,
      p.multiple === true ? h('span', { class: 'muted' }, 'Several answers') : null,
      veiled ? h('span', { class: 'muted' }, 'Results hidden until closed') : null,
      h('span', { class: 'muted turnout' }, turnout)),
    h('ul', { class: 'options' + (veiled ? ' veiled' : '') }, ...p.options.map((o, i) => {
      const n = counts[i] ?? 0
      const next = p.multiple === true
        ? (chosen.has(i) ? [...chosen].filter(x => x !== i) : [...chosen, i]).sort()
        : [i]
      return h('li', { 'data-key': String(i) },
        canVote && next.length > 0
          ? btn(`vote-${p.id}-${i}`, o, { type: 'poll.vote', id: p.id, choices: next }, {
            cls: 'vote' + (chosen.has(i) ? ' chosen' : ''),
            label: 'Vote: ' + o + (chosen.has(i) ? ' (your vote)' : ''),
            off: v.off
          })
          : h('span', { class: 'option' + (chosen.has(i) ? ' chosen' : '') }, o + (chosen.has(i) ? ' ✓' : '')),
        veiled ? null : h('span', { class: 'bar', 'aria-hidden': 'true' }, h('span', { style: `width:${pct(n)}%` })),
        veiled ? null : h('span', { class: 'count' }, `${n} · ${pct(n)}%`))
    })),
    mine !== null && mine.length > 0
      ? h('p', { class: 'you-voted' }, '✓ You voted: ' + mine.map(i => p.options[i]).join(', ') + (open ? '. You can change your vote until the poll closes.' : '.'))
      : null,
    v.runs && open ? btn('close-' + p.id, 'Close poll', { type: 'poll.close', id: p.id }, { off: v.off }) : null)
}
