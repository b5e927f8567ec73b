/**
 * The console as an operator uses it: `rebound console` (built: `npm run build` first) over jobs
 * dead on a fresh task queue, driven in Debian's Chromium, headless, by playwright-core (nothing
 * downloads a browser). Screenshots go to test/console/artifacts/.
 *
 * Without Chromium the tests are skipped, saying how to install it; with CI=true they fail instead.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, type DeadLetterAdmin } from '../../src/admin';
import { JobStatus } from '../../src/contract';
import { requireBuiltCli, startRebound, type Started } from '../fixtures/rebound-cli';
import { eventually, testEnv, unique, type TestEnv } from '../helpers';
import { deadJobs, newToken } from './console-helpers';
import { consoleJobs } from './console-jobs';

const chromiumPath = process.env.REBOUND_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);
const inCi = process.env.CI === 'true';
const artifacts = path.join(__dirname, 'artifacts');
const jobModule = path.join(__dirname, 'console-jobs.ts');

if (!haveChromium && !inCi) {
  console.warn(`Skipping the console's browser tests: no Chromium at ${chromiumPath}. Install it with: apt-get install chromium (or set REBOUND_CHROMIUM to its path).`);
}

describe.runIf(!haveChromium && inCi)('the console in a browser, on CI', () => {
  it('needs Chromium', () => {
    throw new Error(`no Chromium at ${chromiumPath}: CI must install it (apt-get install chromium) before the tests`);
  });
});

describe.skipIf(!haveChromium)('the console in a browser', () => {
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  let cli: Started;
  let url: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const token = newToken();
  const dead = {} as Record<'email' | 'invoice' | 'image', string[]>;

  const shot = (name: string, target: Page = page) => target.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
  const open = (where: string) => page.goto(new URL(where.replace(/^\//, ''), url).toString());
  const status = async (jobId: string) => (await admin.get(jobId)).status;

  beforeAll(async () => {
    requireBuiltCli();
    mkdirSync(artifacts, { recursive: true });
    env = await testEnv();
    await env.startWorker(consoleJobs);
    admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue });
    const jobs = env.jobs(consoleJobs);
    [dead.email, dead.invoice, dead.image] = await Promise.all([
      deadJobs(jobs, 3, 'email.send', { to: 'ada@example.com', subject: 'Your receipt', template: 'receipt' }),
      deadJobs(jobs, 2, 'invoice.send', { invoiceId: 'inv-2041', email: 'ada-at-example.com' }),
      deadJobs(jobs, 4, 'image.resize', { imageId: 'img-7731', width: 640 }),
    ]);
    await eventually(async () => (await admin.list({}, { limit: 100 })).items.length === 9, 'every dead job listed');
    await eventually(async () => (await admin.stats()).total.deadNow === 9, 'every dead job counted');

    cli = startRebound(['console', '--port', '0', '--jobs', jobModule, '--address', env.config.address, '--task-queue', env.config.taskQueue], { REBOUND_CONSOLE_TOKEN: token });
    url = await eventually(async () => /rebound console on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(cli.output().stdout)?.[1], 'the console to print its URL', 60_000);

    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
    context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
  });
  afterAll(async () => {
    await browser?.close();
    if (cli) {
      cli.kill('SIGINT');
      await cli.exited;
    }
    await env?.close();
  });

  it('asks for the token, then the overview shows the right counts', async () => {
    await open('/');
    expect(new URL(page.url()).pathname).toBe('/login');
    await shot('login');
    await page.fill('#token', token);
    await Promise.all([page.waitForURL(url), page.click('button[type=submit]')]);

    expect(await page.textContent('[data-stat="deadNow"]')).toBe('9');
    expect(await page.textContent('[data-stat="deadLettered"]')).toBe('9');
    const cell = (table: string, key: string, col: string) => page.textContent(`[data-counters="${table}"] tr[data-key="${key}"] [data-col="${col}"]`);
    expect(await cell('type', 'email.send', 'deadNow')).toBe('3');
    expect(await cell('type', 'invoice.send', 'deadNow')).toBe('2');
    expect(await cell('type', 'image.resize', 'deadNow')).toBe('4');
    expect(await cell('errorType', 'SmtpTimeoutError', 'deadNow')).toBe('3');
    expect(await cell('errorType', 'ValidationError', 'deadNow')).toBe('2');
    expect(await cell('errorType', 'UpstreamError', 'deadNow')).toBe('4');
    // The chart is drawn from the bundled Chart.js: nothing is fetched from elsewhere.
    expect(await page.evaluate(() => typeof (window as any).Chart)).toBe('function');
    expect(await page.locator('#dead-chart').boundingBox()).toMatchObject({ height: expect.any(Number) });
    await shot('overview');
  });

  it('filters the dead-jobs table by type and by error type', async () => {
    await open('/jobs');
    await expect.poll(() => page.locator('#dead-jobs tbody tr').count()).toBe(9);
    await page.selectOption('select[name=type]', 'invoice.send');
    await Promise.all([page.waitForURL(/type=invoice\.send/), page.click('#filters button[type=submit]')]);
    expect(await page.locator('#dead-jobs tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')))).toEqual(['invoice.send', 'invoice.send']);
    expect(page.url()).not.toContain('since=');

    await open('/jobs');
    await page.selectOption('select[name=errorType]', 'UpstreamError');
    await Promise.all([page.waitForURL(/errorType=UpstreamError/), page.click('#filters button[type=submit]')]);
    const rows = await page.locator('#dead-jobs tbody tr').evaluateAll((trs) => trs.map((r) => [r.getAttribute('data-job-id'), r.getAttribute('data-error-type')]));
    expect(rows.map(([id]) => id).sort()).toEqual([...dead.image].sort());
    expect(new Set(rows.map(([, e]) => e))).toEqual(new Set(['UpstreamError']));
    await shot('dead-jobs');
  });

  it('lists the failure groups with their size, and opens the dead jobs of one', async () => {
    await open('/groups');
    const sizes = await page.locator('table.groups tbody tr td.num').allTextContents();
    expect(sizes.map(Number).sort()).toEqual([2, 3, 4]);
    expect(await page.locator('table.groups time').count()).toBe(6);
    await shot('groups');
    await Promise.all([page.waitForURL(/group=/), page.click('table.groups tr:has-text("ValidationError") a')]);
    expect((await page.locator('#dead-jobs tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-job-id')))).sort()).toEqual([...dead.invoice].sort());
  });

  it("shows every attempt's error on a job's page, with its stack", async () => {
    const [jobId] = dead.email;
    await open(`/jobs/${jobId}`);
    const errors = await page.locator('#attempts .attempt-error').allTextContents();
    expect(errors).toEqual([1, 2, 3].map((n) => expect.stringMatching(new RegExp(`timed out after ${n * 1500} ms \\(attempt ${n}\\)`))));
    await page.click('#attempts tr[data-attempt="3"] details.stack summary');
    expect(await page.isVisible('#attempts tr[data-attempt="3"] details.stack pre')).toBe(true);
    expect(await page.getAttribute('a[href*="/namespaces/"]', 'href')).toBe(`http://127.0.0.1:8233/namespaces/default/workflows/job-${jobId}`);
    await shot('job');
  });

  it("shows the schema's message for an invalid edited payload and changes nothing; a valid one is retried", async () => {
    const [jobId] = dead.invoice;
    await open(`/jobs/${jobId}`);
    await page.click('#edit-payload summary');
    await page.fill('#payload-editor', '{ "invoiceId": 2041, "email": "ada@example.com" }');
    await page.click('#retry-edited');
    await expect.poll(() => page.isVisible('#edit-error')).toBe(true);
    const message = await page.textContent('#edit-error');
    expect(message).toContain('invoiceId');
    expect(message).toMatch(/expected string/i);
    await shot('job-invalid-payload');
    expect(await admin.get(jobId)).toMatchObject({ status: JobStatus.DeadLettered, round: 1, payload: { invoiceId: 'inv-2041' } });

    await page.fill('#payload-editor', '{ "invoiceId": "inv-2041", "email": "ada@example.com" }');
    await page.click('#retry-edited');
    await page.waitForSelector('#job[data-status="Succeeded"]');
    expect(await admin.get(jobId)).toMatchObject({ status: JobStatus.Succeeded, round: 2, payload: { email: 'ada@example.com' } });
  });

  it('Retry turns a dead job Succeeded', async () => {
    const [, jobId] = dead.email;
    await open(`/jobs/${jobId}`);
    expect(await page.getAttribute('#job', 'data-status')).toBe('DeadLettered');
    await page.click('#job-actions [data-action="retry"]');
    await page.waitForSelector('#job[data-status="Succeeded"]');
    // The page reloads once the job settles, with the new round in its attempts and timeline.
    await page.waitForSelector('#attempts tr[data-round="2"]');
    expect(await status(jobId)).toBe(JobStatus.Succeeded);
    await shot('job-succeeded');
  });

  it('counts a bulk retry of the filter, then shows its progress until it finishes', async () => {
    await open('/jobs?type=image.resize');
    await page.fill('#bulk-rate', '2');
    await page.click('#bulk-count');
    await expect.poll(() => page.textContent('#bulk-matched')).toBe('4 dead jobs match this filter.');
    expect(await page.textContent('#bulk-start')).toBe('Retry 4 jobs at 2/s');
    await page.click('#bulk-start');
    await page.waitForSelector('#bulk-status[data-state="Running"]');
    await shot('bulk-running');
    await page.waitForSelector('#bulk-status[data-state="Completed"]', { timeout: 60_000 });
    expect(await page.textContent('#bulk-status')).toContain('4/4 done, 0 skipped, 0 failed, 0 remaining');
    expect(await page.getAttribute('.progress', 'aria-valuenow')).toBe('100');
    await shot('bulk-done');
    await eventually(async () => (await Promise.all(dead.image.map(status))).every((s) => s === JobStatus.Succeeded), 'every retried image job to succeed');
  });

  it('runs the next attempt of a job waiting between attempts now, pauses and resumes one, and cancels jobs that have not settled', async () => {
    const jobs = env.jobs(consoleJobs);
    // Each waits an hour for its second attempt, which succeeds.
    const waitingJob = async () => {
      const handle = await jobs.submit('report.build', { reportId: 'rep-318' }, { jobId: unique('report.build') });
      await eventually(async () => (await admin.get(handle.jobId)).nextAttemptAt, 'the job to wait for its next attempt');
      return handle.jobId;
    };
    const [hurried, held, cancelled] = await Promise.all([waitingJob(), waitingJob(), waitingJob()]);

    await open(`/jobs/${hurried}`);
    expect(await page.getAttribute('#job', 'data-status')).toBe('Retrying');
    await page.click('#job-actions [data-action="retry-now"]');
    await eventually(async () => (await status(hurried)) === JobStatus.Succeeded, 'the hurried job to succeed');

    await open(`/jobs/${held}`);
    await page.click('#job-actions [data-action="pause"]');
    // The page reloads with the job paused: Resume in place of Pause.
    await page.waitForSelector('#job-actions [data-action="resume"]');
    expect(await page.locator('#job-actions [data-action="pause"]').count()).toBe(0);
    expect((await admin.get(held)).paused).toMatchObject({ by: 'console' });
    await shot('job-paused');
    await page.click('#job-actions [data-action="resume"]');
    await eventually(async () => (await status(held)) === JobStatus.Succeeded, 'the resumed job to succeed');

    await open(`/jobs/${cancelled}`);
    await page.click('#job-actions [data-action="cancel"]');
    await page.waitForSelector('#job[data-status="Cancelled"]');
    // It was between attempts: none was cut short, so none is added to its one failed attempt.
    const record = await admin.get(cancelled);
    expect(record).toMatchObject({ status: JobStatus.Cancelled, attempts: 1 });
    expect(record.attemptHistory.map((a) => a.outcome)).toEqual(['Failed']);

    const scheduled = await jobs.submit('report.build', { reportId: 'rep-319' }, { jobId: unique('report.build'), delay: '1h' });
    await open(`/jobs/${scheduled.jobId}`);
    expect(await page.getAttribute('#job', 'data-status')).toBe('Scheduled');
    expect(await page.locator('#job-actions [data-action="pause"]').count()).toBe(0);
    await page.click('#job-actions [data-action="cancel"]');
    await page.waitForSelector('#job[data-status="Cancelled"]');
    expect(await admin.get(scheduled.jobId)).toMatchObject({ status: JobStatus.Cancelled, attempts: 0 });
  });

  it('answers 401 to a request without the token', async () => {
    const stranger = await browser.newContext();
    try {
      const answer = await stranger.request.get(new URL('api/jobs', url).toString());
      expect(answer.status()).toBe(401);
      expect((await answer.json()).error.name).toBe('Unauthorized');
    } finally {
      await stranger.close();
    }
  });

  it('reads well on a phone', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true });
    try {
      const small = await phone.newPage();
      await small.goto(new URL('login', url).toString());
      await small.fill('#token', token);
      await Promise.all([small.waitForURL(url), small.click('button[type=submit]')]);
      // Nothing wider than the screen but the tables, which scroll inside their cards.
      expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await shot('phone-overview', small);
      await small.goto(new URL('jobs', url).toString());
      expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await shot('phone-dead-jobs', small);
      await small.goto(new URL(`jobs/${dead.email[2]}`, url).toString());
      expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await shot('phone-job', small);
    } finally {
      await phone.close();
    }
  });
});
