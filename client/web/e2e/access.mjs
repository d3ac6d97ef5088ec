// Access in the browser: the host copies an invite link in the room; a
// second guest (a fresh browser context, on a phone) who has not
// accepted sees nothing in the lobby and gets "You need an invitation" at
// the session URL; they open the link, see what it grants, accept and
// set their name. axe-core runs on the invite and no-access pages (light
// and dark); screenshots of both at both sizes.
export const MEMBER_NAME = 'Mia Member'

// inviteFlow returns the member's page, in the room, named MEMBER_NAME.
export async function inviteFlow (c) {
  const { host, id, base, step, both, dark, axe, noOverflow, P, PHONE, WIDE } = c

  // The host copies a session invite link from the room's header.
  await host.locator('button[data-invite="session"]').click()
  await host.locator('#invite-role').selectOption('member')
  await host.locator('#invite-expiry').selectOption('86400')
  await host.locator('#invite-make').click()
  const url = await host.locator('#invite-url').inputValue()
  if (!url.startsWith(base + '/invite/')) throw new Error('the invite link is not an accept page of this server: ' + url)
  await host.locator('#invite-copied').waitFor()
  await c.shot(host, 'invite-dialog')
  await host.locator('#invite-close').click()
  await host.locator('#invite-dialog').waitFor({ state: 'detached' })

  // A second guest who has not accepted: nothing listed, no way in.
  const member = await P.open(PHONE)
  await member.goto(base + '/')
  await member.locator('#sessions-scheduled .empty').waitFor()
  await member.locator('#sessions-live .empty').waitFor()
  await member.locator('#spaces .empty').waitFor()
  if ((await member.content()).includes(id)) throw new Error("the lobby of someone without access shows the session's id")
  await member.goto(`${base}/s/${id}`)
  await member.locator('#no-access h1', { hasText: 'You need an invitation to open this session' }).waitFor()
  await member.locator('#no-access a', { hasText: 'Back to the lobby' }).waitFor()
  const wide = await P.open(WIDE)
  await wide.goto(`${base}/s/${id}`)
  await wide.locator('#no-access').waitFor()
  await both('no-access', wide, member)
  await dark('no-access', wide, member)
  await axe(member, 'no access (phone)')
  await axe(wide, 'no access')
  step('a guest who has not accepted sees nothing in the lobby and "You need an invitation" at the session URL; axe clean')

  // The invite page says what it grants; accepting opens the room.
  await wide.goto(url)
  await wide.locator('#invite-grant', { hasText: 'as a member' }).waitFor()
  await member.goto(url)
  const grant = await member.locator('#invite-grant').innerText()
  if (!grant.includes('E2E weekly') || !grant.includes('E2E space')) throw new Error('the invite page does not name the session and space: ' + grant)
  await both('invite', wide, member)
  await dark('invite', wide, member)
  await axe(member, 'invite (phone)')
  await axe(wide, 'invite')
  await wide.close()
  await member.locator('#accept').click()
  await member.waitForURL(`${base}/s/${id}`)
  await member.locator('.ProseMirror').waitFor()

  // A used-up link says so instead of failing silently.
  const third = await P.open(WIDE)
  await third.goto(url)
  await third.locator('#invite-error h1', { hasText: 'expired or been used up' }).waitFor()
  await axe(third, 'spent invite')
  await third.close()

  // "Your name", from the room's header; the page reconnects under it.
  await member.locator('#my-role').click()
  await member.locator('#dlg-me-name').fill(MEMBER_NAME)
  await member.locator('#dlg-me-save').click()
  await member.locator('#my-role', { hasText: MEMBER_NAME }).waitFor()
  await member.locator('.ProseMirror').waitFor()
  const me = await c.me(member)
  if (me.name !== MEMBER_NAME) throw new Error('the profile was not saved: ' + JSON.stringify(me))
  await noOverflow(member, 'room after accepting')
  step('the invite page names what it grants; accepting opens the room; a used-up link says so; the guest sets their name')
  return member
}

