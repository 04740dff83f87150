// PNG export drawn from the charts themselves: each recharts SVG is serialised
// to an image and painted on a canvas at the place it has on screen, with the
// texts and legend swatches marked data-png-text / data-png-swatch.
const XMLNS = 'http://www.w3.org/2000/svg';

/** A standalone SVG document of a chart (namespace, size and font spelled out: it leaves the page's CSS behind). */
export function svgMarkup(svg: SVGSVGElement, font: string): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const r = svg.getBoundingClientRect();
  const w = r.width || Number(svg.getAttribute('width')) || 0;
  const h = r.height || Number(svg.getAttribute('height')) || 0;
  clone.setAttribute('width', String(w));
  clone.setAttribute('height', String(h));
  if (!clone.getAttribute('viewBox')) clone.setAttribute('viewBox', `0 0 ${w} ${h}`);
  clone.setAttribute('font-family', font);
  clone.removeAttribute('style');
  // serialisers differ on whether they write the namespace of an HTML-parsed SVG: exactly once
  const text = new XMLSerializer().serializeToString(clone);
  return /^<svg[^>]*\sxmlns="/.test(text) ? text : text.replace(/^<svg/, `<svg xmlns="${XMLNS}"`);
}
export const svgDataUrl = (markup: string) => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(markup)}`;

function loadImage(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('a chart could not be drawn as an image'));
    img.src = src;
  });
}

function drawText(ctx: CanvasRenderingContext2D, el: Element, x0: number, y0: number) {
  const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim();
  if (!text) return;
  const cs = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  const size = parseFloat(cs.fontSize) || 12;
  const lh = parseFloat(cs.lineHeight) || size * 1.35;
  ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${size}px ${cs.fontFamily}`;
  ctx.fillStyle = cs.color;
  ctx.textBaseline = 'middle';
  // break the lines where the page broke them (fonts measure differently on a canvas)
  const lines = lineBreaks(el) ?? [{ text, mid: r.top + lh / 2 }];
  for (const l of lines) ctx.fillText(l.text, r.left - x0, l.mid - y0);
}

/** The element's text as the lines the browser laid out (with their middles), from the position of each word. */
function lineBreaks(el: Element): { text: string; mid: number }[] | null {
  if (typeof document.createRange !== 'function') return null;
  const lines: { top: number; mid: number; words: string[] }[] = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const t = node.textContent ?? '';
    for (const m of t.matchAll(/\S+/g)) {
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const box = range.getClientRects()[0];
      if (!box) return null;
      const last = lines[lines.length - 1];
      if (last && Math.abs(last.top - box.top) < 3) last.words.push(m[0]);
      else lines.push({ top: box.top, mid: box.top + box.height / 2, words: [m[0]] });
    }
  }
  return lines.length ? lines.map((l) => ({ text: l.words.join(' '), mid: l.mid })) : null;
}

function drawSwatch(ctx: CanvasRenderingContext2D, el: HTMLElement, x0: number, y0: number) {
  const cs = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  const x = r.left - x0;
  const y = r.top - y0;
  if (el.dataset.pngSwatch === 'dashed') {
    ctx.strokeStyle = cs.borderTopColor;
    ctx.lineWidth = 2;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(x, y + r.height / 2);
    ctx.lineTo(x + r.width, y + r.height / 2);
    ctx.stroke();
    ctx.setLineDash([]);
  } else {
    ctx.fillStyle = cs.backgroundColor;
    ctx.fillRect(x, y, r.width, r.height);
  }
}

/** Paint `root` (its marked texts, swatches, cards and chart SVGs) on a canvas and return the PNG. */
export async function chartsPng(root: HTMLElement, opts: { background?: string; scale?: number } = {}): Promise<Blob> {
  const base = root.getBoundingClientRect();
  const pad = 12;
  const x0 = base.left - pad;
  const y0 = base.top - pad;
  const parts = [...root.querySelectorAll<HTMLElement>('[data-png-text], [data-png-swatch], [data-png-card], svg.recharts-surface')];
  const bottom = Math.max(base.top + 1, ...parts.map((e) => e.getBoundingClientRect().bottom));
  const width = Math.ceil(base.width + 2 * pad);
  const height = Math.ceil(bottom - base.top + 2 * pad);
  const scale = opts.scale ?? Math.max(2, globalThis.devicePixelRatio || 1);
  const canvas = document.createElement('canvas');
  canvas.width = width * scale;
  canvas.height = height * scale;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this window cannot draw on a canvas');
  ctx.scale(scale, scale);
  ctx.fillStyle = opts.background ?? getComputedStyle(root).backgroundColor ?? '#141a21';
  ctx.fillRect(0, 0, width, height);
  const font = getComputedStyle(root).fontFamily || 'sans-serif';
  for (const card of root.querySelectorAll<HTMLElement>('[data-png-card]')) {
    const r = card.getBoundingClientRect();
    const cs = getComputedStyle(card);
    ctx.fillStyle = cs.backgroundColor;
    ctx.strokeStyle = cs.borderTopColor;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.roundRect(r.left - x0 + 0.5, r.top - y0 + 0.5, r.width - 1, r.height - 1, parseFloat(cs.borderTopLeftRadius) || 0);
    ctx.fill();
    ctx.stroke();
  }
  for (const el of root.querySelectorAll('[data-png-text]')) drawText(ctx, el, x0, y0);
  for (const el of root.querySelectorAll<HTMLElement>('[data-png-swatch]')) drawSwatch(ctx, el, x0, y0);
  for (const svg of root.querySelectorAll<SVGSVGElement>('svg.recharts-surface')) {
    const r = svg.getBoundingClientRect();
    const img = await loadImage(svgDataUrl(svgMarkup(svg, font)));
    ctx.drawImage(img, r.left - x0, r.top - y0, r.width, r.height);
  }
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the canvas produced no PNG'))), 'image/png'));
}
