// The console's pure logic (functions/src/main/resources/console/logic.mjs), with node:test only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BATCH_STATUSES, barShares, batchCanCancel, batchCountsText, batchEnded, batchProgress, batchSettledShare, batchStatusLabel,
  budgetShares, costPerDay, costPerVendor, durationProblem, errorText, fieldOfParam, formatCreated,
  formatUsd, generationRequest, micros, refusedRequests, shotsProblem, shotsTotal, timelineLayout, vendorOf,
} from '../../../../functions/src/main/resources/console/logic.mjs';

test('dollars are written as Reelay writes them: two decimals at least, exact sums', () => {
  assert.equal(formatUsd(0.375), '$0.375');
  assert.equal(formatUsd(1), '$1.00');
  assert.equal(formatUsd(0), '$0.00');
  assert.equal(formatUsd(1.329735), '$1.329735');
  assert.equal(formatUsd(0.1 + 0.2), '$0.30');
  assert.equal(formatUsd(null), '—');
  assert.equal(micros('0.55986'), 559860);
});

test('created times are UTC minutes', () => {
  assert.equal(formatCreated(1795398998), '2026-11-23 01:56 UTC');
});

test('the duration is a whole number of seconds from 3 to 15', () => {
  assert.equal(durationProblem('5'), null);
  assert.equal(durationProblem('3'), null);
  assert.match(durationProblem('2'), /3 to 15/);
  assert.match(durationProblem('16'), /3 to 15/);
  assert.match(durationProblem('4.5'), /whole number/);
  assert.match(durationProblem(''), /whole number/);
});

test('the shots must add up to the duration, checked as one types', () => {
  const shots = [{ prompt: 'a', duration: '2' }, { prompt: 'b', duration: '3' }];
  assert.equal(shotsProblem(5, shots), null);
  assert.match(shotsProblem(6, shots), /add up to 5 s; they must add up to the duration, 6 s/);
  assert.match(shotsProblem(5, [{ prompt: 'a', duration: '' }]), /Shot 1 needs a duration/);
  assert.match(shotsProblem(5, [{ prompt: ' ', duration: '5' }]), /Shot 1 needs a prompt/);
  assert.match(shotsProblem(5, []), /1 to 6 shots/);
  assert.match(shotsProblem(7, Array.from({ length: 7 }, () => ({ prompt: 'x', duration: '1' }))), /1 to 6 shots/);
  assert.equal(shotsTotal([{ duration: '2' }, { duration: 'x' }, { duration: '4' }]), 6);
});

test('the request body leaves empty optional fields out and numbers the shots', () => {
  const body = generationRequest({
    prompt: 'waves', negativePrompt: ' ', duration: '5', quality: '720p', sound: 'off', aspectRatio: '',
    imageStart: 'upload://upl-1-abc', imageEnd: null, multiShot: true,
    shots: [{ prompt: 'a', duration: '2' }, { prompt: 'b', duration: '3' }],
  });
  assert.deepEqual(body, {
    model: 'kling-v3-image-to-video', prompt: 'waves', duration: 5, quality: '720p', sound: 'off',
    image_start: 'upload://upl-1-abc',
    model_params: { multi_shot: true, shot_type: 'customize', multi_prompt: [
      { index: 1, prompt: 'a', duration: 2 }, { index: 2, prompt: 'b', duration: 3 }] },
  });
  assert.equal(generationRequest({ prompt: 'p', duration: '3', quality: '720p', sound: 'off', shots: [] }).model,
    'kling-v3-text-to-video');
  assert.equal(generationRequest({ prompt: 'p', duration: '3', quality: '720p', sound: 'off', imageEnd: 'upload://x', shots: [] }).model,
    'kling-v3-image-to-video');
});

test("an error's param names the field it is shown next to", () => {
  assert.equal(fieldOfParam('image_start'), 'image_start');
  assert.equal(fieldOfParam('model_params.multi_prompt[1].duration'), 'shots');
  assert.equal(fieldOfParam('duration'), 'duration');
  assert.equal(fieldOfParam(undefined), 'form');
  assert.equal(fieldOfParam('callback_url'), 'form');
  assert.equal(errorText(401, { error: { code: 'invalid_api_key', message: 'The API key is unknown.' } }),
    'The API key is unknown. (invalid_api_key)');
  assert.equal(errorText(401, { message: 'Unauthorized' }), 'Unauthorized (HTTP 401)');
  assert.equal(errorText(502, null), 'The API answered HTTP 502.');
});

