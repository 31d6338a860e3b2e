// AnnotatedImage draws an image with its bounding-box layers (W&B's
// boxes2D files, as SVG over the image) and mask layers (class-id PNGs,
// recoloured on a canvas), each layer switchable.
import { useEffect, useRef, useState } from 'preact/hooks';
import { PALETTE } from './format';

interface Box {
  position: { minX?: number; maxX?: number; minY?: number; maxY?: number; middle?: [number, number]; width?: number; height?: number };
  domain?: string;
  class_id?: number;
  box_caption?: string;
  scores?: Record<string, number>;
}

interface BoxFile {
  box_data: Box[];
  class_labels?: Record<string, string>;
}

function corners(b: Box): [number, number, number, number] {
  const p = b.position;
  if (p.middle && p.width !== undefined && p.height !== undefined) {
    return [p.middle[0] - p.width / 2, p.middle[1] - p.height / 2, p.middle[0] + p.width / 2, p.middle[1] + p.height / 2];
  }
  return [p.minX ?? 0, p.minY ?? 0, p.maxX ?? 0, p.maxY ?? 0];
}

function MaskLayer(p: { url: string; w: number; h: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const img = new Image();
    img.onload = () => {
      const c = ref.current;
      if (!c) return;
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height);
      for (let i = 0; i < d.data.length; i += 4) {
        const cls = d.data[i];
        if (cls === 0) {
          d.data[i + 3] = 0;
          continue;
        }
        const hex = PALETTE[cls % PALETTE.length];
        const n = parseInt(hex.slice(1), 16);
        d.data[i] = (n >> 16) & 255;
        d.data[i + 1] = (n >> 8) & 255;
        d.data[i + 2] = n & 255;
        d.data[i + 3] = 120;
      }
      ctx.putImageData(d, 0, 0);
    };
    img.src = p.url;
  }, [p.url]);
  return <canvas ref={ref} class="mask-layer" />;
}

export function AnnotatedImage(p: {
  src: string;
  alt: string;
  height: number;
  boxes?: Record<string, string>;
  masks?: Record<string, string>;
  fileURL: (path: string) => string;
}) {
  const [size, setSize] = useState<[number, number] | null>(null);
  const [boxFiles, setBoxFiles] = useState<Record<string, BoxFile>>({});
  const [hidden, setHidden] = useState<Record<string, boolean>>({});
  const boxes = p.boxes || {}, masks = p.masks || {};
  useEffect(() => {
    for (const [layer, path] of Object.entries(boxes)) {
      fetch(p.fileURL(path), { credentials: 'same-origin' })
        .then((r) => r.json())
        .then((f: BoxFile) => setBoxFiles((o) => ({ ...o, [layer]: f })))
        .catch(() => {});
    }
  }, [p.src]);
  const layers = [...Object.keys(boxes), ...Object.keys(masks)];
  const [w, h] = size ?? [1, 1];
  return (
    <div class="annotated">
      <div class="annotated-stage" style={{ height: `${p.height}px`, aspectRatio: size ? `${w} / ${h}` : undefined }}>
        <img src={p.src} alt={p.alt} loading="lazy" onLoad={(e) => {
          const i = e.target as HTMLImageElement;
          setSize([i.naturalWidth, i.naturalHeight]);
        }} />
        {size && Object.entries(masks).filter(([l]) => !hidden[l]).map(([l, path]) => <MaskLayer key={l} url={p.fileURL(path)} w={w} h={h} />)}
        {size && (
          <svg class="box-layer" viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none">
            {Object.entries(boxFiles).filter(([l]) => !hidden[l]).flatMap(([l, f]) =>
              (f.box_data || []).map((b, i) => {
                let [x0, y0, x1, y1] = corners(b);
                if (b.domain !== 'pixel') [x0, y0, x1, y1] = [x0 * w, y0 * h, x1 * w, y1 * h];
                const color = PALETTE[(b.class_id ?? 0) % PALETTE.length];
                const label = b.box_caption || f.class_labels?.[String(b.class_id)] || '';
                return (
                  <g key={l + i}>
                    <rect x={x0} y={y0} width={x1 - x0} height={y1 - y0} fill="none" stroke={color} stroke-width={Math.max(1, w / 150)} vector-effect="non-scaling-stroke" />
                    {label && (
                      <text x={x0 + 1} y={Math.max(y0 - 2, 8)} fill={color} font-size={Math.max(6, h / 18)}>{label}</text>
                    )}
                  </g>
                );
              }),
            )}
          </svg>
        )}
      </div>
      {layers.length > 0 && (
        <div class="layer-toggles">
          {layers.map((l) => (
            <label key={l} class="setting">
              <input type="checkbox" checked={!hidden[l]} onChange={() => setHidden({ ...hidden, [l]: !hidden[l] })} />
              {l}
            </label>
          ))}
        </div>
      )}
    </div>
  );
}
