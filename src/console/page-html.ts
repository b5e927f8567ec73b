/**
 * Server-rendered HTML without a template engine: a tagged template that escapes every value it
 * is given unless the value is HTML made by the same tag, and the small formatters pages share.
 */
import ms from 'ms';

/** HTML that is safe to insert as it is: made by {@link html} (or {@link trusted}). */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an element's content or a quoted attribute. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => entities[ch]);

function render(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (value === undefined || value === null || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** Builds HTML; interpolated values are escaped (arrays are joined, `null`, `undefined` and `false` are left out). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  values.forEach((value, i) => (out += render(value) + strings[i + 1]));
  return new Html(out);
}

/** Text known to be HTML already (never data from a job or a request). */
export const trusted = (text: string) => new Html(text);

/** JSON for a `<script type="application/json">` element: `<` escaped so the data cannot close the element. */
export const jsonScript = (value: unknown) => trusted(JSON.stringify(value).replace(/</g, '\\u003c'));

/** How long ago `iso` was, for people: `5m ago`; in the future: `in 5m`. */
export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const span = ms(Math.max(1_000, Math.abs(now - at)));
  return at > now ? `in ${span}` : `${span} ago`;
}

/** A time for people, to the second, in UTC: `2025-01-31 12:00:01Z`. */
export function when(iso: string | undefined): string {
  if (!iso) return '-';
  const at = Date.parse(iso);
  return Number.isNaN(at) ? iso : new Date(at).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** The time of day of `iso` to the millisecond, in UTC: `12:00:01.123`. */
export function clock(iso: string): string {
  const at = Date.parse(iso);
  return Number.isNaN(at) ? iso : new Date(at).toISOString().slice(11, 23);
}

/** A `<time>` showing how long ago, with the exact time on hover. */
export const timeAgo = (iso: string | undefined) => (iso ? html`<time datetime="${iso}" title="${when(iso)}">${ago(iso)}</time>` : html`-`);

/** A duration for people: `850 ms`, `2.4 s`, `3m`. */
export function duration(milliseconds: number | undefined): string {
  if (milliseconds === undefined || !Number.isFinite(milliseconds)) return '-';
  if (milliseconds < 1_000) return `${Math.round(milliseconds)} ms`;
  if (milliseconds < 60_000) return `${(milliseconds / 1_000).toFixed(1)} s`;
  return ms(milliseconds, { long: false });
}

/** Text cut to `max` characters, with an ellipsis. */
export const cut = (text: string | undefined, max: number) => (!text ? '' : text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** A URL of the console: `path` under the base path, with the non-empty query parameters. */
export function href(basePath: string, path: string, query: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
  const search = params.toString();
  return `${basePath}${path}${search ? `?${search}` : ''}`;
}

/** A status as a coloured badge. */
export const statusBadge = (status: string) => html`<span class="badge badge-${status.toLowerCase()}" data-status="${status}">${status}</span>`;
