// Parses an iCalendar feed from stdin with the real ical.js and prints,
// as JSON, its events and their occurrences in [from, to) with each
// start as UTC, as the wall clock of the event's own zone (from the
// feed's VTIMEZONE, as ical.js reads it) and as Node's Intl shows it in
// each reader zone. Usage: node check.mjs FROM TO ZONE,ZONE < feed.ics
import ICAL from 'ical.js';
import { readFileSync } from 'node:fs';

const [from, to, zones = ''] = process.argv.slice(2);
const readers = zones ? zones.split(',') : [];
const fromMs = Date.parse(from);
const toMs = Date.parse(to);

const text = readFileSync(0, 'utf8');
const cal = new ICAL.Component(ICAL.parse(text));
const vevents = cal.getAllSubcomponents('vevent');

function local(date, zone) {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(date);
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

const out = {
  calendar: {
    version: cal.getFirstPropertyValue('version'),
    prodid: cal.getFirstPropertyValue('prodid'),
    method: cal.getFirstPropertyValue('method'),
    calscale: cal.getFirstPropertyValue('calscale'),
    timezones: cal.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid')),
  },
  events: [],
  occurrences: [],
};

const masters = new Map();
const exceptions = [];
for (const v of vevents) {
  const e = new ICAL.Event(v);
  const rrule = v.getFirstPropertyValue('rrule');
  out.events.push({
    uid: e.uid,
    summary: e.summary,
    description: e.description,
    url: v.getFirstPropertyValue('url'),
    status: v.getFirstPropertyValue('status'),
    sequence: e.sequence,
    tzid: v.getFirstProperty('dtstart').getParameter('tzid') || null,
    start_utc: e.startDate.toJSDate().toISOString(),
    rrule: rrule ? rrule.toString() : null,
    recurrence_id: e.recurrenceId ? e.recurrenceId.toJSDate().toISOString() : null,
  });
  if (e.isRecurrenceException()) exceptions.push(e);
  else masters.set(e.uid, e);
}
for (const x of exceptions) {
  const m = masters.get(x.uid);
  if (!m) throw new Error(`override ${x.uid} without its series`);
  m.relateException(x);
}

for (const e of masters.values()) {
  const it = e.iterator();
  for (let n = 0, next; (next = it.next()) && n < 5000; n++) {
    const d = e.getOccurrenceDetails(next);
    const start = d.startDate.toJSDate();
    // A moved occurrence may leave its slot's window; judge by its start.
    if (start.getTime() >= toMs && next.toJSDate().getTime() >= toMs) break;
    if (start.getTime() < fromMs || start.getTime() >= toMs) continue;
    const o = {
      uid: e.uid,
      summary: d.item.summary,
      status: d.item.component.getFirstPropertyValue('status'),
      start_utc: start.toISOString(),
      end_utc: d.endDate.toJSDate().toISOString(),
      wall: d.startDate.toString(),
      recurrence_id: d.recurrenceId.toJSDate().toISOString(),
      local: {},
    };
    for (const z of readers) o.local[z] = local(start, z);
    out.occurrences.push(o);
    if (!e.isRecurring()) break;
  }
}
process.stdout.write(JSON.stringify(out));
