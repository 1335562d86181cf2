// The web console (docs/console.md). Data from the API is only ever put in the page as text
// (textContent, attributes), never as markup.
import { ApiError, apiKey, call, signIn, signOut, upload } from './api.mjs';
import {
  BATCH_TERMINAL, TERMINAL, barShares, batchCanCancel, batchCountsText, batchProgress, batchSettledShare, batchStatusLabel,
  budgetShares, costPerDay, costPerVendor, durationProblem, fieldOfParam, formatCreated, formatUsd, generationRequest,
  monthOf, refusedRequests, shotsProblem, shotsTotal, timelineLayout, vendorOf,
} from './logic.mjs';

const $ = (id) => document.getElementById(id);
const POLL_MS = 2000;
// With nothing running on the page, the list is read less often: a new task from elsewhere still shows within this.
const IDLE_POLL_MS = 10000;
const PROMPTS = 'reelay.prompts';
const SVG = 'http://www.w3.org/2000/svg';

/** Elements made with text only. */
function el(tag, text, attributes = {}) {
  const element = document.createElement(tag);
  if (text !== undefined && text !== null) {
    element.textContent = String(text);
  }
  for (const [name, value] of Object.entries(attributes)) {
    element.setAttribute(name, value);
  }
  return element;
}

function svg(tag, attributes = {}, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    element.setAttribute(name, String(value));
  }
  if (text !== undefined) {
    element.textContent = String(text);
  }
  return element;
}

function toast(message) {
  $('toast').textContent = message;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { $('toast').textContent = ''; }, 4000);
}

// The prompts this tab submitted, by task id: the task object does not carry its prompt (docs/api.md).
function rememberPrompt(taskId, prompt) {
  const prompts = JSON.parse(sessionStorage.getItem(PROMPTS) ?? '{}');
  prompts[taskId] = prompt;
  sessionStorage.setItem(PROMPTS, JSON.stringify(prompts));
}

function promptOf(taskId) {
  return JSON.parse(sessionStorage.getItem(PROMPTS) ?? '{}')[taskId];
}

// ------------------------------------------------------------------ routing
let stopPolling = () => {};

