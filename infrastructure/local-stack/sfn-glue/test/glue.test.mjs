// End-to-end tests: a fake Lambda Invoke endpoint (node:http) + the glue as a child process,
// driven over the Step Functions JSON protocol exactly as the Java SDK would.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('../server.mjs', import.meta.url));
// The repository's root: the nearest folder up from here holding template.yaml (not a fixed depth).
const REPO = (() => {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'template.yaml'))) return dir;
    if (path.dirname(dir) === dir) throw new Error('no template.yaml above ' + fileURLToPath(import.meta.url));
  }
})();
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const fnArn = (name) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
const smArn = (name) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
const TRANSIENT = 'dev.reelay.domain.error.TransientFailureException';
const PERMANENT = 'dev.reelay.domain.error.PermanentFailureException';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------- fake Lambda endpoint ----------

const calls = []; // { fn, payload }
const flakyAttempts = new Map();
const lambdaError = (res, errorType, errorMessage) => {
  res.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' })
    .end(JSON.stringify({ errorMessage, errorType, stackTrace: ['dev.reelay.Handler.handle(Handler.java:42)'] }));
};
const handlers = {
  Prepare: (p) => ({ ...p, prepared: true }),
  Render: (p) => ({ rendered: `video-${p.id}` }),
  Flaky: (p, res) => {
    const n = (flakyAttempts.get(p.id) ?? 0) + 1;
    flakyAttempts.set(p.id, n);
    if (n < 2) return lambdaError(res, TRANSIENT, `provider busy (attempt ${n})`);
    return { attempts: n };
  },
  Broken: (p, res) => lambdaError(res, PERMANENT, 'provider rejected the prompt'),
  Submit: () => ({ accepted: true }),
  Throttled: (p, res) => res.writeHead(429).end('{"message":"Rate exceeded"}'),
  // The functions of the real definition (statemachine/video-generation.asl.json), by their template names.
  SubmitToProviderFunction: (p, res) => (p.taskId.startsWith('fail')
    ? lambdaError(res, PERMANENT, 'provider rejected the prompt')
    : { ...p, provider: 'unified', providerTaskId: 'job-1', status: 'processing', waitSeconds: 0, awaitCallbacks: false }),
  CheckStatusFunction: (p) => ({ ...p, status: 'completed', videoUrl: 'https://videos.example.com/1.mp4' }),
  ArchiveVideoFunction: (p) => p,
  SettleBillingFunction: (p) => p,
  RecordFailureFunction: (p) => ({ ...p, status: 'failed' }),
  AwaitProviderCallbackFunction: (p) => p.state,
  AwaitProviderSlotFunction: (p) => p.state,
  // One attempt per run, as DeliverWebhook: "-delivered" tasks get through at once, "-retried" ones on their
  // second attempt; "-step-fails" ones fail the step; the others are given up, with the status the loop was handed.
  DeliverWebhookFunction: (p, res) => {
    const attempts = (p.webhookAttempts ?? 0) + 1;
    if (p.taskId.includes('step-fails')) return lambdaError(res, PERMANENT, 'task_not_found');
    if (p.taskId.includes('delivered') || (p.taskId.includes('retried') && attempts > 1)) {
      return { ...p, webhookStatus: 'delivered', webhookAttempts: attempts };
    }
    if (p.taskId.includes('retried')) return { ...p, webhookStatus: 'retry', webhookAttempts: attempts, webhookWaitSeconds: 0 };
    return {
      ...p, webhookStatus: 'gave_up', webhookAttempts: 4,
      webhookDeadLetter: {
        taskId: p.taskId, callback_url: 'https://hooks.example.com/x', task_status: p.status, attempts: 4,
        last_error: { Error: 'WebhookGaveUp', Cause: 'attempt 4: 500' },
      },
    };
  },
};
const fakeLambda = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url);
  const fn = m && decodeURIComponent(m[1]);
  if (req.method !== 'POST' || !handlers[fn]) return res.writeHead(404).end('{"Type":"User","message":"Function not found"}');
  const payload = JSON.parse(Buffer.concat(chunks).toString());
  calls.push({ fn, payload });
  const out = handlers[fn](payload, res);
  if (!res.headersSent) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
});

