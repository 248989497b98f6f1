// Two versions of a process side by side, added/removed/changed elements marked on both, and
// the same for every process it calls. The lists come from the server's diff_versions (what
// the migration preview uses); bpmn-js-differ adds what it sees on the loaded models.
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import './differ/differ.css';

import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { diff as modelDiff } from 'bpmn-js-differ';

import { fitReadably } from './modeller/fit.js';
import spiffworkflow from './modeller/spiffworkflow.json';

const root = document.getElementById('differ');

async function fetchDiff(url) {
  const response = await fetch(url, { credentials: 'same-origin' });
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail || response.statusText);
  return body;
}

function element(tag, attrs = {}, text = '') {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
  if (text) el.textContent = text;
  return el;
}

async function viewer(container, xml) {
  const view = new NavigatedViewer({ container, moddleExtensions: { spiffworkflow } });
  await view.importXML(xml);
  fitReadably(view.get('canvas'));
  return view;
}

function mark(view, ids, cls) {
  const canvas = view.get('canvas');
  const registry = view.get('elementRegistry');
  for (const id of ids) if (registry.get(id)) canvas.addMarker(id, cls);
}

function listOf(diff) {
  const list = element('ul', { class: 'govuk-list redress-diff__list' });
  for (const kind of ['added', 'removed', 'changed']) {
    for (const entry of diff[kind]) {
      const item = element('li', { 'data-change': kind, 'data-element': entry.id });
      item.append(element('strong', { class: `govuk-tag redress-diff-tag--${kind}` }, kind));
      item.append(` ${entry.name || entry.id} `, element('span', { class: 'govuk-hint redress-inline' }, `(${entry.type}, ${entry.id})`));
      list.append(item);
    }
  }
  if (!list.children.length) list.append(element('li', {}, 'No change in behaviour (layout moves are not changes).'));
  return list;
}

async function pair(section, side) {
  const { old: before, new: after, diff, process_id: pid } = side;
  section.append(element('h2', { class: 'govuk-heading-m' }, `${pid}: v${before.version ?? '–'} → v${after.version ?? '–'}`));
  section.append(listOf(diff));
  if (!before.xml || !after.xml) return;
  const panes = element('div', { class: 'redress-diff__panes' });
  const left = element('div', { class: 'redress-diff__pane', 'aria-label': `${pid} version ${before.version}` });
  const right = element('div', { class: 'redress-diff__pane', 'aria-label': `${pid} version ${after.version}` });
  panes.append(left, right);
  section.append(panes);
  const [oldView, newView] = await Promise.all([viewer(left, before.xml), viewer(right, after.xml)]);
  const model = modelDiff(oldView.getDefinitions(), newView.getDefinitions());
  const ids = (kind, extra) => new Set([...diff[kind].map((e) => e.id), ...Object.keys(extra)]);
  mark(oldView, ids('removed', model._removed), 'redress-diff--removed');
  mark(newView, ids('added', model._added), 'redress-diff--added');
  const changed = ids('changed', model._changed);
  mark(oldView, changed, 'redress-diff--changed');
  mark(newView, changed, 'redress-diff--changed');
  const order = [...diff.added, ...diff.changed, ...diff.removed].map((e) => e.id);
  for (const view of [oldView, newView]) {
    const registry = view.get('elementRegistry');
    const found = order.map((id) => registry.get(id)).find((el) => el && !el.waypoints && el.type !== 'bpmn:Lane');
    if (found) view.get('canvas').scrollToElement(found);
  }
}

async function start() {
  const body = await fetchDiff(root.dataset.diffUrl);
  document.getElementById('diff-loading').remove();
  const main = element('section', { 'data-process': body.process_id });
  root.append(main);
  await pair(main, body);
  for (const called of body.called) {
    const section = element('section', { 'data-process': called.process_id, class: 'redress-diff__called' });
    root.append(section);
    await pair(section, called);
  }
  root.dataset.ready = 'true';
}

start().catch((error) => {
  document.getElementById('diff-loading').textContent = `The versions could not be compared: ${error.message}`;
  root.dataset.failed = 'true';
});
