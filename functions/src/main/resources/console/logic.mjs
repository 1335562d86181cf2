// The console's pure logic: no DOM, no network. Tested with node --test (infrastructure/integration-tests/console-tests).
// The rules repeat the API's (docs/api.md) only to warn while typing; the API remains the judge.

export const MIN_DURATION = 3;
export const MAX_DURATION = 15;
export const MAX_SHOTS = 6;
export const STATUSES = ['pending', 'processing', 'completed', 'failed', 'cancelled'];
export const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** Whole micro-dollars, so that sums of costs such as 0.1 + 0.2 stay exact. */
export function micros(usd) {
  return Math.round(Number(usd || 0) * 1e6);
}

/** Dollars for people, as Reelay writes them: at least two decimals, no trailing zeros beyond ($0.375, $1.00). */
export function formatUsd(usd) {
  if (usd === null || usd === undefined) {
    return '—';
  }
  const m = micros(usd);
  const sign = m < 0 ? '-' : '';
  const abs = Math.abs(m);
  let text = `${Math.floor(abs / 1e6)}.${String(abs % 1e6).padStart(6, '0')}`.replace(/0+$/, '');
  const decimals = text.length - text.indexOf('.') - 1;
  if (decimals < 2) {
    text += '0'.repeat(2 - decimals);
  }
  return `${sign}$${text}`;
}

