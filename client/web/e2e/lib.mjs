// Shared helpers of the browser scenarios (e2e.mjs, tokens.mjs…): the
// browser, pages at the two judged sizes, screenshots, axe-core checks,
// the 375 px overflow check, keyboard walking and API calls.
import { chromium } from 'playwright-core'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
export const axePath = require.resolve('axe-core/axe.min.js')
export const T = 15000
export const WIDE = { width: 1280, height: 800 }
export const PHONE = { width: 375, height: 812 }

export async function launch () {
  return await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required']
  })
}

// pages opens pages in their own contexts (one person each), records
// requests that leave the server and page errors. opts are more context
// options (timezoneId, locale, permissions…).
export function pages (browser, base) {
  const external = []
  const errors = []
  const open = async (viewport = WIDE, opts = {}) => {
    // bypassCSP lets the test inject axe-core; the app's own policy is
    // checked by the server tests.
    const ctx = await browser.newContext({ viewport, bypassCSP: true, ...opts })
    const page = await ctx.newPage()
    page.setDefaultTimeout(T)
    page.on('request', r => { if (!r.url().startsWith(base) && !r.url().startsWith(base.replace('http', 'ws')) && !r.url().startsWith('data:')) external.push(r.url()) })
    page.on('pageerror', e => { errors.push(e.message); console.error('page error:', e.message) })
    return page
  }
  return { open, external, errors }
}

export const shot = (artifacts) => async (page, name) => {
  const vp = page.viewportSize()
  await page.screenshot({ path: `${artifacts}/${name}-${vp.width}.png` })
}

// noOverflow asserts the page needs no sideways scrolling.
export async function noOverflow (page, where) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  if (wide > 0) {
    const culprits = await page.evaluate(() => [...document.querySelectorAll('body *')]
      .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
      .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)))
    throw new Error(`${where}: the page is ${wide}px wider than the ${page.viewportSize().width}px screen: ${culprits.join(', ')}`)
  }
}

// axe runs axe-core on the page, in light and in dark, and fails on any
// serious or critical violation.
export async function axe (page, where) {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme })
    if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.addScriptTag({ path: axePath })
    const found = await page.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] })
      return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`)
    })
    if (found.length > 0) throw new Error(`axe, ${where}, ${scheme}:\n  ${found.join('\n  ')}`)
  }
  await page.emulateMedia({ colorScheme: 'light' })
}

// tabTo presses Tab until the element matching sel has focus.
export async function tabTo (page, sel, max = 120) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate(s => document.activeElement?.matches(s) ?? false, sel)) return
    await page.keyboard.press('Tab')
  }
  throw new Error(`${sel} cannot be reached with Tab`)
}

export const focusedId = (page) => page.evaluate(() => document.activeElement?.id ?? '')

// call is a request to the API as the page's person (its cookie).
export const call = (page, method, path, body) => page.evaluate(async ([method, path, body]) => {
  const r = await fetch(path, { method, headers: body === undefined ? {} : { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await r.text()
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`)
  return text === '' ? null : JSON.parse(text)
}, [method, path, body])

export const me = (page) => page.evaluate(() => fetch('/api/me').then(r => r.json()))

// typeLine types a new last line into the page's notes. The caret is put
// at the end by the editor: Ctrl+End in Chromium can stop short of the
// end next to the task list's non-editable checkboxes.
export async function typeLine (page, text) {
  await page.locator('.ProseMirror').click()
  await page.evaluate(() => window.cocreate.editor.commands.focus('end'))
  await page.keyboard.press('Enter')
  await page.keyboard.type(text)
}

// scenario is what a script run as `node e2e/X.mjs BASE_URL ARTIFACTS_DIR`
// starts with: its arguments, the browser, pages, screenshots and the
// "ok" line e2e_test.go counts.
export async function scenario () {
  const [base, artifacts] = process.argv.slice(2)
  const browser = await launch()
  return { base, artifacts, browser, P: pages(browser, base), shot: shot(artifacts), step: (name) => console.log('ok ' + name) }
}
