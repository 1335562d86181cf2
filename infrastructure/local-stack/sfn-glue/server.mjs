// Reelay sfn-glue: runs ASL state machines locally with aws-local-stepfunctions and serves them
// over the AWS Step Functions JSON protocol, so an unmodified SfnClient can talk to it.
// Usage: node server.mjs --config /abs/path/config.json   (see README.md)
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import https from 'node:https';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';

// stdout carries exactly one line (the ready line); everything else goes to stderr.
console.log = console.info = console.debug = console.error;

// The engine declares Node >= 22; on Node 20 this is the only missing API. It must exist before the
// engine module is evaluated, hence the dynamic import below (static imports are hoisted).
Promise.withResolvers ??= function withResolvers() {
  let resolve, reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
};
const { StateMachine, ExecutionAbortedError, ExecutionTimeoutError } = await import('aws-local-stepfunctions');

// Engine timers are plain setTimeout: above 2^31-1 ms Node fires them after 1 ms, so AWS's
// "no limit" (99999999 s) would time a task out at once. This (~24.8 days) is the largest safe value.
const MAX_TIMER_SECONDS = 2147483;
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const LAMBDA_WAIT = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const SQS_SEND = 'arn:aws:states:::sqs:sendMessage';

const log = (msg) => process.stderr.write(`[sfn-glue] ${new Date().toISOString()} ${msg}\n`);
// Causes may echo a Lambda's input, which can hold a task token: never log long opaque strings.
const redact = (s) => String(s).replace(/[A-Za-z0-9_-]{64,}/g, '<redacted>').slice(0, 500);

class AwsError extends Error {
  constructor(type, message) { super(message); this.type = type; }
}

// An error thrown from a task handler: the engine uses `name` as the ASL Error and `message` as the Cause.
function taskError(name, cause, catchable = true) {
  return Object.assign(new Error(cause), { name, isRetryable: catchable, isCatchable: catchable });
}

// ---------- configuration and definitions ----------

function loadConfig(configPath) {
  const cfg = JSON.parse(fs.readFileSync(configPath, 'utf8'));
  const c = { port: 0, host: '127.0.0.1', region: 'us-east-1', accountId: '000000000000', ...cfg };
  if (c.queuesDir) c.queuesDir = path.resolve(path.dirname(configPath), c.queuesDir);
  const machines = new Map();
  for (const sm of c.stateMachines ?? []) {
    if (!sm.name || !sm.definitionFile) throw new Error('every stateMachines entry needs "name" and "definitionFile"');
    const arn = sm.arn ?? `arn:aws:states:${c.region}:${c.accountId}:stateMachine:${sm.name}`;
    const file = path.resolve(path.dirname(configPath), sm.definitionFile);
    const { definition, tasks } = loadDefinition(file, sm.substitutions ?? {});
    machines.set(arn, { arn, name: sm.name, tasks, engine: new StateMachine(definition) });
  }
  return { ...c, machines };
}

function loadDefinition(file, substitutions) {
  const missing = new Set();
  const text = fs.readFileSync(file, 'utf8').replace(/\$\{([^}]*)\}/g, (whole, name) => {
    if (Object.hasOwn(substitutions, name)) return String(substitutions[name]);
    missing.add('${' + name + '}');
    return whole;
  });
  if (missing.size) throw new Error(`${file}: no substitution for placeholder(s) ${[...missing].join(', ')}`);
  const definition = JSON.parse(text);
  const tasks = new Map();
  patchStates(definition, tasks, file);
  return { definition, tasks };
}

// AWS reads TimeoutSecondsPath from the state's raw input; the engine reads it from the effective input
// (after Parameters). When Parameters passes the whole input on under some key ("state.$": "$"), the
// path is rewritten through that key, so one definition behaves the same in both.
function throughParameters(path, parameters, file, name) {
  const search = (node, prefix) => {
    for (const [key, value] of Object.entries(node ?? {})) {
      if (key.endsWith('.$') && value === '$') return `${prefix}.${key.slice(0, -2)}`;
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        const found = search(value, `${prefix}.${key}`);
        if (found) return found;
      }
    }
    return null;
  };
  const carrier = search(parameters, '$');
  if (!carrier) throw new Error(`${file}: state ${name}: TimeoutSecondsPath needs Parameters to pass the whole input on ("key.$": "$")`);
  return carrier + path.slice(1);
}