test('cost per day counts what ended tasks were charged, on the UTC day they were created', () => {
  const day1 = Date.parse('2026-12-01T10:00:00Z') / 1000;
  const day2 = Date.parse('2026-12-02T23:59:00Z') / 1000;
  const tasks = [
    { created: day1, status: 'completed', usage: { cost_usd: 0.1 } },
    { created: day1 + 60, status: 'completed', usage: { cost_usd: 0.2 } },
    { created: day2, status: 'failed', usage: { cost_usd: 0 } },
    { created: day2, status: 'processing', usage: { cost_usd: 0.375 } },
    { created: Date.parse('2026-11-30T23:00:00Z') / 1000, status: 'completed', usage: { cost_usd: 5 } },
  ];
  assert.deepEqual(costPerDay(tasks, '2026-12'), [{ label: '2026-12-01', usd: 0.3 }, { label: '2026-12-02', usd: 0 }]);
});

test('cost per vendor and the budget bar come from GET /v1/usage', () => {
  const usage = { by_provider: { unified: { tasks: 3, cost_usd: 0.499875 }, kling: { tasks: 1, cost_usd: 0.55986 } } };
  assert.deepEqual(costPerVendor(usage).map((v) => v.label), ['kling', 'unified']);
  assert.deepEqual(budgetShares({ monthly_usd: 20, spent_usd: 5, reserved_usd: 1 }), { spent: 0.25, reserved: 0.05 });
  assert.equal(budgetShares({ monthly_usd: null }), null);
  assert.deepEqual(barShares([1, 2, 0]), [0.5, 1, 0]);
  assert.deepEqual(barShares([0]), [0]);
});

test('the timeline is laid out from its first event to its last', () => {
  const layout = timelineLayout([
    { event: 'accepted', at: '2026-12-02T10:00:00.000Z' },
    { event: 'provider_submitted', at: '2026-12-02T10:00:01.000Z' },
    { event: 'archived', at: '2026-12-02T10:00:04.000Z', detail: 'x' },
  ]);
  assert.deepEqual(layout.map((p) => p.offset), [0, 0.25, 1]);
  assert.deepEqual(layout.map((p) => p.seconds), [0, 1, 4]);
  assert.equal(layout[2].detail, 'x');
  assert.deepEqual(timelineLayout([]), []);
});

test("a task's vendor, or its place in the queue", () => {
  assert.equal(vendorOf({ task_info: { provider: 'kling' } }), 'kling');
  assert.equal(vendorOf({ task_info: { queue_position: 2 } }), 'queued (#2)');
  assert.equal(vendorOf({ task_info: {} }), '—');
});

test("a batch's progress counts the requests whose task ended; refused ones are counted apart", () => {
  const counts = { total: 50, pending: 0, processing: 0, completed: 45, failed: 1, cancelled: 1, refused: 3 };
  assert.equal(batchEnded(counts), 47);
  assert.equal(batchProgress(counts), '47/50 done');
  assert.equal(batchSettledShare(counts), 1);
  assert.equal(batchProgress({ total: 3, pending: 2, processing: 0, completed: 0, failed: 0, cancelled: 0, refused: 1 }), '0/3 done');
  assert.equal(batchSettledShare({ total: 4, pending: 2, completed: 1, refused: 1 }), 0.5);
  assert.equal(batchSettledShare({ total: 0 }), 0);
  assert.equal(batchProgress(undefined), '0/0 done');
});

test("a batch's counts leave out the zeros, in the API's order", () => {
  assert.equal(batchCountsText({ total: 50, pending: 2, processing: 1, completed: 44, failed: 0, cancelled: 0, refused: 3 }),
    '2 pending, 1 processing, 44 completed, 3 refused');
  assert.equal(batchCountsText({ total: 0, pending: 0 }), 'none');
});

test("a batch's status label, and whether it can still be cancelled", () => {
  assert.deepEqual(BATCH_STATUSES.map(batchStatusLabel), ['validating', 'in progress', 'cancelling', 'completed', 'cancelled']);
  assert.deepEqual(BATCH_STATUSES.filter((status) => batchCanCancel({ status })), ['validating', 'in_progress']);
});

test("a batch's refused requests are listed by index, with their code and message", () => {
  const errors = [
    { index: 17, error: { code: 'invalid_duration', message: 'Too long.', param: 'duration' } },
    { index: 5, error: { code: 'unsupported_model', message: 'No such model.', param: 'model' } },
  ];
  assert.deepEqual(refusedRequests(errors), [
    { index: 5, code: 'unsupported_model', message: 'No such model.', param: 'model' },
    { index: 17, code: 'invalid_duration', message: 'Too long.', param: 'duration' },
  ]);
  assert.deepEqual(refusedRequests(undefined), []);
});
