// Pure formatting helpers: times in the operator's local zone, sizes, names, links in text.
// Everything here returns plain strings; components render them as text, never as markup.

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});
const shortDayFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const weekdayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });

/** Local midnight of the day holding `ms`. */
export function dayStart(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

export function clockTime(ms: number): string {
  return timeFormat.format(ms);
}

export function fullTime(ms: number): string {
  return fullFormat.format(ms);
}

/** "Today", "Yesterday", or the local date, for day separators. */
export function dayLabel(ms: number, now: number = Date.now()): string {
  const days = Math.round((dayStart(now) - dayStart(ms)) / 86_400_000);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  return dayFormat.format(ms);
}

/** The chat list's time: a clock time today, a weekday this week, else a short date. */
export function listTime(ms: number, now: number = Date.now()): string {
  const days = Math.round((dayStart(now) - dayStart(ms)) / 86_400_000);
  if (days === 0) return clockTime(ms);
  if (days === 1) return 'Yesterday';
  if (days < 7) return weekdayFormat.format(ms);
  return shortDayFormat.format(ms);
}

/** "in 5 min", "in 2 h", "in 3 days" (or "now") until `ms`. */
export function fromNow(ms: number, now: number = Date.now()): string {
  const seconds = Math.round((ms - now) / 1000);
  const past = seconds < 0;
  const s = Math.abs(seconds);
  let span: string;
  if (s < 2) return past ? 'just now' : 'now';
  if (s < 90) return past ? `${s} s ago` : `in ${s} s`;
  if (s < 3600) span = `${Math.round(s / 60)} min`;
  else if (s < 86_400 * 2) span = `${Math.round(s / 3600)} h`;
  else span = `${Math.round(s / 86_400)} days`;
  return past ? `${span} ago` : `in ${span}`;
}

export function fileSize(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '';
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** Numbers as stored are digits only; show them with the international prefix. */
export function phone(number: string): string {
  return /^\d+$/.test(number) ? `+${number}` : number;
}

/** What to call a customer: their WhatsApp name, else their user name, else their number. */
export function customerName(
  displayName: string | null,
  name: string | null,
  number: string,
): string {
  const chosen = [displayName, name].find((n) => n !== null && n.trim() !== '');
  return chosen ?? phone(number);
}

export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; url: string };

// http(s) and www. links; trailing punctuation that usually ends a sentence is left out.
const LINK = /\b(?:https?:\/\/|www\.)[^\s<>"']+/gi;
const TRAILING = /[.,;:!?)\]}'"»]+$/;

/** Splits message text into plain parts and links (each still rendered as text). */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    const start = match.index;
    let raw = match[0];
    const trail = TRAILING.exec(raw);
    if (trail) raw = raw.slice(0, raw.length - trail[0].length);
    if (raw.length === 0) continue;
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    const url = raw.toLowerCase().startsWith('www.') ? `https://${raw}` : raw;
    parts.push({ kind: 'link', text: raw, url });
    last = start + raw.length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

export function mapsLink(latitude: number, longitude: number): string {
  const lat = latitude.toFixed(6);
  const lon = longitude.toFixed(6);
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=17/${lat}/${lon}`;
}

export function coordinates(latitude: number, longitude: number): string {
  const ns = latitude >= 0 ? 'N' : 'S';
  const ew = longitude >= 0 ? 'E' : 'W';
  return `${Math.abs(latitude).toFixed(5)}° ${ns}, ${Math.abs(longitude).toFixed(5)}° ${ew}`;
}