// Walks the machine including Parallel branches and Map processors: patches timeouts, collects
// Task states by name (the engine looks up task handlers by state name only).
function patchStates(machine, tasks, file) {
  if (machine.QueryLanguage === 'JSONata') throw new Error(`${file}: JSONata is not supported`);
  if (machine.TimeoutSeconds > MAX_TIMER_SECONDS) machine.TimeoutSeconds = MAX_TIMER_SECONDS;
  for (const [name, state] of Object.entries(machine.States ?? {})) {
    if (state.QueryLanguage === 'JSONata') throw new Error(`${file}: state ${name}: JSONata is not supported`);
    if (state.Type === 'Task') {
      // The engine defaults a Task to 60 s; AWS has no default.
      if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) state.TimeoutSeconds = MAX_TIMER_SECONDS;
      state.TimeoutSeconds &&= Math.min(state.TimeoutSeconds, MAX_TIMER_SECONDS);
      if (state.TimeoutSecondsPath && state.Parameters) state.TimeoutSecondsPath = throughParameters(state.TimeoutSecondsPath, state.Parameters, file, name);
      if (tasks.has(name)) throw new Error(`${file}: duplicate Task state name ${name}`);
      tasks.set(name, state);
    }
    if (state.Type === 'Wait' && state.Seconds > MAX_TIMER_SECONDS) state.Seconds = MAX_TIMER_SECONDS;
    if (state.Type === 'Map' && (state.ItemReader || state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED')) {
      throw new Error(`${file}: state ${name}: distributed Map is not supported`);
    }
    for (const branch of state.Branches ?? []) patchStates(branch, tasks, file);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) patchStates(processor, tasks, file);
  }
}

// ---------- Lambda invocation ----------

let config;

