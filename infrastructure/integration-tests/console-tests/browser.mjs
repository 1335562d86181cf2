// The web console in a real browser: Debian's Chromium, driven by playwright-core, against a running
// stack (ConsoleBrowserEndToEndTest starts one and runs this script; docs/testing.md).
//
// Environment:
//   REELAY_URL          the API's base URL, e.g. http://127.0.0.1:3000
//   REELAY_API_KEY      a valid key
//   REELAY_IMAGE        a PNG to generate from
//   REELAY_CANCEL_TASK  the id of a running task of that key, to cancel from the list
//   REELAY_BATCH        the id of a batch of that key: 3 requests, the second refused (unsupported_model)
//   REELAY_CANCEL_BATCH the id of a running batch of that key, to cancel from its page
//   REELAY_SCREENSHOTS  a folder to write the screenshots to (optional)
//   REELAY_CHROMIUM     the browser (default /usr/bin/chromium)
// Prints "ok <step>" per step and exits 0 when every check held; prints the failure and exits 1 otherwise.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base = required('REELAY_URL').replace(/\/$/, '');
const key = required('REELAY_API_KEY');
const image = required('REELAY_IMAGE');
const cancelTaskId = required('REELAY_CANCEL_TASK');
const batchId = required('REELAY_BATCH');
const cancelBatchId = required('REELAY_CANCEL_BATCH');
const screenshots = process.env.REELAY_SCREENSHOTS || null;
const executablePath = process.env.REELAY_CHROMIUM || '/usr/bin/chromium';
const HOSTILE_PROMPT = '<img src=x onerror=alert(1)>';
const WRONG_KEY = 'rly_' + 'x'.repeat(43);

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`browser.mjs: ${name} is not set`);
    process.exit(2);
  }
  return value;
}

function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

function ok(step) {
  console.log(`ok ${step}`);
}

async function shoot(page, name) {
  if (screenshots) {
    // The toast of an earlier step goes after 4 s: the pictures show the view only.
    await page.locator('#toast:empty').waitFor({ state: 'attached', timeout: 10_000 });
    await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  }
}

