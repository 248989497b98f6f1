// The diagram viewer: every [data-redress-diagram] element fetches its data-url, a JSON
// {processes: [{process_id, name, xml, completed, active, incident, overlays}]}, and draws
// each process with bpmn-js's NavigatedViewer, one tab per process (called processes too).
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import './diagram/diagram.css';
import { applyMarks, legend } from './diagram/marks.js';

function say(host, text) {
  const p = document.createElement('p');
  p.className = 'govuk-body';
  p.textContent = text;
  host.replaceChildren(p);
}

function defaultIndex(processes) {
  const failing = processes.findIndex((p) => (p.incident || []).length);
  if (failing >= 0) return failing;
  for (let i = processes.length - 1; i >= 0; i -= 1) {
    if ((processes[i].active || []).length) return i;
  }
  return 0;
}

async function show(viewer, process, host) {
  try {
    await viewer.importXML(process.xml);
    viewer.get('canvas').zoom('fit-viewport');
    applyMarks(viewer, process);
    host.dataset.shown = process.process_id;
  } catch (err) {
    say(host, `This diagram cannot be drawn: ${err.message}`);
  }
}

function tabs(processes, onSelect) {
  const list = document.createElement('ul');
  list.className = 'redress-diagram__tabs';
  list.setAttribute('aria-label', 'Processes of this diagram');
  const buttons = processes.map((process, index) => {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'govuk-button govuk-button--secondary govuk-!-margin-bottom-0 redress-diagram__tab';
    const marks = (process.active || []).length + (process.incident || []).length;
    button.textContent = marks ? `${process.name} (${marks})` : process.name;
    button.addEventListener('click', () => onSelect(index));
    item.append(button);
    list.append(item);
    return button;
  });
  return { list, buttons };
}

async function draw(host) {
  let data;
  try {
    const response = await fetch(host.dataset.url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    data = await response.json();
  } catch (err) {
    say(host, `The diagram could not be loaded: ${err.message}`);
    return;
  }
  const processes = data.processes || [];
  if (!processes.length) {
    say(host, 'There is no diagram to show.');
    return;
  }
  const canvas = document.createElement('div');
  canvas.className = 'redress-diagram__canvas';
  canvas.setAttribute('role', 'group');
  canvas.setAttribute('aria-label', host.dataset.label || 'Process diagram');
  const viewer = new NavigatedViewer({ container: canvas });
  const { list, buttons } = tabs(processes, (index) => select(index));
  function select(index) {
    buttons.forEach((b, i) => b.setAttribute('aria-pressed', String(i === index)));
    show(viewer, processes[index], host);
  }
  host.replaceChildren(...(processes.length > 1 ? [list] : []), canvas, legend());
  select(defaultIndex(processes));
}

document.querySelectorAll('[data-redress-diagram]').forEach((host) => { draw(host); });