// viewerInvite lets a third person into the space with a space invite
// the host makes, accepted through the API (the UI path is inviteFlow's)
// so that they do not enter the room before the meeting scenario has
// them join. The host then finds them among the space's members in the
// lobby and changes their role there (and back).
export async function viewerInvite (c, viewer) {
  const { host, id, base, step, both, axe } = c
  const made = await host.evaluate(async (id) => (await fetch('/api/sessions/' + id)).json(), id)
  const inv = await host.evaluate(async (space) => (await fetch(`/api/spaces/${space}/invites`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ role: 'member' })
  })).json(), made.space_id)
  await viewer.goto(base + inv.path)
  await viewer.locator('#invite-grant', { hasText: 'Join the space “E2E space”' }).waitFor()
  const got = await viewer.evaluate(async (code) => (await fetch(`/api/invites/${code}/accept`, { method: 'POST' })).json(), inv.code)
  if (got.space_id !== made.space_id) throw new Error('the space invite did not let the viewer in: ' + JSON.stringify(got))
  // They name themselves in the lobby's "Your name".
  const name = 'Vic Viewer'
  await viewer.goto(base + '/')
  await viewer.locator('#spaces .session-title', { hasText: 'E2E weekly' }).waitFor()
  await viewer.locator('#me-name').fill(name)
  await viewer.locator('#me-save').click()
  await viewer.locator('#me-said', { hasText: 'you are ' + name }).waitFor()
  if ((await c.me(viewer)).name !== name) throw new Error('the lobby did not save the name')

  // The host's lobby (same person, another tab): the space, its session, its members.
  const lobby = await host.context().newPage()
  await lobby.goto(base + '/')
  await lobby.locator('#spaces [data-space] .session-title', { hasText: 'E2E weekly' }).waitFor()
  await lobby.locator('#spaces summary', { hasText: 'Members' }).click()
  const role = lobby.getByLabel('Role of ' + name)
  await role.selectOption('viewer')
  await lobby.locator(`.member[data-subject] select[aria-label="Role of ${name}"] option[value="viewer"]:checked`).waitFor({ state: 'attached' })
  const members = await lobby.evaluate(async (space) => (await fetch(`/api/spaces/${space}/members`)).json(), made.space_id)
  if (members.members.find(m => m.name === name)?.role !== 'viewer') throw new Error('the role change was not stored: ' + JSON.stringify(members))
  await lobby.locator('.member', { hasText: name }).waitFor()
  const phone = await host.context().newPage()
  await phone.setViewportSize(c.PHONE)
  await phone.goto(base + '/')
  await phone.locator('#spaces summary', { hasText: 'Members' }).click()
  await phone.locator('.member', { hasText: name }).waitFor()
  await phone.locator('#spaces').scrollIntoViewIfNeeded()
  await lobby.locator('#spaces').scrollIntoViewIfNeeded()
  await both('lobby-space', lobby, phone)
  await axe(lobby, 'lobby with a space and its members')
  await phone.close()
  await lobby.getByLabel('Role of ' + name).selectOption('member')
  await lobby.locator(`.member select[aria-label="Role of ${name}"] option[value="member"]:checked`).waitFor({ state: 'attached' })
  await lobby.close()
  await viewer.goto('about:blank')
  step("a space invite lets a third person in; the host's lobby lists the space, its session and its members, and changes a member's role")
  return name
}

// removeMember: the host removes a member from the lobby (asked first).
export async function removeMember (c, name) {
  const { host, base, step } = c
  await host.goto(base + '/')
  await host.locator('#spaces summary', { hasText: 'Members' }).click()
  await host.getByRole('button', { name: 'Remove ' + name }).click()
  await host.locator('#dialog-ok', { hasText: 'Remove' }).click()
  await host.locator('.member', { hasText: name }).waitFor({ state: 'detached' })
  const spaces = await host.evaluate(async () => (await fetch('/api/spaces')).json())
  const members = await host.evaluate(async (space) => (await fetch(`/api/spaces/${space}/members`)).json(), spaces.spaces[0].id)
  if (members.members.some(m => m.name === name)) throw new Error('the removed member is still listed by the API')
  step('the host removes a member from the space in the lobby, after a confirmation')
}