const profile = mkdtempSync(join(tmpdir(), 'reelay-console-chromium-'));
const requested = [];
const dialogs = [];
const problems = [];
let context;
try {
  if (screenshots) {
    mkdirSync(screenshots, { recursive: true });
  }
  // The flags of docs/testing.md: without the networking ones Chromium keeps calling Google's hosts,
  // which this kind of machine refuses.
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on('request', (request) => requested.push(request.url()));
  page.on('dialog', (dialog) => { dialogs.push(dialog.message()); dialog.dismiss(); });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // A refused fetch (the wrong key's 401) is logged by Chromium too; a CSP violation or a script error is a failure.
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) {
      problems.push(`console error: ${message.text()}`);
    }
  });

  // ---------------------------------------------------------------- the page and its headers
  const response = await page.goto(`${base}/`);
  check(response.status() === 200, `GET / answered ${response.status()}`);
  const headers = response.headers();
  check(/^text\/html/.test(headers['content-type']), `GET / is ${headers['content-type']}`);
  const csp = headers['content-security-policy'] ?? '';
  for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"]) {
    check(csp.includes(directive), `the CSP lacks ${directive}: ${csp}`);
  }
  check(!csp.includes('unsafe'), `the CSP allows something unsafe: ${csp}`);
  check(headers['x-content-type-options'] === 'nosniff', 'no X-Content-Type-Options: nosniff');
  check(headers['referrer-policy'] === 'no-referrer', 'no Referrer-Policy: no-referrer');
  const missing = await page.request.get(`${base}/console/nothing-here.mjs`);
  check(missing.status() === 404, `an unknown file answered ${missing.status()}`);
  ok('the page is served with its security headers; an unknown file is a 404');

  // ---------------------------------------------------------------- sign in: a wrong key first
  await page.getByLabel('API key', { exact: true }).fill(WRONG_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#api-key-error').filter({ hasText: 'invalid_api_key' }).waitFor();
  check((await page.locator('#api-key-error').textContent()).includes('refused'), 'the wrong key is not said to be refused');
  check(await page.evaluate(() => sessionStorage.getItem('reelay.apiKey')) === null, 'a wrong key was kept');
  await shoot(page, 'sign-in');
  ok('a wrong key is refused, and says so');

  await page.getByLabel('API key', { exact: true }).fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Generate', exact: true }).waitFor();
  check(await page.evaluate(() => sessionStorage.getItem('reelay.apiKey')) !== null, 'the key is not in sessionStorage');
  check(await page.evaluate(() => localStorage.length) === 0, 'something was written to localStorage');
  ok('signed in with the key');

  // ---------------------------------------------------------------- cancel another task
  await page.goto(`${base}/#/tasks`);
  const otherRow = page.locator(`tr[data-task-id="${cancelTaskId}"]`);
  await otherRow.waitFor();
  await otherRow.getByRole('button', { name: `Cancel ${cancelTaskId}` }).click();
  await page.locator(`tr[data-task-id="${cancelTaskId}"][data-status="cancelled"]`).waitFor();
  ok('cancelled a running task from the list');

  // ---------------------------------------------------------------- generate: 3 s from an uploaded image
  await page.getByRole('link', { name: 'Generate' }).click();
  await page.getByLabel('Prompt', { exact: true }).fill(HOSTILE_PROMPT);
  await page.getByLabel('Duration', { exact: true }).fill('3');
  // A last image without a start image: the quote is refused as the submit would be, next to that field.
  await page.getByLabel('Last image (optional)', { exact: true }).setInputFiles(image);
  await page.locator('#error-image_end').filter({ hasText: 'image_end_without_image_start' }).waitFor();
  ok('a refusal of the API is shown next to the field its param names');
  await page.getByLabel('Last image (optional)', { exact: true }).setInputFiles([]);
  await page.locator('#error-image_end:empty').waitFor({ state: 'attached' });
  await page.getByLabel('Start image', { exact: true }).setInputFiles(image);
  await page.locator('#image_start-status').filter({ hasText: 'uploaded' }).waitFor();
  await page.getByLabel('Quality', { exact: true }).selectOption('720p');
  // The multi-shot editor checks the sum as one types, then is left off for this task.
  await page.getByLabel('Multi-shot').check();
  await page.getByLabel('Shot 1 prompt').fill('waves');
  await page.getByLabel('Shot 1 duration').fill('2');
  await page.locator('#error-shots').filter({ hasText: 'add up to 2 s' }).waitFor();
  await page.getByLabel('Shot 1 duration').fill('3');
  await page.locator('#error-shots:empty').waitFor({ state: 'attached' });
  await page.getByLabel('Multi-shot').uncheck();
  await page.locator('#quote').filter({ hasText: /Price: \$\d+\.\d+ for 3 s at / }).waitFor();
  await shoot(page, 'generate');
  ok(`priced before submitting: ${await page.locator('#quote').textContent()}`);

  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await page.waitForURL(/#\/tasks\/task-[0-9a-z-]+$/);
  const taskId = new URL(page.url()).hash.replace('#/tasks/', '');
  ok(`submitted ${taskId}`);

  // ---------------------------------------------------------------- watch it complete, play it
  await page.locator('#task-facts dd').first().filter({ hasText: /^completed$/ }).waitFor({ timeout: 180_000 });
  const shownPrompt = await page.locator('#task-facts dt', { hasText: /^Prompt$/ }).locator('xpath=following-sibling::dd[1]').textContent();
  check(shownPrompt === HOSTILE_PROMPT, `the prompt is shown as "${shownPrompt}"`);
  check(await page.locator('main img[src="x"]').count() === 0, 'the prompt became an <img> element');
  const video = page.locator('#task-video');
  await video.waitFor();
  await page.waitForFunction(() => document.getElementById('task-video').readyState >= 2, null, { timeout: 60_000 });
  const played = await video.evaluate(async (element) => {
    element.muted = true;
    await element.play();
    await new Promise((resolve) => setTimeout(resolve, 700));
    return { readyState: element.readyState, duration: element.duration, currentTime: element.currentTime };
  });
  check(played.readyState >= 2, `the video's readyState is ${played.readyState}`);
  check(Math.abs(played.duration - 3) < 0.5, `the video lasts ${played.duration} s, not about 3`);
  check(played.currentTime > 0, 'the video did not play');
  check(await page.locator('#task-timeline circle').count() >= 3, 'the timeline shows fewer than 3 events');
  check(await page.getByRole('link', { name: 'Download the MP4' }).getAttribute('href') !== '#', 'no download link');
  await video.evaluate((element) => element.pause());
  await shoot(page, 'task');
  ok(`completed and played: ${played.duration.toFixed(2)} s, readyState ${played.readyState}`);

  // ---------------------------------------------------------------- the list, filtered
  await page.getByRole('link', { name: 'Tasks' }).click();
  await page.locator(`tr[data-task-id="${taskId}"][data-status="completed"]`).waitFor();
  await page.getByLabel('Status', { exact: true }).selectOption('cancelled');
  await page.locator(`tr[data-task-id="${cancelTaskId}"]`).waitFor();
  await page.locator(`tr[data-task-id="${taskId}"]`).waitFor({ state: 'detached' });
  await page.getByLabel('Status', { exact: true }).selectOption('');
  await page.locator(`tr[data-task-id="${taskId}"]`).waitFor();
  await shoot(page, 'tasks');
  ok('the list shows both tasks, and filters by status');

  // ---------------------------------------------------------------- batches: the list, a cancel, a batch that completes
  await page.getByRole('link', { name: 'Batches' }).click();
  await page.locator(`tr[data-batch-id="${batchId}"]`).waitFor();
  await page.locator(`tr[data-batch-id="${cancelBatchId}"]`).waitFor();
  const listed = await page.locator('#batches-body tr').evaluateAll((rows) => rows.map((row) => row.dataset.batchId));
  check(listed.indexOf(batchId) < listed.indexOf(cancelBatchId), `the batches are not newest first: ${listed.join(', ')}`);
  check(/^\d\/3 done$/.test(await page.locator(`tr[data-batch-id="${batchId}"] .count`).textContent()), 'no "n/3 done" progress');
  ok('the batches are listed, newest first');

  await page.getByRole('link', { name: cancelBatchId }).click();
  await page.waitForURL(new RegExp(`#/batches/${cancelBatchId}$`));
  await page.locator('#batch-facts dd').first().filter({ hasText: /^in progress$/ }).waitFor();
  await page.getByRole('button', { name: 'Cancel batch' }).click();
  await page.locator('#toast').filter({ hasText: new RegExp(`Batch ${cancelBatchId} is cancell(ing|ed)\\.`) }).waitFor();
  await page.locator('#batch-facts dd').first().filter({ hasText: /^cancelled$/ }).waitFor({ timeout: 60_000 });
  check(await page.getByRole('button', { name: 'Cancel batch' }).isHidden(), 'an ended batch still offers its Cancel');
  await page.locator('#batch-tasks-body tr[data-status="cancelled"]').waitFor();
  ok('cancelled a running batch from its page');

  await page.getByRole('link', { name: 'Batches' }).click();
  await page.getByRole('link', { name: batchId }).click();
  await page.waitForURL(new RegExp(`#/batches/${batchId}$`));
  const refused = page.locator('#batch-refused-body tr[data-index="1"]');
  await refused.locator('td.code', { hasText: /^unsupported_model$/ }).waitFor();
  check((await refused.locator('td.message').textContent()).length > 0, 'the refused request has no message');
  check(await page.locator('#batch-refused-body tr').count() === 1, 'more than one request is shown as refused');
  await page.locator('#batch-facts dd').first().filter({ hasText: /^completed$/ }).waitFor({ timeout: 180_000 });
  await page.locator('#batch-tasks-body tr[data-status="completed"]').nth(1).waitFor();
  check(await page.locator('#batch-tasks-body tr').count() === 2, 'the batch does not show its 2 tasks');
  const progress = await page.locator('#batch-facts dt', { hasText: /^Progress$/ }).locator('xpath=following-sibling::dd[1]').textContent();
  check(progress === '2/3 done', `the batch's progress reads "${progress}"`);
  const cost = await page.locator('#batch-facts dt', { hasText: /^Cost$/ }).locator('xpath=following-sibling::dd[1]').textContent();
  check(/^\$\d+\.\d+$/.test(cost) && cost !== '$0.00', `the batch's cost reads "${cost}"`);
  check(await page.getByRole('button', { name: 'Cancel batch' }).isHidden(), 'a completed batch offers its Cancel');
  await shoot(page, 'batch');
  // A page that did not see the batch end yet: its Cancel is answered with the API's 409, shown as its message.
  await page.evaluate(() => document.getElementById('batch-cancel').click());
  await page.locator('#batch-error').filter({ hasText: 'batch_not_cancellable' }).waitFor();
  const lateCancel = await page.locator('#batch-error').textContent();
  // A task of the batch links back to it.
  const batchTask = await page.locator('#batch-tasks-body tr').first().getAttribute('data-task-id');
  await page.getByRole('link', { name: batchTask }).click();
  await page.locator('#task-facts dd').first().filter({ hasText: /^completed$/ }).waitFor();
  await page.locator(`#task-facts a[href="#/batches/${batchId}"]`).click();
  await page.locator('#batch-tasks-body tr').nth(1).waitFor();
  ok(`the batch completed: ${progress}, ${cost}, request 1 refused (unsupported_model); a late cancel says "${lateCancel}"; its task links back to it`);

  await page.getByRole('link', { name: 'Batches' }).click();
  await page.locator(`tr[data-batch-id="${batchId}"][data-status="completed"]`).waitFor();
  await page.locator(`tr[data-batch-id="${cancelBatchId}"][data-status="cancelled"]`).waitFor();
  check(await page.locator(`tr[data-batch-id="${batchId}"] td.refused`).textContent() === '1', 'the list does not count 1 refused');
  await shoot(page, 'batches');

  // ---------------------------------------------------------------- usage
  await page.getByRole('link', { name: 'Usage' }).click();
  await page.locator('#chart-vendors svg rect').first().waitFor();
  await page.locator('#chart-days svg rect').first().waitFor();
  const budget = await page.locator('#usage-budget').textContent();
  check(/\$\d/.test(budget), `the usage shows no spend: ${budget}`);
  await shoot(page, 'usage');
  ok(`usage: ${budget.trim()}`);

  // ---------------------------------------------------------------- a phone
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('link', { name: 'Generate' }).click();
  await page.getByRole('button', { name: 'Generate', exact: true }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `the page is ${overflow} px wider than a phone`);
  await shoot(page, 'generate-phone');
  ok('fits a phone-sized viewport');

  // ---------------------------------------------------------------- sign out
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key', { exact: true }).waitFor();
  check(await page.evaluate(() => sessionStorage.getItem('reelay.apiKey')) === null, 'signing out kept the key');
  ok('signed out: the key is gone');

  // ---------------------------------------------------------------- what must never have happened
  check(dialogs.length === 0, `dialogs fired: ${dialogs.join(', ')}`);
  const leaks = requested.filter((url) => url.includes(key) || url.includes(encodeURIComponent(key)));
  check(leaks.length === 0, `the key appeared in a URL: ${leaks.length} request(s)`);
  check(problems.length === 0, problems.join('\n'));
  ok(`no dialog, no script or CSP error, and the key in none of ${requested.length} URLs requested`);
  console.log('console browser test passed');
} catch (error) {
  console.error(`FAILED: ${error.message}`);
  if (problems.length > 0) {
    console.error(problems.join('\n'));
  }
  process.exitCode = 1;
} finally {
  await context?.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