/** A task's `created` (Unix seconds) as `YYYY-MM-DD HH:MM UTC`. */
export function formatCreated(unixSeconds) {
  const iso = new Date(unixSeconds * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** The UTC day (`YYYY-MM-DD`) of a task's `created`. */
export function dayOf(unixSeconds) {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

/** The month of a date as `/v1/usage` names it (`YYYY-MM`, UTC). */
export function monthOf(date) {
  return date.toISOString().slice(0, 7);
}

/** Whether the duration field holds a whole number of seconds the API accepts; null when it does, else why not. */
export function durationProblem(value) {
  const text = String(value ?? '').trim();
  if (!/^\d{1,2}$/.test(text)) {
    return `Duration must be a whole number of seconds, ${MIN_DURATION} to ${MAX_DURATION}.`;
  }
  const seconds = Number(text);
  if (seconds < MIN_DURATION || seconds > MAX_DURATION) {
    return `Duration must be ${MIN_DURATION} to ${MAX_DURATION} seconds.`;
  }
  return null;
}

/**
 * The multi-shot editor's check, as the API's: 1 to 6 shots, each with a prompt and a whole number of
 * seconds from 1 to the duration, adding up to exactly the duration. Null when it holds, else what is wrong.
 */
export function shotsProblem(duration, shots) {
  if (shots.length === 0 || shots.length > MAX_SHOTS) {
    return `List 1 to ${MAX_SHOTS} shots.`;
  }
  let total = 0;
  for (let i = 0; i < shots.length; i++) {
    const seconds = String(shots[i].duration ?? '').trim();
    if (!/^\d{1,2}$/.test(seconds) || Number(seconds) < 1 || Number(seconds) > duration) {
      return `Shot ${i + 1} needs a duration of 1 to ${duration} s.`;
    }
    if (!String(shots[i].prompt ?? '').trim()) {
      return `Shot ${i + 1} needs a prompt.`;
    }
    total += Number(seconds);
  }
  if (total !== duration) {
    return `The shots add up to ${total} s; they must add up to the duration, ${duration} s.`;
  }
  return null;
}

/** The sum of the shots' durations, counting what is not yet a number as 0: for the editor's running total. */
export function shotsTotal(shots) {
  return shots.reduce((sum, shot) => sum + (/^\d{1,2}$/.test(String(shot.duration ?? '').trim()) ? Number(shot.duration) : 0), 0);
}

/**
 * The body of POST /v1/videos/generations (and of POST /v1/quotes) from the form's values. Empty optional
 * fields are left out, so that the API's defaults apply.
 */
export function generationRequest(form) {
  const body = {
    // Any image makes it image-to-video: a last image alone is then refused for want of a start image, which says what to do.
    model: form.imageStart || form.imageEnd ? 'kling-v3-image-to-video' : 'kling-v3-text-to-video',
    prompt: form.prompt,
    duration: Number(form.duration),
    quality: form.quality,
    sound: form.sound,
  };
  if (form.negativePrompt && form.negativePrompt.trim()) {
    body.negative_prompt = form.negativePrompt;
  }
  if (form.imageStart) {
    body.image_start = form.imageStart;
  }
  if (form.imageEnd) {
    body.image_end = form.imageEnd;
  }
  if (form.aspectRatio) {
    body.aspect_ratio = form.aspectRatio;
  }
  if (form.multiShot) {
    body.model_params = {
      multi_shot: true,
      shot_type: 'customize',
      multi_prompt: form.shots.map((shot, i) => ({ index: i + 1, prompt: shot.prompt, duration: Number(shot.duration) })),
    };
  }
  return body;
}

/**
 * Which field of the form an error's `param` names: `model_params.multi_prompt[1].duration` is the shots
 * editor's, `image_start` the start image's. Anything else goes to the form's own message.
 */
export function fieldOfParam(param) {
  if (!param) {
    return 'form';
  }
  if (param.startsWith('model_params')) {
    return 'shots';
  }
  const known = {
    prompt: 'prompt', negative_prompt: 'negative_prompt', image_start: 'image_start', image_end: 'image_end',
    duration: 'duration', quality: 'quality', sound: 'sound', aspect_ratio: 'aspect_ratio', model: 'image_start',
  };
  return known[param] ?? 'form';
}

/** The message to show for an answer in the API's error envelope (or API Gateway's own `{"message"}`). */
export function errorText(status, body) {
  const error = body && body.error;
  if (error && error.message) {
    return error.code ? `${error.message} (${error.code})` : error.message;
  }
  if (body && body.message) {
    return `${body.message} (HTTP ${status})`;
  }
  return `The API answered HTTP ${status}.`;
}

/**
 * Cost per day of the month, from the tasks the list shows: each ended task's `usage.cost_usd` (what it was
 * charged) on the UTC day it was created, which is how GET /v1/usage counts a task in its month. Running
 * tasks add nothing yet. Days without tasks are left out.
 */
export function costPerDay(tasks, month) {
  const days = new Map();
  for (const task of tasks) {
    const day = dayOf(task.created);
    if (!day.startsWith(month) || !TERMINAL.has(task.status)) {
      continue;
    }
    days.set(day, (days.get(day) ?? 0) + micros(task.usage?.cost_usd));
  }
  return [...days.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, m]) => ({ label: day, usd: m / 1e6 }));
}

/** Cost per vendor, from GET /v1/usage's `by_provider`, dearest first. */
export function costPerVendor(usage) {
  return Object.entries(usage.by_provider ?? {})
    .map(([vendor, entry]) => ({ label: vendor, usd: Number(entry.cost_usd), tasks: entry.tasks }))
    .sort((a, b) => b.usd - a.usd || a.label.localeCompare(b.label));
}

/** The budget bar: spent and reserved as fractions of the monthly budget (null without a budget). */
export function budgetShares(budget) {
  if (!budget || budget.monthly_usd === null || budget.monthly_usd === undefined || Number(budget.monthly_usd) <= 0) {
    return null;
  }
  const whole = micros(budget.monthly_usd);
  const share = (usd) => Math.min(1, Math.max(0, micros(usd) / whole));
  return { spent: share(budget.spent_usd), reserved: share(budget.reserved_usd) };
}

/**
 * A task's timeline laid out on one axis: each event at its fraction of the time from the first event to
 * the last (or to `now` while the task runs), with the seconds since the first.
 */
export function timelineLayout(timeline, now) {
  if (!timeline || timeline.length === 0) {
    return [];
  }
  const times = timeline.map((event) => Date.parse(event.at));
  const start = times[0];
  const end = Math.max(now ?? times[times.length - 1], ...times);
  const span = Math.max(1, end - start);
  return timeline.map((event, i) => ({
    event: event.event,
    detail: event.detail ?? null,
    at: event.at,
    offset: (times[i] - start) / span,
    seconds: (times[i] - start) / 1000,
  }));
}

/** Bars of a chart: each value's share of the largest, for widths. */
export function barShares(values) {
  const most = Math.max(0, ...values);
  return values.map((v) => (most === 0 ? 0 : v / most));
}

/** A task's vendor, or what stands for it before a vendor has the job. */
export function vendorOf(task) {
  if (task.task_info?.provider) {
    return task.task_info.provider;
  }
  return task.task_info?.queue_position ? `queued (#${task.task_info.queue_position})` : '—';
}

// ------------------------------------------------------------------ batches (docs/batches.md)
export const BATCH_STATUSES = ['validating', 'in_progress', 'cancelling', 'completed', 'cancelled'];
export const BATCH_TERMINAL = new Set(['completed', 'cancelled']);

/** A batch's status for people: `in_progress` is written "in progress". */
export function batchStatusLabel(status) {
  return String(status ?? '').replace(/_/g, ' ');
}

/** Whether POST /v1/batches/{id}/cancel may still stop the batch: while it validates or runs. */
export function batchCanCancel(batch) {
  return batch.status === 'validating' || batch.status === 'in_progress';
}

/** A batch's requests whose task has ended (completed, failed or cancelled): refused requests never had one. */
export function batchEnded(counts) {
  return (counts?.completed ?? 0) + (counts?.failed ?? 0) + (counts?.cancelled ?? 0);
}

/** "47/50 done": the requests whose task has ended, of all the batch's requests. */
export function batchProgress(counts) {
  return `${batchEnded(counts)}/${counts?.total ?? 0} done`;
}

/** The share of a batch's requests that are settled (their task ended, or refused), for a progress bar. */
export function batchSettledShare(counts) {
  const total = counts?.total ?? 0;
  return total === 0 ? 0 : Math.min(1, (batchEnded(counts) + (counts?.refused ?? 0)) / total);
}

/** The counts that are not zero, in the API's order: "45 completed, 2 failed, 3 refused" ("none" for none). */
export function batchCountsText(counts) {
  const parts = ['pending', 'processing', 'completed', 'failed', 'cancelled', 'refused']
    .filter((name) => (counts?.[name] ?? 0) > 0)
    .map((name) => `${counts[name]} ${name}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/** A batch's refused requests (its `errors`) by index, each as index, code, message and param. */
export function refusedRequests(errors) {
  return (errors ?? [])
    .map((entry) => ({ index: entry.index, code: entry.error?.code ?? '—', message: entry.error?.message ?? '', param: entry.error?.param ?? null }))
    .sort((a, b) => a.index - b.index);
}