const callsTo = (fn, pred = () => true) => calls.filter((c) => c.fn === fn && pred(c.payload));
async function waitFor(fn, what, ms = 15000) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(10)) {
    const v = await fn();
    if (v) return v;
  }
  throw new Error(`timed out waiting for ${what}`);
}

// ---------- state machine definitions (with SAM-style placeholders) ----------

const waitTask = (fnPlaceholder, extra = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
  Parameters: {
    FunctionName: fnPlaceholder,
    Payload: { 'token.$': '$$.Task.Token', 'executionId.$': '$$.Execution.Id', 'jobId.$': '$.jobId' },
  },
  ...extra,
});
const definitions = {
  Reelay: JSON.parse(fs.readFileSync(path.join(REPO, 'statemachine/video-generation.asl.json'), 'utf8')),
  TwoTask: {
    StartAt: 'Prepare',
    States: {
      Prepare: { Type: 'Task', Resource: '${PrepareArn}', Next: 'Render' },
      Render: {
        Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: '${RenderArn}', 'Payload.$': '$' },
        ResultSelector: { 'rendered.$': '$.Payload.rendered', 'status.$': '$.StatusCode', 'version.$': '$.ExecutedVersion' },
        ResultPath: '$.render', End: true,
      },
    },
  },
  Retrying: {
    StartAt: 'CallProvider',
    States: {
      CallProvider: {
        Type: 'Task', Resource: '${FlakyArn}', ResultPath: '$.result',
        Retry: [{ ErrorEquals: ['States.Timeout'], MaxAttempts: 0 }, { ErrorEquals: [TRANSIENT], IntervalSeconds: 1, MaxAttempts: 3 }],
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
    },
  },
  Catching: {
    StartAt: 'CallProvider',
    States: {
      CallProvider: {
        Type: 'Task', Resource: '${BrokenArn}:live',
        Catch: [{ ErrorEquals: [TRANSIENT], Next: 'Unexpected' }, { ErrorEquals: [PERMANENT], ResultPath: '$.failure', Next: 'Failed' }],
        End: true,
      },
      Unexpected: { Type: 'Succeed' },
      Failed: { Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' },
    },
  },
  WaitAndChoose: {
    StartAt: 'Delay',
    States: {
      Delay: { Type: 'Wait', SecondsPath: '$.delay', Next: 'Route' },
      Route: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.kind', StringEquals: 'video', Next: 'Video' },
          { And: [{ Variable: '$.count', IsPresent: true }, { Variable: '$.count', NumericGreaterThan: 2 }], Next: 'Many' },
        ],
        Default: 'Other',
      },
      Video: { Type: 'Pass', Result: 'video', ResultPath: '$.route', End: true },
      Many: { Type: 'Pass', Result: 'many', ResultPath: '$.route', End: true },
      Other: { Type: 'Pass', Result: 'other', ResultPath: '$.route', End: true },
    },
  },
  Callback: {
    StartAt: 'Submit',
    States: {
      Submit: waitTask('${SubmitArn}', { ResultPath: '$.first', Next: 'SubmitAgain' }),
      SubmitAgain: waitTask('Submit', {
        ResultPath: '$.second', Next: 'Context',
        Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.failure', Next: 'Context' }],
      }),
      Context: {
        Type: 'Pass',
        Parameters: {
          'id.$': '$$.Execution.Id', 'name.$': '$$.Execution.Name', 'sm.$': '$$.StateMachine.Id',
          'smName.$': '$$.StateMachine.Name', 'input.$': '$$.Execution.Input', 'start.$': '$$.Execution.StartTime',
        },
        ResultPath: '$.context', End: true,
      },
    },
  },
  TimingOut: {
    StartAt: 'Submit',
    States: {
      Submit: waitTask('${SubmitArn}', {
        TimeoutSeconds: 1,
        Retry: [{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 3 }],
        Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'Wrong' }, { ErrorEquals: ['States.Timeout'], ResultPath: '$.timeout', Next: 'TimedOut' }],
        Next: 'Wrong',
      }),
      Wrong: { Type: 'Fail', Error: 'Wrong' },
      TimedOut: { Type: 'Pass', End: true },
    },
  },
  ParallelCallbacks: {
    StartAt: 'Both',
    States: {
      Both: {
        Type: 'Parallel', End: true,
        Branches: ['A', 'B'].map((b) => ({ StartAt: `Submit${b}`, States: { [`Submit${b}`]: waitTask('${SubmitArn}', { End: true }) } })),
      },
    },
  },
  DeadLetter: {
    StartAt: 'Send',
    States: {
      Send: {
        Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage',
        Parameters: {
          QueueUrl: '${DeadLettersUrl}',
          MessageBody: { 'taskId.$': '$.taskId', 'attempts.$': '$.attempts', 'last_error.$': '$.error' },
          MessageAttributes: { Origin: { DataType: 'String', StringValue: 'webhook' } },
        },
        ResultPath: '$.sent', Next: 'SendText',
      },
      SendText: {
        Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage',
        Parameters: { QueueUrl: '${DeadLettersUrl}/', 'MessageBody.$': '$.taskId' },
        ResultPath: '$.sentText', End: true,
      },
    },
  },
  BadQueue: {
    StartAt: 'Send',
    States: {
      Send: {
        Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', Parameters: { QueueUrl: 'https://sqs.example.com/', MessageBody: 'm' },
        Catch: [{ ErrorEquals: ['SQS.InvalidAddressException'], ResultPath: '$.error', Next: 'Caught' }], End: true,
      },
      Caught: { Type: 'Pass', End: true },
    },
  },
  Misc: {
    StartAt: 'Route',
    States: {
      Route: { Type: 'Choice', Choices: [{ Variable: '$.case', StringEquals: 'throttled', Next: 'Throttled' }], Default: 'Unsupported' },
      Throttled: { Type: 'Task', Resource: '${ThrottledArn}', End: true },
      Unsupported: {
        Type: 'Task', Resource: 'arn:aws:states:::sns:publish', Parameters: { TopicArn: 't', Message: 'm' },
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'CaughtRuntime' }], End: true,
      },
      CaughtRuntime: { Type: 'Succeed' },
    },
  },
};

