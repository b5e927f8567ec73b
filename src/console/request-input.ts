/**
 * Reading what a request asks for: filters and paging from a query string, and the JSON bodies
 * of actions. Anything that does not read is an `InvalidOptionsError` naming the field (a 400);
 * ranges and option names are left to the admin API, whose errors name them too.
 */
import type { BulkOptions, DeadJobFilter, RetryRequestOptions } from '../admin';
import { InvalidOptionsError } from '../errors';
import { checkTags, parseTag } from '../jobs';
import { parsePointInTime } from '../time';
import { badInput } from './http-problem';

/** Query parameters that select dead jobs, as the pages and the API name them. */
export const filterParams = ['type', 'errorType', 'group', 'since', 'until'] as const;

/** A point in time: how long ago (`30m`, `2h`, `7d`) or an ISO time. */
export function parseTime(value: string, field: string): Date {
  const at = parsePointInTime(value);
  if (at) return at;
  throw badInput(`${field}: expected how long ago, such as 30m, 2h, 7d, or an ISO time such as 2025-01-31T12:00:00Z; got "${value}"`);
}

const text = (value: unknown, field: string): string | undefined => {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw badInput(`${field}: expected a string`);
  return value.trim() || undefined;
};

/**
 * The filter given by `type`, `errorType`, `group`, `since`, `until` and tags (query parameters
 * or a JSON object); empty ones are ignored. Tags come as `tags: { key: value }` in a JSON
 * object, or as repeated `tag=key=value` query parameters (`tagParams`).
 */
export function filterFrom(source: Record<string, unknown>, tagParams: string[] = []): DeadJobFilter {
  const filter: DeadJobFilter = {};
  try {
    const tags = source.tags === undefined || source.tags === null ? {} : checkTags(source.tags);
    for (const param of tagParams.filter((t) => t.trim() !== '')) {
      const [key, value] = parseTag(param.trim());
      if (key in tags) throw new InvalidOptionsError(`tag "${key}" given twice; give each key once`);
      tags[key] = value;
    }
    if (Object.keys(tags).length > 0) filter.tags = checkTags(tags);
  } catch (err) {
    if (err instanceof InvalidOptionsError) throw badInput(err.message);
    throw err;
  }
  const type = text(source.type, 'type');
  const errorType = text(source.errorType, 'errorType');
  const group = text(source.group, 'group');
  const since = text(source.since, 'since');
  const until = text(source.until, 'until');
  if (type) filter.type = type;
  if (errorType) filter.errorType = errorType;
  if (group) filter.group = group;
  if (since) filter.since = parseTime(since, 'since');
  if (until) filter.until = parseTime(until, 'until');
  return filter;
}

/** The filter as query parameters, times as ISO: what links and the API's answers carry. */
export function filterQuery(filter: DeadJobFilter): Record<string, string> {
  const query: Record<string, string> = {};
  for (const key of filterParams) {
    const value = filter[key];
    if (value !== undefined) query[key] = value instanceof Date ? value.toISOString() : value;
  }
  return query;
}

/** `limit` and `pageToken` of a list request. */
export function pagingFrom(query: Record<string, string | undefined>): { limit: number; pageToken?: string } {
  const raw = query.limit?.trim();
  let limit = 50;
  if (raw) {
    if (!/^\d+$/.test(raw)) throw badInput(`limit: expected a whole number from 1 to 1000; got "${raw}"`);
    limit = Number(raw);
  }
  return { limit, pageToken: query.pageToken?.trim() || undefined };
}

/** A JSON request body as an object; no body is `{}`. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw badInput('body: expected a JSON object');
  return body as Record<string, unknown>;
}

function onlyKeys(body: Record<string, unknown>, known: readonly string[], what: string): void {
  const unknown = Object.keys(body).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw badInput(`${what}: unknown field(s) ${unknown.map((k) => `"${k}"`).join(', ')}; known: ${known.join(', ')}`);
}

/** The body of a retry of one job: `{ payload?, retryPolicy?, reason? }`, as `admin.retry` takes it. */
export function retryRequestFrom(body: Record<string, unknown>): RetryRequestOptions {
  onlyKeys(body, ['payload', 'retryPolicy', 'reason'], 'retry');
  const request: RetryRequestOptions = {};
  if (body.payload !== undefined) request.payload = body.payload;
  if (body.retryPolicy !== undefined) {
    if (typeof body.retryPolicy !== 'object' || body.retryPolicy === null || Array.isArray(body.retryPolicy)) throw badInput('retryPolicy: expected an object such as { "maximumAttempts": 3 }');
    request.retryPolicy = body.retryPolicy;
  }
  const reason = text(body.reason, 'reason');
  if (reason) request.reason = reason;
  return request;
}

