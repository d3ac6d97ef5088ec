// The meeting timer: a large countdown everyone sees, presets and a
// minutes field for whoever runs the meeting, and a cue at zero — the
// display turns to "Time's up", screen readers are told, and a short
// chime plays for those who turned sound on (off by default).

import { Ctx, MeetingState, View, btn } from './panel'
import { fmtClock, h, showError } from './dom'
import { Status } from './status'

const presets = [1, 3, 5, 10, 15]
const soundKey = 'cocreate.timer-sound'

export class Timer {
  private t: MeetingState['timer'] = {}
  private rang = 0 // the endsAt whose cue was given
  private controls: HTMLElement | null = null

  constructor (private readonly status: Status) {}

  // view is the countdown and the buttons that depend on the state.
  view (v: View): HTMLElement {
    const t = v.s.timer
    const live = v.runs && v.st === 'live'
    const state = t.state ?? 'idle'
    return h('div', {},
      h('p', { class: 'timer-display', id: 'timer', 'data-timer': state, 'aria-live': 'off' }, this.text(Date.now(), t)),
      live && state !== 'idle'
        ? h('div', { class: 'row' },
          state === 'running' ? btn('timer-pause', 'Pause', { type: 'timer.pause' }, { off: v.off }) : null,
          state === 'paused' ? btn('timer-resume', 'Resume', { type: 'timer.resume' }, { off: v.off }) : null,
          btn('timer-reset', 'Reset', { type: 'timer.reset' }, { off: v.off }))
        : null,
      live
        ? h('div', { class: 'row presets', role: 'group', 'aria-label': 'Start a timer' },
          ...presets.map(m => btn('timer-' + String(m), `${m} min`, { type: 'timer.start', durationMs: m * 60000 }, { off: v.off })))
        : null,
      v.st !== 'live' && state === 'idle' ? h('p', { class: 'empty' }, v.st === 'ended' ? 'The timer stopped with the meeting.' : 'The timer can be started once the meeting is live.') : null)
  }

  // form is the custom duration and the sound preference; it stays in
  // place across renders so typing in it is never disturbed.
  form (c: Ctx): HTMLElement {
    const f = h('form', { class: 'row add-form', id: 'timer-form', 'aria-label': 'Start a timer of your own length' },
      h('label', { for: 'timer-min' }, 'Minutes'),
      h('input', { id: 'timer-min', name: 'min', type: 'number', min: '0.1', max: '1440', step: 'any', value: '2', class: 'num', required: true }),
      h('button', { type: 'submit', id: 'timer-start' }, 'Start timer'))
    f.addEventListener('submit', e => {
      e.preventDefault()
      const b = f.querySelector('#timer-start') as HTMLElement
      if (b.getAttribute('aria-disabled') === 'true') { showError(b, new Error(b.dataset.reason ?? '')); return }
      const min = Number(new FormData(f).get('min'))
      if (!(min >= 0.1 && min <= 1440)) { showError(f, new Error('Give the timer a length between 0.1 minutes (6 seconds) and 24 hours.')); return }
      void c.run({ type: 'timer.start', durationMs: Math.round(min * 60000) }, f)
    })
    const sound = h('input', { type: 'checkbox', id: 'timer-sound', checked: localStorage.getItem(soundKey) === 'on' })
    sound.addEventListener('change', () => {
      localStorage.setItem(soundKey, sound.checked ? 'on' : 'off')
      if (sound.checked) this.chime(0.05) // browsers allow audio after a click
    })
    this.controls = f
    return h('div', {}, f, h('p', {}, h('label', { class: 'check' }, sound, 'Play a sound when the timer ends')))
  }

  showControls (on: boolean): void { if (this.controls !== null) this.controls.hidden = !on }

  update (t: MeetingState['timer']): void { this.t = t }

  text (now: number, t = this.t): string {
    const state = t.state ?? 'idle'
    if (state === 'running') {
      const left = Number(t.endsAt) - now
      return left <= 0 ? "Time's up" : fmtClock(left)
    }
    if (state === 'paused') return fmtClock(Number(t.remainingMs)) + ' paused'
    return Number(t.durationMs ?? 0) > 0 ? fmtClock(Number(t.remainingMs ?? t.durationMs)) : '0:00'
  }

  tick (now: number): void {
    const el = document.getElementById('timer')
    if (el === null) return
    const text = this.text(now)
    if (el.textContent !== text) el.textContent = text
    const ends = Number(this.t.endsAt)
    const up = this.t.state === 'running' && ends <= now
    el.classList.toggle('up', up)
    // Only a timer that ran out while this page watched rings, once.
    if (up && this.rang !== ends && now - ends < 5000) {
      this.rang = ends
      this.status.announce("Time's up.", true)
      if (localStorage.getItem(soundKey) === 'on') this.chime(0.3)
    }
  }

  private chime (volume: number): void {
    try {
      const ac = new AudioContext()
      for (const [i, f] of [880, 660, 880].entries()) {
        const o = ac.createOscillator()
        const g = ac.createGain()
        o.frequency.value = f
        g.gain.setValueAtTime(volume, ac.currentTime + i * 0.25)
        g.gain.exponentialRampToValueAtTime(0.001, ac.currentTime + i * 0.25 + 0.22)
        o.connect(g).connect(ac.destination)
        o.start(ac.currentTime + i * 0.25)
        o.stop(ac.currentTime + i * 0.25 + 0.24)
      }
      window.setTimeout(() => { void ac.close() }, 1200)
    } catch {}
  }
}