// ---------- glue process + protocol client ----------

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sfn-glue-test-'));
const queuesDir = path.join(tmp, 'queues');
const DEAD_LETTERS_URL = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/WebhookDeadLetterQueue`;

function writeConfig(name, machines, lambdaEndpoint) {
  const stateMachines = Object.entries(machines).map(([smName, def]) => {
    const definitionFile = path.join(tmp, `${smName}.asl.json`);
    fs.writeFileSync(definitionFile, JSON.stringify(def, null, 2));
    const substitutions = { ...Object.fromEntries(Object.keys(handlers).map((fn) => [`${fn}Arn`, fnArn(fn)])), DeadLettersUrl: DEAD_LETTERS_URL, WebhookDeadLetterQueueUrl: DEAD_LETTERS_URL };
    return { name: smName, arn: smArn(smName), definitionFile, substitutions };
  });
  const file = path.join(tmp, name);
  fs.writeFileSync(file, JSON.stringify({ port: 0, host: '127.0.0.1', region: REGION, accountId: ACCOUNT, lambdaEndpoint, queuesDir, stateMachines }));
  return file;
}

function startGlue(configFile) {
  const child = spawn(process.execPath, [SERVER, '--config', configFile], { stdio: ['pipe', 'pipe', 'pipe'] });
  const io = { child, stdout: '', stderr: '' };
  child.stdout.on('data', (d) => { io.stdout += d; });
  child.stderr.on('data', (d) => { io.stderr += d; });
  io.exited = once(child, 'exit');
  io.ready = new Promise((resolve, reject) => {
    child.stdout.on('data', () => { if (io.stdout.includes('\n')) resolve(JSON.parse(io.stdout.split('\n')[0])); });
    child.on('exit', (code) => reject(new Error(`glue exited with ${code}: ${io.stderr}`)));
  });
  io.ready.catch(() => {}); // start-up failures are asserted through io.exited
  return io;
}

function client(port) {
  return async function sfn(action, body) {
    const res = await fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AWSStepFunctions.${action}` },
      body: JSON.stringify(body),
    });
    const json = await res.json();
    if (res.status !== 200) throw Object.assign(new Error(`${json.__type}: ${json.message}`), { type: json.__type, status: res.status });
    return json;
  };
}

const rejectsWith = (promise, type) => assert.rejects(promise, (e) => { assert.equal(e.type, type); assert.equal(e.status, 400); return true; });

// ---------- tests ----------