/** The body of a cancel of one job: `{ reason? }`. */
export function cancelRequestFrom(body: Record<string, unknown>): { reason?: string } {
  onlyKeys(body, ['reason'], 'cancel');
  const reason = text(body.reason, 'reason');
  return reason ? { reason } : {};
}

/** What a bulk request asks for. */
export interface BulkRequest {
  action: 'retry' | 'cancel';
  filter: DeadJobFilter;
  options: BulkOptions;
}

/** The body of a bulk retry or cancel: `{ action, filter?, rate?, dryRun?, reason?, retryPolicy? }`. */
export function bulkRequestFrom(body: Record<string, unknown>): BulkRequest {
  onlyKeys(body, ['action', 'filter', 'rate', 'dryRun', 'reason', 'retryPolicy'], 'bulk');
  if (body.action !== 'retry' && body.action !== 'cancel') throw badInput(`action: expected "retry" or "cancel"; got ${JSON.stringify(body.action ?? null)}`);
  const filterBody = objectBody(body.filter);
  onlyKeys(filterBody, [...filterParams, 'tags'], 'filter');
  const options: BulkOptions = {};
  if (body.rate !== undefined) {
    const rate = typeof body.rate === 'string' && body.rate.trim() !== '' ? Number(body.rate) : body.rate;
    if (typeof rate !== 'number' || !Number.isFinite(rate)) throw badInput(`rate: expected jobs per second, a number more than 0 and at most 1000; got ${JSON.stringify(body.rate)}`);
    options.rate = rate;
  }
  if (body.dryRun !== undefined) {
    if (typeof body.dryRun !== 'boolean') throw badInput('dryRun: expected true or false');
    options.dryRun = body.dryRun;
  }
  const reason = text(body.reason, 'reason');
  if (reason) options.reason = reason;
  if (body.retryPolicy !== undefined) {
    if (body.action === 'cancel') throw badInput('retryPolicy: applies to a retry only');
    options.retryPolicy = retryRequestFrom({ retryPolicy: body.retryPolicy }).retryPolicy;
  }
  return { action: body.action, filter: filterFrom(filterBody), options };
}

/** The body of retry-now, pause or resume of one job: `{ reason? }`. */
export function jobActionRequestFrom(body: Record<string, unknown>, what: string): { reason?: string } {
  onlyKeys(body, ['reason'], what);
  const reason = text(body.reason, 'reason');
  return reason ? { reason } : {};
}

/** True only for `true`: a deletion is confirmed by `"confirm": true`, as `--yes` confirms it on the command line. */
function confirmed(body: Record<string, unknown>): boolean {
  if (body.confirm !== undefined && typeof body.confirm !== 'boolean') throw badInput('confirm: expected true or false');
  return body.confirm === true;
}

/** The body of a deletion of one job: `{ reason?, confirm: true }`. */
export function deleteRequestFrom(body: Record<string, unknown>): { reason?: string } {
  onlyKeys(body, ['reason', 'confirm'], 'delete');
  if (!confirmed(body)) throw badInput('confirm: deleting removes the job and its history for good; send "confirm": true');
  const reason = text(body.reason, 'reason');
  return reason ? { reason } : {};
}

/** The body of a deletion by filter: `{ filter?, dryRun?, reason?, confirm }` (`confirm: true` unless a dry run). */
export function deleteAllRequestFrom(body: Record<string, unknown>): { filter: DeadJobFilter; options: { dryRun?: boolean; reason?: string } } {
  onlyKeys(body, ['filter', 'dryRun', 'reason', 'confirm'], 'delete');
  const filterBody = objectBody(body.filter);
  onlyKeys(filterBody, [...filterParams, 'tags'], 'filter');
  if (body.dryRun !== undefined && typeof body.dryRun !== 'boolean') throw badInput('dryRun: expected true or false');
  const dryRun = body.dryRun === true;
  if (!dryRun && !confirmed(body)) throw badInput('confirm: deleting removes the jobs and their history for good; send "confirm": true, or "dryRun": true to see what matches');
  const reason = text(body.reason, 'reason');
  return { filter: filterFrom(filterBody), options: { ...(dryRun ? { dryRun } : {}), ...(reason ? { reason } : {}) } };
}

/** The query of an audit read: `jobId?`, `since?`. */
export function auditFilterFrom(query: Record<string, string | undefined>): { jobId?: string; since?: Date } {
  const jobId = query.jobId?.trim() || undefined;
  const since = query.since?.trim() || undefined;
  return { ...(jobId ? { jobId } : {}), ...(since ? { since: parseTime(since, 'since') } : {}) };
}