function route() {
  stopPolling();
  stopPolling = () => {};
  const hash = location.hash || '#/generate';
  const signedIn = Boolean(apiKey());
  $('nav').hidden = !signedIn;
  for (const view of document.querySelectorAll('.view')) {
    view.hidden = true;
  }
  if (!signedIn) {
    $('view-sign-in').hidden = false;
    $('api-key').focus();
    return;
  }
  for (const link of document.querySelectorAll('#nav a')) {
    link.toggleAttribute('aria-current', hash.startsWith(link.getAttribute('href')));
  }
  const task = hash.match(/^#\/tasks\/([A-Za-z0-9-]{1,80})$/);
  const batch = hash.match(/^#\/batches\/([A-Za-z0-9-]{1,80})$/);
  if (task) {
    showTask(task[1]);
  } else if (hash === '#/tasks') {
    showTasks();
  } else if (batch) {
    showBatch(batch[1]);
  } else if (hash === '#/batches') {
    showBatches();
  } else if (hash === '#/usage') {
    showUsage();
  } else {
    $('view-generate').hidden = false;
    refreshQuote();
  }
}

/** Calls `refresh` until it answers false; it may answer how long to wait before the next call. */
function poll(refresh) {
  let timer = null;
  let stopped = false;
  const tick = async () => {
    const again = await refresh();
    if (!stopped && again !== false) {
      timer = setTimeout(tick, typeof again === 'number' ? again : POLL_MS);
    }
  };
  tick();
  stopPolling = () => { stopped = true; clearTimeout(timer); };
}

/** A 401 ends the session: the key was revoked or mistyped. */
function handleAuthFailure(error) {
  if (error instanceof ApiError && error.status === 401) {
    signOut();
    $('api-key-error').textContent = error.message;
    route();
    return true;
  }
  return false;
}

// ------------------------------------------------------------------ sign in
$('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const key = $('api-key').value.trim();
  $('api-key-error').textContent = '';
  $('api-key').removeAttribute('aria-invalid');
  if (!key) {
    $('api-key-error').textContent = 'Enter an API key.';
    $('api-key').setAttribute('aria-invalid', 'true');
    return;
  }
  try {
    // Any authorized route checks the key; usage is the cheapest.
    await call('GET', '/v1/usage', { key });
    signIn(key);
    $('api-key').value = '';
    route();
  } catch (error) {
    $('api-key').setAttribute('aria-invalid', 'true');
    $('api-key-error').textContent = error instanceof ApiError && error.status === 401
      ? `That API key was refused: ${error.message}`
      : `Could not sign in: ${error.message}`;
  }
});

$('sign-out').addEventListener('click', () => {
  signOut();
  sessionStorage.removeItem(PROMPTS);
  location.hash = '#/generate';
  route();
});

// ------------------------------------------------------------------ generate
const references = { image_start: null, image_end: null };
let shots = [{ prompt: '', duration: '' }];

function clearErrors() {
  for (const slot of document.querySelectorAll('#generate-form .field-error')) {
    slot.textContent = '';
  }
  for (const field of document.querySelectorAll('#generate-form [aria-invalid]')) {
    field.removeAttribute('aria-invalid');
  }
}

function showFieldError(param, message) {
  const field = fieldOfParam(param);
  $(`error-${field}`).textContent = message;
  const control = { image_start: 'image-start', image_end: 'image-end', negative_prompt: 'negative-prompt', aspect_ratio: 'aspect-ratio' }[field] ?? field;
  $(control)?.setAttribute('aria-invalid', 'true');
}

function formValues() {
  return {
    prompt: $('prompt').value,
    negativePrompt: $('negative-prompt').value,
    duration: $('duration').value,
    quality: $('quality').value,
    sound: $('sound').value,
    aspectRatio: $('aspect-ratio').value,
    imageStart: references.image_start,
    imageEnd: references.image_end,
    multiShot: $('multi-shot').checked,
    shots,
  };
}

/** The checks worth making while typing; null when the form may be sent. */
function localProblems() {
  const problems = [];
  const duration = durationProblem($('duration').value);
  if (duration) {
    problems.push(['duration', duration]);
  }
  if ($('multi-shot').checked && !duration) {
    const shotProblem = shotsProblem(Number($('duration').value), shots);
    if (shotProblem) {
      problems.push(['model_params', shotProblem]);
    }
  }
  if (!$('multi-shot').checked && !$('prompt').value.trim()) {
    problems.push(['prompt', 'Describe the video in a prompt.']);
  }
  return problems;
}

function renderShots() {
  const list = $('shots');
  list.replaceChildren();
  shots.forEach((shot, i) => {
    const item = el('li', null, { class: 'shot' });
    const promptId = `shot-${i}-prompt`;
    const durationId = `shot-${i}-duration`;
    const prompt = el('input', null, { id: promptId, type: 'text', maxlength: '512' });
    prompt.value = shot.prompt;
    prompt.addEventListener('input', () => { shot.prompt = prompt.value; formChanged(); });
    const seconds = el('input', null, { id: durationId, type: 'number', min: '1', max: '15', step: '1', inputmode: 'numeric' });
    seconds.value = shot.duration;
    seconds.addEventListener('input', () => { shot.duration = seconds.value; formChanged(); });
    const remove = el('button', `Remove shot ${i + 1}`, { type: 'button', class: 'secondary' });
    remove.disabled = shots.length === 1;
    remove.addEventListener('click', () => { shots.splice(i, 1); renderShots(); formChanged(); });
    item.append(el('label', `Shot ${i + 1} prompt`, { for: promptId }), prompt,
      el('label', `Shot ${i + 1} duration`, { for: durationId }), seconds, remove);
    list.append(item);
  });
  $('add-shot').disabled = shots.length >= 6;
}

function renderShotsTotal() {
  if (!$('multi-shot').checked) {
    return;
  }
  const duration = Number($('duration').value);
  $('shots-total').textContent = `Shots: ${shotsTotal(shots)} of ${Number.isFinite(duration) ? duration : '?'} s.`;
  const problem = durationProblem($('duration').value) ? null : shotsProblem(duration, shots);
  $('error-shots').textContent = problem ?? '';
}

let quoteTimer = null;
let quoteSequence = 0;
// The field the last quote's refusal was shown next to, cleared by the next quote.
let quoteRefusalField = null;

function clearQuoteRefusal() {
  if (quoteRefusalField) {
    $(`error-${quoteRefusalField}`).textContent = '';
    quoteRefusalField = null;
  }
}

function formChanged() {
  renderShotsTotal();
  clearTimeout(quoteTimer);
  quoteTimer = setTimeout(refreshQuote, 300);
}

/** The price of the form as it stands, from POST /v1/quotes: what submitting would charge and hold. */
async function refreshQuote() {
  const sequence = ++quoteSequence;
  const problems = localProblems();
  if (problems.length > 0) {
    clearQuoteRefusal();
    $('quote').textContent = `Price: ${problems[0][1]}`;
    return;
  }
  try {
    const quote = await call('POST', '/v1/quotes', { body: generationRequest(formValues()) });
    if (sequence !== quoteSequence) {
      return;
    }
    clearQuoteRefusal();
    const holds = quote.reserved_usd !== quote.cost_usd ? `; ${formatUsd(quote.reserved_usd)} held of the budget until it ends` : '';
    $('quote').textContent = `Price: ${formatUsd(quote.cost_usd)} for ${quote.billed_seconds} s at ${quote.provider}${holds}.`;
  } catch (error) {
    if (sequence === quoteSequence && !handleAuthFailure(error)) {
      $('quote').textContent = 'Price: not until the request is valid.';
      clearQuoteRefusal();
      // The submit would refuse the same way: say so next to the field at fault, as it would.
      quoteRefusalField = fieldOfParam(error.param);
      $(`error-${quoteRefusalField}`).textContent = error.message;
    }
  }
}

async function chooseImage(which, file) {
  const param = which === 'start' ? 'image_start' : 'image_end';
  const status = $(`${param}-status`);
  const preview = $(`preview-${which}`);
  references[param] = null;
  $(`error-${param}`).textContent = '';
  if (!file) {
    status.textContent = '';
    preview.hidden = true;
    formChanged();
    return;
  }
  if (!['image/png', 'image/jpeg', 'image/jpg'].includes(file.type)) {
    showFieldError(param, 'Choose a JPG or PNG image.');
    return;
  }
  preview.src = URL.createObjectURL(file);
  preview.hidden = false;
  status.textContent = `Uploading ${file.name}…`;
  try {
    references[param] = await upload(file);
    status.textContent = `${file.name} uploaded.`;
  } catch (error) {
    status.textContent = '';
    if (!handleAuthFailure(error)) {
      showFieldError(param, error.message);
    }
  }
  formChanged();
}

for (const [which, inputId, dropId] of [['start', 'image-start', 'drop-start'], ['end', 'image-end', 'drop-end']]) {
  $(inputId).addEventListener('change', () => chooseImage(which, $(inputId).files[0]));
  const drop = $(dropId);
  drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    const file = event.dataTransfer.files[0];
    if (file) {
      chooseImage(which, file);
    }
  });
}

