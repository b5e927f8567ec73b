/**
 * Job tags: `key=value` pairs given at submit, stored in the `JobTags` search attribute (a
 * KeywordList, one `key=value` entry per tag) so that every list, bulk operation, export and
 * count can filter by them. Search attributes are not encrypted by codecs: no personal data.
 */
import { InvalidOptionsError } from '../errors';

/** A job's tags: `{ userId: 'u1', plugin: 'sql' }`. */
export type JobTags = Record<string, string>;

/** What a tag may be. */
export const tagLimits = {
  /** Tags per job (or per filter), at most. */
  maxTags: 20,
  /** Characters of a key, at most. */
  keyChars: 64,
  /** Characters of a value, at most. */
  valueChars: 128,
  /**
   * Bytes of all a job's tags together, at most, as the `JobTags` search attribute holds them (a
   * JSON list of `key=value`): under the server's default limit of 2 KB for one search
   * attribute's value (`limit.searchAttributesSizeOfValue`), past which it refuses the start.
   */
  totalBytes: 2_000,
} as const;

/** A key: a letter, then letters, digits, `_`, `-` or `.`. */
const keyPattern = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/** Characters a value may not hold: they would need escaping in visibility queries. */
const badValueChars = /['"\\\p{Cc}]/u;

/** Separates key and value in the search attribute. */
const separator = '=';

function checkTag(key: string, value: unknown, what: string): void {
  const name = `${what} "${key}"`;
  if (key.length === 0 || key.length > tagLimits.keyChars || !keyPattern.test(key)) {
    throw new InvalidOptionsError(
      `${name}: a tag key must be 1 to ${tagLimits.keyChars} characters, a letter then letters, digits, "_", "-" or "."`,
    );
  }
  if (typeof value !== 'string') throw new InvalidOptionsError(`${name}: a tag value must be a string, got ${JSON.stringify(value) ?? String(value)}`);
  if (value.length === 0 || value.length > tagLimits.valueChars) {
    throw new InvalidOptionsError(`${name}: a tag value must be 1 to ${tagLimits.valueChars} characters, got ${value.length}`);
  }
  if (badValueChars.test(value)) throw new InvalidOptionsError(`${name}: a tag value must not hold quotes, backslashes or control characters: ${JSON.stringify(value)}`);
}

/**
 * Checks tags given to a submit or a filter (`what` names them in errors) and returns them.
 * Throws `InvalidOptionsError` naming the bad tag.
 */
export function checkTags(tags: unknown, what = 'tag'): JobTags {
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) {
    throw new InvalidOptionsError(`tags must be an object of key: value strings, such as { userId: 'u1' }, got ${JSON.stringify(tags)}`);
  }
  const entries = Object.entries(tags);
  if (entries.length > tagLimits.maxTags) throw new InvalidOptionsError(`at most ${tagLimits.maxTags} tags, got ${entries.length}`);
  for (const [key, value] of entries) checkTag(key, value, what);
  const bytes = Buffer.byteLength(JSON.stringify(tagValues(tags as JobTags)));
  if (bytes > tagLimits.totalBytes) {
    throw new InvalidOptionsError(
      `tags take ${bytes} bytes together (as the JobTags search attribute holds them), more than the ${tagLimits.totalBytes} the server takes in one search attribute: use fewer or shorter tags`,
    );
  }
  return tags as JobTags;
}

/** The `JobTags` values of checked tags, one `key=value` each, sorted by key. */
export function tagValues(tags: JobTags): string[] {
  return Object.keys(tags)
    .sort()
    .map((key) => `${key}${separator}${tags[key]}`);
}

/** Tags from the `JobTags` values of a job (entries without a separator are left out). */
export function tagsOfValues(values: readonly string[] | undefined): JobTags {
  const tags: JobTags = {};
  for (const entry of values ?? []) {
    const at = entry.indexOf(separator);
    if (at > 0) tags[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return tags;
}

/** One tag as people type it, `key=value`. Throws `InvalidOptionsError` naming it. */
export function parseTag(text: string): [string, string] {
  const at = text.indexOf(separator);
  if (at <= 0) throw new InvalidOptionsError(`tag ${JSON.stringify(text)} must be key=value, such as userId=u1`);
  const [key, value] = [text.slice(0, at), text.slice(at + 1)];
  checkTag(key, value, 'tag');
  return [key, value];
}
