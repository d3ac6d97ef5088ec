// After the meeting: the reader (date and duration, read-only
// checkboxes, the record), the Markdown download, search, versions —
// save a named one, compare two side by side, download exactly the one
// shown, restore one as a new edit without losing the current notes.
import { typeLine } from './lib.mjs'

export async function afterFlow (c) {
  const { host, member, viewer, id, base, step, both, axe, noOverflow, waitText } = c

  await host.locator('#read-notes').click()
  await host.waitForURL(/\/read\//)
  await host.locator('#notes', { hasText: 'Typed while the server was down.' }).waitFor()
  await member.goto(`${base}/read/${id}`)
  await member.locator('#notes', { hasText: 'Typed while the server was down.' }).waitFor()
  const when = await host.locator('#reader-when').innerText()
  if (!/\d{4}/.test(when) || !/\d+ (s|min|h)/.test(when)) throw new Error('the reader lacks the date and duration: ' + when)
  if (await host.locator('#notes input[type="checkbox"]:not([disabled])').count() !== 0) throw new Error('checkboxes in the reader can be ticked')
  if (await host.locator('#notes input[type="checkbox"]').count() === 0) throw new Error('the task list is missing from the reader')
  const planned = await host.locator('.agenda-table tbody tr').first().locator('td').nth(1).innerText()
  if (planned !== '1 min') throw new Error('planned time is written differently: ' + planned)
  if (await host.locator('#attendees li').count() !== 3) throw new Error('the reader does not list three attendees')
  await host.locator('#attendees li', { hasText: c.memberName }).waitFor()
  if (await host.locator('#live-note').count() !== 0) throw new Error('an ended session still says it updates live')
  await both('reader', host, member)
  await c.dark('reader', host, member)
  await axe(host, 'reader')
  await axe(member, 'reader (phone)')
  step('reader: date and duration, read-only checkboxes, the record; axe clean in light and dark')

  // The Markdown: one top-level heading, the notes before the record.
  const md = await host.evaluate(async (id) => (await fetch(`/notes/${id}?download=1`)).text(), id)
  const tops = md.split('\n').filter(l => l.startsWith('# '))
  if (tops.length !== 1 || !md.startsWith('# E2E weekly')) throw new Error('the Markdown has top-level headings ' + JSON.stringify(tops))
  if (!(md.indexOf('Typed while the server was down.') < md.indexOf('### Attendees'))) throw new Error('the Markdown puts the record before the notes')
  if (!md.includes('- [ ] **Write the release notes**')) throw new Error('the Markdown lacks the task:\n' + md)
  await noOverflow(member, 'reader')
  step('Markdown: the notes first, one top-level heading')

  // Save a named version.
  await host.locator('#save-version').click()
  await host.locator('#dialog-field').fill('Before cleanup')
  await host.locator('#dialog-ok').click()
  await host.waitForURL(/version=\d+/)
  const n = Number(new URL(host.url()).searchParams.get('version'))
  await host.locator('#version-banner', { hasText: 'Before cleanup' }).waitFor()
  // Search finds a typed word (asked again until the index has it, as a
  // person would).
  await host.locator('#search').fill('member')
  for (let i = 0; i < 20; i++) {
    await host.locator('#search').press('Enter')
    await host.locator('#results:not([hidden])').waitFor()
    if (await host.locator('#results li a', { hasText: 'E2E weekly' }).count() > 0) break
    await host.waitForTimeout(500)
  }
  await host.locator('#results li a', { hasText: 'E2E weekly' }).waitFor().catch(async e => {
    console.error('search results:', await host.locator('#results').innerHTML(), await host.evaluate(() => fetch('/api/search?q=member').then(r => r.text())),
      await host.evaluate(() => fetch('/api/search?q=weekly').then(r => r.text())),
      await host.evaluate((id) => fetch(`/api/sessions/${id}/versions`).then(r => r.text()), id))
    throw e
  })
  await host.locator('#results mark').first().waitFor()
  await host.locator('#search').press('Escape')
  await host.locator('#results').waitFor({ state: 'hidden' })

  // Someone keeps writing after the meeting.
  await member.goto(`${base}/s/${id}`)
  await member.locator('.ProseMirror').waitFor()
  await member.waitForFunction(() => document.querySelector('#status')?.dataset.synced === 'yes')
  await typeLine(member, 'Added after the meeting.')
  await member.locator('#status[data-saved="yes"]').waitFor()

  // Compare the saved version with the current notes, side by side.
  await host.locator('#cmp-from').selectOption(String(n))
  await host.locator('#cmp-to').selectOption('')
  await host.locator('#compare').click()
  await host.locator('#compare-view .dl.add', { hasText: 'Added after the meeting.' }).waitFor({ timeout: 20000 })
  await host.locator('#compare-view').scrollIntoViewIfNeeded()
  await c.shot(host, 'reader-compare')
  await axe(host, 'reader compare')
  step('a named version saved; search finds a typed word; two versions compared side by side')

  // The version page downloads exactly that version, and restores it.
  await host.goto(`${base}/read/${id}?version=${n}`)
  const href = await host.locator('#download').getAttribute('href')
  if (!href.includes(`version=${n}`)) throw new Error('the download is not of the version shown: ' + href)
  const vmd = await host.evaluate(async (u) => (await fetch(u)).text(), href)
  if (vmd.includes('Added after the meeting.') || !vmd.includes('Typed while the server was down.')) throw new Error('the version download is not that version')
  await c.shot(host, 'reader-version')
  await host.locator('#restore').click()
  await host.locator('#dialog-ok').click()
  await host.waitForURL(/restored=/)
  await host.locator('#restored').waitFor()
  if ((await host.locator('#notes').innerText()).includes('Added after the meeting.')) throw new Error('the restore did not replace the notes')
  await member.waitForFunction(() => !document.querySelector('.ProseMirror').innerText.includes('Added after the meeting.'))
  await waitText(member, 'Typed while the server was down.')
  // Nothing lost: the notes before the restore are a version of their own.
  await host.locator('#versions li', { hasText: `Before restoring #${n}` }).waitFor()
  const kept = await host.locator('#versions li', { hasText: `Before restoring #${n}` }).getAttribute('data-n')
  const keptMd = await host.evaluate(async ([id, k]) => (await fetch(`/notes/${id}?download=1&version=${k}`)).text(), [id, kept])
  if (!keptMd.includes('Added after the meeting.')) throw new Error('the notes replaced by the restore were lost')
  await axe(host, 'reader after restore')
  step('the version shown is what downloads; restoring it is a new edit everyone sees, and the replaced notes are kept')

  // An unknown session: the same page as one not yours (the server does
  // not say which), with a way back.
  await viewer.goto(`${base}/s/00000000-0000-0000-0000-000000000000`)
  await viewer.locator('#no-access a', { hasText: 'Back to the lobby' }).waitFor()
  step('an unknown session leads back to the lobby')

  // Deleting asks first; then the session is gone for everyone.
  await host.locator('#delete-session').click()
  await host.locator('#dialog-cancel').click()
  await host.locator('dialog').waitFor({ state: 'detached' })
  await host.locator('#delete-session').click()
  await host.locator('#dialog-ok', { hasText: 'Delete for everyone' }).click()
  await host.waitForURL(base + '/')
  await host.locator('#sessions-ended .empty').waitFor()
  await member.locator('#status[data-state="connected"]').waitFor({ state: 'detached', timeout: 20000 })
  await viewer.goto(`${base}/read/${id}`)
  await viewer.locator('#no-access').waitFor()
  step('deleting a session is confirmed, then it is gone for everyone')
}
