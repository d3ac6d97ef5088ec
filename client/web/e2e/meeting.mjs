// The live meeting, host (1280), member (phone) and a third person:
// start → first item current with elapsed against planned; hands and
// votes by keyboard while the host keeps focus; "Next" past the last
// item; a custom timer that runs out; a poll closed; a role change; the
// reader following live; the server restarting; the end, confirmed.
import { typeLine } from './lib.mjs'

export async function meetingFlow (c) {
  const { host, member, viewer, id, base, step, both, axe, tabTo, focusedId, waitText, memberName, ask, noOverflow } = c
  const announced = (page, re, urgent = false) => page.waitForFunction(([src, u]) =>
    new RegExp(src).test(document.getElementById(u ? 'announcer-urgent' : 'announcer')?.textContent ?? ''), [re.source, urgent])

  // Start: the first agenda item is current; its time runs against its plan.
  await member.locator('#tab-meeting').click()
  await host.locator('#start').click()
  for (const p of [host, member]) {
    await p.locator('#session-state[data-state="live"]').waitFor()
    await p.locator('#agenda li.current', { hasText: 'Intro' }).waitFor()
  }
  await member.waitForFunction(() => /^\d+:\d\d of 1:00/.test(document.querySelector('#agenda li.current .item-time')?.textContent ?? ''))
  if (await member.locator('#start, #end, #agenda-next, #timer-1, #timer-form:visible, #poll-create:visible').count() !== 0) throw new Error('a member sees the controls of whoever runs the meeting')
  await both('room-live', host, member)
  await c.dark('room-live', host, member)
  await axe(host, 'room live (host)')
  await axe(member, 'room live (member, phone)')
  step('start: the first item is current, elapsed against planned; the member sees it on the Meeting tab; axe clean')

  // The host is typing a poll question while the member raises a hand
  // with the keyboard: the host keeps focus and what they typed.
  await host.locator('#poll-q').focus()
  await host.keyboard.type('Lun')
  await member.locator('#tab-meeting').focus()
  await tabTo(member, '#raise')
  await member.keyboard.press('Enter')
  await host.locator('#hands li', { hasText: memberName }).waitFor()
  await announced(host, /raised a hand/)
  if (await focusedId(host) !== 'poll-q' || await host.locator('#poll-q').inputValue() !== 'Lun') throw new Error('the host lost focus or text when a hand went up')
  await member.locator('#hand-place', { hasText: 'number 1' }).waitFor()
  if (await focusedId(member) !== 'raise') throw new Error('the member lost focus after raising a hand')
  await host.keyboard.type('ch?')
  await host.locator('#poll-o').fill('Pizza, Salad')
  await host.locator('#poll-o').press('Enter')
  await member.locator('.poll legend', { hasText: 'Lunch?' }).waitFor()
  step('member raises a hand by keyboard; the host keeps focus and text, and hears it announced')

  // The member votes by keyboard while the host has focus on Next.
  await host.locator('#agenda-next').focus()
  await tabTo(member, '.poll [id$="-0"].vote')
  const voteId = await focusedId(member)
  await member.keyboard.press('Space')
  await member.locator('.you-voted', { hasText: 'Pizza' }).waitFor()
  await host.locator('.poll .turnout', { hasText: '1 of 2 voted' }).waitFor()
  await host.locator('.poll .options li', { hasText: 'Pizza' }).locator('.count', { hasText: '1 · 100%' }).waitFor()
  if (await focusedId(host) !== 'agenda-next') throw new Error('the host lost focus when the member voted')
  if (await focusedId(member) !== voteId) throw new Error('the member lost focus on their vote')
  // The host moves the agenda by keyboard; the member keeps focus.
  await host.keyboard.press('Enter')
  await member.locator('#agenda li.current', { hasText: 'Demo' }).waitFor()
  await member.locator('#agenda li.done', { hasText: 'Intro' }).waitFor()
  if (await focusedId(member) !== voteId) throw new Error('the member lost focus when the agenda moved')
  step('member votes by keyboard ("you voted", 100 %, "1 of 2 voted"); focus stays put while the agenda moves')

  // Next on the last item says so in words and keeps focus.
  await host.locator('#agenda-next[aria-disabled="true"]').waitFor()
  if (await focusedId(host) !== 'agenda-next') throw new Error('the host lost focus on Next')
  await host.keyboard.press('Enter')
  await host.locator('#sec-agenda .error', { hasText: 'last item' }).waitFor()
  if (await host.locator('text=no next agenda item').count() !== 0) throw new Error('a raw server error is shown')
  step('"Next" on the last item explains itself; nothing breaks')

  // A custom timer of 6 seconds: everyone sees "Time's up" and hears of it.
  await host.locator('#timer-min').fill('0.1')
  await host.locator('#timer-start').click()
  await member.locator('#timer[data-timer="running"]').waitFor()
  await member.locator('#timer.up', { hasText: "Time's up" }).waitFor({ timeout: 20000 })
  await announced(member, /Time's up/, true)
  await both('room-timer-up', host, member)
  step("custom timer: a preset row and a minutes field; at zero \"Time's up\" is shown and announced")

  await host.locator('.poll button', { hasText: 'Close poll' }).click()
  await member.locator('.poll .badge', { hasText: 'Closed' }).waitFor()
  await member.locator('.poll .turnout', { hasText: '1 person voted' }).waitFor()
  if (await member.locator('.poll .vote').count() !== 0) throw new Error('a closed poll still takes votes')
  // A poll whose results stay hidden until it closes: the turnout shows,
  // the counts do not, for anyone.
  await host.locator('#poll-q').fill('Budget?')
  await host.locator('#poll-o').fill('Up, Down')
  await host.locator('#poll-hidden').check()
  await host.locator('#poll-create').click()
  const budget = (p) => p.locator('.poll', { hasText: 'Budget?' })
  await budget(member).getByRole('button', { name: 'Vote: Down' }).click()
  await budget(member).locator('.you-voted', { hasText: 'Down' }).waitFor()
  await budget(host).locator('.turnout', { hasText: '1 of 2 voted' }).waitFor()
  if (await budget(host).locator('.count').count() + await budget(member).locator('.count').count() !== 0) throw new Error('a hidden poll shows its counts while open')
  await budget(host).getByRole('button', { name: 'Close poll' }).click()
  await budget(member).locator('.options li', { hasText: 'Down' }).locator('.count', { hasText: '1 · 100%' }).waitFor()
  step('polls close: results stay, voting stops; a hidden poll shows its counts only once closed')

  // A third person joins and is made a viewer: told so, cannot type or take part.
  await viewer.goto(`${base}/s/${id}`)
  await viewer.locator('.ProseMirror').waitFor()
  const viewerName = (await c.me(viewer)).name
  await host.getByLabel('Role of ' + viewerName).selectOption('viewer')
  await viewer.locator('#my-role', { hasText: 'Viewer' }).waitFor()
  await announced(viewer, /Your role is now Viewer/, true)
  await viewer.locator('.ProseMirror[contenteditable="false"]').waitFor()
  await viewer.locator('#readonly-note:visible').waitFor()
  await viewer.locator('.ProseMirror').click()
  await viewer.keyboard.type('VIEWER WAS HERE')
  await host.waitForTimeout(500)
  if ((await host.locator('.ProseMirror').innerText()).includes('VIEWER')) throw new Error('a viewer typed into the notes')
  if (await viewer.locator('#raise, .poll .vote, #tool-bold:visible').count() !== 0) throw new Error('a viewer can take part')
  await c.shot(viewer, 'room-viewer')
  step('a person made a viewer is told, and can neither type nor take part')

  // The reader, opened while the meeting runs, follows the notes.
  await viewer.goto(`${base}/read/${id}`)
  await viewer.locator('#live-note').waitFor()
  await member.locator('#tab-notes').click()
  await typeLine(member, 'A line the reader sees live.')
  await viewer.locator('#notes', { hasText: 'A line the reader sees live.' }).waitFor({ timeout: 20000 })
  step('the reader follows the notes while the meeting runs')

  // The server restarts: the status says so, meeting controls are
  // disabled with the reason, text typed meanwhile is kept.
  await ask('STOP', 'DOWN')
  await member.locator('#status[data-state="disconnected"]').waitFor()
  await host.locator('#status[data-state="disconnected"]').waitFor()
  await typeLine(member, 'Typed while the server was down.')
  await member.locator('#tab-meeting').click()
  await member.locator('#raise[aria-disabled="true"]').waitFor()
  await member.locator('#raise').focus()
  await member.keyboard.press('Enter')
  await member.locator('#sec-hands .error', { hasText: 'offline' }).waitFor()
  await both('room-offline', host, member)
  await ask('START', 'UP')
  for (const p of [host, member]) await p.locator('#status[data-state="connected"][data-saved="yes"]').waitFor({ timeout: 30000 })
  await waitText(host, 'Typed while the server was down.')
  await member.locator('#raise:not([aria-disabled="true"])').waitFor()
  step('the server restarts: offline is shown with the reason, controls wait, nothing typed is lost')

  // Ending needs a confirmation; afterwards everyone is told, controls go.
  await host.locator('#end').click()
  await host.locator('dialog #dialog-cancel').waitFor()
  if (await focusedId(host) !== 'dialog-cancel') throw new Error('the confirmation does not start on Cancel')
  await host.keyboard.press('Escape')
  await host.locator('dialog').waitFor({ state: 'detached' })
  if (await host.locator('#session-state[data-state="live"]').count() !== 1) throw new Error('Escape ended the meeting')
  await host.locator('#end').click()
  await host.locator('#dialog-ok').click()
  for (const p of [host, member]) {
    await p.locator('#ended-banner', { hasText: 'The meeting has ended' }).waitFor()
    await p.locator('#read-notes').waitFor()
    if (await p.locator('#agenda-next, #timer-1, #timer-form:visible, #raise, #end, #start, #poll-create:visible, #sec-hands:visible').count() !== 0) throw new Error('meeting controls remain after the end')
  }
  await host.locator('#people-count', { hasText: '3 attended' }).waitFor()
  await announced(member, /The meeting has ended/, true)
  await both('room-ended', host, member)
  await c.dark('room-ended', host, member)
  await axe(host, 'room ended (host)')
  await axe(member, 'room ended (member, phone)')
  await noOverflow(member, 'room ended')
  step('ending is confirmed; everyone sees "the meeting has ended" with the notes link; controls gone; 3 attended')
}
