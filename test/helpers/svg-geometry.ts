// Reads a chart as a person sees it: the SVG's named areas and the estimated boxes of its marks
// (text width from font size × characters × 0.6), and a PNG decoded to RGBA pixels.
import { inflateSync } from 'node:zlib';
import { XMLParser } from 'fast-xml-parser';

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

interface Mark {
  tag: string;
  area: string;
  box: Box;
  attrs: Record<string, string>;
  text?: string;
}

export interface Chart {
  width: number;
  height: number;
  areas: { name: string; box: Box }[];
  marks: Mark[];
  /** Elements drawn outside any named area (besides the background). */
  stray: string[];
}

type Node = Record<string, unknown>;

const attrsOf = (node: Node): Record<string, string> =>
  (node[':@'] as Record<string, string> | undefined) ?? {};
const tagOf = (node: Node): string => Object.keys(node).find(k => k !== ':@') as string;
const num = (a: Record<string, string>, k: string): number => Number(a[k] ?? 0);

function around(points: number[][]): Box {
  const xs = points.map(p => p[0] as number);
  const ys = points.map(p => p[1] as number);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, w: Math.max(...xs) - x, h: Math.max(...ys) - y };
}

function textOf(node: Node): string {
  const children = node[tagOf(node)] as Node[];
  return children
    .map(c =>
      typeof c['#text'] === 'string' || typeof c['#text'] === 'number' ? String(c['#text']) : '',
    )
    .join('');
}

/** The box a mark covers: path points, rect, circle, line, or a text's estimated extent. */
function boxOf(tag: string, a: Record<string, string>, text: string, fontSize: number): Box {
  switch (tag) {
    case 'path': {
      const pts = [...(a['d'] ?? '').matchAll(/[ML]\s*(-?[\d.]+)[ ,](-?[\d.]+)/g)].map(m => [
        Number(m[1]),
        Number(m[2]),
      ]);
      return around(pts);
    }
    case 'rect':
      return { x: num(a, 'x'), y: num(a, 'y'), w: num(a, 'width'), h: num(a, 'height') };
    case 'circle': {
      const r = num(a, 'r');
      return { x: num(a, 'cx') - r, y: num(a, 'cy') - r, w: 2 * r, h: 2 * r };
    }
    case 'line':
      return around([
        [num(a, 'x1'), num(a, 'y1')],
        [num(a, 'x2'), num(a, 'y2')],
      ]);
    case 'text': {
      const w = [...text].length * fontSize * 0.6;
      const anchor = a['text-anchor'] ?? 'start';
      const x = num(a, 'x') - (anchor === 'middle' ? w / 2 : anchor === 'end' ? w : 0);
      return { x, y: num(a, 'y') - 0.8 * fontSize, w, h: fontSize };
    }
    default:
      throw new Error(`unexpected mark <${tag}>`);
  }
}

export function parseChart(svg: string): Chart {
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    preserveOrder: true,
    trimValues: false,
  }).parse(svg) as Node[];
  const root = doc.find(n => tagOf(n) === 'svg') as Node;
  const rootAttrs = attrsOf(root);
  const rootFont = Number(rootAttrs['font-size'] ?? 12);
  const chart: Chart = {
    width: num(rootAttrs, 'width'),
    height: num(rootAttrs, 'height'),
    areas: [],
    marks: [],
    stray: [],
  };
  const walk = (nodes: Node[], area: string | undefined, font: number): void => {
    for (const node of nodes) {
      const tag = tagOf(node);
      if (tag === '#text' || tag === 'title') continue;
      const a = attrsOf(node);
      const size = Number(a['font-size'] ?? font);
      if (tag === 'g') {
        let inner = area;
        if (a['data-area'] !== undefined) {
          const [x = 0, y = 0, w = 0, h = 0] = (a['data-bounds'] ?? '').split(' ').map(Number);
          chart.areas.push({ name: a['data-area'], box: { x, y, w, h } });
          inner = a['data-area'];
        }
        walk(node[tag] as Node[], inner, size);
        continue;
      }
      if (area === undefined) {
        const background = tag === 'rect' && a['x'] === undefined && a['y'] === undefined;
        if (!background) chart.stray.push(tag);
        continue;
      }
      const text = tag === 'text' ? textOf(node) : '';
      chart.marks.push({ tag, area, attrs: a, box: boxOf(tag, a, text, size), text });
    }
  };
  walk(root.svg as Node[], undefined, rootFont);
  return chart;
}

/** Whether `inner` lies within `outer`, give or take `slack` px. */
export const inside = (inner: Box, outer: Box, slack = 0.51): boolean =>
  inner.x >= outer.x - slack &&
  inner.y >= outer.y - slack &&
  inner.x + inner.w <= outer.x + outer.w + slack &&
  inner.y + inner.h <= outer.y + outer.h + slack;

export const overlap = (a: Box, b: Box): boolean =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

export interface Image {
  width: number;
  height: number;
  /** RGBA at (x, y). */
  pixel: (x: number, y: number) => [number, number, number, number];
}

/** Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what rsvg-convert writes). */
export function decodePng(png: Buffer): Image {
  if (png.toString('latin1', 1, 4) !== 'PNG') throw new Error('not a PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 4;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || (data[9] !== 6 && data[9] !== 2) || data[12] !== 0)
        throw new Error('expected 8-bit RGB or RGBA, not interlaced');
      channels = data[9] === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(stride * height);
  for (let row = 0; row < height; row++) {
    const filter = raw[row * (stride + 1)] as number;
    const src = row * (stride + 1) + 1;
    const dst = row * stride;
    for (let i = 0; i < stride; i++) {
      const left = i >= channels ? (out[dst + i - channels] as number) : 0;
      const up = row > 0 ? (out[dst - stride + i] as number) : 0;
      const upLeft = row > 0 && i >= channels ? (out[dst - stride + i - channels] as number) : 0;
      const p = left + up - upLeft;
      const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
      const predictor = [
        0,
        left,
        up,
        (left + up) >> 1,
        pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft,
      ][filter] as number;
      out[dst + i] = ((raw[src + i] as number) + predictor) & 0xff;
    }
  }
  return {
    width,
    height,
    pixel: (x, y) => {
      const i = y * stride + x * channels;
      const alpha = channels === 4 ? (out[i + 3] as number) : 255;
      return [out[i], out[i + 1], out[i + 2], alpha] as [number, number, number, number];
    },
  };
}
