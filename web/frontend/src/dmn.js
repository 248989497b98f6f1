// Decision tables: dmn-js editing with a "try it" panel evaluated by the server's DMN engine.
import 'dmn-js/dist/assets/diagram-js.css';
import 'dmn-js/dist/assets/dmn-js-shared.css';
import 'dmn-js/dist/assets/dmn-js-drd.css';
import 'dmn-js/dist/assets/dmn-js-decision-table.css';
import 'dmn-js/dist/assets/dmn-js-decision-table-controls.css';
import 'dmn-js/dist/assets/dmn-js-literal-expression.css';
import 'dmn-js/dist/assets/dmn-font/css/dmn-embedded.css';
import './modeller/modeller.css';

import DmnModeler from 'dmn-js/lib/Modeler';

import { call, fileUrl, page } from './modeller/http.js';
import { say, showProblems, toolbar } from './modeller/toolbar.js';

const modeler = new DmnModeler({ container: '#canvas' });
window.redressDmn = modeler;
document.getElementById('panel').remove();

async function source() {
  const { xml } = await modeler.saveXML({ format: true });
  return xml;
}

const tools = toolbar({
  source,
  load: (xml) => modeler.importXML(xml),
  extension: '.dmn',
  onChecked: (problems) => showProblems(problems),
});

function decision() {
  const view = modeler.getActiveView();
  return view && view.element;
}

function inputField(input) {
  const expression = input.inputExpression?.text || input.inputExpression?.body || '';
  const id = `try-${expression}`;
  const wrap = document.createElement('div');
  wrap.className = 'govuk-form-group';
  const label = document.createElement('label');
  label.className = 'govuk-label';
  label.htmlFor = id;
  label.textContent = `${input.label || expression} (${expression})`;
  const field = document.createElement('input');
  field.className = 'govuk-input';
  field.id = id;
  field.name = expression;
  field.dataset.type = input.inputExpression?.typeRef || 'string';
  field.placeholder = field.dataset.type === 'boolean' ? 'true or false' : '';
  wrap.append(label, field);
  return wrap;
}

function value(field) {
  const text = field.value.trim();
  if (!text) return undefined;
  if (field.dataset.type === 'boolean') return text.toLowerCase() === 'true';
  if (['integer', 'long', 'double', 'number'].includes(field.dataset.type) && !Number.isNaN(Number(text))) return Number(text);
  return text;
}

function buildTryForm() {
  const form = document.getElementById('try-form');
  form.replaceChildren();
  const element = decision();
  const table = element?.decisionLogic;
  if (!table?.input) return;
  const received = inputField({ label: 'Received on (YYYY-MM-DD)', inputExpression: { text: 'received_date', typeRef: 'string' } });
  received.querySelector('input').value = new Date().toISOString().slice(0, 10);
  form.append(...table.input.map(inputField), received);
  const button = document.createElement('button');
  button.className = 'govuk-button';
  button.type = 'submit';
  button.textContent = 'Try it';
  form.append(button);
}

function showResult(result) {
  const box = document.getElementById('try-result');
  box.replaceChildren();
  const heading = document.createElement('h3');
  heading.className = 'govuk-heading-s';
  if (!result.rule_id) {
    heading.textContent = 'No rule hits these inputs';
    box.append(heading);
    return;
  }
  heading.textContent = `Rule ${result.row} hits (${result.rule_id})`;
  const description = document.createElement('p');
  description.className = 'govuk-body';
  description.textContent = result.description;
  const list = document.createElement('dl');
  list.className = 'govuk-summary-list';
  for (const [key, val] of Object.entries(result.outputs)) {
    const row = document.createElement('div');
    row.className = 'govuk-summary-list__row';
    const dt = document.createElement('dt');
    dt.className = 'govuk-summary-list__key';
    dt.textContent = key;
    const dd = document.createElement('dd');
    dd.className = 'govuk-summary-list__value';
    dd.textContent = JSON.stringify(val);
    row.append(dt, dd);
    list.append(row);
  }
  box.append(heading, description, list);
  box.dataset.rule = result.rule_id;
  document.querySelectorAll('.redress-try-hit').forEach((el) => el.classList.remove('redress-try-hit'));
  document.querySelectorAll(`[data-row-id="${CSS.escape(result.rule_id)}"]`).forEach((el) => el.classList.add('redress-try-hit'));
}

document.getElementById('try-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const inputs = {};
  for (const field of event.target.querySelectorAll('input')) {
    const v = value(field);
    if (v !== undefined) inputs[field.name] = v;
  }
  try {
    const result = await call(`${encodeURIComponent(page.package)}/decisions/${encodeURIComponent(decision().id)}/try`,
      { method: 'POST', json: { inputs, dmn: await source() } });
    showResult(result);
  } catch (error) {
    const box = document.getElementById('try-result');
    box.textContent = error.message;
  }
});

async function start() {
  const xml = await call(fileUrl(), { as: 'text' });
  await modeler.importXML(xml);
  const decisionView = modeler.getViews().find((v) => v.type === 'decisionTable');
  if (decisionView) await modeler.open(decisionView);
  modeler.on('views.changed', buildTryForm);
  buildTryForm();
  modeler.getActiveViewer()?.on('elements.changed', () => tools.changed());
  document.getElementById('modeller').dataset.ready = 'true';
  await tools.check();
}

start().catch((error) => {
  say(`The decision table could not be opened: ${error.message}`);
  document.getElementById('modeller').dataset.failed = 'true';
});