describe('sfn-glue over the Step Functions JSON protocol', { concurrency: true }, () => {
  let glue;
  let sfn;
  const start = (sm, input, name) => sfn('StartExecution', { stateMachineArn: smArn(sm), input: JSON.stringify(input), ...(name && { name }) });
  async function finished(executionArn) {
    const d = await waitFor(async () => {
      const x = await sfn('DescribeExecution', { executionArn });
      return x.status !== 'RUNNING' && x;
    }, `execution ${executionArn} to finish`);
    return d;
  }

  before(async () => {
    fakeLambda.listen(0, '127.0.0.1');
    await once(fakeLambda, 'listening');
    glue = startGlue(writeConfig('config.json', definitions, `http://127.0.0.1:${fakeLambda.address().port}`));
    const ready = await glue.ready;
    assert.equal(ready.ready, true);
    sfn = client(ready.port);
  });

  after(async () => {
    glue.child.stdin.end(); // the parent "dies": the glue must exit on stdin EOF
    const [code] = await glue.exited;
    assert.equal(code, 0);
    assert.equal(glue.stdout.trim().split('\n').length, 1, 'only the ready line on stdout');
    assert.match(glue.stderr, /stdin closed/);
    assert.doesNotMatch(glue.stderr, /[A-Za-z0-9_-]{86}/, 'no task tokens in logs');
    fakeLambda.close();
  });

  test('two Lambda tasks (direct ARN + lambda:invoke) succeed with output', async () => {
    const { executionArn, startDate } = await start('TwoTask', { id: 7 }, 'two-task-1');
    assert.equal(executionArn, `arn:aws:states:${REGION}:${ACCOUNT}:execution:TwoTask:two-task-1`);
    assert.equal(typeof startDate, 'number');
    const d = await finished(executionArn);
    assert.equal(d.status, 'SUCCEEDED');
    assert.equal(d.stateMachineArn, smArn('TwoTask'));
    assert.equal(d.name, 'two-task-1');
    assert.equal(d.input, '{"id":7}');
    assert.ok(d.stopDate >= d.startDate);
    assert.deepEqual(JSON.parse(d.output), { id: 7, prepared: true, render: { rendered: 'video-7', status: 200, version: '$LATEST' } });
    assert.deepEqual(callsTo('Render', (p) => p.id === 7)[0].payload, { id: 7, prepared: true });
  });

  test('GetExecutionHistory lists each state entered and exited as AWS names the events, in order', async () => {
    const { executionArn } = await start('TwoTask', { id: 8 }, 'two-task-history');
    await finished(executionArn);
    const { events } = await sfn('GetExecutionHistory', { executionArn });
    const types = events.map((e) => e.type);
    assert.equal(types[0], 'ExecutionStarted');
    assert.equal(types.at(-1), 'ExecutionSucceeded');
    const entered = events.filter((e) => e.type.endsWith('StateEntered'));
    assert.deepEqual(entered.map((e) => e.type), ['TaskStateEntered', 'TaskStateEntered']);
    assert.equal(entered.length, events.filter((e) => e.type.endsWith('StateExited')).length);
    assert.deepEqual(events.map((e) => e.id), events.map((_, i) => i + 1));
    assert.ok(events.every((e, i) => i === 0 || e.timestamp >= events[i - 1].timestamp));
    const reversed = (await sfn('GetExecutionHistory', { executionArn, reverseOrder: true })).events;
    assert.equal(reversed[0].type, 'ExecutionSucceeded');
  });

  test('Retry on a fully-qualified Java exception name, then success', async () => {
    const { executionArn } = await start('Retrying', { id: 'retry-1' });
    const d = await finished(executionArn);
    assert.equal(d.status, 'SUCCEEDED');
    assert.deepEqual(JSON.parse(d.output).result, { attempts: 2 });
  });

  test('Catch puts {Error, Cause} at ResultPath; a Fail state fails the execution', async () => {
    const { executionArn } = await start('Catching', { id: 'catch-1' });
    const d = await finished(executionArn);
    assert.equal(d.status, 'FAILED');
    assert.equal(d.error, PERMANENT);
    const cause = JSON.parse(d.cause);
    assert.equal(cause.errorType, PERMANENT);
    assert.equal(cause.errorMessage, 'provider rejected the prompt');
    assert.ok(Array.isArray(cause.stackTrace));
    assert.equal(d.output, undefined);
  });

  test('Wait with SecondsPath, then Choice', async () => {
    const t0 = Date.now();
    const runs = await Promise.all([{ delay: 1, kind: 'video' }, { delay: 0, kind: 'clip', count: 5 }, { delay: 0, kind: 'x' }].map((i) => start('WaitAndChoose', i)));
    const [video, many, other] = await Promise.all(runs.map((r) => finished(r.executionArn)));
    assert.ok(Date.now() - t0 >= 1000, 'waited about a second');
    assert.equal(JSON.parse(video.output).route, 'video');
    assert.equal(JSON.parse(many.output).route, 'many');
    assert.equal(JSON.parse(other.output).route, 'other');
  });

  test('waitForTaskToken resumed by SendTaskSuccess; tokens single-use and distinct; context object filled', async () => {
    const input = { jobId: 'cb-1' };
    const { executionArn } = await start('Callback', input, 'callback-1');
    const first = await waitFor(() => callsTo('Submit', (p) => p.jobId === 'cb-1')[0], 'first Submit call');
    assert.equal(first.payload.executionId, executionArn);
    assert.match(first.payload.token, /^[A-Za-z0-9_-]{86,}$/);
    await sleep(50); // no 60 s engine default and no instant timeout: still waiting
    assert.equal((await sfn('DescribeExecution', { executionArn })).status, 'RUNNING');
    await sfn('SendTaskHeartbeat', { taskToken: first.payload.token });
    await rejectsWith(sfn('SendTaskSuccess', { taskToken: first.payload.token, output: '{not json' }), 'InvalidOutput');
    assert.deepEqual(await sfn('SendTaskSuccess', { taskToken: first.payload.token, output: '{"videoId":"v1"}' }), {});
    await rejectsWith(sfn('SendTaskSuccess', { taskToken: first.payload.token, output: '{}' }), 'TaskDoesNotExist');

    const second = await waitFor(() => callsTo('Submit', (p) => p.jobId === 'cb-1')[1], 'second Submit call');
    assert.notEqual(second.payload.token, first.payload.token);
    await sfn('SendTaskSuccess', { taskToken: second.payload.token, output: '[1,2]' });
    const d = await finished(executionArn);
    assert.equal(d.status, 'SUCCEEDED');
    const out = JSON.parse(d.output);
    assert.deepEqual(out.first, { videoId: 'v1' });
    assert.deepEqual(out.second, [1, 2]);
    assert.equal(out.context.id, executionArn);
    assert.equal(out.context.name, 'callback-1');
    assert.equal(out.context.sm, smArn('Callback'));
    assert.equal(out.context.smName, 'Callback');
    assert.deepEqual(out.context.input, input);
    assert.ok(!Number.isNaN(Date.parse(out.context.start)));
    await rejectsWith(sfn('SendTaskHeartbeat', { taskToken: second.payload.token }), 'TaskDoesNotExist');
  });

  test('SendTaskFailure fails the task with the given error (caught by States.TaskFailed)', async () => {
    const { executionArn } = await start('Callback', { jobId: 'cb-fail' });
    const first = await waitFor(() => callsTo('Submit', (p) => p.jobId === 'cb-fail')[0], 'first Submit call');
    await sfn('SendTaskSuccess', { taskToken: first.payload.token, output: '{}' });
    const second = await waitFor(() => callsTo('Submit', (p) => p.jobId === 'cb-fail')[1], 'second Submit call');
    await sfn('SendTaskFailure', { taskToken: second.payload.token, error: 'dev.reelay.ProviderRejected', cause: 'nope' });
    const d = await finished(executionArn);
    assert.equal(d.status, 'SUCCEEDED');
    assert.deepEqual(JSON.parse(d.output).failure, { Error: 'dev.reelay.ProviderRejected', Cause: 'nope' });
  });

  test('parallel waitForTaskToken branches get distinct tokens', async () => {
    const { executionArn } = await start('ParallelCallbacks', { jobId: 'par-1' });
    const both = await waitFor(() => { const c = callsTo('Submit', (p) => p.jobId === 'par-1'); return c.length === 2 && c; }, 'two Submit calls');
    assert.notEqual(both[0].payload.token, both[1].payload.token);
    await sfn('SendTaskSuccess', { taskToken: both[1].payload.token, output: '"b"' });
    await sfn('SendTaskSuccess', { taskToken: both[0].payload.token, output: '"a"' });
    const d = await finished(executionArn);
    assert.equal(d.status, 'SUCCEEDED');
    assert.deepEqual(JSON.parse(d.output), ['a', 'b']);
  });

  test('TimeoutSeconds on waitForTaskToken ends in States.Timeout, caught; the token then answers TaskTimedOut', async () => {
    const { executionArn } = await start('TimingOut', { jobId: 'to-1' });
    const call = await waitFor(() => callsTo('Submit', (p) => p.jobId === 'to-1')[0], 'Submit call');
    const d = await finished(executionArn);
    assert.equal(d.status, 'SUCCEEDED');
    assert.equal(JSON.parse(d.output).timeout.Error, 'States.Timeout');
    assert.equal(callsTo('Submit', (p) => p.jobId === 'to-1').length, 1, 'States.TaskFailed does not match a timeout');
    await rejectsWith(sfn('SendTaskSuccess', { taskToken: call.payload.token, output: '{}' }), 'TaskTimedOut');
  });

  test('StopExecution aborts; ListExecutions filters by status', async () => {
    const { executionArn } = await start('Callback', { jobId: 'stop-1' });
    const call = await waitFor(() => callsTo('Submit', (p) => p.jobId === 'stop-1')[0], 'Submit call');
    const { stopDate } = await sfn('StopExecution', { executionArn, error: 'User.Cancelled', cause: 'changed my mind' });
    assert.equal(typeof stopDate, 'number');
    const d = await sfn('DescribeExecution', { executionArn });
    assert.equal(d.status, 'ABORTED');
    assert.equal(d.error, 'User.Cancelled');
    assert.equal(d.cause, 'changed my mind');
    assert.equal(d.stopDate, stopDate);
    await rejectsWith(sfn('SendTaskSuccess', { taskToken: call.payload.token, output: '{}' }), 'TaskDoesNotExist');
    const aborted = await sfn('ListExecutions', { stateMachineArn: smArn('Callback'), statusFilter: 'ABORTED' });
    assert.ok(aborted.executions.some((x) => x.executionArn === executionArn && x.status === 'ABORTED' && x.stopDate === stopDate));
    assert.ok(aborted.executions.every((x) => x.status === 'ABORTED'));
    const all = await sfn('ListExecutions', { stateMachineArn: smArn('Callback') });
    assert.ok(all.executions.length >= 2);
    await sleep(50);
    assert.equal(callsTo('Submit', (p) => p.jobId === 'stop-1').length, 1, 'nothing runs after the stop');
  });

  test('Lambda 429 and unsupported resources', async () => {
    const throttled = await finished((await start('Misc', { case: 'throttled' })).executionArn);
    assert.equal(throttled.status, 'FAILED');
    assert.equal(throttled.error, 'Lambda.TooManyRequestsException');
    assert.match(throttled.cause, /HTTP 429/);
    const unsupported = await finished((await start('Misc', { case: 'sns' })).executionArn);
    assert.equal(unsupported.status, 'FAILED', 'States.Runtime is not caught by States.ALL');
    assert.equal(unsupported.error, 'States.Runtime');
    assert.match(unsupported.cause, /sns:publish/);
  });

  test('sqs:sendMessage appends one JSON line per message to <queuesDir>/<queue name>.jsonl and answers like SQS', async () => {
    const { executionArn } = await start('DeadLetter', { taskId: 'task-dl-1', attempts: 4, error: { Error: 'WebhookGaveUp', Cause: 'HTTP 500' } });
    const d = await finished(executionArn);
    assert.equal(d.status, 'SUCCEEDED');
    const output = JSON.parse(d.output);
    const file = path.join(queuesDir, 'WebhookDeadLetterQueue.jsonl');
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line))
      .filter((m) => m.body === 'task-dl-1' || m.body?.taskId === 'task-dl-1');
    assert.equal(lines.length, 2);
    const [structured, text] = lines;
    assert.deepEqual(structured.body, { taskId: 'task-dl-1', attempts: 4, last_error: { Error: 'WebhookGaveUp', Cause: 'HTTP 500' } });
    assert.deepEqual(structured.attributes, { Origin: 'webhook' });
    assert.equal(structured.queue, 'WebhookDeadLetterQueue');
    assert.ok(!Number.isNaN(Date.parse(structured.sentAt)));
    assert.equal(output.sent.MessageId, structured.messageId);
    assert.match(output.sent.MD5OfMessageBody, /^[0-9a-f]{32}$/);
    assert.equal(output.sent.MD5OfMessageBody, structured.md5OfBody);
    assert.equal(text.body, 'task-dl-1', 'a plain-text body stays text; a trailing slash on the URL is ignored');
    assert.equal(output.sentText.MD5OfMessageBody, createHash('md5').update('task-dl-1').digest('hex'));
    const bad = await finished((await start('BadQueue', {})).executionArn);
    assert.equal(bad.status, 'SUCCEEDED');
    assert.equal(JSON.parse(bad.output).error.Error, 'SQS.InvalidAddressException');
  });

  test('the real definition delivers every webhook, of a completed, failed or cancelled task, through its one loop, puts every webhook that never got through on the dead-letter queue, then ends as the task ended', async () => {
    const ends = { done: ['SUCCEEDED', 'VideoReady'], fail: ['FAILED', 'GenerationFailed'], cancel: ['SUCCEEDED', 'TaskCancelled'] };
    const cases = {
      'done-gave-up': { letter: { task_status: 'completed', attempts: 4, last_error: { Error: 'WebhookGaveUp', Cause: 'attempt 4: 500' } } },
      'fail-gave-up': { letter: { task_status: 'failed', attempts: 4 } },
      'cancel-gave-up': { letter: { task_status: 'cancelled', callback_url: 'https://hooks.example.com/x' } },
      'done-step-fails': { letter: { last_error: { Error: PERMANENT } } },
      'fail-step-fails': { letter: { last_error: { Error: PERMANENT } } },
      'cancel-step-fails': { letter: { last_error: { Error: PERMANENT } } },
      'done-delivered': { attempts: 1 },
      'fail-delivered': { attempts: 1 },
      'cancel-delivered': { attempts: 1 },
      'done-retried': { attempts: 2 },
      'fail-retried': { attempts: 2 },
      'cancel-retried': { attempts: 2 },
    };
    const loop = new Set(['DeliverWebhook', 'IsWebhookDone', 'WaitBeforeWebhookRetry', 'WebhookStepFailed', 'DeadLetterWebhook']);
    const states = Object.keys(definitions.Reelay.States);
    assert.deepEqual(states.filter((s) => /Webhook/.test(s) && s !== 'IsWebhookOnly'), [...loop], 'one webhook loop, and no other');
    assert.deepEqual(Object.entries(definitions.Reelay.States).filter(([, s]) => s.Resource === '${DeliverWebhookFunctionArn}').map(([n]) => n),
      ['DeliverWebhook'], 'one state delivers webhooks');
    const runs = await Promise.all(Object.entries(cases).map(async ([taskId, c]) => {
      const cancel = taskId.startsWith('cancel');
      const { executionArn } = await start('Reelay', cancel ? { taskId, deliverWebhookOnly: true } : { taskId }, taskId);
      const d = await finished(executionArn);
      const { events } = await sfn('GetExecutionHistory', { executionArn });
      return [taskId, c, d, events.filter((e) => e.type.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails.name)];
    }));
    const letters = fs.readFileSync(path.join(queuesDir, 'WebhookDeadLetterQueue.jsonl'), 'utf8').trim().split('\n')
      .map((line) => JSON.parse(line).body);
    for (const [taskId, c, d, entered] of runs) {
      const [status, end] = ends[taskId.split('-')[0]];
      assert.equal(d.status, status, taskId);
      if (status === 'FAILED') {
        assert.equal(d.error, 'GenerationFailed', taskId);
        assert.equal(d.cause, 'The task ended failed; its reason is recorded on the task.', taskId);
      }
      // Into the loop from SettleBilling, RecordFailure or MarkCancelled; out of it through TaskOutcome to the task's end.
      const into = entered.indexOf('DeliverWebhook');
      assert.equal(entered[into - 1], { done: 'SettleBilling', fail: 'RecordFailure', cancel: 'MarkCancelled' }[taskId.split('-')[0]], taskId);
      assert.deepEqual(entered.slice(-2), ['TaskOutcome', end], taskId);
      assert.ok(entered.slice(into, -2).every((s) => loop.has(s)), `${taskId}: ${entered.slice(into, -2)}`);
      const mine = letters.filter((body) => body.taskId === taskId);
      if (!c.letter) {
        assert.equal(mine.length, 0, `${taskId}: no dead letter`);
        assert.equal(entered.filter((s) => s === 'DeliverWebhook').length, c.attempts, taskId);
        assert.equal(JSON.parse(d.output ?? '{}').webhookStatus ?? 'delivered', 'delivered', taskId);
        continue;
      }
      assert.equal(mine.length, 1, `${taskId}: one dead letter`);
      assert.equal(entered.at(-3), 'DeadLetterWebhook', taskId);
      const [letter] = mine;
      for (const [key, value] of Object.entries(c.letter)) {
        if (key === 'last_error') {
          assert.equal(letter.last_error.Error, value.Error, taskId);
          if (value.Cause) assert.equal(letter.last_error.Cause, value.Cause, taskId);
          else assert.match(letter.last_error.Cause, /task_not_found/, taskId);
        } else {
          assert.deepEqual(letter[key], value, `${taskId}: ${key}`);
        }
      }
      if (taskId.includes('step-fails')) assert.deepEqual(Object.keys(letter).sort(), ['last_error', 'taskId'], taskId);
    }
  });

  test('StartExecution idempotency and protocol errors', async () => {
    const a = await start('Callback', { jobId: 'idem' }, 'idem-1');
    const b = await start('Callback', { jobId: 'idem' }, 'idem-1');
    assert.deepEqual(b, a);
    await rejectsWith(start('Callback', { jobId: 'other' }, 'idem-1'), 'ExecutionAlreadyExists');
    await sfn('StopExecution', { executionArn: a.executionArn });
    await rejectsWith(start('Callback', { jobId: 'idem' }, 'idem-1'), 'ExecutionAlreadyExists');
    const generated = await sfn('StartExecution', { stateMachineArn: smArn('WaitAndChoose'), input: '{"delay":0}' });
    assert.match(generated.executionArn, /:execution:WaitAndChoose:[0-9a-f-]{36}$/);
    await rejectsWith(start('Nope', {}), 'StateMachineDoesNotExist');
    await rejectsWith(start('TwoTask', {}, 'has space'), 'InvalidName');
    await rejectsWith(sfn('StartExecution', { stateMachineArn: smArn('TwoTask'), input: '{oops' }), 'InvalidExecutionInput');
    await rejectsWith(sfn('DescribeExecution', { executionArn: 'arn:aws:states:us-east-1:000000000000:execution:TwoTask:nope' }), 'ExecutionDoesNotExist');
    await rejectsWith(sfn('StopExecution', { executionArn: 'nope' }), 'ExecutionDoesNotExist');
    await rejectsWith(sfn('ListExecutions', { stateMachineArn: smArn('Nope') }), 'StateMachineDoesNotExist');
    await rejectsWith(sfn('SendTaskSuccess', { taskToken: 'bogus', output: '{}' }), 'TaskDoesNotExist');
    await rejectsWith(sfn('SendTaskFailure', { taskToken: 'bogus' }), 'TaskDoesNotExist');
    await rejectsWith(sfn('CreateStateMachine', {}), 'UnknownOperationException');
  });
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('start-up and shutdown', { concurrency: true }, () => {
  test('an unknown placeholder fails start-up, naming it', async () => {
    const file = writeConfig('bad.json', { Bad: { StartAt: 'A', States: { A: { Type: 'Task', Resource: '${NoSuchFunctionArn}', End: true } } } }, 'http://127.0.0.1:1');
    const glue = startGlue(file);
    const [code] = await glue.exited;
    assert.equal(code, 1);
    assert.match(glue.stderr, /\$\{NoSuchFunctionArn\}/);
    assert.equal(glue.stdout, '');
  });

  test('SIGTERM exits cleanly', async () => {
    const glue = startGlue(writeConfig('term.json', { T: definitions.TwoTask }, 'http://127.0.0.1:1'));
    const { port } = await glue.ready;
    assert.ok(port > 0);
    glue.child.kill('SIGTERM');
    const [code] = await glue.exited;
    assert.equal(code, 0);
  });
});