for (const id of ['prompt', 'negative-prompt', 'duration', 'quality', 'sound', 'aspect-ratio']) {
  $(id).addEventListener('input', formChanged);
}

$('multi-shot').addEventListener('change', () => {
  $('shots-editor').hidden = !$('multi-shot').checked;
  renderShots();
  formChanged();
});

$('add-shot').addEventListener('click', () => {
  shots.push({ prompt: '', duration: '' });
  renderShots();
  formChanged();
});

$('generate-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors();
  const problems = localProblems();
  if (problems.length > 0) {
    problems.forEach(([param, message]) => showFieldError(param, message));
    return;
  }
  const button = $('generate');
  button.disabled = true;
  try {
    const values = formValues();
    // One key per click: a retried request (a flaky network) makes no second task.
    const task = await call('POST', '/v1/videos/generations', {
      body: generationRequest(values), headers: { 'Idempotency-Key': crypto.randomUUID() },
    });
    rememberPrompt(task.id, values.prompt);
    toast(`Task ${task.id} accepted.`);
    location.hash = `#/tasks/${task.id}`;
  } catch (error) {
    if (!handleAuthFailure(error)) {
      showFieldError(error.param, error.message);
    }
  } finally {
    button.disabled = false;
  }
});

// ------------------------------------------------------------------ tasks
let taskPages = [];
let nextCursor = null;
let listSequence = 0;

