/**
 * Terminal output: colour only on a TTY (and never with NO_COLOR), a progress bar on stderr that
 * redraws in place on a TTY and prints a line per 10 % otherwise (logs, CI), and short previews.
 */

export function createUi({ stdout = process.stdout, stderr = process.stderr, env = process.env } = {}) {
  const color = Boolean(stdout.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
  const paint = (code) => (text) => (color ? `\x1b[${code}m${text}\x1b[0m` : String(text));
  return {
    out: (line = '') => stdout.write(`${line}\n`),
    err: (line = '') => stderr.write(`${line}\n`),
    green: paint('32'),
    red: paint('31'),
    yellow: paint('33'),
    dim: paint('2'),
    bold: paint('1'),
    progress: (label, total) => progressBar(stderr, label, total),
  };
}

function progressBar(stream, label, total) {
  const tty = Boolean(stream.isTTY);
  let done = 0;
  let lastDecile = -1;
  const render = (final) => {
    const ratio = total === 0 ? 1 : done / total;
    if (tty) {
      const width = 30;
      const filled = Math.round(ratio * width);
      stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${final ? '\n' : ''}`);
    } else {
      const decile = Math.floor(ratio * 10);
      if (decile !== lastDecile || final) {
        lastDecile = decile;
        stream.write(`${label} ${done}/${total} (${Math.round(ratio * 100)}%)\n`);
      }
    }
  };
  render(false);
  return {
    tick(n = 1) {
      done += n;
      render(false);
    },
    finish() {
      done = Math.min(done, total);
      render(true);
    },
  };
}

/** A one-line JSON preview, cut at `max` characters. */
export function preview(value, max = 120) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined) return '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `2026-12-04 18:37:02` (UTC) of a unix-ms instant. */
export function timeOf(ms) {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}
