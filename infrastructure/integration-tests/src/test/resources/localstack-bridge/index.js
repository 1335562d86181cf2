'use strict';
// Reelay's LocalStack bridge: a LocalStack Lambda function that stands for one of Reelay's Java
// functions. LocalStack's Step Functions invokes it like any function; it forwards the event to the
// local Lambda Invoke endpoint in the test JVM (REELAY_LAMBDA_BRIDGE, reached through Testcontainers'
// host port forwarding), where the real handler runs, and answers as that handler did: its output,
// or its error with the Java errorType (so the state machine's Retry and Catch match the exception's
// class name, as they do in AWS). Node 18+ has fetch; nothing else is needed.
const BRIDGE = process.env.REELAY_LAMBDA_BRIDGE;
const TARGET = process.env.REELAY_TARGET_FUNCTION;

function failure(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}

exports.handler = async (event) => {
  const url = `${BRIDGE}/2015-03-31/functions/${encodeURIComponent(TARGET)}/invocations`;
  let response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event === undefined ? null : event),
    });
  } catch (e) {
    throw failure('ReelayBridgeUnreachable', `${url} did not answer from the Lambda container: ${e.cause?.message ?? e.message}`);
  }
  const text = await response.text();
  if (response.headers.get('x-amz-function-error')) {
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = {};
    }
    throw failure(body.errorType ?? 'Unhandled', body.errorMessage ?? text);
  }
  if (response.status !== 200) {
    throw failure(response.headers.get('x-amzn-errortype') ?? 'ReelayBridgeError', `${url} answered ${response.status}: ${text}`);
  }
  return text.length === 0 ? null : JSON.parse(text);
};