// node:http rather than fetch: undici gives up after 300 s without response headers,
// while a Lambda may legitimately run for up to 15 minutes.
function post(url, body) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = (u.protocol === 'https:' ? https : http).request(u, { method: 'POST', headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

// "arn:aws:lambda:r:a:function:Name:alias", "Name:alias" or "Name" -> "Name"
function functionName(ref) {
  const s = String(ref);
  const i = s.indexOf(':function:');
  return (i >= 0 ? s.slice(i + ':function:'.length) : s).split(':')[0];
}

async function invokeLambda(ref, payload) {
  if (!ref) throw taskError('States.Runtime', 'Lambda task has no FunctionName', false);
  const fn = functionName(ref);
  if (!config.lambdaEndpoint) throw taskError('Lambda.ServiceException', `cannot invoke ${fn}: "lambdaEndpoint" is not configured`);
  const url = `${config.lambdaEndpoint.replace(/\/+$/, '')}/2015-03-31/functions/${encodeURIComponent(fn)}/invocations`;
  let res;
  try {
    res = await post(url, JSON.stringify(payload ?? null));
  } catch (e) {
    throw taskError('Lambda.ServiceException', `Invoking ${fn} at ${url} failed: ${e.message}`);
  }
  if (res.headers['x-amz-function-error']) {
    let body = null;
    try { body = JSON.parse(res.body); } catch { /* cause keeps the raw text */ }
    throw taskError(typeof body?.errorType === 'string' ? body.errorType : 'Lambda.Unknown', res.body.trim());
  }
  if (res.status !== 200) {
    const name = res.status === 429 ? 'Lambda.TooManyRequestsException' : 'Lambda.ServiceException';
    throw taskError(name, `Invoking ${fn} at ${url} returned HTTP ${res.status}: ${res.body.slice(0, 1000)}`);
  }
  if (!res.body.trim()) return null;
  try { return JSON.parse(res.body); } catch {
    throw taskError('Lambda.ServiceException', `${fn} returned a payload that is not JSON: ${res.body.slice(0, 200)}`);
  }
}

// ---------- SQS ----------

// The queue's name is the last segment of its URL (https://sqs.<region>.amazonaws.com/<account>/<name>), as in AWS.
function queueName(queueUrl) {
  const name = String(queueUrl ?? '').replace(/\/+$/, '').split('/').pop();
  if (!/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(name)) {
    throw taskError('SQS.InvalidAddressException', `QueueUrl '${queueUrl}' does not end in a queue name`);
  }
  return name;
}

// sqs:sendMessage appends the message as one JSON line to <queuesDir>/<queue name>.jsonl and answers as SQS does.
// A JSON MessageBody (an object, as ASL allows) is serialised, as Step Functions does; the line keeps it parsed.
function sendMessage(input) {
  if (!config.queuesDir) throw taskError('SQS.SdkClientException', 'cannot send to a queue: "queuesDir" is not configured');
  const name = queueName(input?.QueueUrl);
  if (input?.MessageBody === undefined || input.MessageBody === null) {
    throw taskError('SQS.MissingParameterException', 'The request must contain the parameter MessageBody.');
  }
  const body = typeof input.MessageBody === 'string' ? input.MessageBody : JSON.stringify(input.MessageBody);
  let parsed = body;
  try { parsed = JSON.parse(body); } catch { /* a plain-text body is kept as text */ }
  const attributes = Object.fromEntries(Object.entries(input.MessageAttributes ?? {})
    .map(([key, value]) => [key, value?.StringValue ?? value?.BinaryValue ?? value]));
  const message = {
    messageId: randomUUID(),
    queue: name,
    sentAt: new Date().toISOString(),
    md5OfBody: createHash('md5').update(body, 'utf8').digest('hex'),
    body: parsed,
    attributes,
  };
  fs.mkdirSync(config.queuesDir, { recursive: true });
  fs.appendFileSync(path.join(config.queuesDir, `${name}.jsonl`), `${JSON.stringify(message)}\n`);
  log(`message ${message.messageId} sent to queue ${name}`);
  return { MessageId: message.messageId, MD5OfMessageBody: message.md5OfBody };
}

// ---------- executions, tasks and tokens ----------

const executions = new Map(); // executionArn -> execution record
const tokens = new Map(); // task token -> { exec, status: 'pending' | 'timedOut', resolve, reject, timer }

const newToken = () => randomBytes(64).toString('base64url');

function dropToken(token) {
  const entry = tokens.get(token);
  if (!entry) return;
  clearTimeout(entry.timer);
  entry.exec.tokens.delete(token);
  if (entry.status === 'pending') tokens.delete(token);
}

function taskTimeoutSeconds(state, input) {
  if (state.TimeoutSeconds) return state.TimeoutSeconds;
  // TimeoutSecondsPath is evaluated (by the engine too) against the effective input; plain paths only.
  const v = (state.TimeoutSecondsPath.slice(1).match(/[^.[\]'"]+/g) ?? []).reduce((o, k) => o?.[k], input);
  return Number.isInteger(v) && v > 0 ? Math.min(v, MAX_TIMER_SECONDS) : MAX_TIMER_SECONDS;
}

async function runTask(exec, stateName, state, input) {
  const token = exec.claimToken();
  if (exec.status !== 'RUNNING') return new Promise(() => {}); // stopped: the engine is unwinding, do nothing
  try {
    const resource = state.Resource;
    if (/^arn:aws:lambda:[^:]*:[^:]*:function:/.test(resource)) return await invokeLambda(resource, input);
    if (resource === LAMBDA_INVOKE) {
      const output = await invokeLambda(input?.FunctionName, input?.Payload ?? {});
      return { ExecutedVersion: '$LATEST', Payload: output, StatusCode: 200 };
    }
    if (resource === LAMBDA_WAIT) return await waitForTaskToken(exec, state, token, input);
    if (resource === SQS_SEND) return sendMessage(input);
    throw taskError('States.Runtime', `Task state '${stateName}': resource '${resource}' is not supported by sfn-glue `
      + '(supported: Lambda function ARNs, arn:aws:states:::lambda:invoke, lambda:invoke.waitForTaskToken and sqs:sendMessage)', false);
  } catch (e) {
    log(`execution ${exec.name}: task ${stateName} failed with ${e.name}: ${redact(e.message)}`);
    throw e;
  }
}

async function waitForTaskToken(exec, state, token, input) {
  const { promise, resolve, reject } = Promise.withResolvers();
  const entry = { exec, status: 'pending', resolve, reject };
  tokens.set(token, entry);
  exec.tokens.add(token);
  // Armed before the first await, so it fires just before the engine's own task timer (which is what
  // fails the task with States.Timeout): from then on the token answers TaskTimedOut.
  entry.timer = setTimeout(() => { entry.status = 'timedOut'; exec.tokens.delete(token); }, taskTimeoutSeconds(state, input) * 1000);
  // Registered before invoking: the Lambda may call SendTaskSuccess before its invocation returns.
  invokeLambda(input?.FunctionName, input?.Payload ?? {}).catch((e) => { if (tokens.get(token)?.status === 'pending') reject(e); });
  try {
    return await promise;
  } finally {
    dropToken(token);
  }
}

function pendingToken(taskToken) {
  const entry = tokens.get(taskToken);
  if (!entry) throw new AwsError('TaskDoesNotExist', 'Task Does Not Exist');
  if (entry.status === 'timedOut') throw new AwsError('TaskTimedOut', 'Task Timed Out');
  return entry;
}

function finish(exec, status, fields) {
  if (exec.status !== 'RUNNING') return false;
  Object.assign(exec, { status, stopDate: Date.now() }, fields);
  for (const token of [...exec.tokens]) dropToken(token);
  log(`execution ${exec.name} ${status}${exec.error ? ` error=${exec.error}` : ''}`);
  return true;
}

function startExecution({ stateMachineArn, name, input }) {
  const machine = getMachine(stateMachineArn);
  name ??= randomUUID();
  if (!/^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]{1,80}$/u.test(name)) throw new AwsError('InvalidName', `Invalid Name: '${name}'`);
  input ??= '{}';
  let parsed;
  try { parsed = JSON.parse(input); } catch (e) {
    throw new AwsError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${e.message}'`);
  }
  const executionArn = `arn:aws:states:${config.region}:${config.accountId}:execution:${machine.name}:${name}`;
  const existing = executions.get(executionArn);
  if (existing) {
    // AWS Standard idempotency: same name and input while still running returns the running execution.
    if (existing.status === 'RUNNING' && existing.input === input) return { executionArn, startDate: existing.startDate / 1000 };
    throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
  }
  const exec = { executionArn, stateMachineArn: machine.arn, name, status: 'RUNNING', startDate: Date.now(), input, tokens: new Set(),
    history: [] };
  executions.set(executionArn, exec);

  // The engine resolves Parameters and then calls the task handler synchronously in the same tick, so a token
  // minted lazily on the first read of $$.Task.Token is exactly the one the next handler call claims.
  let minted = null;
  exec.claimToken = () => { const t = minted ?? newToken(); minted = null; return t; };
  const task = Object.defineProperty({}, 'Token', { enumerable: true, get: () => (minted ??= newToken()) });
  const context = {
    Execution: { Id: executionArn, Name: name, StartTime: new Date(exec.startDate).toISOString(), Input: parsed },
    StateMachine: { Id: machine.arn, Name: machine.name },
    Task: task,
  };
  const taskResourceLocalHandlers = Object.fromEntries(
    [...machine.tasks].map(([stateName, state]) => [stateName, (taskInput) => runTask(exec, stateName, state, taskInput)]));

  log(`execution ${name} of ${machine.name} started`);
  const run = machine.engine.run(parsed, { context, overrides: { taskResourceLocalHandlers } });
  exec.abort = run.abort;
  recordHistory(exec, run.eventLogs);
  run.result.then(
    (output) => finish(exec, 'SUCCEEDED', { output: JSON.stringify(output ?? null) }),
    (err) => {
      if (err instanceof ExecutionAbortedError) return; // StopExecution already recorded it
      if (err instanceof ExecutionTimeoutError) return finish(exec, 'TIMED_OUT', { error: 'States.Timeout', cause: 'The execution timed out' });
      const cause = err.cause ?? err; // ExecutionError wraps the ASL error
      finish(exec, 'FAILED', { error: cause.name, cause: typeof cause.message === 'string' ? cause.message : JSON.stringify(cause.message) });
    });
  return { executionArn, startDate: exec.startDate / 1000 };
}

// ---------- execution history ----------

// The engine's event log in GetExecutionHistory's shape: state events as AWS names them
// (TaskStateEntered, ChoiceStateExited, ...), without inputs or outputs. AWS bills Standard workflows per
// state transition, which is what counting the *StateEntered events gives (BENCHMARKS.md).
const STATE_EVENT_SUFFIX = { StateEntered: 'StateEntered', StateExited: 'StateExited' };
const EXECUTION_EVENTS = new Set(['ExecutionStarted', 'ExecutionSucceeded', 'ExecutionFailed', 'ExecutionTerminated']);

async function recordHistory(exec, eventLogs) {
  try {
    for await (const event of eventLogs) {
      const id = exec.history.length + 1;
      const timestamp = event.timestamp / 1000;
      if (STATE_EVENT_SUFFIX[event.type]) {
        const type = `${event.state.type}${STATE_EVENT_SUFFIX[event.type]}`;
        const details = event.type === 'StateEntered' ? { stateEnteredEventDetails: { name: event.state.name } }
          : { stateExitedEventDetails: { name: event.state.name } };
        exec.history.push({ id, previousEventId: id - 1, timestamp, type, ...details });
      } else if (EXECUTION_EVENTS.has(event.type)) {
        const type = event.type === 'ExecutionTerminated' ? 'ExecutionAborted' : event.type;
        exec.history.push({ id, previousEventId: id - 1, timestamp, type });
      }
    }
  } catch (e) {
    log(`execution ${exec.name}: its event log ended early: ${e.message}`);
  }
}

// ---------- protocol ----------

function getMachine(arn) {
  const machine = config.machines.get(arn);
  if (!machine) throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  return machine;
}

function getExecution(arn) {
  const exec = executions.get(arn);
  if (!exec) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
  return exec;
}

const summary = (x) => ({
  executionArn: x.executionArn, stateMachineArn: x.stateMachineArn, name: x.name, status: x.status,
  startDate: x.startDate / 1000, stopDate: x.stopDate && x.stopDate / 1000,
});

const actions = {
  StartExecution: startExecution,
  DescribeExecution({ executionArn }) {
    const x = getExecution(executionArn);
    return { ...summary(x), input: x.input, output: x.output, error: x.error, cause: x.cause };
  },
  GetExecutionHistory({ executionArn, reverseOrder }) {
    const x = getExecution(executionArn);
    const events = [...x.history];
    return { events: reverseOrder ? events.reverse() : events };
  },
  StopExecution({ executionArn, error, cause }) {
    const x = getExecution(executionArn);
    if (finish(x, 'ABORTED', { error, cause })) x.abort();
    return { stopDate: x.stopDate / 1000 };
  },
  ListExecutions({ stateMachineArn, statusFilter }) {
    const machine = getMachine(stateMachineArn);
    const list = [...executions.values()].filter((x) => x.stateMachineArn === machine.arn && (!statusFilter || x.status === statusFilter));
    return { executions: list.reverse().map(summary) };
  },
  SendTaskSuccess({ taskToken, output }) {
    const entry = pendingToken(taskToken);
    let value;
    try { value = JSON.parse(output); } catch (e) { throw new AwsError('InvalidOutput', `Invalid Output: '${e.message}'`); }
    dropToken(taskToken);
    entry.resolve(value);
    return {};
  },
  SendTaskFailure({ taskToken, error, cause }) {
    const entry = pendingToken(taskToken);
    dropToken(taskToken);
    entry.reject(taskError(error ?? 'States.TaskFailed', cause ?? ''));
    return {};
  },
  SendTaskHeartbeat({ taskToken }) {
    pendingToken(taskToken);
    return {};
  },
};

async function handle(req, res) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  let status = 200;
  let reply;
  try {
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : '';
    if (req.method !== 'POST' || !Object.hasOwn(actions, action)) {
      throw new AwsError('UnknownOperationException', `Unknown operation '${target}'`);
    }
    let body;
    try { body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'); } catch {
      throw new AwsError('SerializationException', 'Request body is not valid JSON');
    }
    reply = actions[action](body ?? {});
  } catch (e) {
    const known = e instanceof AwsError;
    if (!known) log(`internal error: ${e.stack}`);
    status = known ? 400 : 500;
    reply = { __type: known ? e.type : 'InternalFailure', message: e.message };
  }
  const data = JSON.stringify(reply);
  const headers = { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(data), 'x-amzn-requestid': randomUUID() };
  if (status !== 200) headers['x-amzn-errortype'] = reply.__type;
  res.writeHead(status, headers).end(data);
}

// ---------- start-up ----------

function shutdown(why) {
  log(`exiting: ${why}`);
  process.exit(0);
}

try {
  const { values } = parseArgs({ options: { config: { type: 'string' } } });
  if (!values.config) throw new Error('usage: node server.mjs --config /abs/path/config.json');
  config = loadConfig(path.resolve(values.config));
} catch (e) {
  log(`start-up failed: ${e.message}`);
  process.exit(1);
}

process.on('unhandledRejection', (e) => log(`unhandled rejection: ${e?.stack ?? e}`));
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
// Only a pipe/socket stdin is a lifeline to the parent; /dev/null or a terminal is not watched.
const stdin = fs.fstatSync(0);
if (stdin.isFIFO() || stdin.isSocket()) {
  process.stdin.on('end', () => shutdown('stdin closed')).on('error', () => shutdown('stdin error')).resume();
}

const server = http.createServer((req, res) => handle(req, res).catch((e) => { log(`request failed: ${e.stack}`); res.destroy(); }));
server.on('error', (e) => { log(`server error: ${e.message}`); process.exit(1); });
server.listen(config.port, config.host, () => {
  process.stdout.write(`${JSON.stringify({ ready: true, port: server.address().port })}\n`);
  log(`listening on ${config.host}:${server.address().port} with ${config.machines.size} state machine(s)`);
});
