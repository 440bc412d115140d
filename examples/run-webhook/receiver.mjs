/**
 * A receiver written for LangGraph Platform's run webhooks: it reads `run_id`, `thread_id`,
 * `status`, `values` and `error` — nothing runwire-specific — behind runwire's
 * `webhookMiddleware`, which verifies the Standard Webhooks signature on the raw bytes and
 * dedupes retries by `webhook-id` first. Plain node:http; the middleware has the Express
 * signature `(req, res, next)` too, so `app.post('/langgraph/runs', middleware)` works the same.
 */
import { createServer } from 'node:http';
import { webhookMiddleware } from 'runwire';

/** What a LangGraph Platform receiver does with a finished run. */
export function onRunFinished(run, log) {
  if (run.status === 'success') {
    const waiting = run.interrupts ? ` — waiting for input: ${JSON.stringify(run.interrupts[0].value)}` : '';
    log(`run ${run.run_id.slice(0, 8)}… on thread ${run.thread_id}: success, values ${JSON.stringify(run.values)}${waiting}`);
  } else {
    log(`run ${run.run_id.slice(0, 8)}… on thread ${run.thread_id}: ${run.status} (${run.error.error}: ${run.error.message})`);
  }
}

/** Starts the receiver on a free loopback port. */
export async function startReceiver({ secret, token, log = console.log }) {
  const verify = webhookMiddleware({
    secrets: secret,
    onWebhook: (run, meta) => onRunFinished(run, (line) => log(`receiver: ${line} [${meta.id.split(':')[1]}]`)),
  });
  const server = createServer((req, res) => {
    // The static header from langgraph.json's webhooks.headers (a ${{ env.LG_WEBHOOK_TOKEN }} template).
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(403).end();
      return;
    }
    verify(req, res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/langgraph/runs`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}
