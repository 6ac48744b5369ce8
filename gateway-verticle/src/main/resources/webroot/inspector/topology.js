// The SVG topology: one node per region on a circle, one edge per pair of regions. Each edge end
// is labelled with the time since that region's last successful sync with the other, a sync event
// sends a dot along the edge, and a dropped message sends a red dot that stops half-way.

const SVG_NS = 'http://www.w3.org/2000/svg';
const WIDTH = 640;
const HEIGHT = 400;
const RADIUS = 140;
const NODE_RADIUS = 54;
const DOT_MS = 700;

function svg(name, attributes = {}, text) {
  const element = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) {
    element.setAttribute(key, String(value));
  }
  if (text !== undefined) {
    element.textContent = text;
  }
  return element;
}

export class Topology {
  /** @param {SVGSVGElement} root */
  constructor(root) {
    this.root = root;
    this.regions = [];
    this.positions = new Map();
    this.nodes = new Map();
    this.edges = new Map();
    /** Directions (`from>to`) with a dot in flight: one dot per direction, so a burst of events costs no more paint than one. */
    this.inFlight = new Set();
    this.dotLayer = null;
  }

  /** Rebuilds the drawing for `regions`, placed clockwise from the top. */
  setRegions(regions) {
    this.regions = [...regions];
    this.positions.clear();
    this.nodes.clear();
    this.edges.clear();
    this.inFlight.clear();
    const edgeLayer = svg('g', { class: 'edges' });
    const nodeLayer = svg('g', { class: 'nodes' });
    this.dotLayer = svg('g', { class: 'dots' });

    this.regions.forEach((region, index) => {
      const angle = -Math.PI / 2 + (2 * Math.PI * index) / this.regions.length;
      this.positions.set(region, {
        x: WIDTH / 2 + RADIUS * 1.45 * Math.cos(angle),
        y: HEIGHT / 2 + 10 + RADIUS * Math.sin(angle),
      });
    });

    for (let i = 0; i < this.regions.length; i++) {
      for (let j = i + 1; j < this.regions.length; j++) {
        this.addEdge(edgeLayer, this.regions[i], this.regions[j]);
      }
    }
    for (const region of this.regions) {
      this.addNode(nodeLayer, region);
    }
    this.root.replaceChildren(edgeLayer, this.dotLayer, nodeLayer);
  }

  addEdge(layer, a, b) {
    const from = this.positions.get(a);
    const to = this.positions.get(b);
    const group = svg('g', { class: 'edge', 'data-edge': `${a}|${b}` });
    group.append(svg('line', { x1: from.x, y1: from.y, x2: to.x, y2: to.y }));
    const labels = new Map();
    for (const [region, near, far, peer] of [[a, from, to, b], [b, to, from, a]]) {
      // The label sits a third of the way from its region, nudged off the line.
      const x = near.x + (far.x - near.x) * 0.34;
      const y = near.y + (far.y - near.y) * 0.34 - 8;
      const label = svg('text', { x, y, class: 'edge-label', 'text-anchor': 'middle' }, '');
      group.append(label);
      labels.set(`${region}>${peer}`, label);
    }
    layer.append(group);
    this.edges.set(`${a}|${b}`, { group, labels });
  }

  addNode(layer, region) {
    const { x, y } = this.positions.get(region);
    const group = svg('g', { class: 'region-node', 'data-region': region });
    group.append(
      svg('circle', { cx: x, cy: y, r: NODE_RADIUS }),
      svg('text', { x, y: y - 18, class: 'node-name', 'text-anchor': 'middle' }, region),
      svg('text', { x, y: y + 4, class: 'node-total', 'text-anchor': 'middle' }, 'total –'),
      svg('text', { x, y: y + 24, class: 'node-state', 'text-anchor': 'middle' }, ''));
    layer.append(group);
    this.nodes.set(region, {
      group,
      total: group.querySelector('.node-total'),
      state: group.querySelector('.node-state'),
    });
  }

  edgeOf(a, b) {
    return this.edges.get(`${a}|${b}`) ?? this.edges.get(`${b}|${a}`);
  }

  /**
   * Updates one region node.
   * @param {string} region
   * @param {{total: (number|null), status: string, partitioned: boolean}} view
   */
  updateRegion(region, view) {
    const node = this.nodes.get(region);
    if (!node) {
      return;
    }
    node.total.textContent = view.total === null ? 'total –' : `total ${view.total}`;
    node.state.textContent = view.partitioned ? 'PARTITIONED' : view.status;
    node.group.classList.toggle('partitioned', view.partitioned);
    node.group.classList.toggle('down', view.status !== 'UP');
  }

  /** Marks the edges touching an isolated region as cut. */
  updatePartitions(isolated) {
    for (const [key, edge] of this.edges) {
      const [a, b] = key.split('|');
      edge.group.classList.toggle('cut', isolated.has(a) || isolated.has(b));
    }
  }

  /** Sets the label at `region`'s end of its edge to `peer`; `stale` colours it. */
  updateSyncLabel(region, peer, text, stale) {
    const edge = this.edgeOf(region, peer);
    const label = edge?.labels.get(`${region}>${peer}`);
    if (label) {
      label.textContent = text;
      label.classList.toggle('stale', stale);
    }
  }

  /**
   * Animates one message from `fromRegion` towards `toRegion`: all the way for a sync, half-way
   * for a drop. Skipped while a dot of that direction is still in flight.
   */
  pulse(fromRegion, toRegion, kind) {
    const from = this.positions.get(fromRegion);
    const to = this.positions.get(toRegion);
    const direction = `${fromRegion}>${toRegion}`;
    if (!from || !to || !this.dotLayer || this.inFlight.has(direction) || document.hidden) {
      return;
    }
    const edge = this.edgeOf(fromRegion, toRegion);
    const flash = kind === 'dropped' ? 'flash-dropped' : 'flash-sync';
    edge?.group.classList.add(flash);
    const reach = kind === 'dropped' ? 0.5 : 1;
    const dx = (to.x - from.x) * reach;
    const dy = (to.y - from.y) * reach;
    const dot = svg('circle', { cx: from.x, cy: from.y, r: 7, class: `dot dot-${kind}` });
    const layer = this.dotLayer;
    layer.append(dot);
    this.inFlight.add(direction);
    const animation = dot.animate(
      [{ transform: 'translate(0px, 0px)', opacity: 1 }, { transform: `translate(${dx}px, ${dy}px)`, opacity: kind === 'dropped' ? 0 : 1 }],
      { duration: DOT_MS, easing: 'ease-in-out' });
    animation.onfinish = () => {
      dot.remove();
      edge?.group.classList.remove(flash);
      // After setRegions() the layer is gone and inFlight was cleared already.
      if (layer === this.dotLayer) {
        this.inFlight.delete(direction);
      }
    };
  }
}