async function cancelTask(id) {
  try {
    const task = await call('POST', `/v1/tasks/${encodeURIComponent(id)}/cancel`);
    toast(`Task ${task.id} is ${task.status}.`);
    return task;
  } catch (error) {
    if (!handleAuthFailure(error)) {
      toast(error.message);
    }
    return null;
  }
}

/** A row of a task list; `refresh` reloads that list once the row's Cancel has been answered. */
function taskRow(task, refresh = () => loadTasks(false)) {
  const row = el('tr', null, { 'data-task-id': task.id, 'data-status': task.status });
  const link = el('a', task.id, { href: `#/tasks/${task.id}` });
  const idCell = el('td');
  idCell.append(link);
  const progress = el('progress', `${task.progress}%`, { max: '100', value: String(task.progress), 'aria-label': `Progress of ${task.id}` });
  const progressCell = el('td');
  progressCell.append(progress);
  const actions = el('td');
  if (task.task_info?.can_cancel) {
    const cancel = el('button', 'Cancel', { type: 'button', class: 'danger small', 'aria-label': `Cancel ${task.id}` });
    cancel.addEventListener('click', async () => {
      cancel.disabled = true;
      await cancelTask(task.id);
      refresh();
    });
    actions.append(cancel);
  }
  row.append(idCell, el('td', task.status, { class: `status ${task.status}` }), progressCell, el('td', vendorOf(task)),
    el('td', formatUsd(task.usage?.cost_usd)), el('td', formatCreated(task.created)), actions);
  return row;
}

/**
 * Reloads the list as far as it was read (at least a page of 20, at most the API's 100), or, with `more`,
 * adds the next page.
 */
async function loadTasks(more) {
  const status = $('status-filter').value;
  const query = new URLSearchParams({ limit: String(more ? 20 : Math.min(100, Math.max(20, taskPages.length))) });
  if (status) {
    query.set('status', status);
  }
  if (more && nextCursor) {
    query.set('cursor', nextCursor);
  }
  try {
    const sequence = ++listSequence;
    const page = await call('GET', `/v1/tasks?${query}`);
    if (sequence !== listSequence) {
      return POLL_MS; // a newer read (another filter, say) is under way: its answer counts, not this one
    }
    taskPages = more ? [...taskPages, ...page.data] : page.data;
    nextCursor = page.next_cursor;
    $('tasks-body').replaceChildren(...taskPages.map((task) => taskRow(task)));
    $('tasks-empty').hidden = taskPages.length > 0;
    $('tasks-more').hidden = !page.has_more;
    $('tasks-error').textContent = '';
    $('tasks-updated').textContent = `Updated ${new Date().toISOString().slice(11, 19)} UTC`;
    return taskPages.some((task) => !TERMINAL.has(task.status)) ? POLL_MS : IDLE_POLL_MS;
  } catch (error) {
    if (!handleAuthFailure(error)) {
      $('tasks-error').textContent = error.message;
    }
    return IDLE_POLL_MS;
  }
}

function showTasks() {
  $('view-tasks').hidden = false;
  poll(() => loadTasks(false));
}

$('status-filter').addEventListener('change', () => {
  taskPages = [];
  loadTasks(false);
});
$('tasks-more').addEventListener('click', () => loadTasks(true));

