// The frame every status-page document shares (head, inline stylesheet, optional meta
// refresh) and the time formats its parts use.
import { isoTime } from "../iso-time";
import { html, SafeHtml } from "./html";
import { STYLES } from "./styles";

export const iso = (ms: number | null) =>
  ms === null ? "never" : isoTime(ms).replace("T", " ").slice(0, 19) + " UTC";

export function ago(ms: number | null, now: number): string {
  if (ms === null) return "";
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 90) return `${s}s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 48 * 3600) return `${(s / 3600).toFixed(1)} h ago`;
  return `${(s / 86_400).toFixed(1)} days ago`;
}

export function layout(title: string, body: SafeHtml, refreshSeconds?: number): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        ${refreshSeconds ? html`<meta http-equiv="refresh" content="${refreshSeconds}" />` : null}
        <title>${title}</title>
        <style>
          ${new SafeHtml(STYLES)}
        </style>
      </head>
      <body>
        ${body}
      </body>
    </html> `.value;
}
