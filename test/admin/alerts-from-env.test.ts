import { describe, expect, it } from 'vitest';
import { alertConfigProblem, alertsFromEnv } from '../../src/admin';
import { loadConfig } from '../../src/config';

describe('loadConfig alerts', () => {
  it('has no alerts when no alert variable is set, or only empty ones', () => {
    expect(loadConfig({}, {}).alerts).toBeUndefined();
    expect(loadConfig({}, { REBOUND_ALERT_DEAD_NOW: '', REBOUND_ALERT_WEBHOOK_URL: '  ' }).alerts).toBeUndefined();
  });

  it('reads every threshold and the webhook from the environment', () => {
    const config = loadConfig(
      {},
      {
        REBOUND_ALERT_DEAD_NOW: '50',
        REBOUND_ALERT_DEAD_NOW_BY_TYPE: 'email.send=10, image.resize = 5',
        REBOUND_ALERT_DEAD_PER_MINUTE: '20',
        REBOUND_ALERT_DEAD_PER_MINUTE_BY_TYPE: 'email.send=3',
        REBOUND_ALERT_WEBHOOK_URL: 'https://hooks.example.com/rebound?team=ops',
      },
    );
    expect(config.alerts).toEqual({
      thresholds: {
        deadNow: 50,
        deadNowByType: { 'email.send': 10, 'image.resize': 5 },
        deadLetteredPerMinute: 20,
        deadLetteredPerMinuteByType: { 'email.send': 3 },
      },
      webhookUrl: 'https://hooks.example.com/rebound?team=ops',
    });
  });

  it('takes a webhook alone: expiring notices still go to it', () => {
    expect(alertsFromEnv({ REBOUND_ALERT_WEBHOOK_URL: 'http://127.0.0.1:9000/hook' })).toEqual({ thresholds: {}, webhookUrl: 'http://127.0.0.1:9000/hook' });
  });

  it('prefers alerts given in code over the environment', () => {
    expect(loadConfig({ alerts: { thresholds: { deadNow: 2 } } }, { REBOUND_ALERT_DEAD_NOW: '9' }).alerts).toEqual({ thresholds: { deadNow: 2 } });
  });

  it.each([
    ['REBOUND_ALERT_DEAD_NOW', 'many'],
    ['REBOUND_ALERT_DEAD_NOW', '0'],
    ['REBOUND_ALERT_DEAD_NOW', '-3'],
    ['REBOUND_ALERT_DEAD_NOW', '2.5'],
    ['REBOUND_ALERT_DEAD_PER_MINUTE', '1e3'],
    ['REBOUND_ALERT_DEAD_NOW_BY_TYPE', 'email.send'],
    ['REBOUND_ALERT_DEAD_NOW_BY_TYPE', '=5'],
    ['REBOUND_ALERT_DEAD_NOW_BY_TYPE', 'email.send=ten'],
    ['REBOUND_ALERT_DEAD_PER_MINUTE_BY_TYPE', 'a=1,b=0'],
    ['REBOUND_ALERT_DEAD_PER_MINUTE_BY_TYPE', ','],
    ['REBOUND_ALERT_WEBHOOK_URL', 'not a url'],
    ['REBOUND_ALERT_WEBHOOK_URL', 'ftp://example.com/hook'],
  ])('refuses %s=%j with InvalidOptionsError naming the variable', (name, value) => {
    let error: Error | undefined;
    try {
      loadConfig({}, { [name]: value });
    } catch (err) {
      error = err as Error;
    }
    expect(error?.name).toBe('InvalidOptionsError');
    expect(error?.message).toContain(name);
  });
});

describe('alertConfigProblem', () => {
  it('accepts a valid configuration and an empty one', () => {
    expect(alertConfigProblem({})).toBeUndefined();
    expect(alertConfigProblem({ thresholds: { deadNow: 1, deadLetteredPerMinuteByType: { a: 2 } }, webhookUrl: 'https://x.example/h' })).toBeUndefined();
  });

  it('names the bad field', () => {
    expect(alertConfigProblem({ thresholds: { deadNow: 0 } })).toContain('thresholds.deadNow');
    expect(alertConfigProblem({ thresholds: { deadNowByType: { 'email.send': 1.5 } } })).toContain('deadNowByType["email.send"]');
    expect(alertConfigProblem({ webhookUrl: 'nope' })).toContain('webhookUrl');
  });
});
