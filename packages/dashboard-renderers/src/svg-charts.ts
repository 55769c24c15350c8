import type { DaySeries, NameCount } from './summarize-history.js';

/** Escapes text for SVG/HTML element content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const WIDTH = 640;
const HEIGHT = 200;
const PAD = { top: 16, right: 16, bottom: 28, left: 40 };
/** Charts show at most this many days (the most recent). */
export const CHART_MAX_DAYS = 120;

function frame(title: string, body: string, height = HEIGHT): string {
  return `<svg class="chart" role="img" aria-label="${escapeXml(title)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title>${escapeXml(title)}</title>${body}</svg>`;
}

function num(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

function axisLabels(days: DaySeries[], x: (i: number) => number): string {
  if (days.length === 0) return '';
  const first = days[0]!.day;
  const last = days.at(-1)!.day;
  const y = HEIGHT - 8;
  return `<text class="axis" x="${num(x(0))}" y="${y}">${first}</text>${
    days.length > 1
      ? `<text class="axis" x="${num(x(days.length - 1))}" y="${y}" text-anchor="end">${last}</text>`
      : ''
  }`;
}

function recent(series: DaySeries[]): DaySeries[] {
  return series.slice(-CHART_MAX_DAYS);
}

/** Success rate per day, 0-100%, as a line with points. */
export function successRateChart(series: DaySeries[]): string {
  const days = recent(series);
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (days.length <= 1 ? innerW / 2 : (i * innerW) / (days.length - 1));
  const y = (rate: number) => PAD.top + (1 - rate) * innerH;
  const grid = [0, 0.5, 1]
    .map(
      (r) =>
        `<line class="grid" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${num(y(r))}" y2="${num(y(r))}"/><text class="axis" x="${PAD.left - 6}" y="${num(y(r) + 4)}" text-anchor="end">${r * 100}%</text>`,
    )
    .join('');
  const points = days.map((d, i) => `${num(x(i))},${num(y(d.success_rate))}`).join(' ');
  const dots = days
    .map(
      (d, i) =>
        `<circle class="point" cx="${num(x(i))}" cy="${num(y(d.success_rate))}" r="3"><title>${d.day}: ${num(d.success_rate * 100)}% of ${d.runs}</title></circle>`,
    )
    .join('');
  const line = days.length > 1 ? `<polyline class="line" fill="none" points="${points}"/>` : '';
  return frame('Success rate per day', `${grid}${line}${dots}${axisLabels(days, x)}`);
}

/** Runs per day as bars, failures stacked on top in the failure colour. */
export function runsPerDayChart(series: DaySeries[]): string {
  const days = recent(series);
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const max = Math.max(1, ...days.map((d) => d.runs));
  const slot = innerW / Math.max(1, days.length);
  const barW = Math.max(1, slot * 0.8);
  const x = (i: number) => PAD.left + i * slot + (slot - barW) / 2;
  const h = (n: number) => (n / max) * innerH;
  const bars = days
    .map((d, i) => {
      const okH = h(d.runs - d.failures);
      const failH = h(d.failures);
      const base = PAD.top + innerH;
      return `<g><title>${d.day}: ${d.runs} runs, ${d.failures} failed</title><rect class="bar-ok" x="${num(x(i))}" y="${num(base - okH)}" width="${num(barW)}" height="${num(okH)}"/><rect class="bar-fail" x="${num(x(i))}" y="${num(base - okH - failH)}" width="${num(barW)}" height="${num(failH)}"/></g>`;
    })
    .join('');
  const scale = `<text class="axis" x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end">${max}</text><text class="axis" x="${PAD.left - 6}" y="${PAD.top + innerH}" text-anchor="end">0</text>`;
  return frame('Runs per day', `${scale}${bars}${axisLabels(days, (i) => x(i) + barW / 2)}`);
}

/** Horizontal bars, one per name, labelled with the (escaped) name and count. */
export function topBarsChart(title: string, items: NameCount[]): string {
  const rowH = 24;
  const height = Math.max(1, items.length) * rowH + 8;
  const labelW = 200;
  const max = Math.max(1, ...items.map((item) => item.count));
  const bars = items
    .map((item, i) => {
      const y = 4 + i * rowH;
      const w = ((WIDTH - labelW - 60) * item.count) / max;
      return `<text class="label" x="${labelW - 8}" y="${y + 16}" text-anchor="end">${escapeXml(item.name.slice(0, 40))}</text><rect class="bar-ok" x="${labelW}" y="${y + 4}" width="${num(w)}" height="${rowH - 8}"/><text class="axis" x="${num(labelW + w + 6)}" y="${y + 16}">${item.count}</text>`;
    })
    .join('');
  return frame(title, bars, height);
}
