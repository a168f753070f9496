// Text and areas for the simulate charts: estimated text widths, ellipsised lines, the legend
// laid out in rows, and named areas (`<g data-area data-bounds>`) that hold every mark, so a
// reader of the SVG can check that nothing leaves its area.

/** Average glyph width of a sans-serif font, as a fraction of the font size (an estimate). */
const CHAR_EM = 0.6;

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export const textWidth = (text: string, fontSize: number): number =>
  text.length * fontSize * CHAR_EM;

/** `text` cut to fit `width` px at `fontSize`, ending in an ellipsis when cut. */
export function ellipsis(text: string, fontSize: number, width: number): string {
  const max = Math.floor(width / (fontSize * CHAR_EM));
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

export const esc = (s: string): string =>
  s.replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

const n = (v: number): string => String(Math.round(v * 10) / 10);

/** A group naming its area and bounds; everything in `content` is drawn inside `box`. */
export const area = (name: string, box: Box, content: string[]): string =>
  `<g data-area="${name}" data-bounds="${n(box.x)} ${n(box.y)} ${n(box.w)} ${n(box.h)}">\n${content.join('\n')}\n</g>`;

/** Text at a baseline; `anchor` as SVG's text-anchor. */
export const text = (
  x: number,
  y: number,
  s: string,
  opts: { size?: number; anchor?: 'start' | 'middle' | 'end'; fill?: string; weight?: number } = {},
): string =>
  `<text x="${n(x)}" y="${n(y)}" font-size="${opts.size ?? 12}"${opts.anchor === undefined || opts.anchor === 'start' ? '' : ` text-anchor="${opts.anchor}"`}${opts.weight === undefined ? '' : ` font-weight="${opts.weight}"`} fill="${opts.fill ?? '#111827'}">${esc(s)}</text>`;

export interface LegendItem {
  label: string;
  color: string;
  /** How the mark looks: a solid line, a dashed or dotted one, or a shaded band. */
  style: 'line' | 'dash' | 'dot' | 'band';
}

export const DASH = { dash: '6 4', dot: '2 3' } as const;

const LEGEND_FONT = 12;
const LEGEND_ROW = 18;
const SWATCH = 20;

/** The legend in rows that wrap at `width`; returns its marks and height. */
export function legendRows(
  items: LegendItem[],
  x: number,
  y: number,
  width: number,
): { marks: string[]; height: number } {
  const marks: string[] = [];
  let cx = 0;
  let row = 0;
  for (const item of items) {
    const label = ellipsis(item.label, LEGEND_FONT, width - SWATCH - 6);
    const w = SWATCH + 6 + textWidth(label, LEGEND_FONT);
    if (cx > 0 && cx + w > width) {
      row++;
      cx = 0;
    }
    const top = y + row * LEGEND_ROW;
    const sx = x + cx;
    if (item.style === 'band')
      marks.push(
        `<rect x="${n(sx)}" y="${n(top + 3)}" width="${SWATCH}" height="12" fill="${item.color}" fill-opacity="0.35"/>`,
      );
    else
      marks.push(
        `<path d="M${n(sx)},${n(top + 9)} L${n(sx + SWATCH)},${n(top + 9)}" stroke="${item.color}" stroke-width="2"${item.style === 'line' ? '' : ` stroke-dasharray="${DASH[item.style]}"`}/>`,
      );
    marks.push(text(sx + SWATCH + 6, top + 13, label, { size: LEGEND_FONT }));
    cx += w + 18;
  }
  return { marks, height: (row + 1) * LEGEND_ROW };
}
