// Marks and overlays on a drawn diagram: CSS classes for completed, active and incident
// elements, and small count badges (the heat map).
export const MARKS = [
  ['completed', 'redress-completed', 'Completed'],
  ['active', 'redress-active', 'Active (a token waits here)'],
  ['incident', 'redress-incident', 'Incident'],
];

export function applyMarks(viewer, process) {
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  const overlays = viewer.get('overlays');
  for (const [key, cls] of MARKS) {
    for (const id of process[key] || []) {
      if (registry.get(id)) canvas.addMarker(id, cls);
    }
  }
  for (const [id, text] of Object.entries(process.overlays || {})) {
    if (!registry.get(id)) continue;
    const badge = document.createElement('div');
    badge.className = 'redress-diagram__badge';
    badge.textContent = text;
    overlays.add(id, 'redress-heat', { position: { bottom: -6, left: -6 }, html: badge });
  }
}

export function legend() {
  const list = document.createElement('ul');
  list.className = 'govuk-list redress-diagram__legend';
  for (const [, cls, text] of MARKS) {
    const item = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = `redress-diagram__swatch ${cls}-swatch`;
    swatch.setAttribute('aria-hidden', 'true');
    item.append(swatch, document.createTextNode(text));
    list.append(item);
  }
  return list;
}
