/**
 * The names README snippets use without defining them — the reader's own values — typed as a
 * user's project would have them, so tests/types can compile every ```ts block of README.md as
 * it is shown. A global script (no top-level import/export): each declaration is visible to
 * every snippet, and a snippet's own `const` of the same name shadows it.
 */
declare const secret: string;
declare const previousSecret: string;
declare const secrets: string[];
declare const token: string;
/** A webhook body: the exact string that is signed and sent. */
declare const body: string;
declare const headers: Record<string, string>;
/** The raw request body bytes, as a receiver reads them. */
declare const rawBody: Uint8Array;
declare const request: Request;
declare const env: { WEBHOOK_SECRET: string };
declare function onWebhook(payload: unknown, meta: import('runwire').WebhookMeta): Promise<void>;
declare function save(id: string | null, payload: unknown): Promise<void>;
declare function search(query: string): Promise<string[]>;
declare const handler: import('runwire').CustomEventHandler;
declare const log: { warn(event: unknown): void };
declare function page(event: unknown): void;
/** Any LangChain runnable or compiled LangGraph graph. */
declare const agent: import('@langchain/core/runnables').Runnable<{ question: string }, unknown>;
declare const input: { question: string };
/** Where a UI receives streamed chunks (an SSE or WebSocket writer). */
declare const ui: { send(chunk: unknown): void };

// Names of the delivery, run-webhook and queue-sink sections.
declare const url: string;
declare const runId: string;
declare const rootRunId: string;
declare const data: unknown;
declare const thread_id: string;
declare const username: string;
declare const password: string;
declare const app: { post(path: string, handler: unknown): void };
declare const graph: import('@langchain/core/runnables').Runnable<{ question: string }, unknown>;
declare const anyRunnable: import('@langchain/core/runnables').Runnable<{ question: string }, unknown>;
declare function fn(input: { question: string }): Promise<string>;
