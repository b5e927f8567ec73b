/**
 * Alerting of a task queue's dead-letter queue: check a configuration, read one from the
 * environment, and apply one to a running queue.
 */
import type { Client } from '@temporalio/client';
import { configureAlertsSignal, type AlertConfig, type AlertThresholds } from '../contract';
import { InvalidOptionsError } from '../errors';
import { signalDeadLetterQueue } from './dead-letter-queue';

/** The environment variables {@link alertsFromEnv} reads. */
export const alertEnvVars = {
  deadNow: 'REBOUND_ALERT_DEAD_NOW',
  deadNowByType: 'REBOUND_ALERT_DEAD_NOW_BY_TYPE',
  deadLetteredPerMinute: 'REBOUND_ALERT_DEAD_PER_MINUTE',
  deadLetteredPerMinuteByType: 'REBOUND_ALERT_DEAD_PER_MINUTE_BY_TYPE',
  webhookUrl: 'REBOUND_ALERT_WEBHOOK_URL',
} as const;

const isThreshold = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1;

function urlProblem(url: string): string | undefined {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:' ? undefined : `must be an http(s) URL, got ${JSON.stringify(url)}`;
  } catch {
    return `must be an http(s) URL, got ${JSON.stringify(url)}`;
  }
}

/** Why `alerts` is not a valid alert configuration, or undefined when it is. */
export function alertConfigProblem(alerts: AlertConfig): string | undefined {
  if (typeof alerts !== 'object' || alerts === null) return 'alerts must be an object';
  const t: AlertThresholds = alerts.thresholds ?? {};
  for (const key of ['deadNow', 'deadLetteredPerMinute'] as const) {
    if (t[key] !== undefined && !isThreshold(t[key])) return `thresholds.${key} must be a whole number of at least 1, got ${JSON.stringify(t[key])}`;
  }
  for (const key of ['deadNowByType', 'deadLetteredPerMinuteByType'] as const) {
    for (const [type, n] of Object.entries(t[key] ?? {})) {
      if (!isThreshold(n)) return `thresholds.${key}["${type}"] must be a whole number of at least 1, got ${JSON.stringify(n)}`;
    }
  }
  if (alerts.webhookUrl !== undefined) {
    const problem = urlProblem(alerts.webhookUrl);
    if (problem) return `webhookUrl ${problem}`;
  }
  return undefined;
}

function threshold(name: string, value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !isThreshold(n)) throw new InvalidOptionsError(`${name} must be a whole number of at least 1, got ${JSON.stringify(value)}`);
  return n;
}

/** `type=n,type=n` (spaces allowed around each part). */
function thresholdsByType(name: string, value: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const at = part.lastIndexOf('=');
    const type = part.slice(0, Math.max(0, at)).trim();
    if (at < 0 || type === '') throw new InvalidOptionsError(`${name} must read like "type=5,other.type=10", got ${JSON.stringify(value)}`);
    out[type] = threshold(`${name} (for "${type}")`, part.slice(at + 1));
  }
  if (Object.keys(out).length === 0) throw new InvalidOptionsError(`${name} must read like "type=5,other.type=10", got ${JSON.stringify(value)}`);
  return out;
}

/**
 * The alert configuration given by the environment ({@link alertEnvVars}), or undefined when
 * none of its variables is set (an empty variable counts as unset). Throws
 * {@link InvalidOptionsError} naming the variable when a value is bad.
 *
 * - `REBOUND_ALERT_DEAD_NOW=50`: jobs dead now, over all types
 * - `REBOUND_ALERT_DEAD_NOW_BY_TYPE=email.send=10,image.resize=5`: jobs dead now, per type
 * - `REBOUND_ALERT_DEAD_PER_MINUTE=20`: dead-letterings in the last minute, over all types
 * - `REBOUND_ALERT_DEAD_PER_MINUTE_BY_TYPE=email.send=5`: dead-letterings in the last minute, per type
 * - `REBOUND_ALERT_WEBHOOK_URL=https://hooks.example.com/rebound`: where notifications are POSTed
 */
export function alertsFromEnv(env: NodeJS.ProcessEnv = process.env): AlertConfig | undefined {
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const thresholds: AlertThresholds = {};
  let any = false;
  const read = <T>(name: string, parse: (name: string, value: string) => T): T | undefined => {
    const value = get(name);
    if (value === undefined) return undefined;
    any = true;
    return parse(name, value);
  };
  const v = alertEnvVars;
  const deadNow = read(v.deadNow, threshold);
  const deadNowByType = read(v.deadNowByType, thresholdsByType);
  const deadLetteredPerMinute = read(v.deadLetteredPerMinute, threshold);
  const deadLetteredPerMinuteByType = read(v.deadLetteredPerMinuteByType, thresholdsByType);
  const webhookUrl = read(v.webhookUrl, (name, value) => {
    const problem = urlProblem(value);
    if (problem) throw new InvalidOptionsError(`${name} ${problem}`);
    return value;
  });
  if (!any) return undefined;
  if (deadNow !== undefined) thresholds.deadNow = deadNow;
  if (deadNowByType) thresholds.deadNowByType = deadNowByType;
  if (deadLetteredPerMinute !== undefined) thresholds.deadLetteredPerMinute = deadLetteredPerMinute;
  if (deadLetteredPerMinuteByType) thresholds.deadLetteredPerMinuteByType = deadLetteredPerMinuteByType;
  return { thresholds, ...(webhookUrl ? { webhookUrl } : {}) };
}

/**
 * Replaces the alert configuration of the dead-letter queue of `taskQueue`: thresholds and
 * webhook, all of it (a field left out is removed, `{}` turns alerting off but for `expiring`
 * notices in the log). Throws {@link InvalidOptionsError} when `alerts` is not valid.
 *
 * It takes effect at once and stays through the queue's continue-as-new, until the next call;
 * a worker created with alerts makes this call when it starts, so the last one started wins.
 * It works before any job died: the queue's workflow is started if it is not running (a worker
 * of the task queue must run for it to take effect). On the change, an alert whose threshold is
 * now reached fires, and one that fires and is now below its threshold, or has none any more,
 * recovers; each with its notification. Counters are not touched.
 */
export async function configureAlerts(client: Client, taskQueue: string, alerts: AlertConfig): Promise<void> {
  const problem = alertConfigProblem(alerts);
  if (problem) throw new InvalidOptionsError(problem);
  await signalDeadLetterQueue(client, taskQueue, configureAlertsSignal, alerts, alerts);
}
