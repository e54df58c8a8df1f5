/**
 * The fallback load generator, for machines without wrk: autocannon, run in its own process so it
 * can be pinned to the load-generator core like wrk. Reads a LoadSpec and options as JSON from
 * argv[2], prints one LoadResult as JSON on stdout.
 *
 * Usage: node tools/bench/lib/autocannon-worker.mjs '{"spec":{...},"seconds":10,"connections":32}'
 */
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import process from 'node:process';

const { spec, seconds, connections } = JSON.parse(process.argv[2] ?? '{}');
const prefix = `b${Date.now().toString(36)}`;
let created = 0;

/**
 * `once`: the next line of the file for every request, as its body or as the header
 * `onceHeader`; past the last line, the last one again (refused as a replay), counted, so the run
 * fails. Every connection draws from the one counter, so no line goes out twice; a few are drawn
 * by connections setting up and never sent.
 */
let sent = 0;
let exhausted = 0;
const lines =
  spec.kind === 'once' ? readFileSync(spec.lines, 'utf8').split('\n').filter(Boolean) : [];
/** @returns {string} */
const nextLine = () => {
  const line = lines[sent++];
  if (line === undefined) exhausted++;
  return line ?? lines.at(-1);
};

/** @type {object[]} */
const requests =
  spec.kind === 'once'
    ? [
        {
          method: spec.method,
          path: spec.path,
          headers: spec.headers,
          body: spec.body,
          setupRequest: (request) =>
            spec.onceHeader === undefined
              ? { ...request, body: nextLine() }
              : { ...request, headers: { ...request.headers, [spec.onceHeader]: nextLine() } },
        },
      ]
    : spec.kind === 'create-delete'
      ? [
          {
            method: 'POST',
            path: spec.path,
            headers: { ...spec.headers, 'content-type': 'application/json' },
            setupRequest: (request) => ({
              ...request,
              body: JSON.stringify({ name: `bench ${prefix} ${++created}` }),
            }),
            onResponse: (status, body, context) => {
              context.id = status === 200 ? JSON.parse(body).id : undefined;
            },
          },
          {
            method: 'DELETE',
            headers: spec.headers,
            // No id (the create failed): start over with a create.
            setupRequest: (request, context) =>
              context.id && { ...request, path: `${spec.path}/${context.id}` },
          },
        ]
      : [{ method: spec.method, path: spec.path, headers: spec.headers, body: spec.body }];

const result = await autocannon({
  url: spec.url,
  connections,
  duration: seconds,
  timeout: 10,
  requests,
});

let expected = 0;
let unexpected = 0;
let lastUnexpectedStatus = null;
for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {})) {
  if (spec.expect.includes(Number(status))) expected += Number(count);
  else {
    unexpected += Number(count);
    lastUnexpectedStatus = Number(status);
  }
}
process.stdout.write(
  JSON.stringify({
    requestsPerSecond: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    expected,
    unexpected,
    lastUnexpectedStatus,
    socketErrors: result.errors + result.timeouts,
    exhausted,
  }) + '\n',
);
