// The analysts' BPMN modeller: bpmn-js with the properties panel, SpiffWorkflow extensions,
// bpmnlint (recommended + Redress rules), server checks as markers, drafts, token simulation.
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css';
import 'bpmn-js-token-simulation/assets/css/bpmn-js-token-simulation.css';
import './modeller/modeller.css';

import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import lintModule from 'bpmn-js-bpmnlint';
import TokenSimulationModule from 'bpmn-js-token-simulation';

import { loadCatalogue } from './modeller/catalogue.js';
import { fitReadably } from './modeller/fit.js';
import { call, fileUrl } from './modeller/http.js';
import lintConfig from './modeller/lint/config.js';
import { checkExpressions, setDeployProblems } from './modeller/lint/server.js';
import spiffworkflow from './modeller/spiffworkflow.json';
import RedressPropertiesModule from './modeller/provider/index.js';
import { say, showProblems, toolbar } from './modeller/toolbar.js';

const modeler = new BpmnModeler({
  container: '#canvas',
  propertiesPanel: { parent: '#panel' },
  linting: { bpmnlint: lintConfig, active: true },
  additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule,
    RedressPropertiesModule, lintModule, TokenSimulationModule],
  moddleExtensions: { spiffworkflow },
});
window.redressModeler = modeler; // for the browser tests and the benchmark

const linting = modeler.get('linting');
const registry = modeler.get('elementRegistry');

function select(id) {
  const element = registry.get(id);
  if (!element) return;
  modeler.get('selection').select(element);
  modeler.get('canvas').scrollToElement(element);
}

async function source() {
  const { xml } = await modeler.saveXML({ format: true });
  return xml;
}

async function recheckExpressions() {
  try {
    if (await checkExpressions(modeler.getDefinitions())) linting.update();
  } catch (error) {
    say(`Expressions not checked: ${error.message}`);
  }
}

const tools = toolbar({
  source,
  load: (xml) => modeler.importXML(xml),
  extension: '.bpmn',
  onChecked: (problems) => {
    const ids = registry.getAll().map((e) => e.id).sort((a, b) => b.length - a.length);
    const marked = setDeployProblems(problems, ids);
    showProblems(marked.map((p) => ({ text: p.text, element: p.element })), select);
    linting.update();
  },
});

let expressionTimer = null;
modeler.on('commandStack.changed', () => {
  tools.changed();
  clearTimeout(expressionTimer);
  expressionTimer = setTimeout(recheckExpressions, 600);
});

const simulate = document.querySelector('[data-action="simulate"]');
simulate?.addEventListener('click', () => {
  modeler.get('toggleMode').toggleMode();
});
modeler.on('tokenSimulation.toggleMode', ({ active }) => {
  simulate?.setAttribute('aria-pressed', String(active));
  document.getElementById('modeller').classList.toggle('redress-modeller--simulating', active);
});
modeler.on('linting.completed', ({ issues }) => {
  document.getElementById('modeller').dataset.lintIssues = String(Object.keys(issues).length);
});

async function start() {
  const started = performance.now();
  const [xml] = await Promise.all([call(fileUrl(), { as: 'text' }), loadCatalogue()]);
  const { warnings } = await modeler.importXML(xml);
  fitReadably(modeler.get('canvas'));
  const root = document.getElementById('modeller');
  root.dataset.importWarnings = String(warnings.length);
  if (warnings.length) console.warn('import warnings', warnings);
  if (location.hash.length > 1) select(decodeURIComponent(location.hash.slice(1)));
  root.dataset.ready = String(Math.round(performance.now() - started));
  await recheckExpressions();
  await tools.check();
}

start().catch((error) => {
  say(`The diagram could not be opened: ${error.message}`);
  document.getElementById('modeller').dataset.failed = 'true';
});