// ------------------------------------------------------------------ one task
function fact(list, term, value) {
  list.append(el('dt', term), el('dd', value));
}

function drawTimeline(task) {
  const layout = timelineLayout(task.timeline, TERMINAL.has(task.status) ? undefined : Date.now());
  const chart = $('task-timeline');
  const title = chart.querySelector('title');
  chart.replaceChildren(title);
  chart.append(svg('line', { x1: 20, y1: 60, x2: 980, y2: 60, class: 'axis' }));
  layout.forEach((point, i) => {
    const x = 20 + point.offset * 960;
    const y = i % 2 === 0 ? 35 : 95;
    const group = svg('g', { class: `event ${point.event}` });
    group.append(svg('circle', { cx: x, cy: 60, r: 6 }), svg('line', { x1: x, y1: 60, x2: x, y2: y + (i % 2 === 0 ? 5 : -12), class: 'tick' }),
      svg('text', { x, y, 'text-anchor': x > 900 ? 'end' : x < 100 ? 'start' : 'middle' }, `${point.event} +${point.seconds.toFixed(1)}s`));
    chart.append(group);
  });
  $('task-events').replaceChildren(...layout.map((point) =>
    el('li', `${point.at} — ${point.event}${point.detail ? ` (${point.detail})` : ''}`)));
}

function renderTask(task) {
  $('task-title').textContent = `Task ${task.id}`;
  const facts = $('task-facts');
  facts.replaceChildren();
  fact(facts, 'Status', task.status);
  fact(facts, 'Progress', `${task.progress}%`);
  const prompt = promptOf(task.id);
  if (prompt !== undefined) {
    fact(facts, 'Prompt', prompt);
  }
  fact(facts, 'Model', task.model);
  fact(facts, 'Duration', `${task.task_info.duration} s`);
  fact(facts, 'Quality', task.task_info.quality);
  fact(facts, 'Sound', task.task_info.sound);
  fact(facts, 'Vendor', vendorOf(task));
  if (task.task_info.batch_id) {
    const batch = el('dd');
    batch.append(el('a', task.task_info.batch_id, { href: `#/batches/${task.task_info.batch_id}` }));
    facts.append(el('dt', 'Batch'), batch);
  }
  fact(facts, task.usage.charged ? 'Cost (charged)' : TERMINAL.has(task.status) ? 'Cost' : 'Cost (quoted)', formatUsd(task.usage.cost_usd));
  fact(facts, 'Created', formatCreated(task.created));

  const video = $('task-video');
  if (task.result?.url) {
    $('task-player').hidden = false;
    // A fresh presigned URL comes with every answer; keep the one playing so that the player does not restart.
    if (!video.getAttribute('src')) {
      video.setAttribute('src', task.result.url);
      $('task-download').setAttribute('href', task.result.url);
      $('task-expiry').textContent = ` (the link works until ${task.result.url_expires_at})`;
    }
  } else {
    $('task-player').hidden = true;
  }
  const failure = $('task-failure');
  failure.hidden = !task.error;
  failure.textContent = task.error ? `Failed: ${task.error.message} (${task.error.code})` : '';
  $('task-cancel').hidden = !task.task_info.can_cancel;
  drawTimeline(task);
}

let shownTaskId = null;

function showTask(id) {
  $('view-task').hidden = false;
  if (shownTaskId !== id) {
    shownTaskId = id;
    $('task-video').removeAttribute('src');
    $('task-player').hidden = true;
    $('task-facts').replaceChildren();
    $('task-title').textContent = `Task ${id}`;
  }
  $('task-error').textContent = '';
  poll(async () => {
    try {
      const task = await call('GET', `/v1/tasks/${encodeURIComponent(id)}`);
      renderTask(task);
      return !TERMINAL.has(task.status);
    } catch (error) {
      if (!handleAuthFailure(error)) {
        $('task-error').textContent = error.message;
      }
      return error instanceof ApiError && error.status >= 500;
    }
  });
}

