// Object3DView shows a logged 3D object (glb/gltf, obj, stl) or point
// cloud (W&B's pts.json: a list of [x,y,z(,class | ,r,g,b)] or a
// lidar/beta scene with boxes and vectors) with three.js, loaded on first
// use as its own bundle chunk. It renders on demand (orbit to look around).
import { useEffect, useRef, useState } from 'preact/hooks';
import { PALETTE } from './format';

type Three = typeof import('three');

function pointCloud(THREE: Three, data: any) {
  const scene = Array.isArray(data) ? { points: data } : data || {};
  const pts: number[][] = Array.isArray(scene.points) ? scene.points : [];
  const pos = new Float32Array(pts.length * 3);
  const col = new Float32Array(pts.length * 3);
  let zmin = Infinity, zmax = -Infinity;
  for (const p of pts) {
    zmin = Math.min(zmin, p[2] ?? 0);
    zmax = Math.max(zmax, p[2] ?? 0);
  }
  const c = new THREE.Color();
  pts.forEach((p, i) => {
    pos.set([p[0] ?? 0, p[1] ?? 0, p[2] ?? 0], i * 3);
    if (p.length >= 6) c.setRGB(p[3] / 255, p[4] / 255, p[5] / 255);
    else if (p.length === 4) c.set(PALETTE[Math.abs(Math.round(p[3])) % PALETTE.length]);
    else c.setHSL(0.6 - 0.6 * ((p[2] - zmin) / (zmax - zmin || 1)), 0.8, 0.55);
    col.set([c.r, c.g, c.b], i * 3);
  });
  const g = new THREE.BufferGeometry();
  g.setAttribute('position', new THREE.BufferAttribute(pos, 3));
  g.setAttribute('color', new THREE.BufferAttribute(col, 3));
  const group = new THREE.Group();
  group.add(new THREE.Points(g, new THREE.PointsMaterial({ size: 2, sizeAttenuation: false, vertexColors: true })));
  for (const b of Array.isArray(scene.boxes) ? scene.boxes : []) {
    if (!Array.isArray(b.corners)) continue;
    const box = new THREE.Box3().setFromPoints(b.corners.map((q: number[]) => new THREE.Vector3(q[0], q[1], q[2])));
    const rgb = Array.isArray(b.color) ? new THREE.Color(b.color[0] / 255, b.color[1] / 255, b.color[2] / 255) : new THREE.Color(0xf5b82e);
    group.add(new THREE.Box3Helper(box, rgb));
  }
  for (const v of Array.isArray(scene.vectors) ? scene.vectors : []) {
    if (!Array.isArray(v.start) || !Array.isArray(v.end)) continue;
    const s = new THREE.Vector3(...(v.start as [number, number, number])), e = new THREE.Vector3(...(v.end as [number, number, number]));
    const d = e.clone().sub(s);
    group.add(new THREE.ArrowHelper(d.clone().normalize(), s, d.length(), 0xffffff));
  }
  group.rotation.x = -Math.PI / 2; // lidar z-up to three's y-up
  return group;
}

export function Object3DView(p: { url: string; path: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const [err, setErr] = useState('');
  useEffect(() => {
    let cleanup = () => {};
    let gone = false;
    (async () => {
      const THREE = await import('three');
      const { OrbitControls } = await import('three/examples/jsm/controls/OrbitControls.js');
      if (gone) return;
      const el = ref.current!;
      const w = el.clientWidth || 360, h = 300;
      let renderer: import('three').WebGLRenderer;
      try {
        renderer = new THREE.WebGLRenderer({ antialias: true });
      } catch {
        setErr('This browser has no WebGL: download the file to view it.');
        return;
      }
      renderer.setPixelRatio(window.devicePixelRatio);
      renderer.setSize(w, h);
      renderer.setClearColor(0x15181d);
      el.appendChild(renderer.domElement);
      const scene = new THREE.Scene();
      const camera = new THREE.PerspectiveCamera(50, w / h, 0.001, 1e7);
      scene.add(new THREE.AmbientLight(0xffffff, 1.2));
      const light = new THREE.DirectionalLight(0xffffff, 2);
      light.position.set(1, 2, 3);
      scene.add(light);
      const lower = p.path.toLowerCase();
      let obj: import('three').Object3D;
      if (lower.endsWith('.pts.json')) {
        const res = await fetch(p.url, { credentials: 'same-origin' });
        obj = pointCloud(THREE, await res.json());
      } else if (lower.endsWith('.glb') || lower.endsWith('.gltf')) {
        const { GLTFLoader } = await import('three/examples/jsm/loaders/GLTFLoader.js');
        obj = (await new GLTFLoader().loadAsync(p.url)).scene;
      } else if (lower.endsWith('.obj')) {
        const { OBJLoader } = await import('three/examples/jsm/loaders/OBJLoader.js');
        obj = await new OBJLoader().loadAsync(p.url);
      } else if (lower.endsWith('.stl')) {
        const { STLLoader } = await import('three/examples/jsm/loaders/STLLoader.js');
        const g = await new STLLoader().loadAsync(p.url);
        obj = new THREE.Mesh(g, new THREE.MeshStandardMaterial({ color: 0x9db4d6, metalness: 0.1, roughness: 0.6 }));
      } else {
        setErr('No viewer for this format: download the file.');
        renderer.dispose();
        el.replaceChildren();
        return;
      }
      if (gone) return;
      scene.add(obj);
      const box = new THREE.Box3().setFromObject(obj);
      const size = box.getSize(new THREE.Vector3()).length() || 1;
      const center = box.getCenter(new THREE.Vector3());
      camera.position.copy(center).add(new THREE.Vector3(size * 0.6, size * 0.45, size * 0.75));
      camera.lookAt(center);
      const controls = new OrbitControls(camera, renderer.domElement);
      controls.target.copy(center);
      const render = () => renderer.render(scene, camera);
      controls.addEventListener('change', render);
      controls.update();
      render();
      el.dataset.rendered = '1';
      cleanup = () => {
        controls.dispose();
        renderer.dispose();
        el.replaceChildren();
      };
    })().catch((e) => setErr(String(e?.message || e)));
    return () => {
      gone = true;
      cleanup();
    };
  }, [p.url]);
  return (
    <div class="object3d">
      <div ref={ref} class="object3d-stage" />
      {err && <div class="muted small">{err}</div>}
    </div>
  );
}