$('task-cancel').addEventListener('click', async () => {
  $('task-cancel').disabled = true;
  const task = await cancelTask(shownTaskId);
  $('task-cancel').disabled = false;
  if (task) {
    renderTask(task);
  }
});

// ------------------------------------------------------------------ batches
let batchPages = [];
let batchesCursor = null;
let batchesSequence = 0;

function batchProgressCell(batch) {
  const cell = el('td');
  cell.append(el('progress', batchProgress(batch.request_counts), {
    max: '1', value: String(batchSettledShare(batch.request_counts)), 'aria-label': `Progress of ${batch.id}`,
  }), ' ', el('span', batchProgress(batch.request_counts), { class: 'count' }));
  return cell;
}

function batchRow(batch) {
  const row = el('tr', null, { 'data-batch-id': batch.id, 'data-status': batch.status });
  const idCell = el('td');
  idCell.append(el('a', batch.id, { href: `#/batches/${batch.id}` }));
  row.append(idCell, el('td', batchStatusLabel(batch.status), { class: `status ${batch.status}` }), batchProgressCell(batch),
    el('td', String(batch.request_counts?.refused ?? 0), { class: 'refused' }), el('td', formatUsd(batch.cost_usd)),
    el('td', formatCreated(batch.created)));
  return row;
}

/** As loadTasks: reloads the list as far as it was read, or, with `more`, adds the next page. */
async function loadBatches(more) {
  const query = new URLSearchParams({ limit: String(more ? 20 : Math.min(100, Math.max(20, batchPages.length))) });
  if (more && batchesCursor) {
    query.set('cursor', batchesCursor);
  }
  try {
    const sequence = ++batchesSequence;
    const page = await call('GET', `/v1/batches?${query}`);
    if (sequence !== batchesSequence) {
      return POLL_MS;
    }
    batchPages = more ? [...batchPages, ...page.data] : page.data;
    batchesCursor = page.next_cursor;
    $('batches-body').replaceChildren(...batchPages.map(batchRow));
    $('batches-empty').hidden = batchPages.length > 0;
    $('batches-more').hidden = !page.has_more;
    $('batches-error').textContent = '';
    $('batches-updated').textContent = `Updated ${new Date().toISOString().slice(11, 19)} UTC`;
    return batchPages.some((batch) => !BATCH_TERMINAL.has(batch.status)) ? POLL_MS : IDLE_POLL_MS;
  } catch (error) {
    if (!handleAuthFailure(error)) {
      $('batches-error').textContent = error.message;
    }
    return IDLE_POLL_MS;
  }
}

function showBatches() {
  $('view-batches').hidden = false;
  poll(() => loadBatches(false));
}

$('batches-more').addEventListener('click', () => loadBatches(true));

// ------------------------------------------------------------------ one batch
let shownBatchId = null;
let batchTasks = [];
let batchTasksCursor = null;

function renderBatch(batch) {
  $('batch-title').textContent = `Batch ${batch.id}`;
  const counts = batch.request_counts;
  const facts = $('batch-facts');
  facts.replaceChildren();
  fact(facts, 'Status', batchStatusLabel(batch.status));
  fact(facts, 'Progress', batchProgress(counts));
  fact(facts, 'Requests', `${counts.total}: ${batchCountsText(counts)}`);
  fact(facts, BATCH_TERMINAL.has(batch.status) ? 'Cost' : 'Cost so far', formatUsd(batch.cost_usd));
  fact(facts, 'Created', formatCreated(batch.created));
  if (batch.completed_at) {
    fact(facts, 'Ended', formatCreated(batch.completed_at));
  }
  if (batch.manifest) {
    fact(facts, 'Manifest', batch.manifest);
    fact(facts, 'Results', batch.results);
  }
  if (batch.callback_url) {
    fact(facts, 'Webhook', batch.callback_url);
  }
  const metadata = Object.entries(batch.metadata ?? {});
  if (metadata.length > 0) {
    fact(facts, 'Metadata', metadata.map(([name, value]) => `${name}: ${value}`).join('\n'));
  }
  $('batch-cancel').hidden = !batchCanCancel(batch);
  if (batch.errors) {
    const refused = refusedRequests(batch.errors);
    $('batch-refused-body').replaceChildren(...refused.map((entry) => {
      const row = el('tr', null, { 'data-index': String(entry.index) });
      row.append(el('td', String(entry.index)), el('td', entry.code, { class: 'code' }), el('td', entry.message, { class: 'message' }),
        el('td', entry.param ?? '—'));
      return row;
    }));
    $('batch-refused-table').hidden = refused.length === 0;
    // While it validates, more requests may yet be refused: "none" only once it has said so.
    $('batch-refused-none').hidden = refused.length > 0 || batch.status === 'validating';
  }
}

/** The batch's tasks as far as they were read (at least 20, at most 100), or, with `more`, the next page. */
async function loadBatchTasks(id, more) {
  const query = new URLSearchParams({ limit: String(more ? 20 : Math.min(100, Math.max(20, batchTasks.length))) });
  if (more && batchTasksCursor) {
    query.set('cursor', batchTasksCursor);
  }
  const page = await call('GET', `/v1/batches/${encodeURIComponent(id)}/tasks?${query}`);
  if (id !== shownBatchId) {
    return;
  }
  batchTasks = more ? [...batchTasks, ...page.data] : page.data;
  batchTasksCursor = page.next_cursor;
  $('batch-tasks-body').replaceChildren(...batchTasks.map((task) => taskRow(task, () => refreshBatch(id))));
  $('batch-tasks-empty').hidden = batchTasks.length > 0;
  $('batch-tasks-more').hidden = !page.has_more;
}

/** Reads the batch and its tasks; answers whether to read them again (while either is unfinished). */
async function refreshBatch(id) {
  try {
    const batch = await call('GET', `/v1/batches/${encodeURIComponent(id)}`);
    if (id !== shownBatchId) {
      return false;
    }
    renderBatch(batch);
    await loadBatchTasks(id, false);
    return !BATCH_TERMINAL.has(batch.status) || batchTasks.some((task) => !TERMINAL.has(task.status));
  } catch (error) {
    if (!handleAuthFailure(error)) {
      $('batch-error').textContent = error.message;
    }
    return error instanceof ApiError && error.status >= 500;
  }
}

function showBatch(id) {
  $('view-batch').hidden = false;
  if (shownBatchId !== id) {
    shownBatchId = id;
    batchTasks = [];
    batchTasksCursor = null;
    $('batch-facts').replaceChildren();
    $('batch-refused-body').replaceChildren();
    $('batch-refused-table').hidden = true;
    $('batch-refused-none').hidden = true;
    $('batch-tasks-body').replaceChildren();
    $('batch-tasks-empty').hidden = true;
    $('batch-tasks-more').hidden = true;
    $('batch-cancel').hidden = true;
    $('batch-title').textContent = `Batch ${id}`;
  }
  $('batch-error').textContent = '';
  poll(() => refreshBatch(id));
}

$('batch-cancel').addEventListener('click', async () => {
  const id = shownBatchId;
  $('batch-cancel').disabled = true;
  $('batch-error').textContent = '';
  try {
    const batch = await call('POST', `/v1/batches/${encodeURIComponent(id)}/cancel`);
    toast(`Batch ${batch.id} is ${batchStatusLabel(batch.status)}.`);
    if (id === shownBatchId) {
      renderBatch(batch);
      stopPolling();
      poll(() => refreshBatch(id)); // until its workflow has seen every task end
    }
  } catch (error) {
    if (!handleAuthFailure(error)) {
      // A batch that ended meanwhile: the API's 409 batch_not_cancellable says so.
      $('batch-error').textContent = error.message;
    }
  } finally {
    $('batch-cancel').disabled = false;
  }
});

$('batch-tasks-more').addEventListener('click', async () => {
  try {
    await loadBatchTasks(shownBatchId, true);
  } catch (error) {
    if (!handleAuthFailure(error)) {
      $('batch-error').textContent = error.message;
    }
  }
});

// ------------------------------------------------------------------ usage
function barChart(container, bars, emptyText) {
  if (bars.length === 0) {
    container.replaceChildren(el('p', emptyText, { class: 'hint' }));
    return;
  }
  const shares = barShares(bars.map((bar) => bar.usd));
  const rowHeight = 28;
  const chart = svg('svg', { viewBox: `0 0 600 ${bars.length * rowHeight}`, role: 'img', class: 'bars', 'aria-label': container.previousElementSibling?.textContent ?? 'Chart' });
  bars.forEach((bar, i) => {
    const y = i * rowHeight;
    chart.append(svg('text', { x: 0, y: y + 18, class: 'label' }, bar.label),
      svg('rect', { x: 160, y: y + 4, width: Math.max(1, shares[i] * 340), height: rowHeight - 10, class: 'bar' }),
      svg('text', { x: 160 + Math.max(1, shares[i] * 340) + 8, y: y + 18, class: 'value' }, formatUsd(bar.usd)));
  });
  container.replaceChildren(chart);
}

/** This month's tasks from the list, newest first, stopping at the first task of an earlier month. */
async function tasksOfMonth(month) {
  const tasks = [];
  let cursor = null;
  for (let page = 0; page < 20; page++) {
    const query = new URLSearchParams({ limit: '100' });
    if (cursor) {
      query.set('cursor', cursor);
    }
    const answer = await call('GET', `/v1/tasks?${query}`);
    for (const task of answer.data) {
      if (monthOf(new Date(task.created * 1000)) < month) {
        return { tasks, complete: true };
      }
      tasks.push(task);
    }
    if (!answer.has_more) {
      return { tasks, complete: true };
    }
    cursor = answer.next_cursor;
  }
  return { tasks, complete: false };
}

async function showUsage() {
  $('view-usage').hidden = false;
  $('usage-error').textContent = '';
  const month = monthOf(new Date());
  try {
    const [usage, listed] = await Promise.all([call('GET', `/v1/usage?month=${month}`), tasksOfMonth(month)]);
    const budget = $('usage-budget');
    budget.replaceChildren();
    const shares = budgetShares(usage.budget);
    if (shares) {
      budget.append(el('p', `${formatUsd(usage.budget.committed_usd)} of ${formatUsd(usage.budget.monthly_usd)} committed in ${usage.month} `
        + `(${formatUsd(usage.budget.spent_usd)} spent, ${formatUsd(usage.budget.reserved_usd)} held by running tasks); `
        + `${formatUsd(usage.budget.remaining_usd)} left.`));
      const meter = el('meter', null, { min: '0', max: '1', value: String(shares.spent + shares.reserved), 'aria-label': 'Budget used' });
      budget.append(meter);
    } else {
      budget.append(el('p', `${formatUsd(usage.cost_usd)} spent in ${usage.month}; this key has no monthly budget.`));
    }
    barChart($('chart-days'), costPerDay(listed.tasks, month), 'Nothing charged yet this month.');
    $('chart-days-note').textContent = listed.complete
      ? 'From the task list: what each ended task was charged, on the day it was created.'
      : 'From the first 2,000 tasks of the month only.';
    barChart($('chart-vendors'), costPerVendor(usage).filter((entry) => entry.usd > 0), 'Nothing charged yet this month.');
    const facts = $('usage-facts');
    facts.replaceChildren();
    fact(facts, 'Tasks', String(usage.tasks.total));
    for (const [status, count] of Object.entries(usage.tasks.by_status)) {
      fact(facts, status, String(count));
    }
    fact(facts, 'Billed seconds', String(usage.billed_seconds));
    fact(facts, 'Cost', formatUsd(usage.cost_usd));
  } catch (error) {
    if (!handleAuthFailure(error)) {
      $('usage-error').textContent = error.message;
    }
  }
}

// ------------------------------------------------------------------ start
renderShots();
window.addEventListener('hashchange', route);
route();
